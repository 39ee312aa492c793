"""The import's check and confirm run as jobs: no request waits for them."""

import io

import pytest
from django.test import TestCase
from django.urls import reverse

from campaign.importing import import_workbook
from campaign.models import Case, Resident
from campaign.tests.factories import plan_campaign
from campaign.tests.import_helpers import (
    RESIDENT_HEADERS,
    build_xlsx,
    post_and_run_jobs,
    resident_row,
)
from jobs.models import Job
from units.models import UnitRole
from units.tests.factories import MemberFactory, UnitFactory, UnitRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _storage(settings, tmp_path):
    settings.IMPORT_TEMP_DIR = str(tmp_path / "store")


@pytest.fixture
def unit(client):
    district = UnitFactory(code="HUYEN")
    unit = UnitFactory(code="DX1", parent=district)
    role = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY)
    MemberFactory(unit=unit, id_number="014095000001")
    role.user.save()
    client.force_login(role.user)
    unit.secretary = role.user
    return unit


def workbook(tmp_path, rows=3):
    return build_xlsx(
        tmp_path / "a.xlsx",
        {
            "Người dân": [RESIDENT_HEADERS]
            + [
                resident_row(f"Người {i}", f"0141950{i:05d}", "014095000001")
                for i in range(2, 2 + rows)
            ]
        },
    )


def post_upload(client, path, run=True):
    with open(path, "rb") as f:
        data = io.BytesIO(f.read())
    data.name = "danh-sach.xlsx"
    url = reverse("campaign:import_upload")
    payload = {"campaign": plan_campaign().pk, "file": data}
    return post_and_run_jobs(client, url, payload) if run else client.post(url, payload)


def test_the_upload_answers_at_once_and_the_preview_waits_for_the_check_job(client, unit, tmp_path):
    response = post_upload(client, workbook(tmp_path), run=False)  # no worker yet
    job = Job.objects.get(kind="import_check")
    assert job.status == Job.Status.QUEUED and job.owner == unit.secretary
    waiting = client.get(response["Location"])
    assert waiting.status_code == 302 and waiting["Location"] == job.get_absolute_url()
    assert "Đang chờ" in client.get(job.get_absolute_url()).content.decode()

    from jobs.runner import run_job

    run_job.call(str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (Job.Status.DONE, 3, 3)
    assert job.result_url == response["Location"]
    page = client.get(job.get_absolute_url()).content.decode()
    assert f'data-forward="{job.result_url}"' in page
    preview = client.get(response["Location"])
    assert preview.context["counts"][0]["new"] == 3
    assert Resident.objects.count() == 0


def test_the_confirm_job_writes_the_workbook_and_leads_to_what_was_imported(client, unit, tmp_path):
    token = client.get(post_upload(client, workbook(tmp_path))["Location"]).context["token"]
    response = post_and_run_jobs(client, reverse("campaign:import_confirm", args=[token]))
    job = Job.objects.get(kind="import_confirm")
    assert response["Location"] == job.get_absolute_url()
    assert (job.status, job.done, job.total) == (Job.Status.DONE, 3, 3)
    assert Case.objects.count() == 3
    shown = client.get(job.result_url, follow=True)
    messages = [str(m) for m in shown.context["messages"]]
    assert messages[0] == "Đã nhập tệp “danh-sach.xlsx”."
    assert any("3" in line for line in messages[1:])


def test_a_failing_confirm_says_why_in_vietnamese_and_writes_nothing(
    client, unit, tmp_path, monkeypatch
):
    token = client.get(post_upload(client, workbook(tmp_path))["Location"]).context["token"]

    def broken(plan, progress=None):
        Resident.objects.create(id_number="014195099999", full_name="Nửa chừng")
        raise RuntimeError("disk full")

    monkeypatch.setattr("campaign.importing.write_import", broken)
    post_and_run_jobs(client, reverse("campaign:import_confirm", args=[token]))
    job = Job.objects.get(kind="import_confirm")
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Công việc bị dừng do lỗi của hệ thống; không có gì được lưu")
    assert Resident.objects.count() == 0 and Case.objects.count() == 0
    assert job.error in client.get(job.get_absolute_url()).content.decode()


def test_a_confirm_that_finds_new_errors_fails_and_points_to_the_new_preview(
    client, unit, tmp_path
):
    from units.models import Member

    token = client.get(post_upload(client, workbook(tmp_path))["Location"]).context["token"]
    Member.objects.filter(id_number="014095000001").delete()
    post_and_run_jobs(client, reverse("campaign:import_confirm", args=[token]))
    job = Job.objects.get(kind="import_confirm")
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Dữ liệu đã thay đổi")
    assert job.result_url == reverse("campaign:import_preview", args=[token])
    assert job.result_url in client.get(job.get_absolute_url()).content.decode()
    assert client.get(job.result_url).context["preview"]["error_count"] == 3


def test_the_import_jobs_are_seen_by_their_owner_and_the_administrators_above_only(
    client, unit, tmp_path
):
    post_upload(client, workbook(tmp_path))
    job = Job.objects.get(kind="import_check")
    admin = UnitRoleFactory(unit=unit.parent, role=UnitRole.Role.ADMIN).user
    admin.save()
    other = UnitRoleFactory(unit=UnitFactory(code="DX2"), role=UnitRole.Role.SECRETARY).user
    other.save()
    client.force_login(admin)
    assert client.get(job.get_absolute_url()).status_code == 200
    client.force_login(other)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(job.result_url).status_code == 404  # the preview is the owner's


def test_confirming_twice_while_the_first_job_waits_starts_no_second_import(client, unit, tmp_path):
    token = client.get(post_upload(client, workbook(tmp_path))["Location"]).context["token"]
    url = reverse("campaign:import_confirm", args=[token])
    first = client.post(url)  # queued, not run
    second = client.post(url)
    assert first["Location"] == second["Location"]
    assert Job.objects.filter(kind="import_confirm").count() == 1


def test_import_workbook_tells_its_progress_in_rows_of_the_file(unit, tmp_path):
    told = []
    with TestCase.captureOnCommitCallbacks():
        import_workbook(
            workbook(tmp_path, rows=5),
            campaign=plan_campaign(),
            user=unit.secretary,
            progress=lambda done, total: told.append((done, total)),
        )
    assert {total for _done, total in told} == {5}
    dones = [done for done, _total in told]
    assert dones == sorted(dones) and dones[0] == 0 and dones[-1] == 5
    assert len(set(dones)) >= 4  # the parse, the plan's sheets and the write each tell


def test_the_parse_tells_the_rows_read_within_a_sheet(tmp_path, monkeypatch):
    import functools

    from campaign.importing import parse, parse_workbook

    monkeypatch.setattr(parse, "_told", functools.partial(parse._told, every=2))
    told = []
    parse_workbook(workbook(tmp_path, rows=5), progress=lambda done, total: told.append(done))
    assert told == [0, 0, 2, 4, 5]
