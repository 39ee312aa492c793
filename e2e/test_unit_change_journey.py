"""An administrator merges two communes' Youth Unions in real Chromium: the form, the
preview (what moves, roles kept or moved), the confirmation, the record, and undo; at a
phone's width and at a desktop's."""

import pytest

from campaign.tests.helpers import add_full_cases
from units.history import UnitChange
from units.models import Member, UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

from .conftest import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def communes():
    district = UnitFactory(code="HD", name="Huyện Đoàn Mường La", kind=UnitKind.YOUTH_UNION)
    east = UnitFactory(code="DXA", name="Đoàn xã Mường Lạn", parent=district)
    west = UnitFactory(code="DXB", name="Đoàn xã Mường Cai", parent=district)
    for n in range(3):
        add_full_cases(MemberFactory(unit=east, full_name=f"Lò Văn Thành {n}"), 4)
    UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN, user__username="quantri")
    UnitRoleFactory(unit=east, role=UnitRole.Role.SECRETARY, user__username="bithu.mlan")
    return east, west


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_an_administrator_merges_two_communes_through_the_preview(
    request, live_server, communes, screen
):
    east, west = communes
    page = request.getfixturevalue(screen)
    sign_in(page, live_server, "quantri", next_path="/don-vi/thay-doi/")
    page.wait_for_url("**/don-vi/thay-doi/")
    page.click("text=Sáp nhập đơn vị")
    page.select_option("select[name=units]", [str(east.pk)])
    page.select_option("select[name=target]", str(west.pk))
    page.fill("input[name=day]", "01/07/2023")
    page.click("button:has-text('Xem trước')")
    page.wait_for_selector("#preview")
    shot(page, f"unit-change-preview-{screen}")
    assert page.inner_text("[data-figure=members]") == "3"
    assert page.inner_text("[data-figure=cases]") == "12"
    assert "bithu.mlan" in page.inner_text("main")
    assert not UnitChange.objects.exists()  # the preview wrote nothing
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") == width
    page.click("button:has-text('Xác nhận thay đổi')")
    page.wait_for_url("**/don-vi/thay-doi/")
    assert "Đã ghi nhận thay đổi" in page.inner_text(".messages")
    assert "Đoàn xã Mường Lạn (DXA)" in page.inner_text("#changes")
    shot(page, f"unit-change-list-{screen}")
    assert Member.objects.filter(unit=west).count() == 3
    assert UnitRole.objects.get(user__username="bithu.mlan").unit == west
    page.click("#changes button:has-text('Hoàn tác')")
    page.wait_for_selector(".messages")
    assert "Đã hoàn tác thay đổi" in page.inner_text(".messages")
    assert Member.objects.filter(unit=east).count() == 3
    assert page.csp_violations == []
