"""Sign-in protections, the Content-Security-Policy and no-store on personal data."""

import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password
from django.contrib.sessions.models import Session
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from units.models import UnitRole
from units.tests.factories import UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


# --- Lockout (django-axes) ---------------------------------------------------------------


def test_thirty_wrong_passwords_then_the_right_one_is_refused(client, settings):
    settings.AXES_FAILURE_LIMIT = 10
    UserFactory(username="bithu")
    for _ in range(30):
        sign_in(client, "bithu", "doan-sai")
    response = sign_in(client, "bithu", "mat-khau-123")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Tài khoản tạm khóa" in page and "10 lần" in page and "30 phút" in page
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302  # still signed out


def test_the_lockout_starts_at_the_failure_limit(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="bithu")
    for _ in range(2):
        assert sign_in(client, "bithu", "doan-sai").status_code == 200
    assert sign_in(client, "bithu", "doan-sai").status_code == 429
    assert sign_in(client, "bithu", "mat-khau-123").status_code == 429


def test_a_right_password_before_the_limit_signs_in_and_resets_the_count(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="bithu")
    for _ in range(2):
        sign_in(client, "bithu", "doan-sai")
    assert sign_in(client, "bithu", "mat-khau-123").status_code == 302
    client.post(reverse("logout"))
    for _ in range(2):
        sign_in(client, "bithu", "doan-sai")
    assert sign_in(client, "bithu", "mat-khau-123").status_code == 302


def test_the_lock_is_on_the_user_name_not_on_the_office(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="bithu")
    UserFactory(username="xem")
    for _ in range(5):
        sign_in(client, "bithu", "doan-sai")
    assert sign_in(client, "xem", "mat-khau-123").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    UserFactory(username="bithu")
    for _ in range(3):
        sign_in(client, "bithu", "doan-sai")
    assert sign_in(client, "bithu", "mat-khau-123").status_code == 429
    # 31 minutes pass: the failures are now older than the cool-off.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=31))
    assert sign_in(client, "bithu", "mat-khau-123").status_code == 302


# --- Sessions ----------------------------------------------------------------------------


def test_a_session_ends_after_thirty_idle_minutes_not_thirty_minutes_after_sign_in(
    client, settings
):
    settings.SESSION_COOKIE_AGE = 30 * 60
    role = UnitRoleFactory(role=UnitRole.Role.VIEWER)
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start):
        assert sign_in(client, role.user.username, "mat-khau-123").status_code == 302
    for minutes in (29, 58):  # active every 29 minutes: still signed in an hour later
        with mock.patch(
            "django.utils.timezone.now", return_value=start + timedelta(minutes=minutes)
        ):
            assert client.get(reverse("home")).status_code == 200
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=89)):
        response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_an_active_session_is_written_at_most_once_a_minute(client, settings):
    role = UnitRoleFactory(role=UnitRole.Role.VIEWER)
    sign_in(client, role.user.username, "mat-khau-123")
    expiry = Session.objects.get().expire_date
    client.get(reverse("home"))
    assert Session.objects.get().expire_date == expiry
    with mock.patch(
        "django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=2)
    ):
        client.get(reverse("home"))
    assert Session.objects.get().expire_date > expiry + timedelta(minutes=1)


def test_the_session_cookie_ends_when_the_browser_closes(client):
    role = UnitRoleFactory(role=UnitRole.Role.VIEWER)
    response = sign_in(client, role.user.username, "mat-khau-123")
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""


# --- Password hashing --------------------------------------------------------------------
# The tests hash with MD5 for speed (conftest.py); these use the project's own hashers.


@pytest.fixture
def project_hashers(settings):
    from config import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    return project_settings.PASSWORD_HASHERS


def test_passwords_are_hashed_with_argon2id_and_the_older_hashers_still_verify(project_hashers):
    assert project_hashers[0] == "config.hashers.Argon2idPasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in project_hashers[1:]
    encoded = make_password("mat-khau-123")
    # OWASP's parameters: 19 MiB, 2 passes, 1 lane
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_password("mat-khau-123", encoded) and not check_password("sai", encoded)


def test_a_hash_with_djangos_own_argon2_parameters_verifies_and_is_rehashed(
    client, project_hashers
):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    heavy = Argon2PasswordHasher().encode("mat-khau-123", "muoi-argon-2023")
    assert "m=102400,t=2,p=8" in heavy
    user = UserFactory(username="xem")
    type(user).objects.filter(pk=user.pk).update(password=heavy)
    assert sign_in(client, "xem", "mat-khau-123").status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_password_hashed_with_pbkdf2_before_signs_in_and_is_rehashed_with_argon2(
    client, project_hashers
):
    # A hash of an older release (PBKDF2, fewer iterations to keep the test fast).
    old = PBKDF2PasswordHasher().encode("mat-khau-123", "muoi-cu-2023", iterations=1000)
    user = UserFactory(username="bithu")
    type(user).objects.filter(pk=user.pk).update(password=old)
    assert sign_in(client, "bithu", "doan-sai").status_code == 200  # wrong: refused, kept
    user.refresh_from_db()
    assert user.password == old
    assert sign_in(client, "bithu", "mat-khau-123").status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$") and user.check_password("mat-khau-123")


# --- Password change ---------------------------------------------------------------------


def test_a_user_changes_their_own_password(client):
    role = UnitRoleFactory(role=UnitRole.Role.VIEWER)
    client.force_login(role.user)
    page = client.get(reverse("password_change")).content.decode()
    assert "Đổi mật khẩu" in page and "Mật khẩu cũ" in page
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "mat-khau-123",
            "new_password1": "Chien-dich-VNeID-2023",
            "new_password2": "Chien-dich-VNeID-2023",
        },
    )
    assert response.status_code == 302
    assert "Đã đổi mật khẩu" in client.get(response.url).content.decode()
    role.user.refresh_from_db()
    assert role.user.check_password("Chien-dich-VNeID-2023")
    assert client.get(reverse("home")).status_code == 200  # still signed in


def test_a_wrong_old_password_or_a_weak_new_one_is_refused_in_vietnamese(client):
    role = UnitRoleFactory(role=UnitRole.Role.VIEWER)
    client.force_login(role.user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "sai", "new_password1": "12345678", "new_password2": "12345678"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Mật khẩu cũ không chính xác" in page
    role.user.refresh_from_db()
    assert role.user.check_password("mat-khau-123")
    response = client.post(
        reverse("password_change"),
        {"old_password": "mat-khau-123", "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert "hoàn toàn là số" in response.content.decode()


def test_the_password_change_page_needs_sign_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


# --- Content-Security-Policy and no-store ------------------------------------------------


def test_every_page_forbids_inline_scripts_and_styles(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


INLINE = re.compile(r"\son[a-z]+\s*=|\sstyle\s*=|<style|<script(?![^>]*\ssrc=)", re.IGNORECASE)


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_no_template_holds_an_inline_script_style_or_handler(template):
    text = template.read_text(encoding="utf-8")
    assert not INLINE.findall(text), f"{template.relative_to(TEMPLATES)} has inline code"


def test_signed_in_pages_and_downloads_are_not_stored(client):
    role = UnitRoleFactory(role=UnitRole.Role.SECRETARY)
    client.force_login(role.user)
    for url in (reverse("home"), reverse("campaign:import_template")):
        cache_control = client.get(url)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, url
