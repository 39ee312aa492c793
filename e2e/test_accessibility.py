"""Every page as its users meet it, checked by axe-core (WCAG 2.2 AA and axe's best practices).

A crawl signs in as each demo role, follows every link it meets (and starts from the pages
only a sent form leads to: a job, a submission, an import's preview, a person's data), and on
every page, with every <details> opened, at 1366 px and at 390 px, asserts that axe-core finds
no serious or critical violation and that nothing scrolls sideways. The Django admin's own
defects are known and named below with their reason. The crawl fails when the URLconf gains a
page it never reached, so a new page cannot escape it.

Then the error pattern and the ☰ menu, as a keyboard user meets them.
"""

import datetime
import os
import re
from collections import defaultdict
from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone

from campaign import workbook as wb
from campaign.models import Campaign
from e2e.conftest import ARTIFACTS, shot, sign_in
from reports.demo import DEMO_PASSWORD, seed_demo
from reports.jobs import start_report_job
from reports.submissions import submit_report
from reports.tests.factories import PeriodFactory
from units.models import Unit, UnitRole

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROLES = ("quantri", "bithu.mlan", "xem.hoipn", "doanvien")
WIDTHS = (1366, 390)
SERIOUS = {"serious", "critical"}
SHOTS = os.environ.get("AXE_SHOTS") == "1"  # a screenshot of every page at each width

# The Django admin's own pages: its templates and stylesheet are Django's, not the project's.
# Each defect axe-core finds there is known, with why it is left as it is.
KNOWN_ADMIN = {
    "aria-input-field-name": "the admin's autocomplete fields (its bundled select2): the"
    " combobox is named by aria-labelledby pointing at the chosen value, not at the label.",
    "aria-prohibited-attr": "the admin's two-list picker (filter_horizontal, groups and"
    " permissions): its help-tooltip <span> carries a title/aria attribute a span may not.",
    "label-title-only": "the admin's search box: labelled only by its title when the"
    " ModelAdmin sets search_help_text (django-otp's TOTP devices).",
    "link-in-text-block": "the admin's breadcrumbs: its links are told from the '›' between"
    " them by colour only (Django's stylesheet).",
    "label": "the admin's split date-time widget (the date and the time share one label) and"
    " its inline rows' 'Xóa' check box, labelled by the column heading only.",
    "select-name": "the admin's inline rows (a unit's roles): each row's drop-down is labelled"
    " by the column heading only.",
}

# URL patterns the crawl does not open as pages, each with the reason.
NOT_PAGES = {
    "logout": "a POST form (the menu's sign-out button)",
    "set_language": "a POST form (the footer's language)",
    "healthz": "the load balancer's health answer, not a page",
    "otp_verify": "asked only when a role must give a code (DJANGO_OTP_REQUIRED_ROLES); its"
    " journey is e2e/test_journeys.py",
    "units:member_deactivate": "a POST form",
    "campaign:resident_lookup": "the ID number look-up the case form asks (POST, JSON)",
    "campaign:import_template": "a file (the template workbook)",
    "campaign:import_confirm": "a POST form",
    "campaign:import_cancel": "a POST form",
    "campaign:import_errors": "a file (the rows in error)",
    "campaign:import_done": "reached after a confirm job; the same page as the job's",
    "reports:resolve": "a POST form",
    "reports:undo": "a POST form",
    "reports:submit": "a POST form",
    "reports:submission_download": "a file (the workbook as sent)",
    "reports:reopen": "a POST form",
    "jobs:file": "a file (the job's workbook)",
    "dashboards:guide_search": "the guide picker's answer (POST, JSON)",
    "privacy:reveal_case_id": "a POST form",
    "privacy:reveal_member_id": "a POST form",
    "privacy:reveal_resident": "a POST form",
    "privacy:person_erase": "a POST form; its confirmation is on the person's page",
    "campaign:activation_confirm": "a POST form",
    "campaign:claim_notice_seen": "a POST form (a notice marked seen, on the data to fix)",
    "campaign:import_review_decide": "a POST form (a held import approved or refused)",
    "campaign:activation_cancel": "a POST form",
    "campaign:activation_done": "reached after a confirm job; the same page as the job's",
    "campaign:activities_today": "the offline quick entry's list of today's activities (JSON)",
    "unit_changes:undo": "a POST form",
    "campaign:offline_bundle": "quick entry's offline data (JSON)",
    "campaign:offline_send": "quick entry's offline cases sent back (POST)",
    "service_worker": "the service worker (JavaScript)",
    "admin:otp_totp_totpdevice_config": "a device's key: refused to everyone (403), as a key is"
    " never shown after set-up (privacy/admin_scope.py)",
}
# The admin's confirmation and history pages use the templates of its change form, which the
# crawl opens for every model; its autocomplete and QR code answers are JSON and an image; its
# own sign-in and sign-out are not used (the site's are).
ADMIN_NOT_PAGES = re.compile(
    r"^admin:(\w+_)+(delete|history)$"
    r"|^admin:(view_on_site|jsi18n|autocomplete|login|logout|password_change_done)$"
    r"|^admin:otp_totp_totpdevice_qrcode$"
)
# Of the admin's pages, every model's list must be reached; its add and change forms are opened
# where a list links them (one of each pattern): a ModelAdmin that forbids adding has no add
# page, a model with no demo rows no change page, and all share the change form's templates.
ADMIN_OPTIONAL = re.compile(r"^admin:\w+_(add|change)$")


def _patterns(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part)
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def _name(path):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


class Crawl:
    """One role's walk: pages by URL pattern, at most `per_pattern` addresses each."""

    def __init__(self, page, origin, role, per_pattern=2):
        self.page, self.origin, self.role, self.per_pattern = page, origin, role, per_pattern
        self.seen, self.by_name = set(), defaultdict(int)
        self.violations, self.reached = [], set()

    def wanted(self, url):
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin or url in self.seen:
            return False
        name = _name(parts.path)
        if name is None or name in NOT_PAGES or ADMIN_NOT_PAGES.match(name):
            return False
        limit = 1 if name.startswith("admin:") else self.per_pattern
        return self.by_name[name] < limit

    def visit(self, url, found_on=""):
        page = self.page
        self.seen.add(url)
        name = _name(urlsplit(url).path)
        self.by_name[name] += 1
        try:
            response = page.goto(url)
        except Exception as error:  # a download answers instead of a page
            if "Download is starting" in str(error):
                self.reached.add(name)
                return []
            raise
        if response is not None and response.status >= 400:
            # A link the user is offered must lead somewhere they may go.
            self.violations.append(
                f"{self.role}: {url} answers {response.status} (linked from {found_on or 'the start'})"
            )
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            self.reached.add(name)
            return []
        self.reached.add(name)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r)))")
            self.check(url, name, width)
            if SHOTS:  # to look at every page as the crawl met it
                shot = re.sub(r"[^\w-]+", "_", f"{self.role}-{width}-{urlsplit(url).path}")
                page.screenshot(path=str(ARTIFACTS / f"crawl-{shot}.png"), full_page=True)
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        return page.eval_on_selector_all(
            "a[href]",
            "links => links.filter(a => !a.hasAttribute('download')).map(a => a.href.split('#')[0])",
        )

    def check(self, url, name, width):
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        for violation in results.response["violations"]:
            if violation["impact"] not in SERIOUS:
                continue
            if name.startswith("admin:") and violation["id"] in KNOWN_ADMIN:
                continue
            targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
            self.violations.append(
                f"{self.role} {width}px {url}: {violation['id']} ({violation['impact']}) "
                f"{violation['help']} at {targets}"
            )
        if not name.startswith("admin:"):
            scroll = self.page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                self.violations.append(
                    f"{self.role} {width}px {url}: scrolls sideways ({scroll}px)"
                )

    def run(self, starts):
        queue = [(url, "") for url in starts if self.wanted(url)]
        while queue:
            url, found_on = queue.pop(0)
            if not self.wanted(url):
                continue
            for link in self.visit(url, found_on):
                if self.wanted(link):
                    queue.append((link, url))


@pytest.fixture
def demo_district(settings, tmp_path):
    """The demo district, with what only a sent form makes: a period's submission, a report
    workbook's job."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.IMPORT_TEMP_DIR = str(tmp_path / "uploads")
    seed_demo(cases=400, members=60)
    campaign = Campaign.objects.get(slug="vneid-2023")
    today = timezone.localdate()
    period = PeriodFactory(
        campaign=campaign,
        name="Tháng này",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today - datetime.timedelta(days=2),
        due_on=today + datetime.timedelta(days=5),
    )
    secretary = UnitRole.objects.get(user__username="bithu.mlan", role=UnitRole.Role.SECRETARY)
    submission = submit_report(period=period, unit=secretary.unit, user=secretary.user)
    jobs = {}
    for username in ("quantri", "bithu.mlan"):
        role = UnitRole.objects.filter(user__username=username).first()
        unit = role.unit if username != "quantri" else Unit.objects.filter(parent=None).first()
        user = role.user
        jobs[username] = start_report_job(
            user=user, campaign=campaign, unit=unit, period=period, as_of=today, live=True
        )
    return {"submission": submission, "jobs": jobs, "campaign": campaign}


def _template_file(tmp_path):
    path = tmp_path / "mau.xlsx"
    path.write_bytes(wb.template_bytes())
    return path


def test_every_page_as_each_role_at_both_widths_has_no_serious_axe_violation(
    browser, live_server, demo_district, tmp_path
):
    from campaign.models import Resident

    origin = live_server.url
    violations, reached = [], set()

    # Before signing in: the sign-in page.
    context = browser.new_context(locale="vi-VN", extra_http_headers={"Accept-Language": "vi"})
    anonymous = Crawl(context.new_page(), origin, "anonymous")
    anonymous.run([f"{origin}/dang-nhap/"])
    violations += anonymous.violations
    reached |= anonymous.reached
    context.close()

    for role in ROLES:
        context = browser.new_context(
            viewport={"width": WIDTHS[0], "height": 900},
            locale="vi-VN",
            extra_http_headers={"Accept-Language": "vi"},
            accept_downloads=True,
        )
        page = context.new_page()
        sign_in(page, live_server, role, DEMO_PASSWORD)
        page.wait_for_url(f"{origin}/**")
        starts = [f"{origin}/", f"{origin}/mat-khau/da-doi/"]
        submission = demo_district["submission"].get_absolute_url()
        if role in demo_district["jobs"]:
            starts.append(f"{origin}{demo_district['jobs'][role].get_absolute_url()}")
        if role in ("quantri", "bithu.mlan"):  # the Youth Union's: not the Women's viewer's
            starts.append(f"{origin}{submission}")
        if role == "quantri":
            resident = Resident.objects.order_by("pk").first()
            starts += [
                f"{origin}/du-lieu-ca-nhan/nguoi/{resident.pk}/",
                f"{origin}/xac-thuc/thiet-lap/",
                f"{origin}/admin/",
            ]
        if role == "quantri":
            # The police's activation list's preview is reached by sending a list; the page
            # quick entry shows offline (the service worker serves it) has its address too.
            listed = tmp_path / "ds.csv"
            listed.write_text(
                "Số định danh;Mức định danh;Ngày kích hoạt;Tài khoản DVC;Họ và tên\n"
                "014195000001;2;02/05/2023;Có;Cà Thị Khớp\n"
                "014195000002;1;02/05/2023;Không;Cà Thị Lệch\n",
                encoding="utf-8",
            )
            page.goto(f"{origin}/chien-dich/danh-sach-kich-hoat/")
            page.set_input_files("main form[enctype] input[type=file]", str(listed))
            page.click("main form[enctype] button.primary")
            page.wait_for_url(re.compile(r".*/danh-sach-kich-hoat/[^/]+/$"), timeout=60_000)
            starts += [page.url, f"{origin}/ngoai-tuyen/"]
        if role == "bithu.mlan":
            # An import's preview is reached by sending a workbook.
            page.goto(f"{origin}/chien-dich/nhap-excel/")
            page.set_input_files("input[type=file]", str(_template_file(tmp_path)))
            page.click("main form button.primary")
            page.wait_for_url("**/nhap-excel/*/")
            starts.append(page.url)
        crawl = Crawl(page, origin, role)
        crawl.run(starts)
        violations += crawl.violations
        reached |= crawl.reached
        context.close()

    pages = {
        name
        for name in _patterns()
        if name not in NOT_PAGES
        and not ADMIN_NOT_PAGES.match(name)
        and not ADMIN_OPTIONAL.match(name)
    }
    unvisited = sorted(pages - reached)
    if unvisited:
        violations.append(
            "pages the crawl never reached (link them, start the crawl there, or say in"
            f" NOT_PAGES why they are not pages): {unvisited}"
        )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-crawl.txt").write_text(
        "\n".join(["reached: " + ", ".join(sorted(reached)), *violations]) + "\n"
    )
    assert not violations, f"{len(violations)} problems (test-artifacts/axe-crawl.txt):\n" + (
        "\n".join(violations[:40])
    )


# --- The error pattern and the menu, as a keyboard user meets them ---------------------------


@pytest.fixture
def secretary():
    from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

    commune = UnitFactory(code="DX-CC", name="Đoàn xã Chiềng Cơi")
    MemberFactory(unit=commune, full_name="Lò Văn Thành", id_number="014090000111")
    return UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY, user__username="bithu").user


def test_a_form_sent_with_errors_focuses_its_summary_and_links_to_the_field(
    desktop, live_server, secretary
):
    page = desktop
    sign_in(page, live_server, "bithu", next_path="/chien-dich/truong-hop/them/")
    page.wait_for_url("**/truong-hop/them/")
    page.fill("input[name=id_number]", "0140901")
    page.click("main button.primary >> nth=0")
    page.wait_for_selector("[data-error-summary]")
    assert page.title().startswith("Lỗi: ")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    page.click("[data-error-summary] a[href='#id_id_number']")
    assert page.evaluate("document.activeElement.id") == "id_id_number"
    assert page.csp_violations == []


def test_a_too_large_workbook_puts_the_focus_on_its_error_not_on_the_body(
    desktop, live_server, secretary, settings, tmp_path
):
    settings.IMPORT_MAX_BYTES = 2000
    big = tmp_path / "lon.xlsx"
    big.write_bytes(b"x" * 20_000)
    page = desktop
    sign_in(page, live_server, "bithu", next_path="/chien-dich/nhap-excel/")
    page.wait_for_url("**/chien-dich/nhap-excel/")
    page.set_input_files("input[type=file]", str(big))
    page.click("main form button.primary")
    page.wait_for_selector("[data-error-summary]")
    assert page.title().startswith("Lỗi: ")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    # The form is still the page's: a second try is sent with progress again.
    assert page.locator("form[data-busy]").count() == 1
    assert page.csp_violations == []


def test_the_phone_menu_closes_when_the_focus_leaves_it_and_on_escape(
    phone, live_server, secretary
):
    page = phone
    sign_in(page, live_server, "bithu", next_path="/chien-dich/nhap-nhanh/")
    page.wait_for_url("**/nhap-nhanh/")
    page.click("details.menu summary")
    assert page.evaluate("document.querySelector('details.menu').open")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.querySelector('details.menu').open")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")  # open again, then Tab through it and out of it
    assert page.evaluate("document.querySelector('details.menu').open")
    links = page.locator("details.menu nav a, details.menu nav button").count()
    for _ in range(links + 1):
        page.keyboard.press("Tab")
    assert not page.evaluate(
        "document.querySelector('details.menu').contains(document.activeElement)"
    )
    assert not page.evaluate("document.querySelector('details.menu').open")
    shot(page, "menu-closed-after-tab")
    assert page.csp_violations == []
