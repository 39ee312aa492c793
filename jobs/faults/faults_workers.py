"""A worker killed mid-job (SIGKILL at a chosen point of the job's progress), or stopped
with SIGTERM: real `db_worker` processes, and the job's fate and the data afterwards."""

import datetime
import shutil
import signal
import time

import pytest
from django.utils import timezone

from campaign.import_jobs import start_check, start_confirm
from campaign.importing import import_workbook
from campaign.importing.storage import storage_root
from campaign.models import Campaign, Case, Resident
from campaign.tests.import_helpers import RESIDENT_HEADERS, build_xlsx, resident_row
from jobs.models import Job
from reports.jobs import start_report_job, start_submission_job
from reports.models import ReportingPeriod, Submission
from units.models import Member, Unit

from .conftest import said, wait_for, wait_job

pytestmark = pytest.mark.faults

ROWS = 1500


def campaign():
    return Campaign.objects.get()


def report_job(user):
    return start_report_job(
        user=user,
        campaign=campaign(),
        unit=None,
        period=None,
        as_of=timezone.localdate(),
        live=True,
        where="127.0.0.1",
    )


def upload(user, tmp_path, prefix):
    """An upload waiting for its check and confirm: ROWS new residents (ID numbers starting
    with `prefix`), guided by a member of the demo district."""
    guide = Member.objects.filter(unit__in=Unit.objects.editable_by(user)).first()
    path = build_xlsx(
        tmp_path / f"{prefix}.xlsx",
        {
            "Người dân": [RESIDENT_HEADERS]
            + [
                resident_row(f"Người {prefix} {i}", f"{prefix}{i:08d}", guide.id_number)
                for i in range(ROWS)
            ]
        },
    )
    token = f"faults{prefix}{time.monotonic_ns()}"
    folder = storage_root() / token
    folder.mkdir(parents=True)
    shutil.copy(path, folder / "upload")
    (folder / "meta.json").write_text(
        f'{{"user": {user.pk}, "campaign": {campaign().pk}, "name": "{prefix}.xlsx"}}'
    )
    return path, token, folder


def residents(prefix):
    return Resident.objects.filter(id_number__startswith=prefix).count()


def cases(prefix):
    return Case.objects.filter(resident__id_number__startswith=prefix).count()


def killed(worker, job):
    try:
        worker.wait(40)
    except Exception:
        pass
    state = Job.objects.filter(pk=job.pk).values("status", "done", "total", "error").first()
    assert worker.popen.returncode == -signal.SIGKILL, (state, worker.output()[-3000:])


def test_a_report_workbook_whose_worker_was_killed_is_run_again_by_another(demo, start_worker):
    worker = start_worker(JOBS_FAULT_KILL_AT="report_export:progress:1000")
    job = report_job(demo)
    killed(worker, job)
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING  # as the issue found it
    started = time.monotonic()
    start_worker()
    job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED})
    recovered = time.monotonic() - started
    assert job.status == Job.Status.DONE and job.file and job.attempts == 2, job.error
    from jobs.runner import _tasks_of

    assert not _tasks_of(job.pk).filter(status="RUNNING").exists()
    assert _tasks_of(job.pk).filter(status="FAILED").count() == 1
    said(
        "worker killed (SIGKILL) mid report workbook, at 1.000 rows",
        "report job queued; worker killed by its progress hook; a second worker started",
        f"job re-queued and done by the second worker (attempt 2), {job.total} rows, its file "
        "kept; the dead run's task marked failed, none left running",
        "'Đang chạy', then 'Đang chờ' with the note that the server stopped, then 'Xong' "
        "and the download",
        recover=f"{recovered:.1f} s (lease 6 s)",
    )


def test_a_check_whose_worker_was_killed_is_run_again(demo, start_worker, tmp_path):
    _path, token, folder = upload(demo, tmp_path, "0011")
    worker = start_worker(JOBS_FAULT_KILL_AT="import_check:progress:200")
    job = start_check(user=demo, token=token, campaign=campaign(), name="0011.xlsx")
    killed(worker, job)
    started = time.monotonic()
    start_worker()
    job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED})
    assert job.status == Job.Status.DONE and job.attempts == 2, job.error
    assert (folder / "preview.json").is_file() and residents("0011") == 0
    said(
        "worker killed mid import check, at 200 rows",
        "check job queued; worker killed; a second worker started",
        "check re-queued and done; the preview written; nothing imported",
        "the preview page waiting, then the preview",
        recover=f"{time.monotonic() - started:.1f} s",
    )


def test_a_confirm_killed_before_its_commit_fails_with_a_reason_and_imports_nothing(
    demo, start_worker, tmp_path
):
    path, token, folder = upload(demo, tmp_path, "0012")
    # Rows written, inside the import's transaction, not committed.
    worker = start_worker(JOBS_FAULT_KILL_AT=f"import_confirm:progress:{ROWS * 5 // 6}")
    job = start_confirm(user=demo, token=token, campaign=campaign(), name="0012.xlsx")
    killed(worker, job)
    started = time.monotonic()
    start_worker()
    job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED})
    assert job.status == Job.Status.FAILED and "xác nhận nhập lại" in job.error
    assert residents("0012") == 0 and cases("0012") == 0
    assert (folder / "upload").is_file()  # the preview waits to be confirmed again
    again = start_confirm(user=demo, token=token, campaign=campaign(), name="0012.xlsx")
    again = wait_job(again, {Job.Status.DONE, Job.Status.FAILED})
    assert again.status == Job.Status.DONE, again.error
    assert residents("0012") == ROWS and cases("0012") == ROWS
    said(
        "worker killed mid import confirm, rows written but not committed",
        "confirm queued; worker killed inside the import's transaction; a second worker",
        f"job failed with its Vietnamese reason; 0 of {ROWS} rows in the database; the "
        f"upload kept; confirmed again: {ROWS} residents, {ROWS} cases, once",
        f"'Thất bại': «{job.error}»",
        recover=f"{time.monotonic() - started:.1f} s to the reason",
    )


def test_a_confirm_killed_after_its_commit_is_done_and_a_rerun_changes_nothing(
    demo, start_worker, tmp_path
):
    path, token, _folder = upload(demo, tmp_path, "0013")
    worker = start_worker(JOBS_FAULT_KILL_AT="import_confirm:finished")
    job = start_confirm(user=demo, token=token, campaign=campaign(), name="0013.xlsx")
    killed(worker, job)
    started = time.monotonic()
    start_worker()
    job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED})
    assert job.status == Job.Status.DONE and job.committed_at and job.params.get("summary")
    assert job.attempts == 1  # not run again
    assert residents("0013") == ROWS and cases("0013") == ROWS
    before = list(
        Case.objects.filter(resident__id_number__startswith="0013").values().order_by("pk")
    )
    plan = import_workbook(path, campaign=campaign(), user=demo)  # the import run again
    after = list(
        Case.objects.filter(resident__id_number__startswith="0013").values().order_by("pk")
    )
    assert plan.ok and before == after and residents("0013") == ROWS
    assert plan.counts["residents"].new == 0 and plan.counts["cases"].new == 0
    said(
        "worker killed right after an import confirm committed",
        "confirm queued; worker killed after the import's transaction committed, before "
        "the job was marked done; a second worker; then the same workbook imported again",
        "job shown done (its commit recorded in the same transaction), not run again; "
        f"{ROWS} residents once; the re-import changed no row",
        "'Xong' and what was imported",
        recover=f"{time.monotonic() - started:.1f} s",
    )


def period():
    return ReportingPeriod.objects.filter(campaign=campaign()).order_by("ends_on").first()


def fresh_unit():
    """A unit of the demo with no standing submission for the period."""
    for unit in Unit.objects.filter(parent__isnull=True).order_by("pk"):
        if not Submission.objects.standing().filter(period=period(), unit=unit).exists():
            return unit
    pytest.fail("no unit left to submit for")


def test_a_submission_killed_before_its_commit_fails_and_one_killed_after_is_done(
    demo, start_worker
):
    unit = fresh_unit()
    worker = start_worker(JOBS_FAULT_KILL_AT="report_submit:progress:0")
    job = start_submission_job(user=demo, period=period(), unit=unit)
    killed(worker, job)
    started = time.monotonic()
    later = start_worker()
    job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED})
    assert job.status == Job.Status.FAILED and "gửi lại" in job.error
    assert not Submission.objects.filter(period=period(), unit=unit).exists()
    first, first_error = time.monotonic() - started, job.error
    later.stop()
    worker = start_worker(JOBS_FAULT_KILL_AT="report_submit:finished")
    job = start_submission_job(user=demo, period=period(), unit=unit)
    killed(worker, job)
    start_worker()
    job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED})
    assert job.status == Job.Status.DONE and job.result_url
    assert Submission.objects.filter(period=period(), unit=unit).count() == 1
    said(
        "worker killed mid submission (before its commit), then another right after it",
        "submission queued; worker killed; a second worker; again, killed after the commit",
        "before the commit: failed with its reason, no version saved; after: shown done, "
        "exactly one version",
        f"'Thất bại': «{first_error}» / 'Xong' and the report as sent",
        recover=f"{first:.1f} s",
    )


def test_a_worker_stopped_with_sigterm_hands_back_a_report_and_finishes_a_confirm(
    demo, start_worker, tmp_path
):
    worker = start_worker(JOBS_FAULT_PAUSE_AT="report_export:progress:1000:4")
    job = report_job(demo)
    wait_for(lambda: "waits 4" in worker.output(), 30, "the report paused")
    worker.signal(signal.SIGTERM)
    assert worker.wait(30) == 0
    handed = Job.objects.get(pk=job.pk)
    assert handed.status == Job.Status.QUEUED and handed.worker == "", handed.status
    started = time.monotonic()
    helper = start_worker()
    job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED})
    assert job.status == Job.Status.DONE and job.attempts == 2
    handed_back = time.monotonic() - started
    helper.stop()

    _path, token, _folder = upload(demo, tmp_path, "0014")
    worker = start_worker(JOBS_FAULT_PAUSE_AT=f"import_confirm:progress:{ROWS * 2 // 3}:4")
    confirm = start_confirm(user=demo, token=token, campaign=campaign(), name="0014.xlsx")
    wait_for(lambda: "waits 4" in worker.output(), 60, "the confirm paused")
    worker.signal(signal.SIGTERM)
    assert worker.wait(60) == 0
    confirm = Job.objects.get(pk=confirm.pk)
    assert confirm.status == Job.Status.DONE and confirm.attempts == 1, confirm.error
    assert residents("0014") == ROWS
    said(
        "worker stopped with SIGTERM (a deploy) mid report, then mid confirm",
        "SIGTERM while each job ran; the worker exited by itself (code 0)",
        "the report handed back to the queue at its next progress and done by the next "
        f"worker; the confirm finished before the worker exited ({ROWS} rows, once)",
        "'Đang chờ' then 'Xong' / 'Xong'",
        recover=f"{handed_back:.1f} s after the next worker started",
    )


def test_a_job_waiting_behind_a_dead_worker_is_not_stuck(demo, start_worker):
    """A job whose worker died before it had begun (its task taken, the job not started)."""
    from django_tasks_db.models import DBTaskResult

    job = report_job(demo)
    DBTaskResult.objects.filter(args_kwargs__args__0=str(job.pk)).update(
        status="RUNNING", started_at=timezone.now(), worker_ids=["dead"]
    )
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    started = time.monotonic()
    start_worker()
    job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED})
    assert job.status == Job.Status.DONE
    said(
        "worker died after taking a job's task, before starting it",
        "task marked running by a dead worker, the job waiting; a worker started",
        "a task queued again for the waiting job; done once",
        "'Đang chờ' then 'Xong'",
        recover=f"{time.monotonic() - started:.1f} s",
    )
