"""The officials' and the reporting units' journeys: the overview and a unit's page on the
demo district, a period's report submitted and seen on the completeness page, the report
workbook built on its job page and downloaded.

The background jobs (the submission, the workbook) run as they are queued here
(django-tasks' ImmediateBackend, as the jobs and reports tests run them): the job has
finished when its page first shows, as it has once the worker is done in production."""

import datetime

import openpyxl
import pytest
from django.utils import timezone

from campaign.models import Campaign
from campaign.results import build_results
from campaign.tests.helpers import add_full_cases
from dashboards.formats import whole
from e2e.conftest import shot, sign_in
from jobs.models import Job
from privacy.models import PersonalDataAccess
from reports.demo import DEMO_PASSWORD, seed_demo
from reports.exports import SHEETS
from reports.models import Submission
from reports.tests.factories import PeriodFactory
from units.models import Unit, UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _jobs_run_as_queued(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def demo():
    """The demo district, small enough to load in seconds, large enough for 1.234."""
    seed_demo(cases=2500, members=120)
    return Campaign.objects.get(slug="vneid-2023")


def no_sideways_scrolling(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"the page scrolls sideways ({width}px > {viewport}px)"


def test_an_official_reads_the_overview_then_a_unit_on_the_demo_district(
    desktop, live_server, demo
):
    today = timezone.localdate()
    results = build_results(demo, as_of=today)
    assert results.totals.credited_full >= 1000  # a figure with a thousands separator

    page = desktop
    sign_in(page, live_server, "quantri", DEMO_PASSWORD, next_path="/tong-quan/")
    page.wait_for_url("**/tong-quan/")
    assert page.inner_text("main h1").startswith("Tổng quan")
    stats = page.locator(".dash-stats .dash-stat")
    headline = stats.filter(has_text="trường hợp đủ điều kiện").first.locator("b").inner_text()
    assert headline == whole(results.totals.credited_full)
    assert "." in headline  # 1.234, the Vietnamese way
    residents = stats.filter(has_text="người dân được hướng dẫn").locator("b").inner_text()
    assert residents == whole(results.summary["residents"])
    assert f"đến hết ngày {today:%d/%m/%Y}" in page.inner_text("main")
    shot(page, "overview")

    page.click("main >> text=Đơn vị >> nth=0")  # the tab
    page.wait_for_url("**/tong-quan/don-vi/**")
    youth = results.unit("HD")
    page.click(f"main table >> text={youth.name}")
    page.wait_for_url("**/tong-quan/don-vi/HD/**")
    assert page.inner_text("main h1").startswith(youth.name)
    unit_stats = page.locator(".dash-stats .dash-stat")
    full = unit_stats.filter(has_text="trường hợp đủ điều kiện").locator("b").inner_text()
    members = unit_stats.filter(has_text="thành viên").first.locator("b").inner_text()
    assert full == whole(youth.tally.credited_full)
    assert members == whole(youth.tally.members)
    shot(page, "overview-unit")
    assert page.csp_violations == []


@pytest.fixture
def reporting_unit():
    """A district Youth Union (expected to report, as the top of its tree) with a secretary,
    two members and their credited cases."""
    district = UnitFactory(code="HD", name="Huyện Đoàn Sốp Cộp", kind=UnitKind.YOUTH_UNION)
    commune = UnitFactory(
        code="DX-CC", name="Đoàn xã Chiềng Cơi", parent=district, kind=UnitKind.YOUTH_UNION
    )
    UnitRoleFactory(unit=district, role=UnitRole.Role.SECRETARY, user__username="bithu")
    add_full_cases(MemberFactory(unit=commune, full_name="Lò Văn Thành"), 3)
    add_full_cases(MemberFactory(unit=district, full_name="Cầm Thị Hoa"), 2)
    return district


@pytest.mark.parametrize(
    "due_in_days, seen",
    [(7, "đúng hạn"), (-3, "muộn 3 ngày")],
    ids=["on-time", "late"],
)
def test_a_secretary_submits_the_period_report_and_sees_it_on_the_completeness_page(
    phone, live_server, reporting_unit, due_in_days, seen
):
    today = timezone.localdate()
    period = PeriodFactory(
        name="Báo cáo tháng này",
        starts_on=today - datetime.timedelta(days=30),
        ends_on=today - datetime.timedelta(days=5) if due_in_days < 0 else today,
        due_on=today + datetime.timedelta(days=due_in_days),
    )
    page = phone
    sign_in(page, live_server, "bithu", next_path="/bao-cao/tinh-hinh-bao-cao/")
    page.wait_for_url("**/bao-cao/tinh-hinh-bao-cao/")
    row = page.locator("main tr", has_text="Huyện Đoàn Sốp Cộp").first
    # This period's cell (the plan's periods, restored with the migrated data, come first).
    cell = row.locator(f'td:has(input[name="period"][value="{period.pk}"])')
    assert cell.locator(".tag").inner_text() == ("chưa đến hạn" if due_in_days > 0 else "chưa gửi")
    no_sideways_scrolling(page)
    cell.locator("button", has_text="Gửi báo cáo").click()

    page.wait_for_url("**/cong-viec/*/")
    page.wait_for_selector("#job-status [data-finished='1']")
    status = page.inner_text("#job-status")
    assert "Đã xong" in status
    assert page.inner_text("main h1") == "Gửi báo cáo của Huyện Đoàn Sốp Cộp: Báo cáo tháng này"
    no_sideways_scrolling(page)
    shot(page, f"submission-job-{due_in_days}")
    page.click("#job-status >> text=Xem kết quả")
    page.wait_for_url("**/bao-cao/bao-cao-da-gui/*/")
    submission = Submission.objects.get(period=period, unit=reporting_unit)
    assert page.url.endswith(submission.get_absolute_url())
    assert "Huyện Đoàn Sốp Cộp" in page.inner_text("main")
    assert submission.submitted_by.username == "bithu"
    no_sideways_scrolling(page)

    page.goto(f"{live_server.url}/bao-cao/tinh-hinh-bao-cao/")
    row = page.locator("main tr", has_text="Huyện Đoàn Sốp Cộp").first
    # This period's cell: the one linking to the submission.
    cell = row.locator(f'td:has(a[href="{submission.get_absolute_url()}"])')
    tag = cell.locator("a.tag")
    assert tag.inner_text() == seen
    assert cell.locator("button", has_text="Gửi báo cáo").count() == 0  # sent once only
    no_sideways_scrolling(page)
    shot(page, f"completeness-{due_in_days}")
    tag.click()
    page.wait_for_url(f"**{submission.get_absolute_url()}")
    assert page.csp_violations == []


def test_the_district_police_downloads_the_report_workbook_from_its_job_page(
    desktop, live_server, demo, tmp_path
):
    police = Unit.objects.get(code="CAH")
    UnitRoleFactory(unit=police, role=UnitRole.Role.ADMIN, user__username="congan.huyen")
    today = timezone.localdate()
    results = build_results(demo, as_of=today, units=Unit.objects.subtree(police))

    page = desktop
    sign_in(page, live_server, "congan.huyen", next_path="/bao-cao/xuat-bao-cao/")
    page.wait_for_url("**/bao-cao/xuat-bao-cao/")
    assert page.inner_text("main h1") == "Tệp báo cáo"
    page.click("main form button.primary")
    page.wait_for_url("**/cong-viec/*/")
    page.wait_for_selector("#job-status [data-finished='1']")
    assert "Đã xong" in page.inner_text("#job-status")
    job = Job.objects.get(owner__username="congan.huyen")
    assert f"{whole(job.total)} dòng" in page.inner_text("#job-status")
    shot(page, "report-job-done")
    with page.expect_download() as download:
        page.click("#job-status a.button.primary")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"bao-cao-vneid-2023-CAH-{today.isoformat()}.xlsx"
    assert PersonalDataAccess.objects.filter(
        user__username="congan.huyen", action=PersonalDataAccess.Action.EXPORT
    ).exists()

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Tổng hợp",
        "Thành viên",
        "Đề nghị khen thưởng",
        "Danh sách kèm theo",
        "Trùng lặp",
        "Hoạt động",
    ]
    assert book.sheetnames == list(SHEETS)
    summary = book["Tổng hợp"]
    rows = [[cell.value for cell in row] for row in summary.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0] == "Đơn vị")
    totals = next(row for row in rows[header:] if row[0] == "Tổng cộng")
    column = rows[header].index("Định danh điện tử được tính - lũy kế")
    assert totals[column] == results.totals.credited_eid
    assert totals[rows[header].index("Số thành viên")] == results.totals.members
    named = [row[0].value for row in book["Danh sách kèm theo"].iter_rows()]
    listed = named[named.index("STT") + 1 : -1]
    assert listed == list(range(1, results.totals.credited_full + 1))
    # The list closes with its count, as a printed annex does.
    assert named[-1] == f"Tổng cộng: {whole(results.totals.credited_full)} người"
    assert job.total == results.totals.credited_full
    assert page.csp_violations == []


CHART_TEXT = """() => {
  const svg = [...document.querySelectorAll('.chart-line svg.chart-svg')]
    .find(s => s.getBoundingClientRect().width > 0);
  const tick = svg.querySelector('text.tick');
  const card = svg.closest('.card, section, main');
  const style = getComputedStyle(card);
  const inner = card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {
    shown: [...document.querySelectorAll('.chart-line svg.chart-svg')]
      .filter(s => s.getBoundingClientRect().width > 0).length,
    text: tick.getBoundingClientRect().height,
    width: svg.getBoundingClientRect().width,
    inner: inner,
  };
}"""


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_progress_chart_keeps_its_text_readable_and_fills_its_card(
    request, live_server, demo, screen
):
    page = request.getfixturevalue(screen)
    sign_in(page, live_server, "quantri", DEMO_PASSWORD, next_path="/tong-quan/")
    page.wait_for_url("**/tong-quan/")
    shot(page, f"overview-chart-{screen}")
    seen = page.evaluate(CHART_TEXT)
    assert seen["shown"] == 1  # one drawing of the chart shows at a time
    # The campaign's long name beside the title took four lines of heading type at 390 px
    # (134 px); on its own smaller line the heading is 80 px.
    title = page.evaluate("document.querySelector('main h1').getBoundingClientRect().height")
    assert title <= (100 if screen == "phone" else 90), title
    # A tick label's box is about its font size: at least 11 px on a phone, no poster text on
    # a desktop.
    assert 11 <= seen["text"] <= 20, seen
    assert seen["width"] >= 0.9 * seen["inner"], seen  # the chart fills its card's width
    no_sideways_scrolling(page)


BAR_TEXT = """() => {
  const bars = [...document.querySelectorAll('.chart-bars li')];
  const chart = document.querySelector('.chart-bars');
  return bars.map(li => ({
    label: parseFloat(getComputedStyle(li.querySelector('.bar-label')).fontSize),
    value: parseFloat(getComputedStyle(li.querySelector('.bar-value')).fontSize),
    bar: li.querySelector('svg.bar').getBoundingClientRect().width,
    room: chart.getBoundingClientRect().width,
    text: li.querySelector('.bar-label').textContent.trim(),
  }));
}"""


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_bar_charts_keep_the_pages_text_size_and_scale_the_bars(
    request, live_server, demo, screen
):
    page = request.getfixturevalue(screen)
    sign_in(page, live_server, "quantri", DEMO_PASSWORD, next_path="/tong-quan/tuyen-truyen/")
    page.wait_for_url("**/tong-quan/tuyen-truyen/")
    shot(page, f"outreach-bars-{screen}")
    bars = page.evaluate(BAR_TEXT)
    assert len(bars) >= 3, bars
    # Labels and numbers are text at the page's size, not a drawing shrunk to the screen (8 px
    # at 390 px before): at least 14 px on a phone as on a desktop.
    assert all(bar["label"] >= 14 and bar["value"] >= 14 for bar in bars), bars
    # The longest bar spans most of the chart, leaving room for its number; the others follow
    # their values (the list is sorted by value, largest first).
    widths = [bar["bar"] for bar in bars]
    assert 0.7 * bars[0]["room"] <= widths[0] <= 0.9 * bars[0]["room"], bars
    assert widths == sorted(widths, reverse=True), bars
    no_sideways_scrolling(page)
