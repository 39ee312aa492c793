"""Time limits: a web request's statement timeout, /healthz fast while the database is slow
(tables held by a lock in another transaction), a job's own time limit; real gunicorn and
worker processes."""

import time

import pytest
from django.db import connection, transaction

from jobs.models import Job

from .conftest import get, said, signed_in_cookie, text_of, wait_job
from .faults_workers import report_job

pytestmark = pytest.mark.faults

HELD = "LOCK TABLE campaign_case, campaign_resident IN ACCESS EXCLUSIVE MODE"


def test_a_slow_database_cuts_a_request_at_the_timeout_and_healthz_stays_fast(demo, start_server):
    server = start_server(DJANGO_DB_STATEMENT_TIMEOUT=2)
    cookie = signed_in_cookie(demo)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(HELD)  # every query of cases or residents waits
        status, body, seconds = get(server.port, "/chien-dich/nguoi-dan/", cookie)
        health = get(server.port, "/healthz")
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE django_tasks_database_dbtaskresult IN ACCESS EXCLUSIVE MODE")
        stuck = get(server.port, "/healthz")
    assert status == 503 and "quá nhiều thời gian" in text_of(body), (status, body[:300])
    assert seconds < 6
    assert health[0] == 200 and health[2] < 1
    assert stuck[0] == 503 and stuck[2] < 4
    after = get(server.port, "/chien-dich/nguoi-dan/", cookie)
    assert after[0] == 200
    said(
        "the database slow (tables locked by another transaction) under a live gunicorn",
        "a resident list asked while its tables were locked; /healthz asked meanwhile, then "
        "with its own queue table locked too",
        f"the request cut at the 2 s statement timeout: 503 in {seconds:.1f} s; /healthz 200 "
        f"in {health[2]:.2f} s, and 503 in {stuck[2]:.1f} s when its own table was held; "
        "served again once the lock went",
        "«Yêu cầu mất quá nhiều thời gian … Dữ liệu bạn vừa gửi chưa được lưu» (503)",
        recover="at once",
    )


def test_a_job_past_its_time_limit_is_stopped_with_a_reason(demo, start_worker, database):
    import psycopg2

    start_worker(JOBS_TIME_LIMITS="report_export=3")
    holder = psycopg2.connect(database)  # another session holds the tables
    try:
        holder.cursor().execute(HELD)
        started = time.monotonic()
        job = report_job(demo)
        job = wait_job(job, {Job.Status.DONE, Job.Status.FAILED}, timeout=40)
        seconds = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert job.status == Job.Status.FAILED and "thời gian cho phép" in job.error, job.error
    assert not job.file
    said(
        "a job running past its kind's time limit (report_export=3 s, its tables locked)",
        "a report queued while another transaction held its tables",
        f"stopped at its limit and failed with its reason in {seconds:.1f} s; no file",
        f"'Thất bại': «{job.error}»",
    )
