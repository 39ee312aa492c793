"""How long does merging two communes take (rules.md, units that change)?

Seeds a district with two communes' Youth Unions, the merged one holding 2,000 members and
100,000 cases (a tenth of them in its 20 branches, which move under the other commune) and
the other 200 members and 10,000 cases, into a database of its own; then times the
preview (`plan_merge`), the merger (`apply_change`), the figures as of a day before and
after it (cold, then warm as the dashboards keep them) and the undo.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vneid_unitchange_bench \\
        .venv/bin/python benchmarks/bench_unit_change.py

With `--district`, the data is instead bench_rules' district of 1,000,000 cases, 5,000
members and 200 units; the commune with the most members is merged into another of its
kind, and the dashboards' figures of the whole district are timed, cold then warm, as of a
day after the merger and a day before it.

The database's name must contain "bench": its campaign data is replaced.
"""

import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")  # a development tool: debug is asked for
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vneid_unitchange_bench")

MEMBERS, CASES, BRANCHES = 2000, 100_000, 20
OTHER_MEMBERS, OTHER_CASES = 200, 10_000
DAY = datetime.date(2023, 7, 1)


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def timed(label, call):
    started = time.perf_counter()
    value = call()
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.3f} s", flush=True)
    return value, elapsed


def seed():
    from django.db import connection, transaction

    from campaign.models import Campaign, Case, Resident
    from campaign.rule_inputs import refresh_rule_inputs
    from units.models import Member, Unit, UnitKind, UnitRole

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE units_unitmove, units_unitchange, units_unitchange_units, "
                "campaign_doubleclaimresolution, campaign_case, campaign_resident, "
                "units_member, units_unitrole, units_unit RESTART IDENTITY CASCADE"
            )
        campaign = Campaign.objects.get(slug="vneid-2023")
        district = Unit.objects.create(code="HD", name="Huyện Đoàn", kind=UnitKind.YOUTH_UNION)
        east = Unit.objects.create(
            code="DXA", name="Đoàn xã A", kind="youth_union", parent=district
        )
        west = Unit.objects.create(
            code="DXB", name="Đoàn xã B", kind="youth_union", parent=district
        )
        branches = [
            Unit.objects.create(
                code=f"CD{n:02d}", name=f"Chi đoàn {n}", kind="youth_union", parent=east
            )
            for n in range(BRANCHES)
        ]
        members = Member.objects.bulk_create(
            [
                Member(
                    unit=branches[n % BRANCHES] if n % 10 == 0 else east,
                    full_name=f"Thành viên {n}",
                    id_number=f"0970{n:08d}",
                    category="member",
                )
                for n in range(MEMBERS)
            ]
            + [
                Member(
                    unit=west,
                    full_name=f"Thành viên xã B {n}",
                    id_number=f"0971{n:08d}",
                    category="member",
                )
                for n in range(OTHER_MEMBERS)
            ],
            batch_size=2000,
        )
        residents = Resident.objects.bulk_create(
            [
                Resident(
                    id_number=f"0960{n:08d}",
                    full_name=f"Người dân {n}",
                    search_name=f"nguoi dan {n}",
                )
                for n in range(CASES + OTHER_CASES)
            ],
            batch_size=5000,
        )

        def guide(n):
            if n < CASES:
                return members[n % MEMBERS]
            return members[MEMBERS + n % OTHER_MEMBERS]

        Case.objects.bulk_create(
            [
                Case(
                    campaign=campaign,
                    member=guide(n),
                    resident=resident,
                    eid_level=2,
                    activated_on=datetime.date(2023, 5, 1) + datetime.timedelta(n % 120),
                    portal_used=n % 3 != 0,
                )
                for n, resident in enumerate(residents)
            ],
            batch_size=5000,
        )
        admin = UnitRole.objects.model.user.field.related_model.objects.get_or_create(
            username="bench-admin", defaults={"is_superuser": True}
        )[0]
        UnitRole.objects.create(user=admin, unit=east, role=UnitRole.Role.SECRETARY)
    refresh_rule_inputs()
    return campaign, east, west, admin


def best_warm(label, call, runs=5):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    print(f"{label}: {min(times) * 1000:.1f} ms (best of {runs})", flush=True)


def district():
    """A merger in bench_rules' district of 1,000,000 cases; the dashboards after it."""
    import random

    from django.db.models import Count

    from benchmarks.bench_rules import seed as seed_district
    from dashboards.figures import figures_for
    from reports.unit_changes import apply_change, plan_merge
    from units.models import Unit, UnitChange

    UnitChange.objects.all().delete()
    started = time.perf_counter()
    campaign = seed_district(1_000_000, 5_000, 200, random.Random(7))
    log(f"seeded the district: {time.perf_counter() - started:.1f} s")
    communes = list(
        Unit.objects.filter(parent__parent__isnull=True, parent__isnull=False)
        .annotate(n=Count("members"))
        .order_by("-n")
    )
    merged = communes[0]
    target = next(u for u in communes[1:] if u.kind == merged.kind)
    units = Unit.objects.all()
    after_day, before_day = datetime.date(2023, 9, 30), datetime.date(2023, 6, 20)
    figures_for(campaign, as_of=after_day, units=units)
    best_warm(
        "dashboard, 1M cases, before any change, warm",
        lambda: figures_for(campaign, as_of=after_day, units=units),
    )
    plan, preview = timed("preview", lambda: plan_merge(units=[merged], target=target, day=DAY))
    assert plan.errors == [], plan.errors
    _change, merge = timed("merge", lambda: apply_change(plan, user=None))
    print(f"  {plan.member_count} members, {plan.cases} cases, {len(plan.subunits)} sub-units")
    for label, day in (("after", after_day), ("before", before_day)):
        timed(
            f"dashboard, 1M cases, a day {label} the merger, cold",
            lambda day=day: figures_for(campaign, as_of=day, units=units),
        )
        best_warm(
            f"dashboard, 1M cases, a day {label} the merger, warm",
            lambda day=day: figures_for(campaign, as_of=day, units=units),
        )


def main():
    from benchmarks.bench_rules import ensure_database

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if "--district" in sys.argv:
        district()
        return
    from campaign.results import build_results
    from dashboards.figures import figures_for
    from reports.unit_changes import apply_change, plan_merge, undo_change
    from units.models import Member, Unit

    started = time.perf_counter()
    campaign, east, west, admin = seed()
    log(f"seeded {MEMBERS} members, {CASES} cases: {time.perf_counter() - started:.1f} s")
    moved = Member.objects.filter(unit__path__startswith=east.path).count()
    log(f"members under the merged commune: {moved}")
    before_day, after_day = datetime.date(2023, 6, 20), datetime.date(2023, 8, 31)
    before = build_results(campaign, as_of=before_day).unit("DXA").tally.credited_full

    plan, preview = timed(
        "preview (plan_merge)", lambda: plan_merge(units=[east], target=west, day=DAY)
    )
    assert plan.errors == [], plan.errors
    change, merge = timed("merge (apply_change)", lambda: apply_change(plan, user=admin))
    print(
        f"  moved {plan.member_count} members with their {plan.cases} cases, and"
        f" {len(plan.subunits)} sub-units with the rest ({moved} members in all)"
    )
    print(f"preview + merge: {preview + merge:.3f} s (the issue's bound: 5 s)")
    after = timed(
        "figures as of a day before (build_results)",
        lambda: build_results(campaign, as_of=before_day).unit("DXA").tally.credited_full,
    )[0]
    assert after == before, (after, before)
    timed(
        "figures as of a day after (build_results)",
        lambda: build_results(campaign, as_of=after_day),
    )
    units = Unit.objects.all()
    timed(
        "dashboard figures after, cold", lambda: figures_for(campaign, as_of=after_day, units=units)
    )
    timed(
        "dashboard figures after, warm", lambda: figures_for(campaign, as_of=after_day, units=units)
    )
    timed("undo", lambda: undo_change(change, user=admin))


if __name__ == "__main__":
    main()
