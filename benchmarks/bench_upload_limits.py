"""Benchmark of hostile uploads (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_upload_limits.py

Builds each hostile workbook of campaign/tests/hostile_workbooks.py (a 300 MB cell in 300 KB,
300,000 rows of 900 characters, an entity bomb, XML nested 100,000 deep, two cells at
opposite corners of a sheet, a filled ODS cell repeated 17 billion times, a zip of 20,000
parts) and hands each to `import_xlsx` and to the web upload (Django's test client, signed
in as a secretary), each in a child process of its own, on a SQLite database of its own
(/tmp/vneid_upload_bench-PID.sqlite3, removed after). Prints, for each, the answer's code, the wall time and
the child's peak memory (ru_maxrss), beside the floor measured in the same run: the same
child importing a plain one-row workbook. Every hostile file must be refused within seconds
and a few hundred MB.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "/tmp/vneid_upload_bench"  # one SQLite file per child: <DB>-<pid>.sqlite3

CASES = {
    "plain (floor)": ("plain", "xlsx"),
    "300 MB cell in 300 KB": ("huge_cell", "xlsx"),
    "300.000 rows x 900 chars": ("long_rows", "xlsx"),
    "billion laughs": ("entity_bomb", "xlsx"),
    "XXE": ("external_entity", "xlsx"),
    "nested 100.000 deep": ("deep_nesting", "xlsx"),
    "A1 + XFD1048576": ("sparse_corners", "xlsx"),
    "ODS cell x 17 billion": ("ods_repeated_cells", "ods"),
    "20.000 zip parts": ("many_members", "xlsx"),
}


def setup():
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}-{os.getpid()}.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")  # a development tool: debug is asked for
    import django

    django.setup()


def build(kind, path):
    if kind == "plain":
        from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row

        rows = [RESIDENT_HEADERS, resident_row("Lò Văn A", "014195000002", "014095000001")]
        return build_xlsx(path, {"Người dân": rows})
    from campaign.tests import hostile_workbooks

    return getattr(hostile_workbooks, kind)(path)


def child(via, path):
    """Run in the child: import `path` once, print the answer's first error code."""
    setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from campaign.models import Resident
    from campaign.tests.factories import plan_campaign
    from units.models import UnitRole
    from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

    unit = UnitFactory()
    MemberFactory(unit=unit, id_number="014095000001")
    campaign = plan_campaign()
    before = Resident.objects.count()
    started = time.perf_counter()
    if via == "command":
        from campaign.importing import import_workbook

        plan = import_workbook(path, campaign=campaign, dry_run=True)
        code = plan.parsed.errors[0].code if plan.parsed.errors else "accepted"
    else:
        import io

        from django.conf import settings
        from django.test import Client
        from django.test.utils import setup_test_environment
        from django.urls import reverse

        setup_test_environment()  # so the response carries its template context
        settings.ALLOWED_HOSTS = ["testserver"]
        settings.IMPORT_TEMP_DIR = tempfile.mkdtemp(prefix="vneid-bench-")
        role = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY)
        role.user.save()
        client = Client()
        client.force_login(role.user)
        data = io.BytesIO(Path(path).read_bytes())
        data.name = Path(path).name
        response = client.post(
            reverse("campaign:import_upload"), {"campaign": campaign.pk, "file": data}
        )
        preview = client.get(response["Location"])
        errors = preview.context["errors"]
        code = errors[0].code if errors else "accepted"
    elapsed = time.perf_counter() - started
    written = Resident.objects.count() - before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{code}\t{elapsed:.2f}\t{written}\t{peak:.0f}")
    os.remove(f"{DB}-{os.getpid()}.sqlite3")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    setup()
    folder = Path(tempfile.mkdtemp(prefix="vneid-hostile-"))
    print(f"{'file':28} {'on disk':>9} {'via':8} {'answer':20} {'time s':>7} {'peak MB':>8}")
    floor = {}
    for label, (kind, ext) in CASES.items():
        path = build(kind, folder / f"{kind}.{ext}")
        size = path.stat().st_size
        for via in ("command", "web"):
            result = subprocess.run(
                [sys.executable, __file__, "--child", via, str(path)],
                capture_output=True,
                text=True,
                timeout=600,
            )
            line = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
            code, seconds, written, peak = (line.split("\t") + ["?"] * 4)[:4]
            if result.returncode:
                print(result.stderr[-2000:], file=sys.stderr)
                code, seconds, written, peak = f"CRASHED ({result.returncode})", "0", "?", "0"
            if kind == "plain":
                floor[via] = (float(seconds) or 0.01, float(peak))
            ratio = (
                f"time x{float(seconds) / floor[via][0]:.1f}, memory x"
                f"{float(peak) / floor[via][1]:.2f} of the floor"
                if kind != "plain"
                else ""
            )
            print(
                f"{label:28} {size / 1024:8.0f}K {via:8} {code:20} {seconds:>7} "
                f"{peak:>8}  rows written: {written}  {ratio}",
                flush=True,
            )
        path.unlink()


if __name__ == "__main__":
    main()
