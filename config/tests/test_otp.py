"""The second factor (TOTP) for the roles the district names."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from units.models import UnitRole
from units.tests.factories import UnitRoleFactory

pytestmark = pytest.mark.django_db


def code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"  # the app shows the leading zeros


def sign_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": "mat-khau-123"})


@pytest.fixture
def admin(settings):
    settings.OTP_REQUIRED_ROLES = ["admin", "staff"]
    return UnitRoleFactory(role=UnitRole.Role.ADMIN).user


def test_an_administrator_without_an_authenticator_must_set_one_up_first(client, admin):
    sign_in(client, admin)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("otp_setup"))
    page = client.get(response.url).content.decode()
    assert "Thiết lập mã đăng nhập" in page and "<svg" in page
    assert " style=" not in page  # the QR code passes the Content-Security-Policy
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    response = client.post(reverse("otp_setup"), {"token": code(device), "next": "/"})
    assert response.status_code == 302 and response.url == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("home")).status_code == 200


def test_a_wrong_code_is_refused_in_vietnamese_and_the_pages_stay_closed(client, admin):
    sign_in(client, admin)
    client.get(reverse("otp_setup"))
    response = client.post(reverse("otp_setup"), {"token": "000000"})
    assert "Mã không đúng hoặc đã hết hạn" in response.content.decode()
    response = client.post(reverse("otp_setup"), {"token": "12ab"})
    assert "Mã gồm 6 chữ số" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    assert client.get(reverse("campaign:resident_list")).status_code == 302


def test_once_set_up_each_sign_in_asks_for_the_code(client, admin):
    device = TOTPDevice.objects.create(user=admin, name="VNeID", confirmed=True)
    sign_in(client, admin)
    response = client.get(reverse("campaign:resident_list"))
    assert response.url.startswith(reverse("otp_verify"))
    assert "next=/chien-dich/nguoi-dan/" in response.url
    assert "Mã đăng nhập" in client.get(reverse("otp_verify")).content.decode()
    response = client.post(
        reverse("otp_verify"), {"token": code(device), "next": "/chien-dich/nguoi-dan/"}
    )
    assert response.url == "/chien-dich/nguoi-dan/"
    assert client.get(reverse("campaign:resident_list")).status_code == 200


def test_a_code_is_needed_again_after_signing_out_and_in(client, admin):
    device = TOTPDevice.objects.create(user=admin, name="VNeID", confirmed=True)
    sign_in(client, admin)
    client.post(reverse("otp_verify"), {"token": code(device)})
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    sign_in(client, admin)
    assert client.get(reverse("home")).url.startswith(reverse("otp_verify"))


def test_roles_not_named_are_not_asked(client, admin):
    viewer = UnitRoleFactory(role=UnitRole.Role.VIEWER).user
    sign_in(client, viewer)
    assert client.get(reverse("home")).status_code == 200


def test_staff_on_the_admin_site_are_asked_when_staff_is_named(client, admin):
    from units.tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=True)
    sign_in(client, staff)
    assert client.get("/admin/").url.startswith(reverse("otp_setup"))


def test_with_no_role_named_nobody_is_asked(client, settings):
    settings.OTP_REQUIRED_ROLES = []
    admin = UnitRoleFactory(role=UnitRole.Role.ADMIN).user
    sign_in(client, admin)
    assert client.get(reverse("home")).status_code == 200


def test_a_next_address_of_another_site_is_not_followed(client, admin):
    device = TOTPDevice.objects.create(user=admin, name="VNeID", confirmed=True)
    sign_in(client, admin)
    response = client.post(
        reverse("otp_verify"), {"token": code(device), "next": "https://evil.example/"}
    )
    assert response.url == resolve_url(settings.LOGIN_REDIRECT_URL)


def test_a_right_code_right_after_a_wrong_one_is_asked_to_wait(client, admin):
    device = TOTPDevice.objects.create(user=admin, name="VNeID", confirmed=True)
    sign_in(client, admin)
    client.post(reverse("otp_verify"), {"token": "000000"})
    response = client.post(reverse("otp_verify"), {"token": code(device)})
    assert "Nhập sai mã quá nhiều lần liên tiếp" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
