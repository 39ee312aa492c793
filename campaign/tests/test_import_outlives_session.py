"""An import's check outlives the session: its owner who signs in again finds the preview
the job page leads to, until it is confirmed, discarded or purged; nobody else ever does."""

import pytest
from django.urls import reverse

from campaign.models import Resident
from campaign.tests.import_helpers import (
    RESIDENT_HEADERS,
    build_xlsx,
    job_result,
    post_and_run_jobs,
    resident_row,
)
from campaign.tests.test_import_views import upload
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path / "store")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def secretary(client):
    unit = UnitFactory(code="DX1")
    role = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY)
    MemberFactory(unit=unit, id_number="014095000001")
    role.user.save()  # the factory sets the password without saving it
    client.force_login(role.user)
    return role.user


def _book(tmp_path):
    return build_xlsx(
        tmp_path / "a.xlsx",
        {"Người dân": [RESIDENT_HEADERS, resident_row("A", "014195000002", "014095000001")]},
    )


def test_the_preview_is_found_again_after_signing_out_and_in(client, secretary, tmp_path):
    token = client.get(upload(client, _book(tmp_path))["Location"]).context["token"]
    preview = reverse("campaign:import_preview", args=[token])
    client.logout()
    client.force_login(secretary)  # a new session
    page = client.get(preview)
    assert page.status_code == 200 and page.context["token"] == token
    response = post_and_run_jobs(client, reverse("campaign:import_confirm", args=[token]))
    assert response.status_code == 302
    client.get(job_result(response))
    assert Resident.objects.count() == 1
    assert client.get(preview).status_code == 404  # confirmed: gone


def test_a_discarded_check_is_gone_and_another_user_never_sees_one(client, secretary, tmp_path):
    token = client.get(upload(client, _book(tmp_path))["Location"]).context["token"]
    preview = reverse("campaign:import_preview", args=[token])
    other = UnitRoleFactory(unit=UnitFactory(), role=UnitRole.Role.SECRETARY).user
    other.save()
    client.force_login(other)
    assert client.get(preview).status_code == 404
    client.force_login(secretary)
    client.post(reverse("campaign:import_cancel", args=[token]))
    assert client.get(preview).status_code == 404


@pytest.mark.parametrize("token", ["..", "0" * 31, "X" * 32])
def test_a_token_that_no_upload_could_have_is_not_found(client, secretary, token):
    assert client.get(reverse("campaign:import_preview", args=[token])).status_code == 404
