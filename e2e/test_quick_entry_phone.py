"""Quick entry and the import at phone width (390×844), in the session's one Chromium
(e2e/conftest.py). Screenshots go to test-artifacts/."""

import pytest

from campaign.models import Case
from campaign.tests.factories import CaseFactory
from e2e.conftest import ARTIFACTS
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def page(phone):
    return phone


@pytest.fixture(autouse=True)
def _jobs_at_once(settings):
    """The import's check and confirm are jobs: here they run as soon as queued."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def secretary_and_guide():
    unit = UnitFactory(name="Đoàn xã Chiềng Cơi")
    role = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY, user__username="bithu")
    role.user.set_password("mat-khau-123")
    role.user.save()
    guide = MemberFactory(unit=unit, full_name="Lò Văn Thành")
    return role.user, guide


def sign_in(page, live_server):
    page.goto(f"{live_server.url}/dang-nhap/?next=/chien-dich/nhap-nhanh/")
    page.fill("input[name=username]", "bithu")
    page.fill("input[name=password]", "mat-khau-123")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url("**/chien-dich/nhap-nhanh/")


def test_quick_entry_on_a_phone_adds_a_case_and_is_ready_for_the_next(
    page, live_server, secretary_and_guide
):
    _, guide = secretary_and_guide
    sign_in(page, live_server)
    page.screenshot(path=str(ARTIFACTS / "quick-entry-empty.png"), full_page=True)
    page.select_option("select[name=member]", str(guide.pk))
    page.fill("input[name=id_number]", "014090123234")
    page.fill("input[name=full_name]", "Quàng Thị Mai")
    page.check("input[name=eid_level][value='2']")  # nothing is chosen for the user
    assert page.input_value("input[name=activated_on]") != ""  # the day, filled in to see
    page.fill("input[name=activated_on]", "02/05/2023")
    page.check("input[name=portal_used]")
    page.click("form[data-offline-send] button.primary")
    page.wait_for_selector(".msg.success")
    message = page.inner_text(".msg.success")
    assert "Quàng Thị Mai" in message
    page.screenshot(path=str(ARTIFACTS / "quick-entry-saved.png"), full_page=True)
    case = Case.objects.get()
    assert case.member == guide and case.place == "volunteer_saturday" and case.portal_used
    assert page.input_value("input[name=id_number]") == ""
    assert page.evaluate("document.activeElement.name") == "id_number"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"


def test_typing_a_known_id_number_warns_before_saving(page, live_server, secretary_and_guide):
    _, guide = secretary_and_guide
    CaseFactory(
        member=guide, resident__id_number="014090123234", resident__full_name="Quàng Thị Mai"
    )
    sign_in(page, live_server)
    page.fill("input[name=id_number]", "")
    page.type("input[name=id_number]", "014 090 123 234")
    warning = page.wait_for_selector(".lookup.known")
    text = warning.inner_text()
    assert "Quàng Thị Mai" in text and "Lò Văn Thành" in text
    assert page.input_value("input[name=full_name]") == "Quàng Thị Mai"
    page.screenshot(path=str(ARTIFACTS / "quick-entry-known-id.png"), full_page=True)
    assert Case.objects.count() == 1


def test_importing_a_workbook_on_a_phone_shows_progress_then_the_preview(
    page, live_server, secretary_and_guide, tmp_path
):
    from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row

    _, guide = secretary_and_guide
    path = build_xlsx(
        tmp_path / "danh-sach.xlsx",
        {
            "Người dân": [
                RESIDENT_HEADERS,
                resident_row("Vì Thị Lả", "014195000201", guide.id_number),
                resident_row(
                    "Tòng Văn Pó", "014095000202", guide.id_number, level=None, activated=None
                ),
            ]
        },
    )
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/chien-dich/nhap-excel/")
    page.set_input_files("input[type=file]", str(path))
    page.click("main form button.primary")
    page.wait_for_url("**/nhap-excel/*/")
    assert Case.objects.count() == 0  # the preview writes nothing
    text = page.inner_text("main")
    assert "Xem trước" in text and "Mới" in text
    page.screenshot(path=str(ARTIFACTS / "import-preview.png"), full_page=True)
    page.click("form[data-busy] button.primary")
    page.wait_for_selector(".msg.success")
    assert Case.objects.filter(member=guide).count() == 2


def test_a_wrong_workbook_comes_back_with_its_errors(
    page, live_server, secretary_and_guide, tmp_path
):
    bad = tmp_path / "khong-phai-excel.xlsx"
    bad.write_text("Họ và tên,Số định danh\nA,1\n", encoding="utf-8")
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/chien-dich/nhap-excel/")
    page.set_input_files("input[type=file]", str(bad))
    page.click("main form button.primary")
    page.wait_for_selector(".errorlist, .error, .msg.error")
    assert "/nhap-excel/" in page.url and not Case.objects.exists()
    assert "CSV" in page.inner_text("main")
