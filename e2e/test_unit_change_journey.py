"""An administrator merges two communes' Youth Unions in real Chromium: the form, the
preview (what moves, roles kept or moved), the confirmation, the record, and undo; at a
phone's width and at a desktop's."""

import pytest

from campaign.tests.helpers import add_full_cases
from units.models import Member, UnitChange, UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

from .conftest import shot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


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


def test_an_administrator_splits_a_commune_on_a_phone(live_server, communes, phone):
    east, _west = communes
    members = list(Member.objects.filter(unit=east).order_by("full_name"))
    page = phone
    sign_in(page, live_server, "quantri", next_path="/don-vi/thay-doi/")
    page.wait_for_url("**/don-vi/thay-doi/")
    page.click("summary:has-text('Chia tách đơn vị')")
    page.click("text=Chia tách Đoàn xã Mường Lạn")
    page.fill("input[name=day]", "01/07/2023")
    page.fill("input[name=code_1]", "DXA1")
    page.fill("input[name=name_1]", "Đoàn xã Mường Lạn 1")
    page.fill("input[name=code_2]", "DXA2")
    page.fill("input[name=name_2]", "Đoàn xã Mường Lạn 2")
    page.select_option(f"select[name=member_{members[0].pk}]", "1")
    page.select_option(f"select[name=member_{members[1].pk}]", "2")
    page.click("button:has-text('Xem trước')")
    # One member is left unplaced: refused, nothing written, the form as it was filled in.
    page.wait_for_selector("[role=alert]")
    assert f"Thành viên {members[2].full_name} chưa được xếp" in page.inner_text("[role=alert]")
    assert page.locator("button:has-text('Xác nhận thay đổi')").count() == 0
    assert page.input_value("input[name=code_2]") == "DXA2"
    page.select_option(f"select[name=member_{members[2].pk}]", "2")
    shot(page, "unit-change-split-form-phone")
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    page.click("button:has-text('Xem trước')")
    page.wait_for_selector("#preview")
    assert "Đoàn xã Mường Lạn 2 (DXA2): 2 thành viên" in page.inner_text("#preview")
    shot(page, "unit-change-split-preview-phone")
    page.click("button:has-text('Xác nhận thay đổi')")
    page.wait_for_url("**/don-vi/thay-doi/")
    assert Member.objects.filter(unit__code="DXA2").count() == 2
    assert page.csp_violations == []
