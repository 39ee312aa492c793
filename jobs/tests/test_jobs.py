"""Jobs: run by the task framework, progress kept, failures said in Vietnamese with nothing
kept, seen only by their owner and the administrators above, files removed after a while."""

import datetime
import os

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from jobs.runner import JobError, job_kind, purge_expired_jobs, start_job
from units.models import UnitRole
from units.tests.factories import UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _immediate(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")


@job_kind("test_counting")
def counting(job, progress):
    if job.params.get("fail") == "user":
        raise JobError("Đơn vị không còn tồn tại.")
    if job.params.get("fail") == "bug":
        raise RuntimeError("boom")
    import tempfile

    handle, path = tempfile.mkstemp()
    os.close(handle)
    for done in range(0, 11):
        progress(done, 10)
    with open(path, "w") as handle:
        handle.write("kết quả")
    return path, "ket-qua.txt"


def run(django_capture_on_commit_callbacks, **params):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(
            kind="test_counting", label="Đếm", params=params, owner=UserFactory(), unit=None
        )
    job.refresh_from_db()
    return job


def test_a_job_runs_in_the_worker_and_keeps_its_progress_and_file(
    django_capture_on_commit_callbacks,
):
    job = run(django_capture_on_commit_callbacks)
    assert (job.status, job.done, job.total, job.percent) == (Job.Status.DONE, 10, 10, 100)
    assert job.file.read() == "kết quả".encode()


def test_a_failure_is_said_in_vietnamese_and_keeps_no_file(django_capture_on_commit_callbacks):
    job = run(django_capture_on_commit_callbacks, fail="user")
    assert (job.status, job.error, bool(job.file)) == (
        Job.Status.FAILED,
        "Đơn vị không còn tồn tại.",
        False,
    )
    job = run(django_capture_on_commit_callbacks, fail="bug")
    assert job.status == Job.Status.FAILED and "boom" not in job.error
    assert "lỗi" in job.error


def test_only_the_owner_and_administrators_above_see_a_job(client):
    district = UnitFactory(code="HUYEN")
    commune = UnitFactory(code="XA", parent=district)
    owner = UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY).user
    job = Job.objects.create(kind="test_counting", label="Đếm", owner=owner, unit=commune)
    above = UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN).user
    colleague = UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY).user
    url = reverse("jobs:job", args=[job.pk])
    for user, status in ((owner, 200), (above, 200), (colleague, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status
    client.force_login(owner)
    assert "Đếm" in client.get(url).content.decode()


def test_a_jobs_file_is_refused_once_its_owner_lost_the_role(
    client, django_capture_on_commit_callbacks
):
    district = UnitFactory(code="HUYEN")
    commune = UnitFactory(code="XA", parent=district)
    role = UnitRoleFactory(unit=commune, role=UnitRole.Role.SECRETARY)
    above = UnitRoleFactory(unit=district, role=UnitRole.Role.ADMIN).user
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="test_counting", label="Đếm", params={}, owner=role.user, unit=commune)
    url = reverse("jobs:file", args=[job.pk])
    client.force_login(role.user)
    assert client.get(url).status_code == 200
    role.delete()  # the secretary leaves the commune
    response = client.get(url)
    assert response.status_code == 403
    assert "kết quả" not in response.content.decode()
    client.force_login(above)  # the district's administrator still gets it
    assert b"".join(client.get(url).streaming_content) == "kết quả".encode()


def test_finished_jobs_are_removed_after_the_setting_days(settings):
    settings.JOBS_KEEP_DAYS = 3
    now = timezone.now()
    old = Job.objects.create(kind="x", label="cũ", finished_at=now - datetime.timedelta(days=4))
    new = Job.objects.create(kind="x", label="mới", finished_at=now - datetime.timedelta(days=2))
    assert purge_expired_jobs(now) == 1
    assert list(Job.objects.all()) == [new] and not Job.objects.filter(pk=old.pk).exists()
