"""A staff administrator searches the admin's members by ID number: the box above the list
sends it by POST, the list shows that one person, and no address names the number."""

import pytest
from django.contrib.auth.models import Permission

from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

from .conftest import shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_admin_finds_a_member_by_id_number_without_it_in_any_address(
    live_server, request, screen, settings
):
    settings.OTP_REQUIRED_ROLES = []
    page = request.getfixturevalue(screen)
    unit = UnitFactory(code="XA1", name="Đoàn xã Một")
    MemberFactory(unit=unit, full_name="Lò Thị Tìm", id_number="014195777888")
    MemberFactory(unit=unit, full_name="Cầm Văn Khác")
    staff = UserFactory(username="quantri.xa", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_member"))
    UnitRoleFactory(user=staff, unit=unit, role=UnitRole.Role.ADMIN)
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    sign_in(page, live_server, "quantri.xa", next_path="/dang-nhap/?next=/admin/units/member/")
    page.wait_for_selector("#id-number-search-box")
    page.fill("#id-number-search-box", "014 195 777 888")
    page.click("#id-number-search input[type=submit]")
    page.wait_for_url("**/admin/units/member/?so=*")
    text = page.inner_text("#changelist")
    assert "Lò Thị Tìm" in text and "Cầm Văn Khác" not in text
    assert "Chỉ hiện người có số định danh" in text and "777888" not in text
    shot(page, f"admin-id-search-{screen}")
    assert not [url for url in asked if "777888" in url or "777%20888" in url]
