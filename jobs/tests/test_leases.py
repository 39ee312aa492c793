"""Jobs whose worker died, stopped or ran too long (in this process; the same with real
worker processes killed, on PostgreSQL, in jobs/faults): taken back as their kind says,
failures said in Vietnamese, nothing doubled."""

import datetime
import errno
import time

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jobs import runner
from jobs.models import Job
from jobs.runner import job_kind, reap_stale_jobs, record_committed, start_job
from units.models import UnitRole
from units.tests.factories import UnitFactory, UnitRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _immediate(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.JOBS_LEASE_SECONDS = 60
    settings.JOBS_MAX_ATTEMPTS = 3
    yield
    runner.STOPPING.clear()


RUNS = []


@job_kind("test_safe", rerun=True)
def safe(job, progress):
    RUNS.append(job.pk)
    for done in range(3):
        progress(done, 2)
    return "/ket-qua/"


@job_kind("test_writes", stopped="Chưa gửi: máy chủ dừng. Hãy gửi lại.")
def writes(job, progress):
    RUNS.append(job.pk)
    with transaction.atomic():
        record_committed(job, result_url="/da-ghi/")
    progress(1, 1)
    return "/da-ghi/"


@job_kind("test_slow", rerun=True, time_limit=1)
def slow(job, progress):
    time.sleep(5)
    return "/khong-bao-gio/"


@job_kind("test_full")
def full(job, progress):
    path = runner.os.path.join(runner.os.path.dirname(__file__), "__never__.txt")
    raise OSError(errno.ENOSPC, "No space left on device", path)


def stale(kind, *, committed=False, attempts=1):
    past = timezone.now() - datetime.timedelta(seconds=300)
    return Job.objects.create(
        kind=kind,
        label="Việc",
        owner=UserFactory(),
        status=Job.Status.RUNNING,
        worker="may-chu:123:dead",
        started_at=past,
        heartbeat_at=past,
        attempts=attempts,
        committed_at=past if committed else None,
        result_url="/da-ghi/" if committed else "",
    )


def test_a_safe_job_whose_worker_stopped_beating_is_queued_again_and_run(
    django_capture_on_commit_callbacks,
):
    job = stale("test_safe")
    RUNS.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert reap_stale_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.result_url, job.attempts, RUNS) == (
        Job.Status.DONE,
        "/ket-qua/",
        2,
        [job.pk],
    )


def test_a_job_whose_worker_still_beats_is_left_alone():
    job = stale("test_safe")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert reap_stale_jobs() == 0
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING


def test_a_safe_job_that_stopped_its_worker_too_often_fails_with_a_reason():
    job = stale("test_safe", attempts=3)
    assert reap_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "3 lần" in job.error


def test_a_writing_job_whose_worker_died_before_its_commit_fails_with_its_reason():
    job = stale("test_writes")
    RUNS.clear()
    assert reap_stale_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.error, RUNS) == (
        Job.Status.FAILED,
        "Chưa gửi: máy chủ dừng. Hãy gửi lại.",
        [],
    )


def test_a_writing_job_whose_worker_died_after_its_commit_is_done_not_run_again():
    job = stale("test_writes", committed=True)
    RUNS.clear()
    assert reap_stale_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.result_url, job.error, RUNS) == (Job.Status.DONE, "/da-ghi/", "", [])


def test_record_committed_refuses_a_job_this_worker_no_longer_holds():
    job = stale("test_writes")
    job._holder = "may-chu:456:other"
    with pytest.raises(runner.LeaseLost), transaction.atomic():
        record_committed(job, result_url="/x/")
    job.refresh_from_db()
    assert job.committed_at is None and job.result_url == ""


def test_the_job_page_says_what_became_of_a_job_whose_worker_died(client):
    unit = UnitFactory()
    owner = UnitRoleFactory(unit=unit, role=UnitRole.Role.SECRETARY).user
    job = stale("test_writes")
    Job.objects.filter(pk=job.pk).update(owner=owner)
    client.force_login(owner)
    page = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert "Chưa gửi: máy chủ dừng. Hãy gửi lại." in page
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED


def test_a_job_past_its_time_limit_is_stopped_and_failed_with_a_reason(
    django_capture_on_commit_callbacks,
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="test_slow", label="Chậm", params={}, owner=UserFactory())
    job.refresh_from_db()
    assert time.monotonic() - started < 4
    assert job.status == Job.Status.FAILED and "thời gian cho phép" in job.error


def test_the_setting_overrides_a_kinds_time_limit(settings):
    settings.JOBS_TIME_LIMITS = {"test_slow": 7}
    assert runner.time_limit("test_slow") == 7 and runner.time_limit("test_safe") == 30 * 60


def test_a_stopping_worker_hands_a_safe_job_back_and_finishes_a_writing_one(
    django_capture_on_commit_callbacks,
):
    runner.STOPPING.set()
    handed = Job.objects.create(kind="test_safe", label="An toàn", owner=UserFactory())
    runner.run_job.call(str(handed.pk))
    handed.refresh_from_db()
    assert (handed.status, handed.worker, handed.attempts) == (Job.Status.QUEUED, "", 1)
    finished = Job.objects.create(kind="test_writes", label="Ghi", owner=UserFactory())
    runner.run_job.call(str(finished.pk))
    finished.refresh_from_db()
    assert finished.status == Job.Status.DONE and finished.committed_at is not None


def test_two_jobs_of_the_same_key_at_once_are_one(django_capture_on_commit_callbacks):
    owner = UserFactory()
    first = start_job(kind="test_safe", label="A", params={}, owner=owner, key="k:1")
    second = start_job(kind="test_safe", label="A", params={}, owner=owner, key="k:1")
    assert first.pk == second.pk and Job.objects.filter(key="k:1").count() == 1
    Job.objects.filter(pk=first.pk).update(status=Job.Status.FAILED)
    third = start_job(kind="test_safe", label="A", params={}, owner=owner, key="k:1")
    assert third.pk != first.pk  # a failed job may be started again


def test_a_full_disk_fails_the_job_with_a_reason_and_keeps_no_file(
    django_capture_on_commit_callbacks, settings, tmp_path
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="test_full", label="Đầy", params={}, owner=UserFactory())
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "đầy" in job.error and not job.file


def test_every_kind_of_the_product_says_what_becomes_of_it_when_its_worker_dies():
    """The checks and the report are run again; every kind that writes says, in its own
    words, what to do. No kind of the product falls back to the generic reason."""
    import campaign.activation_views  # noqa: F401  (registers the kinds)
    import campaign.import_jobs  # noqa: F401
    import reports.jobs  # noqa: F401

    for name in ("import_check", "activations_check", "report_export"):
        assert runner.kind_options(name).rerun, name
    for name in ("import_confirm", "activations_confirm"):
        options = runner.kind_options(name)
        assert not options.rerun, name
        assert options.stopped and options.stopped != runner.STOPPED_REASON, name
