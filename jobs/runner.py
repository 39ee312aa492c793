"""Running jobs with the task framework (django-tasks, its database backend: no other
server, SQLite or PostgreSQL alike), and what a job's work may call.

A kind of job is a function `work(job, progress)` registered with `@job_kind("name")`: it
reports progress through `progress(done, total)` and returns either (path, filename), a
temporary file the runner keeps with the job, or the address of what it made (a page).
When the work fails, the runner removes the file and tells why in Vietnamese; the work runs
in its own transactions, so nothing half-written stays.
"""

import logging
import os
import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from .models import Job

logger = logging.getLogger(__name__)
KINDS = {}


class JobError(Exception):
    """A failure the user can understand: its message is shown as it is."""


def job_kind(name):
    def register(function):
        KINDS[name] = function
        return function

    return register


class Progress:
    """Writes a job's progress (rows done of rows in all), at most every `every` seconds."""

    def __init__(self, job, every=0.5):
        self.job, self.every, self.last = job, every, 0.0

    def __call__(self, done, total=None):
        now = time.monotonic()
        if total is not None and total != self.job.total:
            self.job.total = total
            self.last = 0.0
        self.job.done = done
        if now - self.last >= self.every or (self.job.total and done >= self.job.total):
            self.last = now
            Job.objects.filter(pk=self.job.pk).update(done=done, total=self.job.total)


def start_job(*, kind, label, params, owner, unit=None):
    """Record a job and queue it for the worker; expired jobs' files are removed meanwhile."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    purge_expired_jobs()
    job = Job.objects.create(kind=kind, label=label, params=params, owner=owner, unit=unit)
    transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


@task()
def run_job(job_id):
    job = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).first()
    if job is None:
        return
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, started_at=timezone.now())
    path = None
    try:
        result = KINDS[job.kind](job, Progress(job))
        if isinstance(result, str):
            job.result_url = result
        else:
            path, filename = result
            with open(path, "rb") as handle:
                job.file.save(f"{job.pk}{os.path.splitext(filename)[1]}", File(handle), save=False)
            job.filename = filename
        job.status = Job.Status.DONE
        job.done = job.total = max(job.total, job.done)
    except (JobError, ValidationError, PermissionDenied) as error:
        job.status, job.error = (
            Job.Status.FAILED,
            " ".join(getattr(error, "messages", [str(error)])),
        )
    except Exception:
        logger.exception("job %s failed", job.pk)
        job.status = Job.Status.FAILED
        job.error = _(
            "The work stopped because of an error in the system; nothing was kept. "
            "Try again, and tell the administrator if it happens again."
        )
    finally:
        if path and os.path.exists(path):
            os.unlink(path)
    job.finished_at = timezone.now()
    if job.status == Job.Status.FAILED and job.file:
        job.file.delete(save=False)
    job.save()


def purge_expired_jobs(now=None):
    """Remove the files (and records) of jobs finished more than JOBS_KEEP_DAYS days ago."""
    removed = 0
    for job in Job.objects.expired(now):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    return removed
