"""A secretary on a phone records a Volunteer Saturday, enters two cases at it, and finds
them on the outreach page."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from campaign.models import Activity, Case
from e2e.conftest import shot, sign_in
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def plan_kinds(transactional_db):
    """The plan's kinds of activity, as the data migration creates them (a journey's
    database may start empty, as e2e.conftest.plan_campaign explains)."""
    migration = importlib.import_module("campaign.migrations.0013_activities")
    migration.plan_kinds(apps, None)


def last_saturday():
    today = timezone.localdate()
    return today - datetime.timedelta(days=(today.weekday() - 5) % 7)


def fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"


def test_a_secretary_records_a_saturday_enters_two_cases_at_it_and_sees_them(
    phone, desktop, live_server
):
    district = UnitFactory(code="HD", name="Huyện Đoàn Sốp Cộp")
    commune = UnitFactory(code="DX-ML", name="Đoàn xã Mường Lạn", parent=district)
    UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY, user__username="bithu")
    guide = MemberFactory(unit=commune, full_name="Lò Văn Thành", id_number="014090000111")
    page = phone
    sign_in(page, live_server, "bithu")
    page.wait_for_url(f"{live_server.url}/")
    page.click("summary")
    page.click("nav >> text=Hoạt động tuyên truyền")
    page.wait_for_url("**/chien-dich/hoat-dong/")
    page.click("text=Ghi hoạt động")
    saturday = last_saturday()
    page.select_option("select[name=kind]", label="Ngày Thứ Bảy tình nguyện")
    page.fill("input[name=starts_on]", f"{saturday:%d/%m/%Y}")
    page.fill("input[name=place]", "Chợ trung tâm xã Mường Lạn")
    page.fill("input[name=commune]", "Mường Lạn")
    page.check(f"input[name=organisers][value='{commune.pk}']")
    page.check(f"input[name=members][value='{guide.pk}']")
    page.fill("input[name=leaflets]", "200")
    fits(page)
    shot(page, "activity-form-phone")
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_selector(".msg.success")
    page.wait_for_selector(".msg.success")
    assert "Chợ trung tâm xã Mường Lạn" in page.inner_text("main")
    held = Activity.objects.get()
    fits(page)

    page.click("summary")
    page.click("nav >> text=Nhập nhanh")
    page.wait_for_url("**/chien-dich/nhap-nhanh/")
    for id_number, name in (("014190000301", "Vì Thị Lả"), ("014090000302", "Cầm Văn Ơn")):
        page.select_option("select[name=member]", str(guide.pk))
        page.select_option("select[name=activity]", str(held.pk))
        page.fill("input[name=id_number]", id_number)
        page.fill("input[name=full_name]", name)
        page.check("input[name=eid_level][value='2']")
        page.fill("input[name=activated_on]", f"{timezone.localdate():%d/%m/%Y}")
        page.check("input[name=portal_used]")
        page.click("button.primary")
        page.wait_for_selector(f".msg.success >> text={name}")
        fits(page)
    assert Case.objects.filter(activity=held).count() == 2

    page.goto(f"{live_server.url}/tong-quan/tuyen-truyen/")
    section = page.inner_text("#hoat-dong")
    assert "Chợ trung tâm xã Mường Lạn" in section
    assert "2 trường hợp, 2 được tính" in section
    fits(page)
    shot(page, "activity-outreach-phone")
    assert page.csp_violations == []

    # The same pages in an office browser: the list names the activity and its two cases.
    sign_in(desktop, live_server, "bithu", next_path="/chien-dich/hoat-dong/")
    desktop.wait_for_url("**/chien-dich/hoat-dong/")
    row = desktop.inner_text("table.list tbody tr")
    assert "Chợ trung tâm xã Mường Lạn" in row and "\t2\t2" in row.replace("\n", "\t")
    shot(desktop, "activity-list-desktop")
    desktop.goto(f"{live_server.url}/tong-quan/tuyen-truyen/")
    shot(desktop, "activity-outreach-desktop")
    assert desktop.csp_violations == []


TICKS = """() => {
  const list = document.querySelector('#id_organisers');
  const inner = list.getBoundingClientRect().width;
  return [...list.querySelectorAll('label')].map(label => {
    const box = label.querySelector('input').getBoundingClientRect();
    return {
      width: label.getBoundingClientRect().width / inner,
      height: label.getBoundingClientRect().height,
      box: box.width,
      shown: getComputedStyle(label.querySelector('input')).opacity,
    };
  });
}"""


def test_a_district_administrator_ticks_organisers_in_a_readable_list_on_a_phone(
    phone, live_server
):
    """The organisers (a district's dozens of units, some with long names) are ticked in a
    list, one per line with the box shown: not the level buttons' tiles, which squeezed
    "Đội Cảnh sát hình sự - kinh tế - ma túy (Công an)" into a column of single words."""
    district = UnitFactory(code="CAH", name="Công an huyện Sốp Cộp")
    for n in range(12):
        UnitFactory(
            code=f"DOI-{n}", name=f"Đội Cảnh sát hình sự - kinh tế - ma túy {n}", parent=district
        )
    UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN, user__username="quantri")
    page = phone
    sign_in(page, live_server, "quantri", next_path="/chien-dich/hoat-dong/them/")
    page.wait_for_url("**/chien-dich/hoat-dong/them/")
    shot(page, "activity-organisers-phone")
    labels = page.evaluate(TICKS)
    assert len(labels) == 13
    for label in labels:
        assert label["width"] >= 0.95, labels  # each unit on a line of its own
        assert label["height"] >= 44, labels  # a thumb's height
        assert label["box"] >= 20 and label["shown"] == "1", labels  # the box is seen
    fits(page)
