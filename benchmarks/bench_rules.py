"""How fast are every member's and every unit's figures at a province's scale?

Seeds 1,000,000 cases, 5,000 members and 200 units into a database of its own (COPY on
PostgreSQL, one executemany on SQLite), then times `campaign.results.build_results` against
the floor: one bare GROUP BY over the cases table whose rule inputs are already stored on
each row. Checks that both give the same numbers, and prints the times, their ratio, the
query count and the peak memory. Optionally times `recompute_rule_inputs` from scratch.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vneid_rules_bench \\
        .venv/bin/python benchmarks/bench_rules.py
    DATABASE_URL=sqlite:////tmp/vneid_bench.sqlite3 .venv/bin/python benchmarks/bench_rules.py

The database's name must contain "bench": its campaign data is replaced.
"""

import argparse
import datetime
import io
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")  # a development tool: debug is asked for
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vneid_rules_bench")

AS_OF = datetime.date(2023, 6, 20)
FLOOR_SQL = """
SELECT member_id,
       COUNT(*),
       SUM(CASE WHEN eid_level IS NOT NULL AND activated_on >= %(start)s AND activated_on <= %(as_of)s
                 AND (claimants <= 1 OR claim_awarded) AND NOT resident_excluded
                THEN 1 ELSE 0 END),
       SUM(CASE WHEN eid_level IS NOT NULL AND activated_on >= %(start)s AND activated_on <= %(as_of)s
                 AND (claimants <= 1 OR claim_awarded) AND NOT resident_excluded AND portal_used
                THEN 1 ELSE 0 END),
       SUM(CASE WHEN claimants > 1 THEN 1 ELSE 0 END)
  FROM campaign_case
 WHERE campaign_id = %(campaign)s
 GROUP BY member_id
"""


def ensure_database():
    import environ

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    name = str(config["NAME"])
    if "bench" not in Path(name).name:
        sys.exit(f"refusing to seed {name!r}: the benchmark database's name must contain 'bench'")
    if "postgresql" in config["ENGINE"]:
        import psycopg2

        conn = psycopg2.connect(
            host=config.get("HOST") or "127.0.0.1",
            port=config.get("PORT") or 5432,
            user=config.get("USER") or "postgres",
            dbname="postgres",
        )
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not cursor.fetchone():
                cursor.execute(f'CREATE DATABASE "{name}"')
        conn.close()


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def seed(n_cases, n_members, n_units, rng):
    """Replace the campaign data with a generated district; rule inputs stored as the write
    paths store them (checked against a recomputation afterwards)."""
    from django.db import connection, transaction

    from campaign.models import Campaign, Case, DoubleClaimResolution, Resident
    from units.models import Member, MemberCategory, Unit, UnitKind, UnitRole

    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "TRUNCATE campaign_doubleclaimresolution, campaign_case, campaign_resident, "
                    "units_member, units_unitrole, units_unit RESTART IDENTITY CASCADE"
                )
        else:
            for model in (DoubleClaimResolution, Case, Resident, Member, UnitRole):
                model.objects.all().delete()
            Unit.objects.update(parent=None)
            Unit.objects.all().delete()
        campaign = Campaign.objects.get(slug="vneid-2023")

        # Units: three district roots, communes under them, branches under the communes.
        kinds = [UnitKind.POLICE, UnitKind.YOUTH_UNION, UnitKind.WOMENS_UNION]
        roots = [
            Unit.objects.create(code=f"ROOT-{i}", name=f"Huyện {kind}", kind=kind)
            for i, kind in enumerate(kinds)
        ]
        units = list(roots)
        communes = []
        while len(units) < n_units:
            parent = rng.choice(roots) if len(communes) < n_units // 3 else rng.choice(communes)
            unit = Unit.objects.create(
                code=f"U{len(units):05d}",
                name=f"Đơn vị {len(units)}",
                kind=parent.kind,
                parent=parent,
            )
            units.append(unit)
            if parent in roots:
                communes.append(unit)
        unit_ids = list(Unit.objects.values_list("pk", flat=True))

        categories = MemberCategory.values
        members = Member.objects.bulk_create(
            [
                Member(
                    unit_id=rng.choice(unit_ids),
                    full_name=f"Thành viên {i}",
                    id_number=f"0980{i:08d}",
                    category=rng.choice(categories),
                    active=rng.random() > 0.05,
                )
                for i in range(n_members)
            ],
            batch_size=2000,
        )
        member_ids = [m.pk for m in members]
        member_numbers = [m.id_number for m in members]
        log(f"units and members: {time.perf_counter() - started:.1f} s")

        # Residents and cases: 3% of cases claim an already-claimed resident (double claims).
        now = "2023-06-01 00:00:00+00"
        residents, cases = [], []
        claimants, excluded, roster = {}, {}, set()
        pairs = set()
        start_day = datetime.date(2023, 3, 1).toordinal()
        for i in range(n_cases):
            member = rng.choice(member_ids)
            if residents and rng.random() < 0.03:
                resident = rng.randint(1, len(residents))
                if (member, resident) in pairs:
                    continue
            else:
                resident = len(residents) + 1
                on_roster = rng.random() < 0.002
                number = rng.choice(member_numbers) if on_roster else f"0{i:011d}"
                if on_roster and number in roster:
                    number, on_roster = f"0{i:011d}", False
                if on_roster:
                    roster.add(number)
                category = "member" if rng.random() < 0.01 else "resident"
                residents.append((resident, number, category, on_roster))
                excluded[resident] = on_roster or category != "resident"
            pairs.add((member, resident))
            claimants[resident] = claimants.get(resident, 0) + 1
            activated = rng.random() < 0.85
            cases.append(
                (
                    len(cases) + 1,
                    campaign.pk,
                    resident,
                    member,
                    rng.choice((1, 2)) if activated else None,
                    datetime.date.fromordinal(start_day + rng.randint(0, 200))
                    if activated
                    else None,
                    activated and rng.random() < 0.7,
                )
            )
        log(
            f"generated {len(residents)} residents, {len(cases)} cases: {time.perf_counter() - started:.1f} s"
        )

        resident_rows = (
            (
                pk,
                number,
                f"Người dân {pk}",
                f"nguoi dan {pk}",
                category,
                on_roster,
                now,
                now,
                "",
                "",
                "",
                "",
                "",
            )
            for pk, number, category, on_roster in residents
        )
        case_rows = (
            (
                pk,
                camp,
                res,
                mem,
                level,
                day,
                portal,
                False,
                "",
                "",
                claimants[res],
                excluded[res],
                False,
                now,
                now,
            )
            for pk, camp, res, mem, level, day, portal in cases
        )
        resident_cols = [
            "id",
            "id_number",
            "full_name",
            "search_name",
            "category",
            "on_roster",
            "created_at",
            "updated_at",
            "sex",
            "phone",
            "address",
            "village",
            "commune",
        ]
        case_cols = [
            "id",
            "campaign_id",
            "resident_id",
            "member_id",
            "eid_level",
            "activated_on",
            "portal_used",
            "id_card_application",
            "place",
            "note",
            "claimants",
            "resident_excluded",
            "claim_awarded",
            "created_at",
            "updated_at",
        ]
        for table, cols, rows in (
            ("campaign_resident", resident_cols, resident_rows),
            ("campaign_case", case_cols, case_rows),
        ):
            if connection.vendor == "postgresql":
                copy(connection, table, cols, rows)
            else:
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(['%s'] * len(cols))})",
                        list(rows),
                    )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("campaign_resident", "campaign_case"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                cursor.execute("ANALYZE")
    log(f"seeded: {time.perf_counter() - started:.1f} s")
    return campaign


def copy(connection, table, cols, rows):
    """COPY `rows` into `table` in chunks (psycopg2's copy_expert, CSV)."""
    raw = connection.cursor().cursor
    chunk = []

    def flush():
        buffer = io.StringIO()
        for row in chunk:
            buffer.write(
                ",".join(
                    ""
                    if v is None
                    else (
                        "t"
                        if v is True
                        else "f"
                        if v is False
                        else '"' + str(v) + '"'
                        if isinstance(v, str)
                        else str(v)
                    )
                    for v in row
                )
            )
            buffer.write("\n")
        buffer.seek(0)
        raw.copy_expert(f"COPY {table} ({', '.join(cols)}) FROM STDIN WITH (FORMAT csv)", buffer)
        chunk.clear()

    for row in rows:
        chunk.append(row)
        if len(chunk) >= 200_000:
            flush()
    if chunk:
        flush()


def best_of(runs, function):
    times, result = [], None
    function()  # warm the caches
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep the data already seeded")
    parser.add_argument(
        "--recompute",
        action="store_true",
        help="also time recompute_rule_inputs from scratch and the drift check",
    )
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from campaign.claims import drift, refresh_rule_inputs
    from campaign.models import Campaign, Case
    from campaign.results import build_results

    call_command("migrate", verbosity=0)
    rng = random.Random(20230421)
    if args.reuse and Case.objects.count() >= args.cases * 0.9:
        campaign = Campaign.objects.get(slug="vneid-2023")
    else:
        campaign = seed(args.cases, args.members, args.units, rng)
    n_cases = Case.objects.count()

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(
                FLOOR_SQL,
                {"start": campaign.activation_starts_on, "as_of": AS_OF, "campaign": campaign.pk},
            )
            return cursor.fetchall()

    def engine():
        return build_results(campaign, as_of=AS_OF)

    floor_time, floor_rows = best_of(args.runs, floor)
    engine_time, results = best_of(args.runs, engine)
    connection.queries_log.clear()  # the seeding filled the capped log: start counting afresh
    with CaptureQueriesContext(connection) as queries:
        engine()
    tracemalloc.start()
    engine()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    summary_time, _ = best_of(1, lambda: build_results(campaign, as_of=AS_OF).summary)

    by_member = {
        m.pk: (m.cases, m.credited_eid, m.credited_full, m.double_claims) for m in results.members
    }
    same = (
        all(by_member[row[0]] == tuple(int(v) for v in row[1:]) for row in floor_rows)
        and sum(v[0] for v in by_member.values()) == n_cases
    )
    print(f"database:        {connection.vendor} ({connection.settings_dict['NAME']})")
    print(
        f"data:            {n_cases} cases, {len(results.members)} members, {len(results.units)} units"
    )
    print(f"floor (bare SQL GROUP BY member): {floor_time * 1000:.0f} ms")
    print(f"engine (every member's and unit's figures): {engine_time * 1000:.0f} ms")
    print(f"ratio engine/floor: {engine_time / floor_time:.2f}")
    print(f"queries per computation: {len(queries)}")
    print(
        f"campaign summary (levels, portal share, progress; three more queries): {summary_time * 1000:.0f} ms"
    )
    print(
        f"peak Python memory during a computation: {peak / 1e6:.1f} MB; process max RSS: "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    print(f"same numbers as the floor: {'yes' if same else 'NO'}")
    print(
        f"credited full cases: {results.totals.credited_full}; members meeting quota: "
        f"{results.totals.meeting_quota}; units at the collective threshold: "
        f"{sum(1 for u in results.units if u.collective_award)}"
    )
    if args.recompute:
        started = time.perf_counter()
        differences = drift()
        print(
            f"drift check (recompute_rule_inputs --check): {time.perf_counter() - started:.1f} s, "
            f"{len(differences)} differences"
        )
        started = time.perf_counter()
        refresh_rule_inputs()
        print(f"recompute_rule_inputs, nothing drifted: {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:  # forget every stored input
            cursor.execute(
                "UPDATE campaign_case SET claimants = 1, resident_excluded = %s, "
                "claim_awarded = %s",
                [False, False],
            )
            cursor.execute("UPDATE campaign_resident SET on_roster = %s", [False])
        started = time.perf_counter()
        refresh_rule_inputs()
        print(
            f"recompute_rule_inputs from scratch (every stored input reset first): "
            f"{time.perf_counter() - started:.1f} s"
        )
        after = {
            m.pk: (m.cases, m.credited_eid, m.credited_full, m.double_claims)
            for m in build_results(campaign, as_of=AS_OF).members
        }
        same = same and after == by_member and drift() == []
        print(f"same figures after the recompute, no drift: {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
