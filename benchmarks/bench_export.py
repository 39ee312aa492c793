"""How fast is the district's report workbook with a 100,000-resident named list?

Times `reports.exports.export_report` (every sheet: the units' and members' figures, the
proposals, the named list streamed from the database, the double claims) against the floor
measured in the same run: the query that reads the named list's rows, plus XlsxWriter in
constant-memory mode writing those same rows from memory, cell by typed cell, with no
formats. Prints rows per second, the ratio and the peak memory.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/vneid_export_bench \\
        .venv/bin/python benchmarks/bench_export.py

The database's name must contain "bench". An empty one is seeded with
`seed_demo --cases 180000 --members 3000` (about 100,000 credited full cases).
"""

import argparse
import datetime
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")  # a development tool: debug is asked for
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vneid_export_bench"
)


def ensure_database():
    import environ

    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    name = str(config["NAME"])
    if "bench" not in Path(name).name:
        sys.exit(f"refusing to use {name!r}: the benchmark database's name must contain 'bench'")
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


def floor(campaign, as_of, path):
    """The query that reads the named list, then the fastest writer writing its rows."""
    import xlsxwriter
    from django.db import connection

    from campaign import rules
    from campaign.models import Case
    from reports.exports.data import NAMED_LIST_FIELDS, VIETNAMESE_NAME_ORDER

    # The floor reads each resident's one row; the report reads each guide's tree's own record
    # of the person (reports.exports.data._recorded_details), work the floor leaves out.
    plain = [
        f"resident__{f.removeprefix('named_')}" if f.startswith("named_") else f
        for f in NAMED_LIST_FIELDS
    ]

    started = time.perf_counter()
    rows = list(
        Case.objects.filter(campaign=campaign)
        .filter(rules.credited_full(campaign, as_of))
        .order_by(
            "member__unit__path",
            *VIETNAMESE_NAME_ORDER["guide"],
            "member_id",
            *VIETNAMESE_NAME_ORDER["resident"],
        )
        .values_list(*plain)
        .iterator(chunk_size=5000)
    )
    queried = time.perf_counter()
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("Danh sách kèm theo")
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(rows):
        name, birth, id_number, phone, address, level, activated, portal, guide, unit = row[:10]
        sheet.write_number(r, 0, r + 1)
        sheet.write_string(r, 1, name)
        if birth:
            sheet.write_datetime(r, 2, birth, date)
        sheet.write_string(r, 3, id_number)
        sheet.write_string(r, 4, phone)
        sheet.write_string(r, 5, address)
        sheet.write_number(r, 6, level)
        sheet.write_datetime(r, 7, activated, date)
        sheet.write_string(r, 8, "Có" if portal else "Không")
        sheet.write_string(r, 9, guide)
        sheet.write_string(r, 10, unit)
    book.close()
    connection.close()
    return len(rows), queried - started, time.perf_counter() - queried


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", type=int, default=180_000, help="seed size if empty")
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    from campaign.models import Campaign
    from reports.exports import export_report
    from units.models import Unit

    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        log(f"seeding the demo district with about {args.cases:,} cases (once)")
        call_command("seed_demo", cases=args.cases, members=3000, verbosity=0)
    campaign = Campaign.objects.get(slug="vneid-2023")
    as_of = datetime.date.today()
    out = Path(tempfile.mkdtemp(prefix="vneid-bench-export-"))

    # Alternated, best of each: on a shared machine a slow moment hits both alike.
    # CPU time of this process too: the wall clock of a shared machine varies by 2-3x from
    # one minute to the next, while the CPU each side spends does not.
    engine_times, engine_cpu, floors, floor_cpu, rows, engine_rss = [], [], [], [], 0, 0
    for _ in range(args.runs):
        started, cpu = time.perf_counter(), time.process_time()
        _report, rows = export_report(
            out / "report.xlsx", campaign=campaign, user=None, as_of=as_of, channel="benchmark"
        )
        engine_times.append(time.perf_counter() - started)
        engine_cpu.append(time.process_time() - cpu)
        if not floors:  # the report's peak, before the floor holds its rows in memory
            engine_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cpu = time.process_time()
        floors.append(floor(campaign, as_of, out / "floor.xlsx"))
        floor_cpu.append(time.process_time() - cpu)
    floor_rows = floors[0][0]
    best_floor = min(q + w for _n, q, w in floors)
    query = min(q for _n, q, _w in floors)
    best = min(engine_times)
    size = (out / "report.xlsx").stat().st_size / 1e6
    print(f"named list: {rows:,} rows (floor: {floor_rows:,}); workbook {size:.1f} MB")
    print(
        f"report (every sheet): {best:.2f} s, {rows / best:,.0f} rows/s "
        f"(runs: {', '.join(f'{t:.2f}' for t in engine_times)})"
    )
    print(
        f"floor (query {query:.2f} s + constant-memory write): {best_floor:.2f} s, "
        f"{floor_rows / best_floor:,.0f} rows/s "
        f"(runs: {', '.join(f'{q + w:.2f}' for _n, q, w in floors)})"
    )
    print(f"ratio: {best / best_floor:.2f}x the floor (target <= 1.3x), wall clock")
    print(
        f"ratio of this process's CPU time: {min(engine_cpu) / min(floor_cpu):.2f}x "
        f"({min(engine_cpu):.2f} s vs {min(floor_cpu):.2f} s; runs: "
        f"{', '.join(f'{e:.2f}/{f:.2f}' for e, f in zip(engine_cpu, floor_cpu, strict=True))})"
    )
    print(f"peak memory (max RSS after a report run): {engine_rss:.0f} MB (target < 300 MB)")
    if rows != floor_rows:
        sys.exit("the report's named list and the floor's rows differ")


if __name__ == "__main__":
    main()
