"""Re-try, against a running server, each failure of issue 17 (items 1-10), as an attacker
would: a secretary of a second tree and a commune administrator (also staff) go after the
residents, credit and records of another tree's commune. Prints one line per attempt:
the item, what was tried, the HTTP status, and HELD or FAILED; exits 1 if any failed.

The server is a production one (debug off, gunicorn, PostgreSQL, its job worker running,
the settings of .env.example but plain HTTP), seeded with the demo district:

    set -a; . ./attack.env; set +a        # .env.example's values, DJANGO_HTTPS=false,
                                          # DJANGO_ALLOWED_HOSTS=127.0.0.1, ... (below)
    createdb vneid_privacy_attack && python manage.py migrate && python manage.py seed_demo
    gunicorn -c deploy/gunicorn.conf.py config.wsgi 2> server.log &
    python manage.py db_worker &
    python scripts/attack_check.py --base http://127.0.0.1:8717 --server-log server.log

with, beside .env.example's values, DATABASE_URL naming that database, DJANGO_HTTPS=false,
DJANGO_ALLOWED_HOSTS=127.0.0.1 and DJANGO_CSRF_TRUSTED_ORIGINS=http://127.0.0.1:8717 (and
GUNICORN_BIND=127.0.0.1:8717). The script reads the same environment: it prepares its
users (each with an authenticator app whose key it holds, since .env.example asks every
role for a code) and a few units and members (the tests' factories) in the server's
database, and reads the database afterwards to see what an attempt changed. Run it only
against a throwaway database: its users have a known password, and its staff user every
permission of the admin (the worst case of item 6). Everything else goes over
HTTP, as a browser sends it (the sign-in, its code, CSRF tokens, multipart uploads).
It needs the development requirements (factory_boy, openpyxl). It can be run again: its
users and their authenticators are set up afresh, and each run picks residents no earlier
run touched.
"""

import argparse
import hashlib
import hmac
import http.cookiejar
import io
import json
import os
import re
import secrets
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from campaign.models import Case, ClaimNotice, ImportReview, Resident, ResidentRecord  # noqa: E402
from campaign.owners import tree_of_path  # noqa: E402
from jobs.models import Job  # noqa: E402
from privacy.models import PersonalDataAccess  # noqa: E402
from units.models import PATH_DIGITS, Member, Unit, UnitRole  # noqa: E402
from units.tests.factories import MemberFactory, UnitFactory  # noqa: E402

PASSWORD = "tan-cong-" + "x" * 8
VICTIM_UNIT, ATTACKER_UNIT = "DX-MLA", "HPNX-MLA"  # Đoàn xã / Hội LHPN xã Mường Lạn
ID = re.compile(r"\b\d{12}\b")
RESULTS = []


# --- Reporting ------------------------------------------------------------------------------


def attempt(item, what, status, held, detail=""):
    RESULTS.append(held)
    line = f"[{item:>4}] {what} -> HTTP {status}: {'HELD' if held else 'FAILED'}"
    print(line + (f" ({detail})" if detail else ""), flush=True)


# --- A browser over HTTP ---------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One signed-in person: cookies, CSRF tokens taken from the pages, no redirect followed
    unless asked (the status of each answer is what is reported)."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, method, path, data=None, headers=None, follow=False):
        url = path if path.startswith("http") else self.base + path
        headers = {"Origin": self.base, "Referer": url, **(headers or {})}
        if isinstance(data, dict):
            data = urllib.parse.urlencode(data, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            response = self.opener.open(request, timeout=120)
            status, body, location = response.status, response.read(), ""
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
            location = error.headers.get("Location", "")
        if follow and status in (301, 302, 303) and location:
            return self.request("GET", location, follow=True)
        return Answer(status, body, location)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data=None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrfmiddlewaretoken", self.csrf())
        return self.request("POST", path, data, **kwargs)

    def csrf(self):
        for cookie in self.jar:
            if cookie.name == "csrftoken":
                return cookie.value
        self.get("/dang-nhap/")
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def upload(self, path, fields, name, content):
        boundary = secrets.token_hex(16)
        parts = []
        for key, value in {**fields, "csrfmiddlewaretoken": self.csrf()}.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
            )
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            "\r\n\r\n"
        )
        body = (
            "".join(parts).encode() + head.encode() + content + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(
            "POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def sign_in(self, username, key):
        """The password, then the authenticator's code, as the sign-in pages ask."""
        self.get("/dang-nhap/")
        answer = self.post("/dang-nhap/", {"username": username, "password": PASSWORD})
        if answer.status != 302:
            raise SystemExit(f"{username}: the sign-in answered {answer.status}")
        self.post("/xac-thuc/", {"token": totp(key)})
        check = self.get("/tong-quan/")
        if check.status == 302 and "xac-thuc" in check.location:
            raise SystemExit(f"{username}: the second factor was refused")


class Answer:
    def __init__(self, status, body, location):
        self.status, self.body, self.location = status, body, location

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def totp(hex_key, at=None):
    """The six-digit code an authenticator app shows now (RFC 6238, 30 s, SHA-1)."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


# --- The attackers and their victims, made with the project's own factories -----------------


def person(username, unit, role, *, staff=False):
    """A user with `role` in `unit` (None: no role), a known password and a fresh
    authenticator whose key is returned."""
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(PASSWORD)
    user.is_staff, user.is_superuser, user.is_active = staff, False, True
    user.save()
    UnitRole.objects.filter(user=user).delete()
    units = unit if isinstance(unit, list) else [unit]
    for each in units:
        if role:
            UnitRole.objects.create(user=user, unit=each, role=role)
    if staff:  # the worst case: a staff account given every permission of the admin
        from django.contrib.auth.models import Permission

        user.user_permissions.set(Permission.objects.all())
    TOTPDevice.objects.filter(user=user).delete()
    key = secrets.token_hex(20)
    TOTPDevice.objects.create(user=user, name="attack-check", key=key, confirmed=True)
    return user, key


def prepare():
    victim_unit = Unit.objects.get(code=VICTIM_UNIT)
    attacker_unit = Unit.objects.get(code=ATTACKER_UNIT)
    tops = list(Unit.objects.filter(parent__isnull=True))
    people = {
        "attacker": person("tancong.bithu", attacker_unit, UnitRole.Role.SECRETARY),
        "commune_admin": person(
            "tancong.quantrixa", attacker_unit, UnitRole.Role.ADMIN, staff=True
        ),
        "victim": person("bi.bithu", victim_unit, UnitRole.Role.SECRETARY),
        "district": person("kiemtra.huyen", tops, UnitRole.Role.ADMIN),
        "leaver": person("tancong.nghiviec", attacker_unit, UnitRole.Role.SECRETARY),
    }
    # The attacker's own guide, and units whose names an export must keep as text.
    guide = Member.objects.filter(unit=attacker_unit, active=True).order_by("pk").first()
    for code, name in (("ATK-F1", '=HYPERLINK("http://x.invalid","bam")'), ("ATK-S1", "Tổ 1/2")):
        unit = Unit.objects.filter(code=code).first() or UnitFactory(
            code=code, name=name, kind=attacker_unit.kind, parent=attacker_unit
        )
        if not unit.members.exists():
            MemberFactory(unit=unit, full_name="=1+1", id_number=f"0140990{unit.pk:05d}")
    # The victim's residents credited to their own commune (a few for each attempt).
    victims = list(
        Resident.objects.filter(
            cases__member__unit__path__startswith=victim_unit.path, tree__isnull=False
        )
        .exclude(cases__member__unit__path__startswith=attacker_unit.path[: PATH_DIGITS + 2])
        .exclude(phone="")
        .exclude(address="")
        .distinct()
        .order_by("pk")[:60]
    )
    return people, guide, victims


# --- The attempts, numbered as the failures -----------------------------------------


def item1(browsers, guide, resident):
    """Taking another tree's resident by its ID number."""
    attacker, victim = browsers["attacker"], browsers["victim"]
    before = Resident.objects.get(pk=resident.pk)
    answer = attacker.post(
        "/chien-dich/truong-hop/them/",
        {
            "id_number": resident.id_number,
            "full_name": "Tên Kẻ Lạ",
            "member": guide.pk,
            "eid_level": "2",
            "activated_on": "02/05/2023",
            "portal_used": "on",
            "address": "Bản Giả Mạo",
            "category": "resident",
        },
    )
    after = Resident.objects.get(pk=resident.pk)
    same = all(getattr(before, f) == getattr(after, f) for f in Resident.DETAILS)
    own = ResidentRecord.objects.filter(
        resident=resident, tree_id=tree_of_path(guide.unit.path)
    ).exists()
    attempt(
        "1a",
        "secretary of tree B records a case for tree A's resident, typing an address",
        answer.status,
        same and answer.status in (200, 302),
        "A's record unchanged; B's typing kept in B's own record" if own else "no record of B",
    )
    reveal = attacker.post(f"/du-lieu-ca-nhan/nguoi-dan/{resident.pk}/hien-du-lieu/")
    page = attacker.get(f"/chien-dich/nguoi-dan/{resident.pk}/", follow=True).text
    leaked = [v for v in (before.phone, before.address) if v and v in page]
    # The ID number is one for every tree (she typed it); the details are the other tree's.
    attempt(
        "1b",
        "then reveals the resident's whole details on their page",
        reveal.status,
        not leaked and before.birth_date.strftime("%d/%m/%Y") not in page
        if before.birth_date
        else not leaked,
        "shows only what B typed" if not leaked else f"leaked {leaked}",
    )
    victim_reveal = victim.post(f"/du-lieu-ca-nhan/nguoi-dan/{resident.pk}/hien-du-lieu/")
    victim_page = victim.get(f"/chien-dich/nguoi-dan/{resident.pk}/", follow=True).text
    attempt(
        "1c",
        "tree A's secretary still reveals her own record (not 'do đơn vị khác ghi nhận')",
        victim_reveal.status,
        before.phone in victim_page and "do đơn vị khác ghi nhận" not in victim_page,
    )
    orphans = Resident.objects.filter(tree__isnull=True, cases__isnull=False).distinct().count()
    attempt(
        "1d", "seeded residents without an owning tree (the protection's gap)", "-", not orphans
    )


def workbook(rows, *, units=None, members=None):
    book = Workbook()
    book.remove(book.active)
    if units:
        sheet = book.create_sheet("Đơn vị")
        sheet.append(["Mã đơn vị", "Tên đơn vị", "Loại", "Mã đơn vị cấp trên"])
        for row in units:
            sheet.append(row)
    if members:
        sheet = book.create_sheet("Thành viên")
        sheet.append(["Mã đơn vị", "Họ và tên", "Số định danh", "Đối tượng"])
        for row in members:
            sheet.append(row)
    sheet = book.create_sheet("Người dân")
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
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload_and_check(browser, content, name="danh-sach.xlsx"):
    """Upload a workbook; wait for its check job; return (upload answer, preview page)."""
    answer = browser.upload("/chien-dich/nhap-excel/", {"campaign": campaign_pk()}, name, content)
    preview = answer.location
    for _ in range(240):
        page = browser.get(preview)
        if page.status == 200:
            return answer, preview, page
        time.sleep(0.5)
    return answer, preview, page


def campaign_pk():
    from campaign.models import Campaign

    return Campaign.objects.current().pk


def counts_of(page):
    """{label: (new, changed, unchanged)} from a preview's counts table."""
    table = re.search(r'id="import-counts".*?</table>', page.text, re.S)
    found = {}
    for cells in re.findall(
        r"<tr><td>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>",
        table.group(0) if table else "",
    ):
        found[cells[0]] = tuple(int(c.replace(".", "").replace(",", "") or 0) for c in cells[1:])
    return found


def item2(browsers, guide, residents, victim_unit):
    """Griefing another unit's credit with an import of its credited ID numbers."""
    attacker = browsers["attacker"]
    victim_cases = Case.objects.filter(member__unit__path__startswith=victim_unit.path).count()
    notices = ClaimNotice.objects.count()
    rows = [["Ai Đó", r.id_number, guide.id_number, 2, "02/05/2023", "Có"] for r in residents]
    answer, preview, page = upload_and_check(attacker, workbook(rows))
    held = (
        'data-status="waiting"' in page.text
        and "xac-nhan/" not in page.text.split("import-busy")[0]
    )
    attempt(
        "2a",
        f"an import of {len(rows)} of another commune's credited ID numbers",
        page.status,
        held,
        "held for the district's review",
    )
    confirm = attacker.post(preview + "xac-nhan/")
    time.sleep(1)
    written = Case.objects.filter(member=guide, resident__in=residents).count()
    attempt(
        "2b",
        "confirming it before the district administrator's review",
        confirm.status,
        written == 0 and ClaimNotice.objects.count() == notices,
        f"victim's cases {victim_cases} → "
        f"{Case.objects.filter(member__unit__path__startswith=victim_unit.path).count()}",
    )
    review = ImportReview.objects.filter(owner__username="tancong.bithu").order_by("-pk").first()
    commune = (
        browsers["commune_admin"].post(
            f"/chien-dich/nhap-excel/duyet/{review.pk}/", {"decision": "approve"}
        )
        if review
        else Answer(0, b"", "")
    )
    review.refresh_from_db()
    attempt(
        "2c",
        "the attacker's commune administrator approves it",
        commune.status,
        review.status == ImportReview.Status.WAITING,
    )
    fix = browsers["district"].get("/tong-quan/can-sua/").text
    section = fix[fix.find('id="held-imports"') :].split("</section>")[0]
    attempt(
        "2d",
        "the district administrator sees the held import: claiming unit, count, losing unit, no names",
        200,
        "Hội LHPN xã Mường Lạn" in section
        and "Đoàn xã Mường Lạn" in section
        and not any(r.full_name in section for r in residents),
    )
    refused = browsers["district"].post(
        f"/chien-dich/nhap-excel/duyet/{review.pk}/",
        {"decision": "refuse", "reason": "Kiểm tra tấn công: không được ghi nhận hàng loạt"},
    )
    page = attacker.get(preview).text
    attempt(
        "2e",
        "refused with a reason: the owner is told, and it stays refused",
        refused.status,
        'data-status="refused"' in page and "không được ghi nhận hàng loạt" in page,
    )
    victim_page = browsers["victim"].get("/tong-quan/can-sua/").text
    attempt(
        "2f",
        "the losing commune is told of the claim made by the case form (item 1)",
        200,
        'id="claim-notices"' in victim_page and "Hội LHPN xã Mường Lạn" in victim_page,
    )


def item3(browsers, guide, residents):
    """The bulk existence oracle: the import preview and the person search."""
    attacker = browsers["attacker"]
    known = [r.id_number for r in residents[12:32]]
    unknown = [f"0011{n:08d}" for n in range(20)]
    rows = [["Ai Đó", n, guide.id_number, "", "", ""] for n in known + unknown]
    before = PersonalDataAccess.objects.filter(user__username="tancong.bithu").count()
    _answer, preview, page = upload_and_check(attacker, workbook(rows))
    counts = counts_of(page)
    residents_row = next(
        (v for k, v in counts.items() if "Người dân" in k and "Trường hợp" not in k), None
    )
    attempt(
        "3a",
        "an import preview of 20 other-tree ID numbers and 20 unknown ones",
        page.status,
        residents_row is not None and residents_row[0] == 40 and residents_row[2] == 0,
        f"residents new/changed/unchanged {residents_row}",
    )
    recorded = PersonalDataAccess.objects.filter(user__username="tancong.bithu").count() - before
    attempt(
        "3b",
        "that file held: its answer (more than the threshold known) recorded as a look-up",
        "-",
        recorded > 0,
        f"{recorded} records",
    )
    statuses = [
        browsers["commune_admin"].post("/du-lieu-ca-nhan/nguoi/", {"id_number": n}).status
        for n in known[:5]
    ]
    attempt(
        "3c",
        "a commune administrator's person search (5 ID numbers)",
        ",".join(map(str, sorted(set(statuses)))),
        all(s in (403, 404) for s in statuses),
    )
    answers = []
    for number in known + unknown[:5]:
        answer = attacker.post("/chien-dich/nguoi-dan/tra-cuu/", {"id_number": number})
        answers.append(not json.loads(answer.text or "{}").get("valid", False))
    attempt(
        "3d",
        f"{len(answers)} ID look-ups in a minute on the case form",
        200,
        sum(not a for a in answers) <= 20 and any(answers),
        f"{sum(not a for a in answers)} answered, then refused",
    )


def item4(browsers, guide_admin, resident):
    """The person's-data page across trees."""
    admin = browsers["commune_admin"]
    admin.post(
        "/chien-dich/truong-hop/them/",
        {
            "id_number": resident.id_number,
            "full_name": "Tên Khác",
            "member": guide_admin.pk,
            "category": "resident",
        },
    )
    page = admin.get(f"/du-lieu-ca-nhan/nguoi/{resident.pk}/")
    attempt(
        "4a",
        "commune administrator opens the person's-data page of a resident she recorded",
        page.status,
        page.status in (403, 404),
    )
    cases = Case.objects.filter(resident=resident).count()
    correct = admin.post(f"/du-lieu-ca-nhan/nguoi/{resident.pk}/", {"full_name": "Ghi Đè"})
    erase = admin.post(f"/du-lieu-ca-nhan/nguoi/{resident.pk}/xoa/", {"confirm": "1"})
    after = Resident.objects.filter(pk=resident.pk).first()
    attempt(
        "4b",
        "overwrites and deletes the resident from that page",
        f"{correct.status},{erase.status}",
        after is not None
        and after.full_name == resident.full_name
        and Case.objects.filter(resident=resident).count() == cases,
    )


def item5(browsers, residents, victim_unit):
    """Whole ID numbers and names without a recorded reveal."""
    attacker = browsers["attacker"]
    untouched = residents[40]
    form = attacker.get(f"/chien-dich/truong-hop/them/?resident={untouched.pk}")
    filled = re.findall(r'<input[^>]*name="(?:id_number|full_name)"[^>]*>', form.text)
    attempt(
        "5a",
        "case form pre-filled with another tree's resident (?resident=<pk>)",
        form.status,
        not any(untouched.id_number in f or untouched.full_name in f for f in filled),
    )
    # The resident of item 4, whom the commune administrator recorded too.
    taken, admin = residents[50], browsers["commune_admin"]
    history = admin.get(f"/du-lieu-ca-nhan/lich-su/nguoi-dan/{taken.pk}/")
    birth = taken.birth_date.strftime("%d/%m/%Y") if taken.birth_date else "-"
    attempt(
        "5b",
        "history page of another tree's resident she recorded: birth date and address",
        history.status,
        birth not in history.text and taken.address not in history.text,
    )
    found = attacker.post(
        "/tong-quan/can-sua/", {"q": untouched.id_number[:6], "section": "claims"}
    )
    page = attacker.get(found.location) if found.location else found
    attempt(
        "5c",
        "data-to-fix search by part of an ID number, kept out of the address",
        found.status,
        not ID.search(found.location or "")
        and untouched.id_number[:6] not in (found.location or "")
        and untouched.id_number not in page.text,
    )
    fix, books = downloads(attacker, "/tong-quan/can-sua/?section=claims")
    names = [r.full_name for r in residents[:12] if r.full_name in fix.text]
    in_books = []
    for book in books:
        in_books += [r.full_name for r in residents[:12] if r.full_name in sheet_text(book.body)]
    attempt(
        "5d",
        "data-to-fix page and its workbooks name the other tree's residents",
        fix.status,
        not names and not in_books,
        f"{len(books)} workbooks read",
    )


def downloads(browser, path):
    """The page at `path` and the workbooks its download links give: (page, [answers])."""
    page = browser.get(path)
    links = re.findall(r'href="([^"]*xlsx=1[^"]*)"', page.text)
    books = [
        browser.get(urllib.parse.urljoin(browser.base + path, href.replace("&amp;", "&")))
        for href in links
    ]
    return page, books


def sheet_text(content):
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return "".join(
                book.read(n).decode("utf-8", "replace")
                for n in book.namelist()
                if n.startswith("xl/") and n.endswith(".xml")
            )
    except zipfile.BadZipFile:
        return ""


def report_job(browser):
    """Export the report of the user's units: the job's workbook, once built."""
    from campaign.models import Campaign

    slug = Campaign.objects.get(pk=campaign_pk()).slug
    answer = browser.post("/bao-cao/xuat-bao-cao/", {"campaign": slug})
    job = answer.location.rstrip("/").split("/")[-1] if answer.location else ""
    for _ in range(240):
        book = browser.get(f"/cong-viec/{job}/tep/")
        if book.status == 200:
            return answer, job, book
        time.sleep(0.5)
    return answer, job, book


def item5e_8b(browsers, residents):
    """The report's Trùng lặp sheet: names as the report's tree recorded them, and counted."""
    from openpyxl import load_workbook

    admin = browsers["commune_admin"]
    answer, _job, book = report_job(admin)
    sheets = load_workbook(io.BytesIO(book.body), read_only=True) if book.status == 200 else {}
    doubles = list(sheets["Trùng lặp"].iter_rows(values_only=True)) if sheets else []
    texts = {str(c) for row in doubles for c in row if c}
    claimed = residents[:1] + residents[50:51]  # items 1 and 4: both trees claim them
    victims = {r.full_name for r in claimed}
    listed = sum(r.id_number in texts for r in claimed)
    attempt(
        "5e",
        "the report's Trùng lặp sheet of her commune names the other tree's residents",
        f"{answer.status},{book.status}",
        book.status == 200 and listed == len(claimed) and not victims & texts,
        f"{listed} of the {len(claimed)} claimed listed, under her tree's names",
    )
    ids = {c for row in doubles for c in row if isinstance(c, str) and ID.fullmatch(c)}
    record = (
        PersonalDataAccess.objects.filter(
            user__username="tancong.quantrixa", action=PersonalDataAccess.Action.EXPORT
        )
        .order_by("-pk")
        .first()
    )
    subjects = record.subjects.count() if record else 0
    attempt(
        "8b",
        "the export's record counts the Trùng lặp sheet's whole ID numbers",
        book.status,
        record is not None and bool(ids) and subjects >= len(ids),
        f"{len(ids)} on the sheet, {subjects} persons recorded",
    )


def item6(browsers):
    """The admin site for a staff commune administrator."""
    staff = browsers["commune_admin"]
    other_key = TOTPDevice.objects.get(user__username="bi.bithu").key
    devices = staff.get("/admin/otp_totp/totpdevice/")
    device = TOTPDevice.objects.get(user__username="tancong.quantrixa")
    own = staff.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    attempt(
        "6a",
        "authenticator apps in the admin: keys and QR codes",
        f"{devices.status},{own.status}",
        other_key not in devices.text
        and device.key not in own.text
        and "qrcode" not in own.text.lower(),
    )
    attempts_page = staff.get("/admin/axes/accessattempt/")
    attempt(
        "6b",
        "sign-in attempts in the admin",
        attempts_page.status,
        attempts_page.status in (302, 403, 404),
    )
    rules = staff.post(f"/admin/campaign/campaign/{campaign_pk()}/change/", {"quota_member": "0"})
    from campaign.models import Campaign

    attempt(
        "6c",
        "editing the campaign's rules",
        rules.status,
        rules.status in (302, 403, 404)
        and Campaign.objects.get(pk=campaign_pk()).quota_member != 0,
    )
    others = [j for j in Job.objects.exclude(owner__username__startswith="tancong")[:50]]
    jobs = staff.get("/admin/jobs/job/")
    seen = [
        j
        for j in others
        if str(j.pk) in jobs.text
        and j.unit
        and not j.unit.path.startswith(Unit.objects.get(code=ATTACKER_UNIT).path)
    ]
    access = staff.get("/admin/privacy/personaldataaccess/")
    attempt(
        "6d",
        "jobs and the access record in the admin, beyond her commune",
        f"{jobs.status},{access.status}",
        not seen and "kiemtra.huyen" not in access.text and "bi.bithu" not in access.text,
    )


def item7(browsers):
    """Formulas in the Excel downloads."""
    admin = browsers["commune_admin"]
    pages = [
        "/tong-quan/don-vi/",
        f"/tong-quan/don-vi/{ATTACKER_UNIT}/",
        "/tong-quan/thanh-vien/",
        "/tong-quan/can-sua/?section=warnings",
    ]
    formulas, read = [], 0
    for path in pages:
        _page, books = downloads(admin, path)
        for book in books:
            read += book.status == 200 and bool(sheet_text(book.body))
            if "<f>" in sheet_text(book.body) or "<f " in sheet_text(book.body):
                formulas.append(path)
    attempt(
        "7",
        f"a unit named '=HYPERLINK(…)' and a member '=1+1' in {read} dashboard workbooks",
        200,
        read > 0 and not formulas,
        ", ".join(formulas),
    )


def item8(browsers, resident):
    """Undercounted exports: the admin's list filtered by ID number."""
    staff = browsers["commune_admin"]
    before = PersonalDataAccess.objects.filter(user__username="tancong.quantrixa").count()
    answer = staff.get(f"/admin/campaign/resident/?id_number={resident.id_number}")
    record = (
        PersonalDataAccess.objects.filter(user__username="tancong.quantrixa")
        .order_by("-pk")
        .first()
    )
    recorded = (
        PersonalDataAccess.objects.filter(user__username="tancong.quantrixa").count() > before
    )
    attempt(
        "8",
        "admin resident list filtered by ?id_number=: recorded with the person, ID out of the address",
        answer.status,
        recorded and bool(record.subject) and resident.id_number not in (answer.location or ""),
    )


def item9(browsers, guide):
    """The error workbook built once by the check, not in each download."""
    rows = [
        [f"Người {i}", f"0011{i + 10**6:08d}", guide.id_number, 2, "02/05/2023", "Có"]
        for i in range(20000)
    ]
    rows[500][1] = "12345"  # one wrong ID number
    _answer, preview, page = upload_and_check(browsers["attacker"], workbook(rows), "lon.xlsx")
    times = []
    status = 0
    for _ in range(3):
        start = time.monotonic()
        answer = browsers["attacker"].get(preview + "tep-loi.xlsx")
        times.append(time.monotonic() - start)
        status = answer.status
    attempt(
        "9",
        "three downloads of a 20,000-row upload's error workbook",
        status,
        status == 200 and max(times) < 3,
        "seconds " + ", ".join(f"{t:.2f}" for t in times),
    )


def item10(browsers, base, server_log, leaver_key):
    """The smaller failures."""
    from django.core.files.base import ContentFile

    leaver = Browser(base)
    leaver.sign_in("tancong.nghiviec", leaver_key)
    unit = Unit.objects.get(code=ATTACKER_UNIT)
    job = Job.objects.create(
        kind="report",
        label="Báo cáo thử",
        owner=get_user_model().objects.get(username="tancong.nghiviec"),
        unit=unit,
        status=Job.Status.DONE,
    )
    job.file.save(f"{job.pk}.xlsx", ContentFile(b"PK fake"), save=True)
    job.filename = "bao-cao.xlsx"
    job.save()
    first = leaver.get(f"/cong-viec/{job.pk}/tep/")
    UnitRole.objects.filter(user__username="tancong.nghiviec").delete()
    second = leaver.get(f"/cong-viec/{job.pk}/tep/")
    attempt(
        "10a",
        "a job's file after its owner lost the role",
        f"{first.status},{second.status}",
        first.status == 200 and second.status in (403, 404),
    )

    number = "014192008373"
    missing = browsers["attacker"].get(f"/chien-dich/nguoi-dan/{number}/")
    time.sleep(0.5)
    logged = number in Path(server_log).read_text(errors="replace") if server_log else None
    attempt(
        "10b",
        "a 404 on an address holding an ID number, then the server's stderr",
        missing.status,
        logged is False,
        "log not given" if logged is None else "",
    )

    guide_get = browsers["attacker"].get("/tong-quan/nguoi-huong-dan/?q=0140950")
    admin_get = browsers["commune_admin"].get("/admin/units/member/?id_number=014095000001")
    attempt(
        "10c",
        "the guide search and the admin's ?id_number= by GET",
        f"{guide_get.status},{admin_get.status}",
        guide_get.status == 405 and admin_get.status == 302 and not ID.search(admin_get.location),
    )

    pages = [
        "/tong-quan/",
        "/tong-quan/don-vi/",
        "/tong-quan/thanh-vien/",
        "/tong-quan/can-sua/",
        "/tong-quan/tuyen-truyen/",
        "/bao-cao/ket-qua/",
    ]
    statuses = [browsers["district"].get(p + "?as_of=31/12/9999").status for p in pages]
    attempt(
        "10d", "?as_of=31/12/9999 on six pages", ",".join(map(str, statuses)), 500 not in statuses
    )

    page, books = downloads(browsers["commune_admin"], "/tong-quan/don-vi/ATK-S1/")
    attempt(
        "10e",
        "the workbook of a unit named 'Tổ 1/2'",
        ",".join(str(b.status) for b in books) or page.status,
        bool(books) and all(b.status == 200 and sheet_text(b.body) for b in books),
    )

    for key in ("abcde" * 11, "django-insecure-" + "q" * 40):
        env = {**os.environ, "DJANGO_SECRET_KEY": key, "DJANGO_DEBUG": "false"}
        run = subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        attempt(
            "10f",
            f"the server started with the secret key {key[:16]}…",
            f"exit {run.returncode}",
            run.returncode != 0,
        )

    roles = next(
        (
            line
            for line in (ROOT / ".env.example").read_text().splitlines()
            if line.startswith("DJANGO_OTP_REQUIRED_ROLES=")
        ),
        "",
    )
    attempt(
        "10g", ".env.example asks secretaries for a second factor", "-", "secretary" in roles, roles
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8717")
    parser.add_argument("--server-log", help="the server's standard error, for item 10b")
    options = parser.parse_args()
    people, guide, victims = prepare()
    browsers = {}
    for name, (user, key) in people.items():
        if name == "leaver":
            continue
        browsers[name] = Browser(options.base)
        browsers[name].sign_in(user.username, key)
    victim_unit = Unit.objects.get(code=VICTIM_UNIT)
    admin_guide = guide  # the commune administrator's unit is the secretary's
    item1(browsers, guide, victims[0])
    item2(browsers, guide, victims[1:13], victim_unit)
    item3(browsers, guide, victims)
    item4(browsers, admin_guide, victims[50])
    item5(browsers, victims, victim_unit)
    item5e_8b(browsers, victims)
    item6(browsers)
    item7(browsers)
    item8(browsers, victims[55])
    item9(browsers, guide)
    item10(browsers, options.base, options.server_log, people["leaver"][1])
    failed = RESULTS.count(False)
    print(f"{len(RESULTS)} attempts, {len(RESULTS) - failed} held, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
