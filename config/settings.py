"""Settings, read from the environment (and an optional `.env` file beside manage.py).

Every setting has a default: SQLite in the project folder, Vietnamese UI, and debug off,
with HTTPS's protections on. Development asks for debug (`make run`, `make test` and the
browser tests' server set DJANGO_DEBUG=true); a server that forgets a variable runs as
production must. `.env.example` lists them all.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

# --- Core -------------------------------------------------------------------------------
# Off unless asked for: a deployment that forgets the variable must not show tracebacks and
# settings to the world. `make run` and the tests ask for it (Makefile, config/test_settings.py).
DEBUG = env.bool("DJANGO_DEBUG", default=False)
DEVELOPMENT_SECRET_KEY = "insecure-development-key-change-me-in-production-0123456789"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if not DEBUG and (
    SECRET_KEY == DEVELOPMENT_SECRET_KEY
    or len(SECRET_KEY) < 50
    # A repeated pattern ("abcde" x 11) or Django's own generated development key is no
    # secret: secrets.token_urlsafe(50) draws on 64 characters, and uses most of them.
    or len(set(SECRET_KEY)) < 16
    or SECRET_KEY.startswith("django-insecure-")
):
    # Sessions, password-reset tokens and signed values all rest on this key: production
    # must never run on the development key that is published in this repository.
    raise ImproperlyConfigured(
        "DJANGO_DEBUG is off but DJANGO_SECRET_KEY is not set to a key of this server's own "
        '(at least 50 random characters). Generate one with: python -c "import secrets; '
        'print(secrets.token_urlsafe(50))" and set it in the environment or in .env. '
        "For development on this machine, set DJANGO_DEBUG=true instead (make run does)."
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "units",
    "campaign",
    "reports",
    "django_tasks",
    # Before django_tasks_db: its db_worker command (jobs/management) is the one run, with
    # the jobs' leases, the database's outages and a stop on SIGTERM handled.
    "jobs",
    "django_tasks_db",
    "dashboards",
    # --- Production and sign-in (see the sections below) ---
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "config.apps.ProductionConfig",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # --- Production: static files (whitenoise, with debug off; runserver and the tests'
    # live server serve static/ themselves), request log, CSP (see the sections below) ---
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "config.requestlog.RequestLogMiddleware",
    "config.faults.FaultPagesMiddleware",  # 503 while the database is away, 507 disk full
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.DefaultLanguageMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # --- Sign-in and personal data (see the sections below) ---
    "django_otp.middleware.OTPMiddleware",
    "config.otp.RequireSecondFactorMiddleware",
    "config.security.SessionIdleTimeoutMiddleware",
    "config.security.NoStoreForSignedInMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "units.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# SQLite by default so a new user needs nothing installed; a district runs PostgreSQL:
# DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME
# (An empty DATABASE_URL, as `export DATABASE_URL=` leaves it, is the default too.)
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a concurrent writer instead of failing at once with "database is locked":
    # a transaction takes the write lock when it begins (IMMEDIATE), as one that read first
    # and then wanted to write (the same form sent twice) is refused at once, timeout or not.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Production: keep each worker's connection open this many seconds (checked before reuse)
# rather than connecting for every request; one connection per gunicorn thread (workers x
# threads for the server: deploy/gunicorn.conf.py).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Faults (README, Operations): a database that does not answer a new connection within
# this many seconds is unavailable (the page says so: 503); a web request's statement
# running longer than DJANGO_DB_STATEMENT_TIMEOUT seconds is cancelled (0: no limit; the
# job worker and commands have none: their jobs have time limits of their own); /healthz
# waits at most HEALTHZ_TIMEOUT_MS for the database.
DB_CONNECT_TIMEOUT = env.int("DJANGO_DB_CONNECT_TIMEOUT", default=5)
DB_STATEMENT_TIMEOUT = env.int("DJANGO_DB_STATEMENT_TIMEOUT", default=30)
HEALTHZ_TIMEOUT_MS = env.int("HEALTHZ_TIMEOUT_MS", default=2000)
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", DB_CONNECT_TIMEOUT)

# --- Authentication ---------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboards:overview"  # officials land on the overview
LOGOUT_REDIRECT_URL = "login"
# Passwords are hashed with Argon2id (Django's recommended hasher) with OWASP's parameters
# (config/hashers.py). The others stay after it so that a hash made before (PBKDF2,
# Django's default) still verifies and is re-hashed with Argon2 at that user's next sign-in.
PASSWORD_HASHERS = [
    "config.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = env("DJANGO_LANGUAGE_CODE", default="vi")
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Vietnamese dates as 21/04/2023 everywhere, the admin's date fields included.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
# Production: whitenoise serves the collected files compressed, with a hash in each name so
# browsers may keep them for a year. Development and tests read static/ as it is.
if not DEBUG:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# --- Security: HTTPS's protections are on whenever debug is off -----------------------
# Secure cookies, HSTS and the redirect to HTTPS are the default of a server (debug off), so
# a deployment that sets only a key and its host names passes `check --deploy`. A deployer
# turns them off explicitly: DJANGO_HTTPS=false for a server reached over plain HTTP (a
# trial on 127.0.0.1, the benchmarks' and fault suite's servers), or one by one below.
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# HTTPS only: browsers remember it for HSTS_SECONDS (a year; 3600 while trying HTTPS out).
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=HTTPS)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=HTTPS)
# The load balancer probes the health page over plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a proxy that ends TLS: trust its X-Forwarded-Proto header, and only then (a client
# could send the header itself if nothing in front of the app overwrote it).
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Content-Security-Policy (django-csp 4) ---------------------------------------------
# Scripts and styles come only from our own static files: no inline script, no inline
# style, no handler attribute, nothing from another site. A page that needs behaviour gets
# it from a file in static/js/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- Sign-in: lockout, sessions ---------------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one user name, that user name is refused,
# the right password included, for AXES_COOLOFF_MINUTES; a successful sign-in resets the
# count. Locking on the user name (not the address) protects an account against guessing
# from many addresses, and a whole office behind one address is not locked out by one
# person's typing.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username"]
# django-axes warns when the address is not among the lockout parameters, for setups that
# lock on the user agent or a cookie, which a guesser can change; a user name lock holds
# whatever the guesser changes, so the warning does not apply here.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"
AXES_VERBOSE = False
# Failed sign-ins are recorded with the client's address: behind a proxy (the same
# setting that trusts its X-Forwarded-Proto), the address the proxy appended last.
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"
# A session ends after SESSION_IDLE_MINUTES without a request (the session row's expiry is
# moved on at most once a minute while the user is active: SessionIdleTimeoutMiddleware),
# and when the browser closes.
SESSION_COOKIE_AGE = 60 * env.int("DJANGO_SESSION_IDLE_MINUTES", default=30)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True)
# A second factor (TOTP, django-otp) after the password for these roles: any of admin,
# secretary, viewer (unit roles) and staff (the admin site). See config/otp.py.
OTP_REQUIRED_ROLES = env.list("DJANGO_OTP_REQUIRED_ROLES", default=[])
OTP_TOTP_ISSUER = "VNeID"
# No device's secret key or QR code in the admin (privacy.admin_scope hides them too).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Workbook import limits -------------------------------------------------------------
# An upload larger than this, or a sheet with more data rows, is refused with a clear message.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# The police's activation list (campaign/activations.py): a district's list runs to hundreds
# of thousands of rows; the other bounds above hold for it too.
ACTIVATION_MAX_ROWS = env.int("ACTIVATION_MAX_ROWS", default=2_000_000)
# What a workbook may unpack to, checked while it is unpacked, before anything else reads it
# (campaign/workbook/limits.py): characters in one cell (Excel's own limit), bytes of one part
# and of all parts, cells spanned by the sheets, and seconds the check may take.
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=32_767)
IMPORT_MAX_PART_BYTES = env.int("IMPORT_MAX_PART_BYTES", default=160 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=320 * 1024 * 1024)
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=6_000_000)
IMPORT_CHECK_SECONDS = env.int("IMPORT_CHECK_SECONDS", default=60)
# Where an uploaded workbook waits between preview and confirm (private to the server);
# blank: a "vneid-import" folder in the system's temporary directory.
IMPORT_TEMP_DIR = env("IMPORT_TEMP_DIR", default="")
# Hours an upload and its preview are kept before `purge_uploads` removes them.
IMPORT_KEEP_HOURS = env.int("IMPORT_KEEP_HOURS", default=24)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Personal data -----------------------------------------------------------------------
# How many times a minute one user may look an ID number up on the case form.
ID_LOOKUPS_PER_MINUTE = env.int("ID_LOOKUPS_PER_MINUTE", default=20)

# --- Logging ----------------------------------------------------------------------------
# Requests are logged by config.requestlog as one JSON object a line (user id, method,
# path, status, duration), with ID and phone numbers scrubbed from paths and query strings;
# DJANGO_REQUEST_LOG=false turns them off.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "config.requestlog.JsonLineFormatter"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    # No ID or phone number in any line: Django's "Not Found: <path>" included.
    "filters": {"scrub": {"()": "config.requestlog.ScrubFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["scrub"]},
        "requests": {"class": "logging.StreamHandler", "formatter": "json"},
        "server": {"class": "logging.StreamHandler", "formatter": "server", "filters": ["scrub"]},
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
    "loggers": {
        # Filtered where they are logged, before Django's own handlers (its debug console)
        # see them.
        "django.request": {"filters": ["scrub"]},
        "django.server": {
            "handlers": ["server"],
            "filters": ["scrub"],
            "level": "INFO",
            "propagate": False,
        },
        "vneid.request": {
            "handlers": ["requests"],
            "level": "INFO" if env.bool("DJANGO_REQUEST_LOG", default=True) else "WARNING",
            "propagate": False,
        },
    },
}

# --- Reports ----------------------------------------------------------------------------
# Workbooks kept for the submissions (sent again to the province on request) and built by
# jobs; private to the server, served only through views that check who asks.
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))

# --- Background jobs --------------------------------------------------------------------
# Long work (a report with a large named list) runs in the task worker, `manage.py
# db_worker`, which reads its queue from the database: no other server to run.
TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}}
# A finished job's file (a report workbook holds whole ID numbers) is removed after this.
JOBS_KEEP_DAYS = env.int("JOBS_KEEP_DAYS", default=7)
# A running job's worker beats every few seconds; a job whose worker has not beaten for
# this long is taken back (re-queued if its kind is safe to run again, else failed with a
# reason), at most JOBS_MAX_ATTEMPTS runs in all. JOBS_TIME_LIMITS overrides the kinds' own
# time limits in seconds, e.g. "report_export=3600,import_confirm=1800".
JOBS_LEASE_SECONDS = env.int("JOBS_LEASE_SECONDS", default=120)
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)
JOBS_TIME_LIMITS = {
    kind: int(seconds)
    for kind, seconds in env.dict("JOBS_TIME_LIMITS", default={}).items()
    if kind and seconds
}
