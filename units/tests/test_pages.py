"""The shell of the site: sign-in, the home page of one's units, a unit's page, the admin."""

import pytest
from django.urls import reverse

from campaign.tests.factories import CaseFactory
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_pages_need_sign_in(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_sign_in_and_home_lists_only_the_users_units(client):
    district = UnitFactory(code="HD", name="Huyện Đoàn Sốp Cộp")
    commune = UnitFactory(code="DX-MLA", name="Đoàn xã Mường Lạn", parent=district)
    UnitFactory(code="DX-SK", name="Đoàn xã Sam Kha", parent=district)
    MemberFactory(unit=commune)
    role = UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY)
    response = client.post(
        reverse("login"), {"username": role.user.username, "password": "mat-khau-123"}
    )
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert "Đoàn xã Mường Lạn" in page
    assert "Sam Kha" not in page and "Huyện Đoàn Sốp Cộp" not in page


def test_wrong_password_is_refused_with_a_message(client):
    UserFactory(username="bithu")
    response = client.post(reverse("login"), {"username": "bithu", "password": "sai"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_home_query_count_does_not_grow_with_units(client, django_assert_max_num_queries):
    district = UnitFactory()
    for _ in range(30):
        MemberFactory(unit=UnitFactory(parent=district))
    role = UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN)
    client.force_login(role.user)
    # 9: the reports to send again are one query whatever the number of units.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("home"))
    assert len(response.context["units"]) == 31


def test_unit_page_of_another_unit_is_not_found(client):
    mine = UnitFactory(code="MINE")
    UnitFactory(code="THEIRS")
    role = UnitRoleFactory(unit=mine, role=UnitRole.Role.VIEWER)
    client.force_login(role.user)
    assert client.get(reverse("units:unit_detail", args=["MINE"])).status_code == 200
    assert client.get(reverse("units:unit_detail", args=["THEIRS"])).status_code == 404


def test_admin_lists_every_model_for_a_superuser(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    CaseFactory()
    client.force_login(admin)
    for model in [
        "units/unit",
        "units/member",
        "units/unitrole",
        "campaign/campaign",
        "campaign/resident",
        "campaign/case",
        "campaign/doubleclaimresolution",
        "reports/reportingperiod",
        "privacy/personaldataaccess",
    ]:
        response = client.get(f"/admin/{model}/")
        assert response.status_code == 200, model
    response = client.get("/admin/campaign/case/", {"q": "Quàng"})
    assert response.context["cl"].result_count == 1


def test_admin_shows_a_staff_administrator_only_their_units(client):
    from django.contrib.auth.models import Permission

    mine, theirs = UnitFactory(), UnitFactory()
    MemberFactory(unit=mine, full_name="Lò Văn Mình")
    MemberFactory(unit=theirs, full_name="Cầm Thị Khác")
    role = UnitRoleFactory(unit=mine, role=UnitRole.Role.ADMIN)
    role.user.is_staff = True
    role.user.save()
    role.user.user_permissions.add(Permission.objects.get(codename="view_member"))
    client.force_login(role.user)
    names = [m.full_name for m in client.get("/admin/units/member/").context["cl"].result_list]
    assert names == ["Lò Văn Mình"]


def test_ui_is_vietnamese_by_default_and_english_is_available(client):
    page = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in page and "Mật khẩu" in page and 'lang="vi"' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("login")).content.decode()
    assert "Sign in" in page and 'lang="en"' in page


def test_error_messages_of_normalisation_are_in_vietnamese():
    from units.normalize import normalize_id_number

    with pytest.raises(ValueError, match="Số định danh phải có 12 chữ số"):
        normalize_id_number("0140")


def test_browser_asking_for_english_still_gets_vietnamese_until_the_user_chooses(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Đăng nhập" in page


def test_error_pages_explain_in_vietnamese(client, settings):
    settings.DEBUG = False
    role = UnitRoleFactory(role=UnitRole.Role.VIEWER)
    client.force_login(role.user)
    page = client.get("/khong-co-trang-nay/")
    assert page.status_code == 404 and "Không tìm thấy trang" in page.content.decode()
    forbidden = client.get(reverse("campaign:quick_entry"))
    assert forbidden.status_code == 403 and "Không được phép" in forbidden.content.decode()


def test_an_expired_form_is_explained_and_saves_nothing():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in response.content.decode()


def test_the_menu_offers_only_what_the_role_may_open(client):
    unit = UnitFactory()
    viewer = UnitRoleFactory(unit=unit, role=UnitRole.Role.VIEWER).user
    secretary = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY).user
    member_user = UserFactory()
    MemberFactory(unit=unit, user=member_user)

    def menu(user):
        client.force_login(user)
        return client.get(reverse("home")).content.decode()

    viewer_menu, secretary_menu, member_menu = menu(viewer), menu(secretary), menu(member_user)
    quick, upload = reverse("campaign:quick_entry"), reverse("campaign:import_upload")
    assert quick not in viewer_menu and upload not in viewer_menu
    assert quick in secretary_menu and upload in secretary_menu
    assert quick in member_menu and upload not in member_menu
    assert reverse("units:member_list") in viewer_menu


def test_djangos_own_messages_that_users_read_are_in_vietnamese():
    from django.utils.translation import gettext

    from config.django_messages import MESSAGES

    for message in MESSAGES:
        assert gettext(message) != message, message


def test_a_request_the_server_cannot_read_is_explained_in_vietnamese(client):
    client.force_login(UnitRoleFactory(role=UnitRole.Role.SECRETARY).user)
    too_many_fields = {f"field{n}": "x" for n in range(1200)}
    response = client.post(reverse("units:member_create"), too_many_fields)
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_opening_an_address_that_takes_only_a_form_says_nothing_was_changed(client):
    member = MemberFactory()
    client.force_login(UnitRoleFactory(unit=member.unit, role=UnitRole.Role.SECRETARY).user)
    # After signing in again, the sign-in page sends the user back to the form's address.
    response = client.get(reverse("units:member_deactivate", args=[member.pk]))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "Không có gì thay đổi" in response.content.decode()
    member.refresh_from_db()
    assert member.active


@pytest.mark.parametrize(
    "role, offered, not_offered",
    [
        (
            UnitRole.Role.SECRETARY,
            ["campaign:quick_entry", "campaign:batch_entry", "campaign:import_upload"],
            [],
        ),
        (
            UnitRole.Role.VIEWER,
            ["dashboards:overview", "dashboards:members"],
            ["campaign:quick_entry", "campaign:batch_entry", "campaign:import_upload"],
        ),
    ],
)
def test_home_starts_each_role_at_what_it_may_do(client, role, offered, not_offered):
    """The home page opens on the user's first steps: entry for those who enter cases, the
    standings for every role that sees units, never a link the user would be refused."""
    unit = UnitFactory(code="DX-MLA")
    client.force_login(UnitRoleFactory(unit=unit, role=role).user)
    page = client.get(reverse("home")).content.decode()
    start = page[page.index('id="start"') :]
    start = start[: start.index("</section>")]
    for name in offered + ["dashboards:overview"]:
        assert f'href="{reverse(name)}"' in start
    for name in not_offered:
        assert f'href="{reverse(name)}"' not in start
        assert client.get(reverse(name)).status_code in (302, 403)


def test_a_member_without_a_unit_role_has_no_start_card(client):
    member = MemberFactory(user=UserFactory())
    client.force_login(member.user)
    page = client.get(reverse("home")).content.decode()
    assert 'id="start"' not in page


def test_the_sign_in_page_says_what_the_product_is_and_whom_to_ask(client):
    page = client.get(reverse("login")).content.decode()
    assert "kích hoạt tài khoản định danh điện tử (VNeID)" in page
    help_text = page[page.index('id="sign-in-help"') :]
    assert "quản trị viên của đơn vị" in help_text[:400]
