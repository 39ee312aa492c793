"""The database restarts: the private PostgreSQL instance stopped (pg_ctl stop -m fast) and
started again around a live gunicorn and a live job worker, neither restarted."""

import json
import time

import pytest
from django.db import connections

from campaign.import_jobs import start_confirm
from jobs.models import Job

from .conftest import get, pg_ctl, said, signed_in_cookie, text_of, wait_for, wait_job
from .faults_workers import ROWS, cases, report_job, residents, upload

pytestmark = pytest.mark.faults


def outage():
    connections.close_all()
    pg_ctl("stop")
    return time.monotonic()


def test_the_database_restarting_gives_503_pages_then_all_works_again_unrestarted(
    demo, start_server, start_worker
):
    server = start_server(DJANGO_DB_CONN_MAX_AGE=60)
    worker = start_worker(JOBS_FAULT_PAUSE_AT="report_export:progress:1000:5")
    cookie = signed_in_cookie(demo)
    first = get(server.port, "/tong-quan/", cookie)
    assert first[0] == 200, first[1][:300]
    job = report_job(demo)  # running when the database stops
    wait_for(lambda: "waits 5" in worker.output(), 30, "the report running")

    outage()
    status, body, seconds = get(server.port, "/tong-quan/", cookie)
    page = text_of(body)
    assert status == 503 and "Hệ thống tạm thời gián đoạn" in page, (status, page[:300])
    assert "Traceback" not in body
    health = get(server.port, "/healthz")
    assert health[0] == 503 and json.loads(health[1]) == {"status": "unavailable"}
    time.sleep(2)
    pg_ctl("start")
    back = time.monotonic()
    wait_for(
        lambda: (
            get(server.port, "/tong-quan/", cookie)[0] == 200
            and get(server.port, "/healthz")[0] == 200
        ),
        30,
        "the server serving again",
    )
    served = time.monotonic() - back
    try:
        job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED}, timeout=60)
    except AssertionError:
        raise AssertionError(worker.output()[-4000:]) from None
    assert job.status == Job.Status.DONE and job.file, job.error
    worked = time.monotonic() - back
    after = report_job(demo)  # a new job, for the same worker
    after = wait_job(after, {Job.Status.DONE, Job.Status.FAILED})
    assert after.status == Job.Status.DONE and worker.alive() and server.alive()
    said(
        "PostgreSQL stopped and started around a live gunicorn and worker, a report running",
        "pg_ctl stop -m fast of the private instance; a signed-in page and /healthz asked; "
        "started again 2 s later",
        f"the page answered 503 in {seconds:.2f} s with the Vietnamese page, /healthz 503; "
        f"served again {served:.1f} s after the start; the running report re-queued and done "
        f"(attempt {job.attempts}) by the same worker, not restarted; a new job done too",
        "«Hệ thống tạm thời gián đoạn … Dữ liệu bạn vừa gửi chưa được lưu» (503), then "
        "the pages again",
        recover=f"{served:.1f} s (pages), {worked:.1f} s (the job)",
    )


def test_an_import_cut_by_the_database_restarting_leaves_nothing_half_written(
    demo, start_worker, tmp_path
):
    _path, token, folder = upload(demo, tmp_path, "0021")
    worker = start_worker(JOBS_FAULT_PAUSE_AT=f"import_confirm:progress:{ROWS * 5 // 6}:4")
    job = start_confirm(user=demo, token=token, campaign=demo_campaign(), name="0021.xlsx")
    wait_for(lambda: "waits 4" in worker.output(), 60, "the import written, not committed")
    outage()
    time.sleep(1)
    pg_ctl("start")
    back = time.monotonic()
    job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED}, timeout=60)
    assert job.status == Job.Status.FAILED and "Cơ sở dữ liệu" in job.error, job.error
    assert residents("0021") == 0 and cases("0021") == 0
    assert (folder / "upload").is_file() and worker.alive()
    said(
        "PostgreSQL stopped while an import's rows were written, not committed",
        "pg_ctl stop -m fast while the confirm held its transaction; started again 1 s later",
        f"job failed with its reason; 0 of {ROWS} rows kept; the upload kept to confirm "
        "again; the worker went on, not restarted",
        f"'Thất bại': «{job.error}»",
        recover=f"{time.monotonic() - back:.1f} s to the reason",
    )


def demo_campaign():
    from campaign.models import Campaign

    return Campaign.objects.get()
