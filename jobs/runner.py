"""Running jobs with the task framework (django-tasks, its database backend: no other
server, SQLite or PostgreSQL alike), and what a job's work may call.

A kind of job is a function `work(job, progress)` registered with `@job_kind("name")`: it
reports progress through `progress(done, total)` and returns either (path, filename), a
temporary file the runner keeps with the job, or the address of what it made (a page).
When the work fails, the runner removes the file and tells why in Vietnamese; the work runs
in its own transactions, so nothing half-written stays.

A worker's death is normal (a deploy, a crash, the machine lost). Each running job holds a
lease: its worker writes a heartbeat every few seconds (a thread with its own connection,
which also writes the progress). A job whose heartbeat is older than JOBS_LEASE_SECONDS is
taken back by `reap_stale_jobs` (every worker runs it; so does the job's page):

- a kind declared `rerun=True` (its work is safe to run again from the start: a check, a
  workbook) goes back to the queue, at most JOBS_MAX_ATTEMPTS times in all;
- any other kind fails with its own Vietnamese reason (`stopped=`), saying what to do,
  unless its work called `record_committed(job, ...)` inside the transaction that wrote its
  result and that transaction committed: then the job is done, not run again.

Every write a worker makes to its job is fenced by the lease (status running, held by this
worker): a worker that lost its lease writes nothing more, and `record_committed` refuses,
rolling the work's transaction back. A worker told to stop (SIGTERM) hands a rerunnable job
back at its next progress and finishes any other. Each kind has a time limit (`time_limit=`,
JOBS_TIME_LIMITS overrides it): past it the work is stopped and the job failed with a reason.
"""

import errno
import logging
import os
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import (
    Error as DatabaseError,
)
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from .models import Job

logger = logging.getLogger(__name__)
KINDS = {}  # name -> work function
OPTIONS = {}  # name -> Kind

#: Set by the worker when it is told to stop (SIGTERM): rerunnable jobs are handed back.
STOPPING = threading.Event()

DEFAULT_TIME_LIMIT = 30 * 60


class JobError(Exception):
    """A failure the user can understand: its message is shown as it is."""


class _Stopped(Exception):
    """The work was stopped from outside (not a failure of the work)."""


class HandBack(_Stopped):
    """The worker is stopping: the job goes back to the queue for another worker."""


class LeaseLost(_Stopped):
    """Another process took the job back (its heartbeat was too old): write nothing more."""


class TimeLimitExceeded(Exception):
    """The work ran past its kind's time limit."""


@dataclass(frozen=True)
class Kind:
    name: str
    work: object
    rerun: bool
    time_limit: int
    stopped: object  # the reason shown when the worker died and the job is not run again


STOPPED_REASON = gettext_lazy(
    "The work stopped because the server running it stopped (a restart or a fault). "
    "Nothing of it was kept. Start it again."
)


def job_kind(name, *, rerun=False, time_limit=DEFAULT_TIME_LIMIT, stopped=None):
    """Register `work` as the kind `name`. `rerun`: safe to run again from the start when its
    worker died; `time_limit`: seconds before it is stopped and failed; `stopped`: the reason
    shown when its worker died and it is not run again (say what to do)."""

    def register(function):
        KINDS[name] = function
        OPTIONS[name] = Kind(name, function, rerun, time_limit, stopped or STOPPED_REASON)
        return function

    return register


def kind_options(name):
    return OPTIONS.get(name) or Kind(
        name, KINDS.get(name), False, DEFAULT_TIME_LIMIT, STOPPED_REASON
    )


def time_limit(kind):
    """The kind's time limit in seconds: JOBS_TIME_LIMITS[kind] if set, else its own."""
    return int(getattr(settings, "JOBS_TIME_LIMITS", {}).get(kind, kind_options(kind).time_limit))


def lease_seconds():
    return max(int(settings.JOBS_LEASE_SECONDS), 2)


def beat_seconds():
    """How often a running job's heartbeat is written: a fifth of the lease, at most 10 s."""
    return min(10.0, lease_seconds() / 5)


class Progress:
    """A job's progress (rows done of rows in all). With a lease the heartbeat thread writes
    it (so a job's own transaction never holds its row); without one (a job run in a test's
    transaction) it is written here, at most every `every` seconds. Each call is also where
    the work is stopped: a lost lease, the time limit, a worker stopping."""

    def __init__(self, job, every=0.5, lease=None, deadline=None, rerun=False):
        self.job, self.every, self.last = job, every, 0.0
        self.lease, self.deadline, self.rerun = lease, deadline, rerun

    def __call__(self, done, total=None):
        now = time.monotonic()
        if total is not None and total != self.job.total:
            self.job.total = total
            self.last = 0.0
        if self.job.total and done > self.job.total:
            self.job.total = done  # the rows in all were an estimate, short of what is done
        self.job.done = done
        _fault_point(self.job, "progress", done)
        self.check()
        if self.lease is not None:
            self.lease.note(done, self.job.total)
        elif now - self.last >= self.every or (self.job.total and done >= self.job.total):
            self.last = now
            Job.objects.filter(pk=self.job.pk).update(done=done, total=self.job.total)

    def check(self):
        if self.lease is not None and self.lease.lost:
            raise LeaseLost()
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimeLimitExceeded()
        if self.rerun and STOPPING.is_set():
            raise HandBack()


class Lease(threading.Thread):
    """Beats for one running job from its own thread and database connection: writes the
    heartbeat and the progress, fenced by the holder; notes when the lease was lost."""

    def __init__(self, job, holder):
        super().__init__(name=f"lease-{job.pk}", daemon=True)
        self.job_id, self.holder = job.pk, holder
        self.done, self.total = job.done, job.total
        self.written = (None, None)
        self.lost = False
        self._stop_event = threading.Event()

    def note(self, done, total):
        self.done, self.total = done, total

    def stop(self):
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout=15)

    def run(self):
        from django.db import connections

        last = time.monotonic()
        try:
            while not self._stop_event.wait(0.5):
                now = time.monotonic()
                if (self.done, self.total) != self.written or now - last >= beat_seconds():
                    if self.beat():
                        last = now
        finally:
            connections.close_all()

    def beat(self):
        done, total = self.done, self.total
        try:
            held = Job.objects.filter(
                pk=self.job_id, status=Job.Status.RUNNING, worker=self.holder
            ).update(heartbeat_at=timezone.now(), done=done, total=total)
        except DatabaseError:
            logger.warning("job %s: heartbeat not written (database unavailable)", self.job_id)
            connection.close()
            return False
        if not held:
            self.lost = True
            self._stop_event.set()
        self.written = (done, total)
        return True


def start_job(*, kind, label, params, owner, unit=None, key=""):
    """Record a job and queue it for the worker; expired jobs' files are removed meanwhile.
    With a `key`, a job of the same key still waiting or running is returned instead of a
    second one (two clicks, two tabs, two servers at once: one job)."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    purge_expired_jobs()
    if key:
        running = _active_with_key(key)
        if running is not None:
            return running
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=kind, label=label, params=params, owner=owner, unit=unit, key=key
            )
    except IntegrityError:
        # The same key created at the same moment by another request: that job is the one.
        running = _active_with_key(key) if key else None
        if running is None:
            raise
        return running
    transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


def _active_with_key(key):
    return Job.objects.filter(key=key, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).first()


def record_committed(job, *, result_url="", params=None):
    """Say, inside the transaction that writes the work's result, that the result is
    written: if the worker dies after that transaction commits, the job is shown done (with
    this result) instead of failed or run again. Refuses (rolling the transaction back) when
    this worker no longer holds the job."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_committed must be called inside the writing transaction")
    fields = {"committed_at": timezone.now(), "result_url": result_url}
    if params is not None:
        fields["params"] = params
        job.params = params
    rows = Job.objects.filter(pk=job.pk)
    holder = getattr(job, "_holder", "")
    if holder:
        rows = rows.filter(status=Job.Status.RUNNING, worker=holder)
    if not rows.update(**fields):
        raise LeaseLost()
    job.result_url = result_url


@task()
def run_job(job_id):
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:100]
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker=holder,
        attempts=F("attempts") + 1,
        done=0,
    )
    if not claimed:
        return
    job = Job.objects.get(pk=job_id)
    job._holder = holder
    kind = kind_options(job.kind)
    lease = None if connection.in_atomic_block else Lease(job, holder)
    limit = time_limit(job.kind)
    progress = Progress(job, lease=lease, deadline=time.monotonic() + limit, rerun=kind.rerun)
    if lease is not None:
        lease.start()
        _statement_timeout(limit)
    path = None
    outcome, error, reraise = Job.Status.FAILED, "", None
    try:
        with _alarm(limit):
            if kind.work is None:
                raise JobError(_("This kind of work is no longer known to the server."))
            result = kind.work(job, progress)
        _fault_point(job, "finished")
        if isinstance(result, str):
            job.result_url = result
        else:
            path, filename = result
            _store_file(job, path, filename)
        outcome = Job.Status.DONE
    except HandBack:
        outcome = Job.Status.QUEUED
    except LeaseLost:
        outcome = None
    except (JobError, ValidationError, PermissionDenied) as failure:
        error = " ".join(getattr(failure, "messages", [str(failure)]))
    except TimeLimitExceeded:
        error = _time_limit_message(limit)
    except OSError as failure:
        if failure.errno != errno.ENOSPC:
            logger.exception("job %s failed", job.pk)
            error = _system_error()
        else:
            logger.error("job %s: the disk is full", job.pk)
            error = disk_full_message()
    except (OperationalError, InterfaceError) as failure:
        # The database went away under the work: its transaction did not commit (unless it
        # said so with record_committed, which _settle reads back).
        if time.monotonic() >= progress.deadline - 1:  # a query cancelled at the time limit
            error = _time_limit_message(limit)
        elif kind.rerun:
            logger.warning("job %s: database unavailable (%s): queued again", job.pk, failure)
            outcome = Job.Status.QUEUED
        else:
            logger.warning("job %s: database unavailable (%s): failed", job.pk, failure)
            error = _(
                "The database stopped answering while the work ran; nothing of it was kept. "
                "Start it again."
            )
    except Exception:
        logger.exception("job %s failed", job.pk)
        error = _system_error()
    except BaseException as stop:  # the worker forced to exit (a second SIGTERM, Ctrl+C)
        reraise = stop
        outcome = Job.Status.QUEUED if kind.rerun else Job.Status.FAILED
        error = str(kind.stopped)
    finally:
        if lease is not None:
            lease.stop()
            _statement_timeout(None)
        if path and os.path.exists(path):
            os.unlink(path)
    if outcome is not None:
        _settle(job, holder, outcome, error, kind)
    elif job.file:
        job.file.delete(save=False)
    if reraise is not None:
        raise reraise


def _statement_timeout(seconds):
    """Bound the job's queries by its time limit (PostgreSQL; None: back to no limit)."""
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            if seconds is None:
                cursor.execute("RESET statement_timeout")
            else:
                cursor.execute("SET statement_timeout = %s", [f"{int(seconds)}s"])
    except DatabaseError:
        connection.close()


def _time_limit_message(limit):
    return _(
        "The work took longer than its limit (%(minutes)s minutes) and was stopped; "
        "nothing of it was kept. Try again at a quieter time, or with less data, and tell "
        "the administrator if it happens again."
    ) % {"minutes": _minutes(limit)}


def _minutes(seconds):
    return max(1, round(seconds / 60))


def _system_error():
    return _(
        "The work stopped because of an error in the system; nothing was kept. "
        "Try again, and tell the administrator if it happens again."
    )


def disk_full_message():
    return _(
        "The server's disk is full, so the file could not be written; nothing was kept. "
        "Tell the district administrator (the server needs space), then try again."
    )


def _store_file(job, path, filename):
    """Keep the work's file with the job; a disk that fills meanwhile leaves no part of it."""
    name = f"{job._meta.get_field('file').upload_to}{job.pk}{os.path.splitext(filename)[1]}"
    storage = job.file.storage
    try:
        with open(path, "rb") as handle:
            job.file.save(os.path.basename(name), File(handle), save=False)
    except BaseException:
        if storage.exists(name):
            storage.delete(name)
        job.file.name = ""
        raise
    job.filename = filename


def _settle(job, holder, outcome, error, kind):
    """Write the job's end, fenced by its lease, retrying while the database is away (at most
    the lease's length: past it another worker takes the job back). A failure after the
    work's result committed is shown done."""
    deadline = time.monotonic() + lease_seconds()
    while True:
        try:
            with transaction.atomic():
                if not _settle_once(job, holder, outcome, error, kind):
                    if job.file:
                        job.file.delete(save=False)
            return
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                logger.error("job %s: its end could not be written; its lease will expire", job.pk)
                return
            connection.close()
            time.sleep(1)


def _settle_once(job, holder, outcome, error, kind):
    mine = Job.objects.select_for_update().filter(
        pk=job.pk, status=Job.Status.RUNNING, worker=holder
    )
    current = mine.first()
    if current is None:
        return False  # taken back meanwhile: another worker or the reaper decides
    now = timezone.now()
    if outcome != Job.Status.DONE and current.committed_at is not None:
        if job.file:
            job.file.delete(save=False)
        outcome, job.file, job.filename, error = Job.Status.DONE, None, "", ""
        job.result_url, job.params = current.result_url, current.params
    if outcome == Job.Status.QUEUED:
        _requeue(current, now)
        return True
    if outcome == Job.Status.FAILED and job.file:
        job.file.delete(save=False)
    fields = {
        "status": outcome,
        "error": error,
        "finished_at": now,
        "worker": "",
        "heartbeat_at": None,
        "result_url": job.result_url,
        "params": job.params,
        "file": job.file.name if job.file else "",
        "filename": job.filename if job.file else "",
    }
    if outcome == Job.Status.DONE:
        total = max(current.total, job.total, job.done)
        fields.update(done=total, total=total)
    else:
        fields.update(done=job.done, total=job.total)
    Job.objects.filter(pk=job.pk).update(**fields)
    return True


def _requeue(job, now):
    """Put a job back in the queue (inside the caller's transaction), or fail it when it has
    used its attempts."""
    if job.attempts >= settings.JOBS_MAX_ATTEMPTS:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            finished_at=now,
            worker="",
            heartbeat_at=None,
            error=_(
                "The work was started %(n)s times and each time the server running it "
                "stopped; it is not started again. Tell the district administrator."
            )
            % {"n": job.attempts},
        )
        return
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.QUEUED, worker="", heartbeat_at=None, done=0
    )
    transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))


def reap_stale_jobs(now=None, job_ids=None):
    """Take back the jobs whose worker stopped beating: re-queued, done (committed) or failed
    as their kind says; jobs waiting with no task left to run them are queued again. Returns
    how many were taken back."""
    now = now or timezone.now()
    cutoff = now - timezone.timedelta(seconds=lease_seconds())
    stale = Job.objects.filter(status=Job.Status.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    if job_ids is not None:
        stale = stale.filter(pk__in=job_ids)
    taken = 0
    for pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True), pk=pk)
                .filter(status=Job.Status.RUNNING)
                .first()
            )
            if job is None:
                continue
            _fail_lost_tasks(job, now)
            kind = kind_options(job.kind)
            logger.warning(
                "job %s (%s): its worker %s stopped beating", job.pk, job.kind, job.worker
            )
            # Fenced on what was read: a worker that beat or committed meanwhile keeps it.
            same = Job.objects.filter(
                pk=job.pk,
                status=Job.Status.RUNNING,
                worker=job.worker,
                heartbeat_at=job.heartbeat_at,
            )
            if job.committed_at is not None:
                same.update(
                    status=Job.Status.DONE,
                    finished_at=now,
                    worker="",
                    heartbeat_at=None,
                    done=max(job.done, job.total),
                    total=max(job.done, job.total),
                )
            elif kind.rerun:
                _requeue(job, now)
            elif not same.filter(committed_at__isnull=True).exists():
                continue
            elif kind.rerun:
                _requeue(job, now)
            else:
                same.filter(committed_at__isnull=True).update(
                    status=Job.Status.FAILED,
                    finished_at=now,
                    worker="",
                    heartbeat_at=None,
                    error=str(kind.stopped),
                )
            taken += 1
    if job_ids is None:
        taken += _requeue_lost_waiting(cutoff)
    return taken


def _tasks_of(job_id):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=run_job.module_path,
        args_kwargs__args__0=str(job_id),
    )


def _fail_lost_tasks(job, now):
    """The task rows of a job whose worker died still say running: say failed."""
    _tasks_of(job.pk).filter(status="RUNNING").update(
        status="FAILED",
        finished_at=now,
        exception_class_path="jobs.runner.WorkerLost",
        traceback="The worker stopped beating; the job was taken back.",
    )


def _requeue_lost_waiting(cutoff):
    """A job waiting for longer than the lease with no task ready or running for it (its
    worker died between taking the task and starting the job): queue a task again."""
    queued = 0
    for job in Job.objects.filter(status=Job.Status.QUEUED, created_at__lt=cutoff):
        tasks = _tasks_of(job.pk)
        if tasks.filter(Q(status="READY") | Q(status="RUNNING", started_at__gte=cutoff)).exists():
            continue  # waiting its turn, or just taken by a live worker
        with transaction.atomic():
            _fail_lost_tasks(job, timezone.now())
            run_job.enqueue(str(job.pk))
        queued += 1
    return queued


class _alarm:
    """Stops the work at its time limit even between progress calls (in the main thread,
    where signals are delivered): SIGALRM raises TimeLimitExceeded."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.armed = False

    def __enter__(self):
        if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM"):
            self.previous = signal.signal(signal.SIGALRM, self._ring)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.armed = True
        return self

    def __exit__(self, *exc):
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False

    @staticmethod
    def _ring(signum, frame):
        raise TimeLimitExceeded()


def _fault_point(job, point, done=None):
    """Fault testing only (make test-faults), off unless these are set in the worker's
    environment: JOBS_FAULT_KILL_AT="kind:point[:rows]" makes the worker kill itself
    (SIGKILL) at that point of that kind of job, JOBS_FAULT_PAUSE_AT="kind:point:rows:seconds"
    makes it wait there (once per process); `progress` is once `rows` are done, `finished`
    after the work returned (its transaction committed)."""
    for name in ("JOBS_FAULT_KILL_AT", "JOBS_FAULT_PAUSE_AT"):
        spec = os.environ.get(name)
        if not spec:
            continue
        kind, where, rows, seconds = (spec.split(":") + ["", "", ""])[:4]
        if kind != job.kind or where != point:
            continue
        if point == "progress" and (done is None or done < int(rows or 0)):
            continue
        if name == "JOBS_FAULT_KILL_AT":
            logger.warning("fault injection: killing worker %s at %s", os.getpid(), spec)
            os.kill(os.getpid(), signal.SIGKILL)
        elif spec not in _PAUSED:
            _PAUSED.add(spec)
            logger.warning(
                "fault injection: worker %s waits %s s at %s", os.getpid(), seconds, spec
            )
            time.sleep(float(seconds or 5))


_PAUSED = set()


def purge_expired_jobs(now=None):
    """Remove the files (and records) of jobs finished more than JOBS_KEEP_DAYS days ago."""
    removed = 0
    for job in Job.objects.expired(now):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    return removed
