"""What people do, from start to end, in a real browser. The dashboards' and the reports'
journeys (the overview, a submission, the report workbook) are in test_report_journeys.py.
"""

import openpyxl
import pytest

from campaign.models import Case, DoubleClaimResolution
from campaign.tests.factories import ResidentFactory
from campaign.tests.helpers import add_case
from e2e.conftest import shot, sign_in
from units.models import UnitKind, UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def commune():
    district = UnitFactory(code="HD", name="Huyện Đoàn Sốp Cộp")
    return UnitFactory(code="DX-CC", name="Đoàn xã Chiềng Cơi", parent=district)


@pytest.fixture
def secretary(commune):
    return UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY, user__username="bithu").user


@pytest.fixture
def guide(commune):
    return MemberFactory(unit=commune, full_name="Lò Văn Thành", id_number="014090000111")


def test_signing_in_after_a_wrong_password_lands_on_my_units(desktop, live_server, secretary):
    page = desktop
    page.goto(f"{live_server.url}/")
    assert "/dang-nhap/" in page.url  # sent to sign in first
    assert page.inner_text("main h1") == "Đăng nhập"
    sign_in(page, live_server, "bithu", "mat-khau-sai", next_path=page.url[len(live_server.url) :])
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.inner_text("main")
    page.fill("input[name=username]", "bithu")
    page.fill("input[name=password]", "mat-khau-123")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    main = page.inner_text("main")
    assert "Đoàn xã Chiềng Cơi" in main and "Huyện Đoàn Sốp Cộp" not in main
    page.click("summary")  # the menu
    assert page.is_visible("nav >> text=Đổi mật khẩu")
    shot(page, "signed-in-menu")
    page.click("nav >> text=Đăng xuất")
    page.wait_for_url("**/dang-nhap/")
    assert page.csp_violations == []


def test_a_secretary_imports_the_template_fixes_a_wrong_row_and_confirms(
    desktop, live_server, secretary, guide, tmp_path, settings
):
    # The check and the confirm are jobs: here they run as soon as they are queued.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    page = desktop
    sign_in(page, live_server, "bithu", next_path="/chien-dich/nhap-excel/")
    page.wait_for_url("**/chien-dich/nhap-excel/")
    with page.expect_download() as download:
        page.click("text=Tải tệp mẫu")
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    assert template.name == "mau-nhap-lieu-vneid.xlsx"

    # The secretary types two residents under the template's example row; the second ID
    # number has a digit missing.
    book = openpyxl.load_workbook(template)
    sheet = book["Người dân"]
    headers = [cell.value for cell in sheet[1]]
    column = {name: headers.index(name) + 1 for name in headers if name}
    rows = [
        ("Quàng Thị Mai", "014195000201", "2", "05/05/2023", "Có"),
        ("Tòng Văn Pó", "01409500020", "2", "06/05/2023", "Không"),
    ]
    for offset, (name, id_number, level, activated, portal) in enumerate(rows):
        row = 3 + offset
        sheet.cell(row, column["Họ và tên"], name)
        sheet.cell(row, column["Số định danh"], id_number)
        sheet.cell(row, column["Số định danh người hướng dẫn"], guide.id_number)
        sheet.cell(row, column["Mức định danh"], level)
        sheet.cell(row, column["Ngày kích hoạt"], activated)
        sheet.cell(row, column["Tài khoản DVC"], portal)
    filled = tmp_path / "danh-sach-chieng-coi.xlsx"
    book.save(filled)

    page.set_input_files("input[type=file]", str(filled))
    page.click("main form button.primary")
    page.wait_for_url("**/nhap-excel/*/")
    assert "1 lỗi" in page.inner_text("main .msg.error")
    error = page.locator("#import-errors tbody tr").first.inner_text()
    assert "Người dân" in error and "4" in error and "Số định danh" in error
    assert "12 chữ số" in error
    shot(page, "import-wrong-row")
    assert not Case.objects.exists()

    sheet.cell(4, column["Số định danh"], "014095000202")  # fixed
    book.save(filled)
    page.click("text=Bỏ tệp này và tải tệp khác")
    page.wait_for_url("**/chien-dich/nhap-excel/")
    page.set_input_files("input[type=file]", str(filled))
    page.click("main form button.primary")
    page.wait_for_url("**/nhap-excel/*/")
    assert "Tệp không có lỗi" in page.inner_text("main")
    assert not page.is_visible("#import-errors")
    shot(page, "import-preview-fixed")
    page.click("text=Xác nhận và nhập")
    page.wait_for_selector(".msg.success")
    assert "Đã nhập tệp “danh-sach-chieng-coi.xlsx”" in page.inner_text(".messages")
    assert set(Case.objects.values_list("resident__full_name", flat=True)) == {
        "Quàng Thị Mai",
        "Tòng Văn Pó",
    }
    assert page.csp_violations == []


def test_quick_entry_on_a_phone_from_the_menu_records_two_cases_in_a_row(
    phone, live_server, secretary, guide
):
    page = phone
    sign_in(page, live_server, "bithu")
    page.wait_for_url(f"{live_server.url}/")
    page.click("summary")
    page.click("nav >> text=Nhập nhanh")
    page.wait_for_url("**/chien-dich/nhap-nhanh/")
    for id_number, name in (("014190000301", "Vì Thị Lả"), ("014090000302", "Cầm Văn Ơn")):
        page.select_option("select[name=member]", str(guide.pk))
        page.fill("input[name=id_number]", id_number)
        page.fill("input[name=full_name]", name)
        page.check("input[name=eid_level][value='2']")  # chosen, never preset
        page.click("button.primary")
        page.wait_for_selector(f".msg.success >> text={name}")
        assert page.input_value("input[name=id_number]") == ""  # ready for the next
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways ({width}px)"
    shot(page, "quick-entry-phone")
    assert Case.objects.filter(member=guide).count() == 2
    page.goto(f"{live_server.url}/chien-dich/nguoi-dan/")
    listed = page.inner_text("main")
    assert "Vì Thị Lả" in listed and "Cầm Văn Ơn" in listed
    assert "014190000301" not in listed  # ID numbers masked in the list
    assert page.csp_violations == []


def test_the_district_administrator_resolves_a_double_claim(desktop, live_server):
    district = UnitFactory(code="CAH", name="Công an huyện Sốp Cộp", kind=UnitKind.POLICE)
    youth = UnitFactory(code="DX-MLA", name="Đoàn xã Mường Lạn", parent=district)
    women = UnitFactory(
        code="HPN-MLA", name="Hội Phụ nữ xã Mường Lạn", parent=district, kind=UnitKind.WOMENS_UNION
    )
    UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN, user__username="quantri")
    thanh = MemberFactory(unit=youth, full_name="Lò Văn Thành")
    hoa = MemberFactory(unit=women, full_name="Cầm Thị Hoa")
    resident = ResidentFactory(full_name="Quàng Văn Nghĩa", id_number="014088000777")
    add_case(thanh, resident)
    add_case(hoa, resident)

    page = desktop
    sign_in(page, live_server, "quantri")
    page.wait_for_url(f"{live_server.url}/")
    page.click("summary")
    page.click("nav >> text=Kê khai trùng")
    page.wait_for_url("**/bao-cao/trung-lap/")
    card = page.locator("section.card", has_text="Quàng Văn Nghĩa")
    text = card.inner_text()
    assert "Lò Văn Thành" in text and "Cầm Thị Hoa" in text
    assert "chưa giải quyết" in text
    card.locator("select[name$=awarded_to]").select_option(str(thanh.pk))
    card.locator("textarea[name$=reason]").fill("Đã gọi điện cho người dân: anh Thành hướng dẫn.")
    card.locator("text=Ghi nhận quyết định").click()
    page.wait_for_selector("section.card >> text=đã giải quyết")
    card = page.locator("section.card", has_text="Quàng Văn Nghĩa")
    assert "Tính cho Lò Văn Thành." in card.inner_text()
    assert "Đã gọi điện cho người dân" in card.inner_text()
    shot(page, "double-claim-resolved")
    resolution = DoubleClaimResolution.objects.get()
    assert resolution.awarded_to == thanh and resolution.resolved_by.username == "quantri"
    assert page.csp_violations == []


def test_an_administrator_sets_up_the_sign_in_code_on_a_phone(phone, live_server, settings):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.OTP_REQUIRED_ROLES = ["admin"]
    district = UnitFactory(code="HD", name="Huyện Đoàn Sốp Cộp")
    UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN, user__username="quantri")
    page = phone
    sign_in(page, live_server, "quantri", next_path="/chien-dich/nguoi-dan/")
    page.wait_for_url("**/xac-thuc/thiet-lap/**")
    assert "Thiết lập mã đăng nhập" in page.inner_text("main h1")
    assert page.is_visible(".qr svg")
    shot(page, "second-factor-setup")
    device = TOTPDevice.objects.get(user__username="quantri")
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    page.fill("input[name=token]", "000000")
    page.click("main button[type=submit]")
    page.wait_for_selector("main .error")
    assert "Mã không đúng hoặc đã hết hạn" in page.inner_text("main")
    page.wait_for_timeout(1100)  # a person retyping; a wrong code makes the device wait 1 s
    page.fill("input[name=token]", f"{totp.token():06d}")
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/xac-thuc/" not in url)
    assert page.url.endswith("/chien-dich/nguoi-dan/")
    assert "Người dân" in page.inner_text("main h1")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    assert page.csp_violations == []
