"""A member's page in real Chromium at phone and desktop widths. Screenshots go to test-artifacts/."""

import datetime
import os
from pathlib import Path

import pytest

from campaign.rule_inputs import refresh_rule_inputs
from campaign.tests.factories import CaseFactory
from units.models import MemberCategory, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def secretary_and_member():
    unit = UnitFactory(name="Đoàn xã Mường Lạn")
    role = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY, user__username="bithu")
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
    return role.user, member


def open_as(browser, live_server, user, path, width):
    context = browser.new_context(
        viewport={"width": width, "height": 844},
        locale="vi-VN",
        extra_http_headers={"Accept-Language": "vi"},
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/dang-nhap/?next={path}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "mat-khau-123")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"**{path}")
    return page


@pytest.mark.parametrize("width", [390, 1366])
def test_a_members_page_never_scrolls_sideways(browser, live_server, secretary_and_member, width):
    user, member = secretary_and_member
    path = f"/don-vi/thanh-vien/{member.pk}/"
    page = open_as(browser, live_server, user, path, width)
    page.screenshot(path=str(ARTIFACTS / f"member-detail-{width}.png"), full_page=True)
    assert "014188005399" in page.inner_text("dl.facts")
    assert page.evaluate("document.documentElement.scrollWidth") == width
    # The ID number and the residents' last column lie inside the card, not cut at its edge.
    card_right = page.evaluate("document.querySelector('.card').getBoundingClientRect().right")
    for selector in ("dl.facts dd.masked", "table.list th:last-child"):
        right = page.evaluate(f"document.querySelector('{selector}').getBoundingClientRect().right")
        assert right <= card_right, f"{selector} ends at {right}px, past the card ({card_right}px)"
