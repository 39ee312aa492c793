"""Benchmark of the workbook import (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_import.py [--rows 100000] [--members 3000] [--user]

Generates (once, cached under benchmarks/out/) a workbook whose Người dân sheet has ROWS rows
of 12 columns, with its Đơn vị / Thành viên roster, and imports it into a separate PostgreSQL
database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/vneid_import_bench,
created if missing, emptied before the run). In the same run it measures the floor: the
fastest reader (python-calamine) plus one COPY of the same rows into the indexed tables they
go to (residents and their cases, with those tables' indexes and foreign-key checks; nothing
validated, planned or detected). That is the floor the issue's own figures describe (calamine
about 2.2 s, COPY into an indexed table about 7 s on this kind of machine). For comparison it
also prints a lighter one: the same rows COPYed into a bare table with a single index. Prints
rows/second, the ratio to the floor, the time of each phase, and the peak memory. With
--user the import runs as a signed-in district administrator, as on the web (every row then
records who wrote it, and PostgreSQL checks that reference too); without, as the command does
by default.
"""

import argparse
import datetime
import io
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/vneid_import_bench"
PROVINCES = ["001", "014", "022", "038", "040", "079"]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Lò", "Quàng", "Cầm", "Vì", "Lường"]
MIDDLE = ["Văn", "Thị", "Đức", "Thu", "Minh", "Ngọc"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Hà", "Hương", "Lan", "Mai", "Nam", "Phong", "Sơn", "Thảo"]


def id_for(n, female=False, year=1990):
    digit = (year // 100 - 19) * 2 + (1 if female else 0)
    return f"{PROVINCES[n % len(PROVINCES)]}{digit}{year % 100:02d}{n % 1000000:06d}"


def generate(path, rows, members):
    """Write the benchmark workbook with openpyxl's streaming writer."""
    import openpyxl

    rng = random.Random(42)
    workbook = openpyxl.Workbook(write_only=True)
    units = workbook.create_sheet("Đơn vị")
    units.append(["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"])
    units.append(["HUYEN-DOAN", "Huyện Đoàn", "Đoàn", None])
    codes = [f"DX{n:02d}" for n in range(40)]
    for code in codes:
        units.append([code, f"Đoàn xã {code}", "Đoàn", "HUYEN-DOAN"])
    roster = workbook.create_sheet("Thành viên")
    roster.append(
        ["Mã đơn vị", "Họ và tên", "Số định danh", "Đối tượng", "Ngày sinh", "Số điện thoại"]
    )
    guides = []
    for n in range(members):
        number = id_for(500000 + n, female=n % 2 == 1, year=1995)
        guides.append(number)
        roster.append(
            [
                codes[n % len(codes)],
                f"{rng.choice(SURNAMES)} Văn {rng.choice(GIVEN)}",
                number,
                "Đoàn viên/Hội viên",
                "01/01/1995",
                f"09{n % 100000000:08d}",
            ]
        )
    people = workbook.create_sheet("Người dân")
    people.append(
        [
            "Họ và tên",
            "Số định danh",
            "Số định danh người hướng dẫn",
            "Mức định danh",
            "Ngày kích hoạt",
            "Tài khoản DVC",
            "Đối tượng",
            "Ngày sinh",
            "Giới tính",
            "Số điện thoại",
            "Địa chỉ",
            "Ghi chú",
        ]
    )
    start = datetime.date(2023, 4, 21)
    for n in range(rows):
        female = n % 2 == 1
        year = 1950 + n % 50
        level = (1, 2, None)[n % 3]
        number = id_for(n, female, year)
        people.append(
            [
                f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                # Every fifth typed as a number: it lost its leading zero, the importer restores it.
                int(number) if n % 5 == 0 and not number.startswith("00") else number,
                guides[n % members],
                level,
                (start + datetime.timedelta(days=n % 200)).strftime("%d/%m/%Y") if level else None,
                "Có" if n % 4 else "Không",
                "Người dân",
                datetime.date(year, 1 + n % 12, 1 + n % 28),
                "Nữ" if female else "Nam",
                f"0{rng.choice(['912', '987', '386', '868'])}{n % 1000000:06d}",
                f"Bản {n % 300}, xã {codes[n % len(codes)]}",
                "",
            ]
        )
    workbook.save(path)


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")  # a development tool: debug is asked for
    import psycopg2

    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, 1_000_000)
    settings.IMPORT_MAX_BYTES = max(settings.IMPORT_MAX_BYTES, 500 * 1024 * 1024)
    settings.IMPORT_MAX_PART_BYTES = settings.IMPORT_MAX_UNPACKED_BYTES = 1 << 40
    settings.IMPORT_MAX_CELLS = settings.IMPORT_CHECK_SECONDS = 1 << 40
    call_command("migrate", verbosity=0)


def empty_domain_tables():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE campaign_case, campaign_doubleclaimresolution, campaign_resident, "
            "units_member, units_unitrole, units_unit RESTART IDENTITY CASCADE"
        )


def bare_floor(path):
    """Read with calamine + one COPY of the residents' rows into a bare table with one index."""
    import python_calamine
    from django.db import connection

    started = time.perf_counter()
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name("Người dân").to_python()
    for name in ("Đơn vị", "Thành viên"):
        book.get_sheet_by_name(name).to_python()
    read = time.perf_counter() - started
    started = time.perf_counter()
    buffer = io.StringIO()
    for row in rows[1:]:
        buffer.write("\t".join("" if v is None else str(v) for v in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute(
            "CREATE TABLE bench_floor (" + ", ".join(f"c{i} text" for i in range(12)) + ")"
        )
        cursor.execute("CREATE UNIQUE INDEX bench_floor_id ON bench_floor (c1)")
        cursor.copy_expert("COPY bench_floor FROM STDIN", buffer)
        cursor.execute("DROP TABLE bench_floor")
    copy = time.perf_counter() - started
    return read, copy, len(rows) - 1


def floor(path, user):
    """The floor: read with calamine, then one COPY of the residents and one of their cases
    into their own tables, with those tables' indexes and foreign-key checks, and no
    validation, no plan, no double-claim detection. Measured in a transaction that is rolled
    back; the foreign keys are checked as each COPY ends (SET CONSTRAINTS ALL IMMEDIATE), as
    they would be at commit. The units and members the cases refer to are written first,
    outside the timing."""
    import python_calamine
    from django.db import connection, transaction

    from campaign.bulk import reserve_ids
    from campaign.models import Campaign
    from units.models import Member, Unit

    campaign = Campaign.objects.get(slug="vneid-2023")
    with transaction.atomic():
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        units = book.get_sheet_by_name("Đơn vị").to_python()[1:]
        root = Unit.objects.create(code=units[0][0], name=units[0][1], kind="youth_union")
        for code, name, *_rest in units[1:]:
            Unit.objects.create(code=code, name=name, kind="youth_union", parent=root)
        by_code = dict(Unit.objects.values_list("code", "pk"))
        Member.objects.bulk_create(
            [
                Member(
                    unit_id=by_code[row[0]],
                    full_name=row[1],
                    id_number=str(row[2]),
                    category="member",
                )
                for row in book.get_sheet_by_name("Thành viên").to_python()[1:]
            ],
            batch_size=1000,
        )
        guides = dict(Member.objects.values_list("id_number", "pk"))
        by = "\\N" if user is None else str(user.pk)
        at = datetime.datetime.now(datetime.UTC).isoformat()
        started = time.perf_counter()
        rows = book.get_sheet_by_name("Người dân").to_python()[1:]
        ids = reserve_ids("campaign_resident", len(rows))
        residents, cases = io.StringIO(), io.StringIO()
        for pk, row in zip(ids, rows):
            name, number, guide, level, activated, portal = row[:6]
            number = str(int(number)).zfill(12) if isinstance(number, (int, float)) else number
            residents.write(
                "\t".join(
                    (
                        str(pk),
                        number,
                        name,
                        str(row[7])[:10],
                        "F" if row[8] == "Nữ" else "M",
                        row[9],
                        row[10],
                        "",
                        "",
                        "resident",
                        name,
                        "f",
                        at,
                        at,
                        by,
                        by,
                    )
                )
                + "\n"
            )
            cases.write(
                "\t".join(
                    (
                        str(campaign.pk),
                        str(pk),
                        str(guides[guide]),
                        str(int(level)) if level != "" else "\\N",
                        activated or "\\N",
                        "t" if portal == "Có" else "f",
                        "f",
                        "\\N",
                        "",
                        "",
                        "1",
                        "f",
                        "f",
                        at,
                        at,
                        by,
                        by,
                    )
                )
                + "\n"
            )
        residents.seek(0)
        cases.seek(0)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL datestyle = 'ISO, DMY'")
            cursor.copy_expert(
                "COPY campaign_resident (id, id_number, full_name, birth_date, sex, phone, address, village,"
                " commune, category, search_name, on_roster, created_at, updated_at, created_by_id,"
                " updated_by_id) FROM STDIN",
                residents,
            )
            cursor.copy_expert(
                "COPY campaign_case (campaign_id, resident_id, member_id, eid_level, activated_on, portal_used,"
                " id_card_application, guided_on, place, note, claimants, resident_excluded, claim_awarded,"
                " created_at, updated_at, created_by_id, updated_by_id) FROM STDIN",
                cases,
            )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed


def timed_import(path, user=None):
    """import_workbook's steps, timed one by one (same transaction shape)."""
    from django.db import transaction

    from campaign import claims, importing
    from campaign.models import Campaign

    campaign = Campaign.objects.get(slug="vneid-2023")
    phases = {}
    original = claims.refresh_rule_inputs

    def refresh(**kwargs):
        started = time.perf_counter()
        original(**kwargs)
        phases["refresh rule inputs"] = time.perf_counter() - started

    importing.refresh_rule_inputs = refresh
    started = time.perf_counter()
    parsed = importing.parse_workbook(path)
    phases["read + check rows"] = time.perf_counter() - started
    with transaction.atomic():
        mark = time.perf_counter()
        plan = importing.plan_import(parsed, campaign=campaign, user=user)
        phases["plan against database"] = time.perf_counter() - mark
        assert plan.ok, [str(e) for e in plan.errors[:5]]
        mark = time.perf_counter()
        importing.write_import(plan)
        phases["write (incl. refresh)"] = time.perf_counter() - mark
        mark = time.perf_counter()
    # PostgreSQL checks the (deferred) foreign keys of every row written at commit.
    phases["commit"] = time.perf_counter() - mark
    total = time.perf_counter() - started
    importing.refresh_rule_inputs = original
    return total, phases, plan


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=3000)
    parser.add_argument("--user", action="store_true", help="import as a signed-in administrator")
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(args.generate, args.rows, args.members)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"import-{args.rows}x12-{args.members}.xlsx"
    if not path.exists():
        print(f"generating {path.name} …", flush=True)
        # In a child process, so that openpyxl's memory does not count in the peak below.
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--rows",
                str(args.rows),
                "--members",
                str(args.members),
                "--generate",
                str(path),
            ],
            check=True,
        )
    setup_django(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    from campaign.claims import drift

    empty_domain_tables()
    user = None
    if args.user:
        from django.contrib.auth import get_user_model

        user, _created = get_user_model().objects.get_or_create(
            username="bench-import", defaults={"is_superuser": True, "is_staff": True}
        )
    read, copy, rows = bare_floor(path)
    bare = read + copy
    floor_total = floor(path, user)
    total, phases, plan = timed_import(path, user)
    again, again_phases, again_plan = timed_import(path, user)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"file: {path.name} ({path.stat().st_size / 1048576:.1f} MB), {rows:,} resident rows × 12 columns; "
        f"imported {'as a signed-in administrator' if user else 'with no user (the command)'}"
    )
    print(
        f"floor: calamine read + one COPY of the rows into their indexed tables (residents, cases; "
        f"foreign keys checked): {floor_total:.2f} s"
    )
    print(
        f"lighter floor, for comparison: calamine read {read:.2f} s + COPY into a bare table with one index "
        f"{copy:.2f} s = {bare:.2f} s"
    )
    print(
        f"import (empty database): {total:.2f} s, {rows / total:,.0f} rows/s, "
        f"{total / floor_total:.2f}× the floor ({total / bare:.2f}× the lighter one)"
    )
    for name, seconds in phases.items():
        print(f"    {name}: {seconds:.2f} s")
    print("    " + "; ".join(plan.summary()))
    print(
        f"re-import (nothing changes): {again:.2f} s, {rows / again:,.0f} rows/s, "
        f"{again / floor_total:.2f}× the floor ({again / bare:.2f}× the lighter one)"
    )
    for name, seconds in again_phases.items():
        print(f"    {name}: {seconds:.2f} s")
    print("    " + "; ".join(again_plan.summary()))
    print(f"peak memory (maxrss): {peak:.0f} MB")
    if os.environ.get("BENCH_DRIFT"):
        print(f"rule-input drift after import: {len(drift())} cases")


if __name__ == "__main__":
    main()
