"""The production server's configuration: gunicorn's settings and static files."""

import json
import runpy
import subprocess
import sys
from pathlib import Path

from config.tests.test_settings import production_environment

BASE_DIR = Path(__file__).resolve().parents[2]


def test_gunicorn_writes_no_access_log_of_its_own_and_bounds_its_workers(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "2")
    conf = runpy.run_path(str(BASE_DIR / "deploy" / "gunicorn.conf.py"))
    assert conf["accesslog"] is None  # it would log raw query strings
    assert conf["workers"] == 2 and conf["worker_class"] == "sync"
    assert conf["bind"].startswith("127.0.0.1:") and conf["preload_app"] is True


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
