"""Load benchmark (a benchmark, not a test): `make bench-load`.

    .venv/bin/python benchmarks/bench_load.py [--cases 1000000] [--users 50] [--seconds 60]
        [--workers 2] [--threads 4]

1. Prepares its own PostgreSQL database (BENCH_DATABASE_URL, default
   postgres://postgres@127.0.0.1:5432/vneid_load_bench): migrates it and, when it holds no
   unit yet, loads the demo district with `seed_demo --cases CASES` (1,000,000 take about
   8 minutes here; later runs reuse them).
2. Serves it as production does (`make serve`): gunicorn with 2 workers of THREADS threads
   each (deploy/gunicorn.conf.py; --threads 1: sync workers), debug off, whitenoise, on
   127.0.0.1:8121 (BENCH_PORT), and the job worker (db_worker) that runs the imports'
   check and confirm. Prints what one sign-in's password check costs with the hasher the
   settings use first, against Django's former default (PBKDF2).
3. Runs locust headless on loopback for SECONDS with USERS signed-in users spread evenly
   over every role (benchmarks/locustfile.py: lists, entry forms, results, an import).
4. Prints requests per second, the 50th/95th/99th percentiles, the errors, per page and in
   all, the import jobs of the run (done, failed, from asked to finished), and the peak
   number of PostgreSQL connections to the database during the run (sampled every 0.2 s),
   against the bound: workers x threads, plus the job worker's.
The target of the issue: 0 errors, p95 under 1 s, connections bounded.
"""

import argparse
import csv
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/vneid_load_bench"
BIN = Path(sys.executable).parent


def ensure_database(url):
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs
    )


def prepare(env, cases):
    manage(env, "migrate", "--noinput", "-v", "0")
    started = time.perf_counter()
    out = manage(
        env, "seed_demo", "--cases", str(cases), "--if-empty", capture_output=True, text=True
    )
    if "không nạp lại" in out.stdout:
        print("   the database already holds the demo district: reused")
    else:
        print(f"   seeded in {time.perf_counter() - started:.0f} s: {out.stdout.splitlines()[0]}")
    manage(env, "collectstatic", "--noinput", "-v", "0")


def import_inputs(env, folder, workbooks=40):
    """The workbooks the secretaries import, one after the other (each 20 residents new to
    the database, guided by a member of their unit: every import writes, so the figures are
    computed again after it, as during real data entry), the campaign's id, and the figures
    of the data (for the report)."""
    code = (
        "import json; from campaign.models import Campaign, Case; "
        "from django.contrib.auth import get_user_model; from units.models import Member, Unit; "
        "user = get_user_model().objects.get(username='bithu.mlan'); "
        "guide = Member.objects.filter(unit__in=Unit.objects.editable_by(user), active=True)"
        ".order_by('pk').first(); "
        "print(json.dumps({'guide': guide.id_number, 'campaign': Campaign.objects.get().pk, "
        "'cases': Case.objects.count(), 'unit': guide.unit.code}))"
    )
    out = manage(env, "shell", "-v", "0", "-c", code, capture_output=True, text=True)
    import json

    facts = json.loads(out.stdout.strip().splitlines()[-1])
    from openpyxl import Workbook

    run = secrets.randbelow(90) + 10  # ID numbers this run's imports are the first to write
    paths = []
    for k in range(workbooks):
        book = Workbook()
        sheet = book.active
        sheet.title = "Người dân"
        sheet.append(
            [
                "Họ và tên",
                "Số định danh",
                "Số định danh người hướng dẫn",
                "Mức định danh",
                "Ngày kích hoạt",
                "Tài khoản DVC",
            ]
        )
        for n in range(20):
            sheet.append(
                [
                    f"Người dân tải {k} {n}",
                    f"0381{run:02d}{k:02d}{n:04d}",
                    facts["guide"],
                    2,
                    "05/05/2023",
                    "Có",
                ]
            )
        path = Path(folder) / f"load-{k:02d}.xlsx"
        book.save(path)
        paths.append(str(path))
    return os.pathsep.join(paths), facts


class ConnectionSampler(threading.Thread):
    """The number of server processes connected to the database, sampled until stopped."""

    def __init__(self, url):
        super().__init__(daemon=True)
        import psycopg2

        self.connection = psycopg2.connect(url)
        self.connection.autocommit = True
        self.peak = self.peak_parallel = 0
        self.running = True

    def run(self):
        with self.connection.cursor() as cursor:
            while self.running:
                # Client connections only: PostgreSQL's parallel workers for one query are
                # listed too, as backends of their own, and counted apart.
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE backend_type = 'client backend'), "
                    "count(*) FILTER (WHERE backend_type = 'parallel worker') "
                    "FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                clients, parallel = cursor.fetchone()
                self.peak = max(self.peak, clients)
                self.peak_parallel = max(self.peak_parallel, parallel)
                time.sleep(0.2)

    def stop(self):
        self.running = False
        self.join()
        self.connection.close()


def hasher_cost(env):
    """The median time of 5 password checks with the first of PASSWORD_HASHERS, and with
    PBKDF2 (Django's default, which hashes made before still use)."""
    code = (
        "import statistics, time; from django.conf import settings; "
        "from django.contrib.auth.hashers import check_password, get_hasher, make_password\n"
        "def cost(name):\n"
        "    encoded = make_password('vneid-demo-2023', hasher=name); times = []\n"
        "    for _ in range(5):\n"
        "        started = time.perf_counter(); check_password('vneid-demo-2023', encoded)\n"
        "        times.append(time.perf_counter() - started)\n"
        "    return f'{name} {statistics.median(times) * 1000:.0f} ms'\n"
        "print(cost(get_hasher().algorithm), '(was', cost('pbkdf2_sha256') + ')')"
    )
    out = manage(env, "shell", "-v", "0", "-c", code, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def import_jobs(url, since):
    """The imports' check and confirm jobs asked for since `since`: how many ended how, and
    the median and longest time from asked to finished."""
    import psycopg2

    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, count(*), count(*) FILTER (WHERE status = 'done'), "
            "count(*) FILTER (WHERE status = 'failed'), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY finished_at - created_at), "
            "max(finished_at - created_at) "
            "FROM jobs_job WHERE kind LIKE 'import%%' AND created_at >= to_timestamp(%s) "
            "GROUP BY kind ORDER BY kind",
            [since],
        )
        rows = cursor.fetchall()
    connection.close()
    return (
        "; ".join(
            f"{kind} {asked} asked, {done} done, {failed} failed, "
            f"asked to finished p50 {median.total_seconds() if median else 0:.1f} s, "
            f"max {longest.total_seconds() if longest else 0:.1f} s"
            for kind, asked, done, failed, median, longest in rows
        )
        or "none"
    )


def figures_version(url):
    """The dashboards' figures version (dashboards.figures.current_version, read here
    without Django): moved by every write statement on a table that a figure reads; None
    where the database has no such version."""
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(SUM(n), 0) FROM dashboards_figureswrite")
            return cursor.fetchone()[0]
    except psycopg2.errors.UndefinedTable:
        return None
    finally:
        connection.close()


def wait_until_up(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz")


#: (account, page name, path) opened once each by one user alone, before the load.
ALONE = [
    ("quantri", "residents list", "/chien-dich/nguoi-dan/"),
    ("quantri", "members list", "/don-vi/thanh-vien/"),
    ("quantri", "overview", "/tong-quan/"),
    ("quantri", "a unit's page", "/tong-quan/don-vi/DX-MLA/"),
    ("quantri", "double claims", "/bao-cao/trung-lap/"),
    ("bithu.mlan", "home", "/"),
    ("bithu.mlan", "residents list", "/chien-dich/nguoi-dan/"),
    ("bithu.mlan", "quick entry form", "/chien-dich/nhap-nhanh/"),
    ("bithu.mlan", "case form", "/chien-dich/truong-hop/them/"),
    ("xem.hoipn", "overview", "/tong-quan/"),
    ("doanvien", "home", "/"),
]


def pages_alone(host, password="vneid-demo-2023"):
    """Each page's time when one user opens it on an idle server: the floor that the
    times under load compare to."""
    import requests

    sessions, times = {}, []
    for username, name, path in ALONE:
        if username not in sessions:
            session = requests.Session()
            session.get(host + "/dang-nhap/")
            session.post(
                host + "/dang-nhap/",
                {
                    "username": username,
                    "password": password,
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                },
            )
            sessions[username] = session
        started = time.perf_counter()
        response = sessions[username].get(host + path)
        elapsed = (time.perf_counter() - started) * 1000
        times.append((f"{username}: {name}", response.status_code, elapsed))
    return times


def percentile(times, share):
    """The nearest-rank percentile of `times` (sorted), as locust's table rounds it: ms."""
    return times[max(0, -(-len(times) * share // 100) - 1)] if times else 0


def signed_in_stats(path, seconds):
    """The same table for the requests begun once the last user had signed in: the pages
    under the load of 50 signed-in users, without the sign-ins' own burst at the start
    (each a password hash, memory- and CPU-hard on purpose)."""
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]
    rows = [(float(a), float(b), name, float(ms), f == "1") for a, b, name, ms, f in rows]
    if not rows:
        return None
    began = min(row[0] for row in rows)
    signed_in = max((row[1] for row in rows if row[2] == "sign in"), default=began)
    after = [row for row in rows if row[0] >= signed_in]
    print(
        f"\n   after every user signed in ({signed_in - began:.0f} s after the start, "
        f"{began + seconds - signed_in:.0f} s of load):"
    )
    print(f"   {'page':<28} {'requests':>8} {'errors':>6} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)")
    names = sorted({row[2] for row in after})
    for name in [*names, "ALL"]:
        chosen = [row for row in after if name in ("ALL", row[2])]
        times = sorted(row[3] for row in chosen)
        print(
            f"   {name[:28]:<28} {len(chosen):>8} {sum(row[4] for row in chosen):>6} "
            f"{percentile(times, 50):>7.0f} {percentile(times, 95):>7.0f} "
            f"{percentile(times, 99):>7.0f}"
        )
    times = sorted(row[3] for row in after)
    span = max(row[1] for row in after) - signed_in if after else 0
    return (
        f"requests/s {len(after) / span if span else 0:.1f}   p50 {percentile(times, 50):.0f} ms   "
        f"p95 {percentile(times, 95):.0f} ms   p99 {percentile(times, 99):.0f} ms   "
        f"errors {sum(row[4] for row in after)} of {len(after)}"
    )


def print_stats(path, seconds):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"\n   {'page':<28} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50':>7} {'p95':>7} {'p99':>7}  (ms)"
    )
    for row in rows:
        name = "ALL" if row["Name"] == "Aggregated" else row["Name"]
        print(
            f"   {name[:28]:<28} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>6.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    return next(row for row in rows if row["Name"] == "Aggregated")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    if not any(word in url.rsplit("/", 1)[1] for word in ("bench", "test")):
        raise SystemExit("the benchmark's database name must contain 'bench' or 'test'")
    port = os.environ.get("BENCH_PORT", "8121")
    folder = tempfile.mkdtemp(prefix="vneid-load-")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AXES_"))},
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",  # plain HTTP on 127.0.0.1
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(Path(folder) / "static"),
        "DJANGO_DB_CONN_MAX_AGE": "60",
        "DJANGO_REQUEST_LOG": "false",
        "IMPORT_TEMP_DIR": str(Path(folder) / "uploads"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
    }
    ensure_database(url)
    print(f"== 1. database {url.rsplit('/', 1)[1]}")
    prepare(env, args.cases)
    workbook, facts = import_inputs(env, folder)
    print(f"   {facts['cases']:,} cases".replace(",", "."))

    print(f"   one sign-in's password check: {hasher_cost(env)}")

    print(f"== 2. gunicorn, {args.workers} workers x {args.threads} threads, on 127.0.0.1:{port}")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(folder) / "worker.log", "w"),
    )
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(Path(folder) / "gunicorn.log", "w"),
    )
    host = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(host)
        print("== 3a. each page alone, one user, idle server")
        alone = pages_alone(host)
        for label, status, elapsed in alone:
            print(f"   {label:<36} {status}  {elapsed:>8.0f} ms")
        version = figures_version(url)
        sampler = ConnectionSampler(url)
        sampler.start()
        run_started = time.time()
        print(f"== 3b. locust: {args.users} users, {args.seconds} s")
        locust_env = {
            **env,
            "LOAD_WORKBOOK": str(workbook),
            "LOAD_CAMPAIGN": str(facts["campaign"]),
            "LOAD_SECRETARY_UNIT": "DX-MLA",
            "LOAD_VIEWER_UNIT": "HPN",
            "LOAD_REQUEST_LOG": str(Path(folder) / "requests.tsv"),
        }
        prefix = Path(folder) / "load"
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                "benchmarks/locustfile.py",
                "--headless",
                "-u",
                str(args.users),
                "-r",
                "10",
                "-t",
                f"{args.seconds}s",
                "-H",
                host,
                "--csv",
                str(prefix),
                "--only-summary",
                "--stop-timeout",
                "10",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=locust_env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        sampler.stop()
        jobs = import_jobs(url, run_started)
        moves = None if version is None else figures_version(url) - version
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=60)
        worker.wait(timeout=60)

    print(
        f"== 4. results ({facts['cases']:,} cases, {args.users} users, {args.seconds} s)".replace(
            ",", "."
        )
    )
    total = print_stats(f"{prefix}_stats.csv", args.seconds)
    failures = Path(f"{prefix}_failures.csv").read_text(encoding="utf-8").splitlines()[1:6]
    for line in failures:
        print(f"   failure: {line}")
    steady = signed_in_stats(Path(folder) / "requests.tsv", args.seconds)
    print(
        f"\n   whole run: requests/s {float(total['Requests/s']):.1f}   p50 {total['50%']} ms   "
        f"p95 {total['95%']} ms   p99 {total['99%']} ms   errors {total['Failure Count']} "
        f"of {total['Request Count']}"
    )
    if steady:
        print(f"   once signed in: {steady}")
    print(f"   import jobs of the run: {jobs}")
    if moves is not None:
        print(
            f"   the figures version moved {moves} times during the run (each write statement "
            "on the cases, residents, members or units: the kept figures and list lengths are "
            "computed again after it)"
        )
    bound = args.workers * args.threads
    print(
        f"   PostgreSQL connections: peak {sampler.peak} (bound: {args.workers} workers x "
        f"{args.threads} threads = {bound} kept, one a thread, each with 2 more while it "
        f"computes cold figures, + 1 job worker = {bound * 3 + 1}), "
        f"plus at most {sampler.peak_parallel} parallel query workers"
    )
    print(f"   target: 0 errors, p95 < 1000 ms   (gunicorn log: {folder}/gunicorn.log)")


if __name__ == "__main__":
    main()
