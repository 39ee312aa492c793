"""A member's page in real Chromium at phone and desktop widths: it never scrolls sideways,
and its details and the residents' table end inside their card."""

import datetime

import pytest

from campaign.rule_inputs import refresh_rule_inputs
from campaign.tests.factories import CaseFactory
from units.models import MemberCategory, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

from .conftest import shot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def member():
    unit = UnitFactory(name="Đoàn xã Mường Lạn")
    UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY, user__username="bithu")
    member = MemberFactory(
        unit=unit,
        full_name="Hoàng Thị Diêm",
        id_number="014188005399",
        category=MemberCategory.MEMBER,
        birth_date=datetime.date(1988, 6, 13),
        phone="0857102867",
        has_level2_account=True,
        vneid_activated=True,
        portal_used=True,
        own_procedures_online=5,
        own_procedures_total=5,
        family_procedures_total=4,
    )
    for n in range(5):
        CaseFactory(member=member, resident__full_name=f"Nguyễn Thị Dung Hoàng Văn {n}")
    refresh_rule_inputs()
    return member


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_members_page_never_scrolls_sideways(request, live_server, member, screen):
    page = request.getfixturevalue(screen)
    path = f"/don-vi/thanh-vien/{member.pk}/"
    sign_in(page, live_server, "bithu", next_path=path)
    page.wait_for_url(f"**{path}")
    shot(page, f"member-detail-{screen}")
    assert "0141•••••399" in page.inner_text("dl.facts")  # masked until a recorded reveal
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") == width
    card_right = page.evaluate("document.querySelector('.card').getBoundingClientRect().right")
    for selector in ("dl.facts dd.masked", "table.list th:last-child"):
        right = page.evaluate(f"document.querySelector('{selector}').getBoundingClientRect().right")
        assert right <= card_right, f"{selector} ends at {right}px, past the card ({card_right}px)"
