"""How fast is every page a district administrator reaches, at a province's scale?

Seeds a demo district (`seed_demo --cases N --members M`) into a PostgreSQL database of its
own (reused when it already holds that many cases), serves it with a real server
(`runserver --noreload`, debug off), signs in as the district administrator and times each
page: the median, the fastest and the slowest of `--requests` requests, the response size,
and against two floors measured in the same run: the sign-in page (the framework alone) and
the bare GROUP BY over the cases table that every figure needs. Does the same for a commune
secretary, and times, for both users, the first request of each page after a new case is
saved in the secretary's commune (a write in both users' scopes, so their figures move).
`--results FILE` writes the figures as JSON, which `benchmarks/scaling_doc.py` puts into
docs/scaling.md.

The outreach activities (issue 23): `--activities N` (20,000 by default) are seeded once over
the campaign's weeks and units, one case in three naming one, and reused; their pages are timed
as the administrator and as a commune secretary, against a bound of 300 ms warm.
`--outreach-only` times just those pages.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/vneid_pages_bench \\
        .venv/bin/python benchmarks/bench_pages.py --cases 1000000

The database's name must contain "bench": its data may be replaced.
"""

import argparse
import datetime
import http.cookiejar
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vneid_pages_bench"
PASSWORD = "vneid-demo-2023"


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def database_url():
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    name = urllib.parse.urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"refusing to use {name!r}: the benchmark database's name must contain 'bench'")
    return url, name


def psql_admin(url, sql):
    import psycopg2

    parts = urllib.parse.urlparse(url)
    conn = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        dbname="postgres",
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql[0], sql[1:] or None)
        rows = cursor.fetchall() if cursor.description else None
    conn.close()
    return rows


def manage(url, *args, quiet=True):
    env = {**os.environ, "DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=quiet,
        text=True,
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_seeded(url, name, cases, members):
    if not psql_admin(url, ("SELECT 1 FROM pg_database WHERE datname = %s", name)):
        psql_admin(url, (f'CREATE DATABASE "{name}"',))
    manage(url, "migrate", "--noinput")
    os.environ["DATABASE_URL"] = url
    import django

    django.setup()
    from campaign.models import Case

    # (less the cases this benchmark adds, should a run have stopped before removing them)
    found = Case.objects.exclude(resident__id_number__startswith=WRITTEN_PREFIX).count()
    if found == cases:
        log(f"{name}: {found:,} cases already seeded, reused")
        return
    if found:
        log(f"{name}: holds {found:,} cases, not {cases:,}: dropping and seeding again")
        from django.db import connections

        connections.close_all()
        psql_admin(url, (f'DROP DATABASE "{name}" WITH (FORCE)',))
        psql_admin(url, (f'CREATE DATABASE "{name}"',))
        manage(url, "migrate", "--noinput")
    log(f"{name}: seeding {cases:,} cases, {members:,} members (this takes a while)")
    started = time.perf_counter()
    manage(url, "seed_demo", "--cases", str(cases), "--members", str(members), quiet=False)
    log(f"seeded in {time.perf_counter() - started:.0f} s")


def ensure_activities(count):
    """`count` outreach activities (rules.md, "Activities") spread over the campaign's weeks
    and the units, three members taking part in each, and one case in three naming the
    activity of its guide's unit nearest its guidance day: the outreach pages' load."""
    from django.db import connection, transaction

    from campaign.models import Activity, ActivityKind, Campaign, Case
    from units.models import Member, Unit

    if Activity.objects.count() == count:
        log(f"{count:,} activities already seeded, reused")
        return
    started = time.perf_counter()
    campaign = Campaign.objects.active().order_by("-starts_on").first()
    kinds = list(ActivityKind.objects.for_campaign(campaign))
    units = list(Unit.objects.filter(members__isnull=False).distinct().order_by("pk"))
    members = {}
    for pk, unit_id in Member.objects.values_list("pk", "unit_id"):
        members.setdefault(unit_id, []).append(pk)
    start = campaign.starts_on
    with transaction.atomic():
        Case.objects.filter(activity__isnull=False).update(activity=None)
        Activity.objects.all().delete()
        made = Activity.objects.bulk_create(
            [
                Activity(
                    campaign=campaign,
                    code=f"HD{n + 1:06d}",
                    kind=kinds[n % len(kinds)],
                    starts_on=start + datetime.timedelta(days=(n * 7) % 210),
                    place=f"Điểm tuyên truyền {n % 97 + 1}",
                    commune=f"Xã {n % 23 + 1}",
                    leaflets=50 + n % 100,
                )
                for n in range(count)
            ],
            batch_size=2000,
        )
        organisers, taking_part = [], []
        for n, activity in enumerate(made):
            unit = units[n % len(units)]
            organisers.append(Activity.organisers.through(activity=activity, unit=unit))
            if n % 5 == 0:  # a joint activity with another unit
                other = units[(n * 7 + 3) % len(units)]
                if other != unit:
                    organisers.append(Activity.organisers.through(activity=activity, unit=other))
            for member in members.get(unit.pk, [])[n % 3 : n % 3 + 3]:
                taking_part.append(Activity.members.through(activity=activity, member_id=member))
        Activity.organisers.through.objects.bulk_create(organisers, batch_size=5000)
        Activity.members.through.objects.bulk_create(taking_part, batch_size=5000)
        with connection.cursor() as cursor:
            # One case in three names an activity its guide's unit organised within three
            # days of its guidance day (the nearest), so the cases spread over the activities
            # as over the weeks: one hash join over (unit, case), not a look-up per case.
            cursor.execute("ANALYZE campaign_activity, campaign_activity_organisers")
            cursor.execute(
                """
                UPDATE campaign_case c SET activity_id = pick.activity_id
                FROM (
                    SELECT DISTINCT ON (c2.id) c2.id, held.activity_id
                    FROM campaign_case c2
                    JOIN units_member m ON m.id = c2.member_id
                    JOIN (
                        SELECT o.unit_id, o.activity_id, a.starts_on
                        FROM campaign_activity_organisers o
                        JOIN campaign_activity a ON a.id = o.activity_id
                    ) held ON held.unit_id = m.unit_id
                        AND held.starts_on BETWEEN c2.guided_on - 3 AND c2.guided_on + 3
                    WHERE c2.id % 3 = 0
                    ORDER BY c2.id, abs(held.starts_on - c2.guided_on), held.activity_id
                ) pick
                WHERE c.id = pick.id
                """
            )
            # Statistics of what was just written, as autovacuum keeps them once the
            # activities were recorded over the weeks: planned with none (two activities, it
            # guesses), the yield's member query runs past the statement time limit.
            cursor.execute(
                "ANALYZE campaign_activity, campaign_activity_members,"
                " campaign_activity_organisers, campaign_case"
            )
    log(f"seeded {count:,} activities in {time.perf_counter() - started:.0f} s")


class Browser:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        started = time.perf_counter()
        with self.opener.open(self.base + path, timeout=120) as response:
            body = response.read()
            status = response.status
        return status, body, time.perf_counter() - started

    def login(self, username):
        _status, body, _t = self.get("/dang-nhap/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(
            self.base + "/dang-nhap/", data=data, headers={"Referer": self.base + "/dang-nhap/"}
        )
        with self.opener.open(request, timeout=60) as response:
            response.read()
        if not any(cookie.name == "sessionid" for cookie in self.jar):
            sys.exit(f"could not sign in as {username}")


def wait_for(base, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "/dang-nhap/", timeout=5).read()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    sys.exit("the server did not start")


def pages(root=None):
    """Every page a district administrator (`root` None) or a user of the unit `root` (its
    subtree) reaches from the menu and the dashboards."""
    from campaign.models import Campaign, Case
    from reports.models import ReportingPeriod
    from units.models import Member, Unit

    campaign = Campaign.objects.active().order_by("-starts_on").first()
    units = Unit.objects.subtree(root) if root is not None else Unit.objects.all()
    top = root or Unit.objects.filter(parent__isnull=True).order_by("path").first()
    leaf = units.filter(children__isnull=True, members__isnull=False).order_by("path")[0]
    member = Member.objects.filter(cases__isnull=False, unit__in=units).order_by("pk").first()
    case = Case.objects.filter(member__unit__in=units).order_by("pk").first()
    from campaign.models import Activity

    activity = (
        Activity.objects.filter(organisers__in=units).order_by("pk").first()
        if root is not None
        else Activity.objects.order_by("pk").first()
    )
    listed = [
        ("home", "/"),
        ("overview", "/tong-quan/"),
        ("overview, as of 20/06/2023", "/tong-quan/?as_of=20%2F06%2F2023"),
        ("unit ranking", "/tong-quan/don-vi/"),
        (f"unit page {top.code} (whole tree)", f"/tong-quan/don-vi/{top.code}/"),
        (f"unit page {leaf.code}", f"/tong-quan/don-vi/{leaf.code}/"),
        ("members behind", "/tong-quan/thanh-vien/"),
        ("member page", f"/tong-quan/thanh-vien/{member.pk}/"),
        ("outreach", "/tong-quan/tuyen-truyen/"),
        ("outreach, activities by kind, Excel", "/tong-quan/tuyen-truyen/?kxlsx=1"),
        ("outreach, by activity, Excel", "/tong-quan/tuyen-truyen/?axlsx=1"),
        ("data to fix: double claims", "/tong-quan/can-sua/?section=claims"),
        ("data to fix: not activated", "/tong-quan/can-sua/?section=follow_up"),
        ("data to fix: no guidance day", "/tong-quan/can-sua/?section=no_day"),
        ("data to fix: ID/phone", "/tong-quan/can-sua/?section=warnings"),
        ("unit ranking, Excel", "/tong-quan/don-vi/?xlsx=1"),
    ]
    for period in ReportingPeriod.objects.filter(campaign=campaign).order_by("ends_on"):
        listed.append((f"overview, period {period.slug}", f"/tong-quan/?period={period.slug}"))
        listed.append((f"units, period {period.slug}", f"/tong-quan/don-vi/?period={period.slug}"))
    listed += [
        ("double-claim register", "/bao-cao/trung-lap/"),
        ("member list", "/don-vi/thanh-vien/"),
        ("resident list", "/chien-dich/nguoi-dan/"),
        ("quick entry", "/chien-dich/nhap-nhanh/"),
        ("paper-list entry", "/chien-dich/nhap-theo-danh-sach/"),
        (f"unit detail {top.code}", f"/don-vi/{top.code}/"),
        ("member detail", f"/don-vi/thanh-vien/{member.pk}/"),
        ("case edit", f"/chien-dich/truong-hop/{case.pk}/sua/"),
        ("activities list", "/chien-dich/hoat-dong/"),
        ("activities today (JSON)", "/chien-dich/hoat-dong/hom-nay.json"),
    ]
    listed += [  # what both record and export of the outreach
        ("outreach, members taking part, Excel", "/tong-quan/tuyen-truyen/?mxlsx=1"),
        ("activity form (record one)", "/chien-dich/hoat-dong/them/"),
    ]
    if activity is not None:
        listed.append(("activity edit", f"/chien-dich/hoat-dong/{activity.pk}/sua/"))
    return listed


# The outreach pages (issue 23) stay under this, warm, like every dashboard page.
OUTREACH_BOUND_MS = 300


def floor_group_by():
    from django.db import connection

    from campaign.models import Campaign

    campaign = Campaign.objects.active().order_by("-starts_on").first()
    sql = """SELECT member_id, COUNT(*),
        SUM(CASE WHEN eid_level IS NOT NULL AND activated_on >= %s AND activated_on <= %s
                  AND (claimants <= 1 OR claim_awarded) AND NOT resident_excluded
                  AND portal_used THEN 1 ELSE 0 END)
        FROM campaign_case WHERE campaign_id = %s GROUP BY member_id"""
    times = []
    with connection.cursor() as cursor:
        for _ in range(5):
            started = time.perf_counter()
            cursor.execute(sql, [campaign.activation_starts_on, datetime.date.today(), campaign.pk])
            cursor.fetchall()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def bump_version():
    """A write that changes nothing a page shows but moves the figures version."""
    from units.models import Unit

    unit = Unit.objects.order_by("pk").first()
    Unit.objects.filter(pk=unit.pk).update(name=unit.name)


# The ID numbers of the residents this benchmark adds (and removes at its end): "001" (Hà
# Nội), 2 (a woman born in the 2000s), "05", then a serial.
WRITTEN_PREFIX = "00120599"


class Writer:
    """One new case before each timed request, saved as a commune secretary saves one
    (`campaign.services.case_create`, in the secretary's commune): the write a page follows
    while secretaries are entering data. `remove()` deletes them again."""

    def __init__(self, username, unit_code):
        from django.contrib.auth import get_user_model

        from campaign.models import Campaign
        from units.models import Member

        self.user = get_user_model().objects.get(username=username)
        self.campaign = Campaign.objects.active().order_by("-starts_on").first()
        self.members = list(
            Member.objects.filter(unit__path__startswith=self._path(unit_code), active=True)
            .order_by("pk")
            .select_related("unit")[:50]
        )
        self.n = 0
        self.remove()

    @staticmethod
    def _path(code):
        from units.models import Unit

        return Unit.objects.get(code=code).path

    def write(self):
        from campaign import services

        self.n += 1
        services.case_create(
            campaign=self.campaign,
            member=self.members[self.n % len(self.members)],
            resident_data={
                "id_number": f"{WRITTEN_PREFIX}{self.n:04d}",
                "full_name": f"Người dân thử {self.n}",
            },
            case_data={
                "guided_on": datetime.date.today(),
                "eid_level": 2,
                "activated_on": datetime.date.today(),
                "portal_used": self.n % 2 == 0,
            },
            user=self.user,
        )

    def remove(self):
        from campaign.models import Case, Resident

        written = Resident.objects.filter(id_number__startswith=WRITTEN_PREFIX)
        Case.objects.filter(resident__in=written).delete()
        written.delete()


USERS = [
    ("quantri", None, "district administrator"),
    ("bithu.mlan", "DX-MLA", "commune secretary (DX-MLA)"),
]


def measure(browser, listed, requests, writer, floor_page):
    """{label: (first after a write, warm median, min, max, KB)} for `listed`: each page is
    opened once, then a case is written and the page timed, then timed warm."""
    found = {}
    for label, path in listed:
        try:
            browser.get(path)  # kept as it stands (a page opened before: the steady state)
            writer.write()
            first = browser.get(path)[2]
            times, size = [], 0
            for _ in range(requests):
                _status, body, elapsed = browser.get(path)
                times.append(elapsed)
                size = len(body)
        except urllib.error.HTTPError as error:
            print(f"{label:<42} HTTP {error.code}")
            continue
        median = statistics.median(times)
        found[label] = (first, median, min(times), max(times), size / 1024)
        print(
            f"{label:<42}{first * 1000:>8.0f}{median * 1000:>8.0f}{min(times) * 1000:>7.0f}"
            f"{max(times) * 1000:>7.0f}{size / 1024:>7.0f}{median / floor_page:>9.1f}",
            flush=True,
        )
    return found


def write_results(path, data):
    import json

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    log(f"results written to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--activities", type=int, default=20_000)
    parser.add_argument("--only", help="only the pages whose label contains this")
    parser.add_argument(
        "--outreach-only",
        action="store_true",
        help="time only the outreach and activity pages (issue 23's rows)",
    )
    parser.add_argument(
        "--results", help="the results file to write (JSON; docs/scaling.md reads it)"
    )
    parser.add_argument(
        "--write-in",
        default="DX-MLA",
        help="the commune whose secretary saves the case before each timed request"
        " (another than DX-MLA: a write outside the secretary's branch)",
    )
    parser.add_argument("--users", help="only these users (comma-separated usernames)")
    args = parser.parse_args()
    url, name = database_url()
    ensure_seeded(url, name, args.cases, args.members)
    ensure_activities(args.activities)

    base = f"http://127.0.0.1:{args.port}"
    # Debug off, as in production, which wants a secret key of the server's own.
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",  # plain HTTP on 127.0.0.1
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        # whitenoise serves the collected files by their manifest, debug off
        "DJANGO_STATIC_ROOT": tempfile.mkdtemp(prefix="vneid-bench-static-"),
    }
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput"],
        env=env,
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "runserver",
            f"127.0.0.1:{args.port}",
            "--noreload",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    from units.models import Unit

    writer = Writer("bithu.mlan", args.write_in)
    results = {
        "cases": args.cases,
        "members": args.members,
        "requests": args.requests,
        "write_in": args.write_in,
    }
    try:
        wait_for(base)
        floor_sql = floor_group_by()
        login_times = [Browser(base).get("/dang-nhap/")[2] for _ in range(args.requests)]
        floor_page = statistics.median(login_times)
        results["floors"] = {"sign_in_page": floor_page, "group_by": floor_sql}
        print(
            f"\n{name}: {args.cases:,} cases, {args.members:,} members; "
            f"median of {args.requests} requests per page (ms)"
        )
        print(
            f"floors: sign-in page {floor_page * 1000:.0f} ms; "
            f"bare GROUP BY over the cases {floor_sql * 1000:.0f} ms"
        )
        print(
            f"first: the first request after a new case saved in {args.write_in}"
            " (services.case_create)"
        )
        results["users"] = {}
        for username, code, description in USERS:
            if args.users and username not in args.users.split(","):
                continue
            browser = Browser(base)
            browser.login(username)
            listed = pages(Unit.objects.get(code=code) if code else None)
            if args.only:
                listed = [(label, path) for label, path in listed if args.only in label]
            if args.outreach_only:
                listed = [
                    (label, path)
                    for label, path in listed
                    if label.startswith(("outreach", "activit"))
                ]
            print(f"\n{description} ({username})")
            print(
                f"{'page':<42}{'first':>8}{'median':>8}{'min':>7}{'max':>7}{'KB':>7}{'x floor':>9}"
            )
            found = measure(browser, listed, args.requests, writer, floor_page)
            results["users"][username] = {"description": description, "pages": found}
            if found:
                slowest = max(found.items(), key=lambda item: item[1][0])
                warmest = max(found.items(), key=lambda item: item[1][1])
                print(
                    f"slowest first after a write: {slowest[0]} {slowest[1][0] * 1000:.0f} ms; "
                    f"slowest warm: {warmest[0]} {warmest[1][1] * 1000:.0f} ms"
                )
        outreach = [
            (found[1], f"{label} ({username})")
            for username, user in results["users"].items()
            for label, found in user["pages"].items()
            if label.startswith(("outreach", "activit")) and "Excel" not in label
        ]
        if outreach:
            slowest = max(outreach)
            print(
                f"slowest outreach page (downloads aside), warm: {slowest[1]} "
                f"{slowest[0] * 1000:.0f} ms "
                f"(bound {OUTREACH_BOUND_MS} ms: "
                f"{'holds' if slowest[0] * 1000 < OUTREACH_BOUND_MS else 'EXCEEDED'})"
            )
        if args.results:
            write_results(args.results, results)
    finally:
        writer.remove()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
