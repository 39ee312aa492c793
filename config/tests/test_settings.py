"""Production settings: they come from the environment, and .env.example passes Django's
deployment checks. Each case starts `manage.py` in a fresh process, as a server would."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def production_environment(**overrides):
    """The process environment of a server configured from .env.example, with a key of its
    own (unless overridden) and nothing inherited from the test run's DJANGO_* settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AXES_", "DATABASE_URL", "IMPORT_"))
    }
    example = {}
    for line in (BASE_DIR / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            example[key.strip()] = value.strip()
    env.update(example)
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    # No server is reached by `check`; SQLite keeps the test independent of PostgreSQL.
    env["DATABASE_URL"] = "sqlite:////tmp/vneid-check-deploy.sqlite3"
    env.update(overrides)
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_env_example_asks_a_second_factor_of_every_role_that_sees_whole_id_numbers():
    """Secretaries and viewers reveal whole ID numbers (secretaries export named lists):
    not only administrators give an authenticator app's code."""
    roles = production_environment()["DJANGO_OTP_REQUIRED_ROLES"].split(",")
    assert sorted(roles) == ["admin", "secretary", "staff", "viewer"]


def test_env_example_passes_the_deployment_checks_with_no_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_environment())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_env_example_sets_every_security_setting_for_production():
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    ]
    code = f"import json; from django.conf import settings as s; print(json.dumps([getattr(s, n) for n in {names!r}]))"
    result = manage("shell", "-v", "0", "-c", code, env=production_environment())
    assert result.returncode == 0, result.stderr
    values = dict(zip(names, json.loads(result.stdout.strip().splitlines()[-1]), strict=True))
    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "ALLOWED_HOSTS": ["vneid.sopcop.gov.vn"],
        "CSRF_TRUSTED_ORIGINS": ["https://vneid.sopcop.gov.vn"],
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
    }


def test_debug_off_without_a_secret_key_refuses_to_start():
    env = production_environment()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr and "token_urlsafe" in result.stderr


def test_debug_off_with_the_placeholder_of_env_example_refuses_to_start():
    result = manage("check", env=production_environment(DJANGO_SECRET_KEY="change-me"))
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key",
    ["abcde" * 11, "django-insecure-" + "k3j4h5g6f7d8s9a0qwertyuiopzxcvbnmlkjhgfdsa12345"],
)
def test_debug_off_with_a_key_that_is_no_secret_refuses_to_start(key):
    result = manage("check", env=production_environment(DJANGO_SECRET_KEY=key))
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def _bare_environment(**settings):
    """No DJANGO_* or AXES_* variable at all, but `settings`: what a server that forgot them
    runs with."""
    env = production_environment()
    for key in list(env):
        if key.startswith(("DJANGO_", "AXES_")):
            del env[key]
    env.update(settings)
    return env


def _settings(names, env):
    code = f"import json; from django.conf import settings as s; print(json.dumps([getattr(s, n) for n in {names!r}]))"
    result = manage("shell", "-v", "0", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return dict(zip(names, json.loads(result.stdout.strip().splitlines()[-1]), strict=True))


HTTPS_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
]


def test_the_development_settings_start_when_debug_is_asked_for():
    """`make run` asks for debug; nothing else is needed, and plain HTTP works."""
    env = _bare_environment(DJANGO_DEBUG="true")
    result = manage("check", env=env)
    assert result.returncode == 0, result.stderr
    assert _settings(HTTPS_SETTINGS, env) == {
        "DEBUG": True,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }


def test_debug_is_off_unless_asked_for():
    """A server that forgets DJANGO_DEBUG runs as production: it refuses the published
    development key instead of starting with debug on."""
    result = manage("check", env=_bare_environment())
    assert result.returncode != 0
    assert "DJANGO_DEBUG is off" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_a_key_and_host_names_alone_pass_the_deployment_checks():
    """With debug off and no HTTPS setting given, the secure choices are the default."""
    env = _bare_environment(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="vneid.example.vn"
    )
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout
    assert _settings(HTTPS_SETTINGS, env) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_a_deployer_turns_the_https_defaults_off_explicitly():
    key = secrets.token_urlsafe(50)
    plain = _settings(
        HTTPS_SETTINGS, _bare_environment(DJANGO_SECRET_KEY=key, DJANGO_HTTPS="false")
    )
    assert plain == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }
    one = _settings(
        HTTPS_SETTINGS,
        _bare_environment(
            DJANGO_SECRET_KEY=key,
            DJANGO_SECURE_HSTS_PRELOAD="false",
            DJANGO_SECURE_HSTS_SECONDS="3600",
        ),
    )
    assert one["SECURE_HSTS_PRELOAD"] is False and one["SECURE_HSTS_SECONDS"] == 3600
    assert one["SECURE_SSL_REDIRECT"] is True and one["SESSION_COOKIE_SECURE"] is True
