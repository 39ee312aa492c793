"""The production server's configuration: gunicorn's settings and static files."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

from config.tests.test_settings import production_environment

BASE_DIR = Path(__file__).resolve().parents[2]


def gunicorn_settings(monkeypatch, **environment):
    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))


def test_gunicorn_writes_no_access_log_of_its_own_and_bounds_its_workers(monkeypatch):
    conf = gunicorn_settings(monkeypatch, GUNICORN_WORKERS="2")
    assert conf["accesslog"] is None  # it would log raw query strings
    assert conf["workers"] == 2 and conf["threads"] == 4 and conf["worker_class"] == "gthread"
    assert conf["bind"].startswith("127.0.0.1:") and conf["preload_app"] is True


def test_gunicorn_reads_its_workers_and_threads_from_the_environment(monkeypatch):
    conf = gunicorn_settings(monkeypatch)
    assert conf["workers"] == 2 * (os.cpu_count() or 1) and conf["threads"] == 4
    conf = gunicorn_settings(monkeypatch, GUNICORN_WORKERS="3", GUNICORN_THREADS="8")
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (3, 8, "gthread")
    # One thread: the sync workers, one request at a time each.
    conf = gunicorn_settings(monkeypatch, GUNICORN_THREADS="1")
    assert (conf["threads"], conf["worker_class"]) == (1, "sync")


def test_with_debug_off_static_files_are_compressed_and_hashed_by_whitenoise():
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.STORAGES['staticfiles']['BACKEND'], s.MIDDLEWARE[:2]]))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=BASE_DIR,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    storage, first_middleware = json.loads(result.stdout.strip().splitlines()[-1])
    assert storage == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert first_middleware == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]


def test_systemd_units_run_the_web_and_the_worker_as_their_own_processes():
    web = (BASE_DIR / "deploy" / "vneid-web.service").read_text()
    worker = (BASE_DIR / "deploy" / "vneid-worker.service").read_text()
    assert "gunicorn -c deploy/gunicorn.conf.py config.wsgi:application" in web
    assert "manage.py db_worker" in worker
    assert all("EnvironmentFile=/etc/vneid/vneid.env" in unit for unit in (web, worker))
