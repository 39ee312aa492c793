"""Is a case sent from a phone after offline entry as cheap for the server as one typed
online? Times, in the server process (Django's test client: the whole middleware stack,
no network), the online quick entry form (one POST a case) against the offline batch
(`/chien-dich/nhap-nhanh/gui/`, 50 cases a POST), and the resend of a batch whose answer
was lost (every case already recorded). The issue's bound: a case sent offline costs at
most 1.5x one typed online.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/vneid_offline_bench \\
        .venv/bin/python benchmarks/bench_offline.py --cases 400

The database's name must contain "bench": it is emptied and migrated.
"""

import argparse
import json
import os
import statistics
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")  # a development tool: debug is asked for


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400, help="cases each way, each round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "sqlite:////tmp/vneid_offline_bench.sqlite3")
    name = urllib.parse.urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use {name!r}: the benchmark database's name must contain 'bench'")
    os.environ["DATABASE_URL"] = url
    if url.startswith("postgres"):
        create_database(url, name)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    from campaign.models import Case, OfflineBatch, OfflineCaseKey, Resident
    from units.models import Member, Unit, UnitRole
    from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

    setup_test_environment()
    # A clean slate in the bench database (the plan's campaign, made by a migration, stays).
    for model in (OfflineCaseKey, OfflineBatch, Case, Resident, UnitRole, Member, Unit):
        model.objects.all().delete()
    get_user_model().objects.all().delete()
    unit = UnitFactory(code="BENCH", name="Đoàn xã Bench")
    guide = MemberFactory(unit=unit, full_name="Lò Văn Bench")
    user = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY).user
    client = Client()
    client.force_login(user)
    client.get("/chien-dich/nhap-nhanh/")  # warm up
    serial = iter(range(10**7))

    def fields():
        n = next(serial)
        return {
            "member": str(guide.pk),
            "id_number": f"0141{n:08d}",
            "full_name": f"Quàng Thị Mai {n}",
            "eid_level": "2",
            "activated_on": "02/05/2023",
            "guided_on": "02/05/2023",
            "phone": "0912345678",
            "place": "market",
            "portal_used": "on",
        }

    def online(count):
        started = time.perf_counter()
        for _ in range(count):
            response = client.post("/chien-dich/nhap-nhanh/", fields())
            assert response.status_code == 302, response.status_code
        return (time.perf_counter() - started) / count

    def offline(count, chunk=50):
        batches = []
        for start in range(0, count, chunk):
            cases = [
                {"key": str(uuid.uuid4()), "campaign": "vneid-2023", **fields()}
                for _ in range(min(chunk, count - start))
            ]
            batches.append(json.dumps({"key": str(uuid.uuid4()), "cases": cases}))
        timings = []
        for again in (False, True):  # sent, then resent as after a lost answer
            started = time.perf_counter()
            for body in batches:
                response = client.post(
                    "/chien-dich/nhap-nhanh/gui/", body, content_type="application/json"
                )
                status = "already_recorded" if again else "recorded"
                assert {a["status"] for a in response.json()["cases"]} == {status}
            timings.append((time.perf_counter() - started) / count)
        return timings

    rows = []
    for number in range(1, args.rounds + 1):
        online_s = online(args.cases)
        offline_s, resend_s = offline(args.cases)
        rows.append((online_s, offline_s, resend_s))
        print(
            f"round {number}: online {online_s * 1000:.1f} ms/case, offline batch "
            f"{offline_s * 1000:.1f} ms/case ({offline_s / online_s:.2f}x), resend "
            f"{resend_s * 1000:.2f} ms/case",
            flush=True,
        )
    online_m, offline_m, resend_m = (statistics.median(column) for column in zip(*rows))
    cases = Case.objects.count()
    expected = 2 * args.cases * args.rounds
    print(
        f"{connection.vendor}: median online {online_m * 1000:.1f} ms/case, offline "
        f"{offline_m * 1000:.1f} ms/case = {offline_m / online_m:.2f}x online (bound 1.5x); "
        f"resend {resend_m * 1000:.2f} ms/case; cases {cases} of {expected} sent, "
        f"batches recorded {OfflineBatch.objects.count()}"
    )
    assert cases == expected, "a case was doubled or lost"


def create_database(url, name):
    """The bench database, created when it does not exist yet."""
    import psycopg2

    parts = urllib.parse.urlparse(url)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


if __name__ == "__main__":
    main()
