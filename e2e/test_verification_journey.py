"""The activation list, end to end: the district administrator uploads the police's list,
a commune secretary opens their discrepancies on a 390 px phone and fixes one, and the
figures move."""

import pytest

from campaign.models import ActivationList, Case
from e2e.conftest import shot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.district("verification"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_list_uploaded_then_a_discrepancy_fixed_on_a_phone(
    desktop, phone, live_server, district, tmp_path, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    listing = tmp_path / "danh-sach-kich-hoat.csv"
    listing.write_text(
        "Số định danh;Mức định danh;Ngày kích hoạt;Tài khoản DVC\n"
        "014195000201;2;02/05/2023;Có\n"
        "014195000202;2;05/05/2023;Có\n"
        "079000000009;1;03/05/2023;Không\n",
        encoding="utf-8-sig",
    )
    admin = desktop
    sign_in(admin, live_server, "quantri", next_path="/chien-dich/danh-sach-kich-hoat/")
    admin.wait_for_url("**/chien-dich/danh-sach-kich-hoat/")
    assert "Chưa nhập danh sách nào" in admin.inner_text("main")
    admin.set_input_files("input[type=file]", str(listing))
    admin.click("main form button.primary")
    admin.wait_for_url("**/danh-sach-kich-hoat/*/")
    assert "Danh sách không có lỗi" in admin.inner_text("main")
    assert admin.inner_text("#list-rows") == "3"
    shot(admin, "activation-list-preview")
    admin.click("text=Xác nhận và nhập")
    admin.wait_for_selector("#list-in-force")
    assert "đã là danh sách đang dùng" in admin.inner_text(".messages")
    assert ActivationList.objects.get().rows == 3
    admin.goto(f"{live_server.url}/tong-quan/")
    before = admin.inner_text("#verification-figures")
    assert "1\nđủ điều kiện theo số liệu đã nhập" in before
    assert "2\nđủ điều kiện theo danh sách kích hoạt" in before

    page = phone
    sign_in(page, live_server, "bithu", next_path="/tong-quan/can-sua/?section=verification")
    page.wait_for_url("**/tong-quan/can-sua/**")
    main = page.inner_text("main")
    assert "Tòng Văn Pó" in main and "Quàng Thị Mai" not in main
    assert "079000000009" not in page.content()  # never the list's other rows
    assert "Mức 2 · 05/05/2023" in main
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(page, "discrepancies-390")
    page.click('main a:text-is("Sửa")')
    page.wait_for_url("**/truong-hop/*/sua/")
    assert page.is_visible("[data-verification=differs]")
    page.select_option("select[name=eid_level]", "2")
    page.fill("input[name=activated_on]", "05/05/2023")
    page.click("main form button.primary")
    page.wait_for_selector(".msg.success")
    case = Case.objects.get(pk=district["pending"].pk)
    assert (case.eid_level, case.official_level) == (2, 2)
    page.goto(f"{live_server.url}/tong-quan/can-sua/?section=verification")
    assert "Tòng Văn Pó" not in page.inner_text("main")
    shot(page, "discrepancies-fixed-390")

    admin.goto(f"{live_server.url}/tong-quan/")
    after = admin.inner_text("#verification-figures")
    assert "2\nđủ điều kiện theo số liệu đã nhập" in after
    assert "0\nchênh lệch" in after
    assert admin.csp_violations == [] and page.csp_violations == []
