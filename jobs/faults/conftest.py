"""The fault suite's machinery (make test-faults, scripts/test_faults.sh): a private
PostgreSQL instance this suite may stop and start, real `db_worker` and gunicorn processes,
plain HTTP, and the table of what each fault did and what held.

The tests use the private instance's database (vneid_faults, migrated by the script) as it
is, outside pytest-django's per-test transactions, so that the worker and server processes
see what the tests write; each test works on rows of its own.
"""

import http.client
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
TABLE = []  # (fault, what the user saw, data lost, data doubled, time to recover)


def pg_env():
    """The private instance, as scripts/test_faults.sh started it."""
    try:
        return {
            "bin": os.environ["FAULTS_PGBIN"],
            "data": os.environ["FAULTS_PGDATA"],
            "port": os.environ["FAULTS_PG_PORT"],
            "sockets": os.environ["FAULTS_PG_SOCKETS"],
            "as": shlex.split(os.environ.get("FAULTS_PG_AS", "")),
        }
    except KeyError:
        pytest.exit("run the fault suite with `make test-faults` (scripts/test_faults.sh)", 2)


def pg_ctl(action):
    pg = pg_env()
    command = [*pg["as"], f"{pg['bin']}/pg_ctl", "-D", pg["data"], "-w", "-t", "60"]
    if action == "stop":
        command += ["-m", "fast", "stop"]
    else:
        command += [
            "-o",
            f"-p {pg['port']} -k {pg['sockets']} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-l",
            f"{pg['data']}/../postgres.log",
            "start",
        ]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def database(django_db_setup, django_db_blocker):
    """The test database, open to this process and the processes it starts."""
    from django.db import connection

    assert connection.vendor == "postgresql", "the fault suite runs on PostgreSQL"
    with django_db_blocker.unblock():
        settings_dict = connection.settings_dict
        url = (
            f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}"
            f"/{settings_dict['NAME']}"
        )
        yield url


@pytest.fixture(scope="session")
def demo(database):
    """The demo district (seed_demo, 3,000 cases), loaded once by a command process."""
    run_command(database, "seed_demo", "--cases", "3000", "--if-empty")
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="quantri")


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("faults")


def base_env(database, workdir, **extra):
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",  # plain HTTP on 127.0.0.1
        "DJANGO_SECRET_KEY": SECRET,
        "JOBS_LEASE_SECONDS": os.environ.get("JOBS_LEASE_SECONDS", "6"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("JOBS_FAULT_KILL_AT", None)
    env.pop("JOBS_FAULT_PAUSE_AT", None)
    env.update({key: str(value) for key, value in extra.items()})
    return env


SECRET = secrets.token_urlsafe(50)


def run_command(database, *args):
    env = {**os.environ, "DATABASE_URL": database}
    subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


class Process:
    """A real process (the worker, gunicorn) with its output in a log file."""

    def __init__(self, name, args, env, workdir):
        self.name = name
        self.log = workdir / f"{name}-{time.monotonic_ns()}.log"
        self.handle = open(self.log, "wb")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT
        )
        self.pid = self.popen.pid

    def signal(self, number):
        self.popen.send_signal(number)

    def wait(self, timeout=60):
        try:
            return self.popen.wait(timeout)
        finally:
            self.handle.close()

    def alive(self):
        return self.popen.poll() is None

    def stop(self):
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        self.handle.close()

    def output(self):
        return self.log.read_text(errors="replace")


@pytest.fixture
def processes():
    started = []
    yield started
    for process in started:
        process.stop()


@pytest.fixture
def start_worker(database, workdir, processes):
    def start(**env):
        worker = Process(
            "worker",
            [
                PY,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--interval",
                "0.2",
                "--no-startup-delay",
            ],
            base_env(database, workdir, **env),
            workdir,
        )
        processes.append(worker)
        return worker

    return start


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def static_root(database, workdir):
    root = workdir / "static"
    subprocess.run(
        [PY, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=base_env(database, workdir, DJANGO_STATIC_ROOT=root),
        check=True,
    )
    return root


@pytest.fixture
def start_server(database, workdir, processes, static_root):
    def start(**env):
        port = free_port()
        server = Process(
            "gunicorn",
            [PY, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "config.wsgi:application"],
            base_env(
                database,
                workdir,
                DJANGO_STATIC_ROOT=static_root,
                GUNICORN_BIND=f"127.0.0.1:{port}",
                GUNICORN_WORKERS=1,
                GUNICORN_THREADS=4,
                DJANGO_REQUEST_LOG="false",
                **env,
            ),
            workdir,
        )
        processes.append(server)
        server.port = port
        wait_for(lambda: get(port, "/healthz")[0] == 200, 60, "gunicorn up")
        return server

    return start


def get(port, path, cookie=None, timeout=30):
    """(status, body, seconds) of a GET; a refused connection is status 0."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Host": "127.0.0.1"}
    if cookie:
        headers["Cookie"] = cookie
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        if 300 <= response.status < 400:
            body = f"redirected to {response.getheader('Location')}"
        return response.status, body, time.monotonic() - started
    except (ConnectionError, TimeoutError, http.client.HTTPException, OSError):
        return 0, "", time.monotonic() - started
    finally:
        connection.close()


def signed_in_cookie(user):
    """A session for `user`, as signing in makes it (the suite does not type passwords)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import override_settings

    with override_settings(SECRET_KEY=SECRET):  # signed with the servers' key
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def wait_for(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except Exception:  # the database away meanwhile: ask again
            from django.db import connections

            connections.close_all()
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for: {what}")


def job_now(job):
    from jobs.models import Job

    return Job.objects.get(pk=job.pk)


def wait_job(job, statuses, timeout=60):
    wait_for(lambda: job_now(job).status in statuses, timeout, f"job {job.label} in {statuses}")
    return job_now(job)


def said(fault, did, held, saw, lost=0, doubled=0, recover="—"):
    """Print what a fault case did and what held, and keep its row for the table."""
    print(f"\n=== FAULT: {fault}\n  did:  {did}\n  held: {held}\n  user saw: {saw}")
    print(f"  data lost: {lost}; data doubled: {doubled}; time to recover: {recover}")
    TABLE.append((fault, saw, lost, doubled, recover))


def pytest_terminal_summary(terminalreporter):
    if not TABLE:
        return
    lines = [
        "| fault | what the user saw | data lost | data doubled | time to recover |",
        "|---|---|---|---|---|",
        *(f"| {f} | {s} | {lo} | {d} | {r} |" for f, s, lo, d, r in TABLE),
    ]
    terminalreporter.write_sep("=", "faults: what held")
    for line in lines:
        terminalreporter.write_line(line)
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    (out / "faults-table.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()
