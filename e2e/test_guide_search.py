"""The guide picker on a phone: typing an ID number finds the guide, asked by POST, so the
number is in no address the browser sends (issue 17)."""

import pytest

from units.guides import SEARCH_FROM
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

from .conftest import shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_guide_is_found_by_id_number_without_it_in_any_address(live_server, phone):
    unit = UnitFactory(code="XA1", name="Đoàn xã Một")
    MemberFactory.create_batch(SEARCH_FROM, unit=unit)
    MemberFactory(unit=unit, full_name="Giàng A Sểnh", id_number="014099123456")
    secretary = UserFactory(username="bithu")
    UnitRoleFactory(user=secretary, unit=unit, role=UnitRole.Role.SECRETARY)
    asked = []
    phone.on("request", lambda request: asked.append((request.method, request.url)))
    sign_in(phone, live_server, "bithu", next_path="/chien-dich/nhap-nhanh/")
    phone.wait_for_selector(".guide-query")
    phone.fill(".guide-query", "014099123456")
    option = phone.get_by_role("option", name="Giàng A Sểnh · Đoàn xã Một")
    option.wait_for()
    shot(phone, "guide-search-by-id")
    searches = [(m, url) for m, url in asked if "/tong-quan/nguoi-huong-dan/" in url]
    assert searches and all(method == "POST" for method, _url in searches)
    assert not [url for _m, url in asked if "014099123456" in url]
