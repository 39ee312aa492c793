"""How fast is the activation list imported and matched against every case?

Makes a list of `--rows` rows (.xlsx, as the police send it): most of them the ID numbers of
the database's residents (some with another level or day), the rest nobody's; imports it with
`import_activations` (a process of its own: its wall time and peak memory are measured), which
reads it, writes it as the list in force and refreshes the list's values on every case. In the
same run it measures the floor: reading the same file with python-calamine plus one COPY of
its rows into an indexed table. Prints the time, rows per second, the peak memory and the
ratio against the floor.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/vneid_verify_bench \\
        .venv/bin/python benchmarks/bench_verify.py --cases 1000000 --rows 500000

The database (its name must contain "bench") is seeded with `seed_demo --cases N` when it
does not hold that many cases, as bench_pages does; its data may be replaced. With
`--fast-seed` it is filled in SQL instead (one unit tree, `--members` members, one resident
a case, levels and days spread over the campaign): a million cases in about a minute, where
`seed_demo` takes far longer on a shared machine.
"""

import argparse
import datetime
import io
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")  # a development tool: debug is asked for

from bench_pages import database_url, ensure_seeded, log  # noqa: E402


def fast_seed(url, name, cases, members):
    """Migrate, then fill the cases table in SQL (when it does not hold `cases` already)."""
    from bench_pages import manage, psql_admin

    if not psql_admin(url, ("SELECT 1 FROM pg_database WHERE datname = %s", name)):
        psql_admin(url, (f'CREATE DATABASE "{name}"',))
    manage(url, "migrate", "--noinput")
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from django.db import connection, transaction

    from campaign.models import Campaign, Case
    from units.models import Unit

    if Case.objects.count() == cases:
        log(f"{name}: {cases:,} cases already there, reused")
        return
    log(f"{name}: filling {cases:,} cases, {members:,} members in SQL")
    started = time.perf_counter()
    campaign = Campaign.objects.get(slug="vneid-2023")
    with transaction.atomic():
        Case.objects.all().delete()
        top = Unit.objects.create(code="BENCH-HUYEN", name="Huyện Đoàn (bench)", kind="youth_union")
        communes = [
            Unit.objects.create(
                code=f"BENCH-XA-{n}", name=f"Đoàn xã {n}", kind="youth_union", parent=top
            )
            for n in range(50)
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO units_member (unit_id, full_name, id_number, category,"
                " active, has_level2_account, vneid_activated, portal_used, own_procedures_total,"
                " own_procedures_online, family_procedures_total, family_procedures_online,"
                " phone, created_at, updated_at)"
                " SELECT (%s::bigint[])[1 + n %% %s], 'Thành viên ' || n,"
                " '0140' || lpad(n::text, 8, '0'), 'member', true, false, false, false, 0, 0, 0,"
                " 0, '', now(), now() FROM generate_series(1, %s) n",
                [[u.pk for u in communes], len(communes), members],
            )
            cursor.execute(
                "INSERT INTO campaign_resident (id_number, full_name, search_name, phone, address,"
                " village, commune, sex, category, on_roster, created_at, updated_at)"
                " SELECT '0141' || lpad(n::text, 8, '0'), 'Người dân ' || n, 'nguoi dan ' || n,"
                " '', '', '', '', '', 'resident', false, now(), now()"
                " FROM generate_series(1, %s) n",
                [cases],
            )
            cursor.execute(
                "INSERT INTO campaign_case (campaign_id, resident_id, member_id, eid_level,"
                " activated_on, portal_used, id_card_application, place, note, claimants,"
                " resident_excluded, claim_awarded, created_at, updated_at)"
                " SELECT %s, r.id, m.ids[1 + (r.id %% array_length(m.ids, 1))],"
                " CASE WHEN r.id %% 10 = 0 THEN NULL ELSE 1 + r.id %% 2 END,"
                " CASE WHEN r.id %% 10 = 0 THEN NULL"
                "  ELSE DATE '2023-04-15' + (r.id %% 70)::int END,"
                " r.id %% 4 <> 0, false, '', '', 1, false, false, now(), now()"
                " FROM campaign_resident r,"
                " (SELECT array_agg(id ORDER BY id) AS ids FROM units_member) m",
                [campaign.pk],
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"filled in {time.perf_counter() - started:.0f} s")


def make_list(path, rows, seed=2023):
    """The list: the residents' ID numbers first (a tenth of them with another level or a
    day later), then numbers nobody guides, to `rows` rows."""
    import xlsxwriter
    from django.db import connection

    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id_number, max(c.eid_level), max(c.activated_on), bool_or(c.portal_used)"
            " FROM campaign_resident r JOIN campaign_case c ON c.resident_id = r.id"
            " GROUP BY r.id_number ORDER BY r.id_number LIMIT %s",
            [rows],
        )
        known = cursor.fetchall()
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Danh sách kích hoạt")
    for col, header in enumerate(
        ["STT", "Số định danh", "Họ và tên", "Mức định danh", "Ngày kích hoạt", "Tài khoản DVC"]
    ):
        sheet.write_string(0, col, header)
    day_format = book.add_format({"num_format": "dd/mm/yyyy"})
    written = 0
    for id_number, level, day, portal in known:
        level = level or rng.choice((1, 2))
        day = day or datetime.date(2023, 5, 1) + datetime.timedelta(days=rng.randrange(60))
        if rng.random() < 0.1:
            level, day = 3 - level, day + datetime.timedelta(days=1)
        written += 1
        sheet.write_number(written, 0, written)
        sheet.write_string(written, 1, id_number)
        sheet.write_string(written, 2, "Người Dân")
        sheet.write_number(written, 3, level)
        sheet.write_datetime(
            written, 4, datetime.datetime.combine(day, datetime.time()), day_format
        )
        sheet.write_string(written, 5, "Có" if portal else "Không")
    extra = 0
    while written < rows:
        extra += 1
        written += 1
        sheet.write_number(written, 0, written)
        sheet.write_string(written, 1, f"099{extra:09d}")
        sheet.write_string(written, 2, "Người Ngoài")
        sheet.write_number(written, 3, 2)
        sheet.write_datetime(written, 4, datetime.datetime(2023, 5, 2), day_format)
        sheet.write_string(written, 5, "Có")
    book.close()
    return len(known)


def clear_list():
    """No list in force, no case holding a list's values (not timed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaign_activationentry")
        cursor.execute("DELETE FROM campaign_activationlist")
        cursor.execute(
            "UPDATE campaign_case SET official_level = NULL, official_activated_on = NULL,"
            " official_portal = NULL WHERE official_level IS NOT NULL"
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE campaign_case")


def floor(path):
    """Read the list with calamine, then one COPY of its rows into an indexed table."""
    import python_calamine
    from django.db import connection

    started = time.perf_counter()
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name("Danh sách kích hoạt").iter_rows()
    next(rows)
    buffer = io.StringIO()
    for cells in rows:
        day = cells[4]
        day = day.date() if isinstance(day, datetime.datetime) else day
        buffer.write(f"{cells[1]}\t{int(cells[3])}\t{day}\t{cells[5] == 'Có'}\t{cells[2]}\n")
    read = time.perf_counter() - started
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_verify_floor")
        cursor.execute(
            "CREATE TABLE bench_verify_floor (id_number varchar(12) PRIMARY KEY,"
            " eid_level smallint, activated_on date, portal_used boolean, full_name text)"
        )
        copy_started = time.perf_counter()
        cursor.copy_expert("COPY bench_verify_floor FROM STDIN", buffer)
        copied = time.perf_counter() - copy_started
        cursor.execute("DROP TABLE bench_verify_floor")
    return read, copied


def engine(url, path):
    """`import_activations FILE` in a process of its own: (wall seconds, its peak RSS in MB,
    its output). The peak is that process's own (wait4), not the benchmark's."""
    import tempfile

    env = {**os.environ, "DATABASE_URL": url}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "import_activations", str(path)],
            env=env,
            stdout=out,
            stderr=err,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        output, errors = out.read(), err.read()
    if child.returncode:
        sys.exit(f"import_activations failed:\n{output}\n{errors}")
    return elapsed, usage.ru_maxrss / 1024, output


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--fast-seed", action="store_true", help="fill the cases in SQL")
    args = parser.parse_args()
    url, name = database_url()
    if args.fast_seed:
        fast_seed(url, name, args.cases, args.members)
    else:
        ensure_seeded(url, name, args.cases, args.members)
    from django.db import connection

    connection.ensure_connection()
    connection.set_autocommit(True)
    path = Path(f"/tmp/{name}-list-{args.rows}.xlsx")
    if not path.exists():
        log(f"writing the list: {args.rows:,} rows to {path}")
        make_list(path, args.rows)
    log(f"list: {path} ({path.stat().st_size / 1e6:.1f} MB)")

    floors, engines, peak, out = [], [], 0.0, ""
    for run in range(args.runs):
        read, copied = floor(path)
        floors.append(read + copied)
        log(f"run {run + 1}: floor {read:.2f} s read + {copied:.2f} s COPY")
        clear_list()
        elapsed, peak, out = engine(url, path)
        engines.append(elapsed)
        log(f"run {run + 1}: import_activations {elapsed:.2f} s")
    again, _peak, again_out = engine(url, path)  # the same list again: nothing changes

    floor_time, engine_time = min(floors), min(engines)
    print(f"database:   {name}, {args.cases:,} cases")
    print(f"list:       {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB (.xlsx)")
    print(f"floor (calamine read + one COPY into an indexed table): {floor_time:.2f} s")
    print(
        f"import_activations (read, check, write the list, refresh every case): "
        f"{engine_time:.2f} s, {args.rows / engine_time:,.0f} rows/s"
    )
    print(f"ratio import/floor: {engine_time / floor_time:.2f} (target at most 1.5)")
    print(f"peak memory of the import process: {peak:.0f} MB (target under 500)")
    print(f"the same list again (nothing changes): {again:.2f} s")
    print(out.strip())
    print(again_out.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
