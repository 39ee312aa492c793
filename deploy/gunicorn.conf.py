"""Gunicorn's settings for the web process (`make serve`, deploy/vneid-web.service).

Each value can be changed from the environment without editing this file.
"""

import os

# Behind nginx on the same machine: listen on loopback only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Worker processes, each serving GUNICORN_THREADS requests at once in threads (gthread).
# A request spends most of its time waiting on PostgreSQL or in the password hasher, both
# of which release Python's lock, so threads let one process serve a sign-in and a list
# while another request's query runs. Each thread keeps its own database connection
# (CONN_MAX_AGE), so this server opens at most workers x threads connections; the job
# worker (db_worker) adds its own. About 2 processes per core; one is ~100 MB, and a
# sign-in's Argon2 hash takes 19 MiB more while it runs. GUNICORN_THREADS=1 gives the
# former sync workers, one request at a time each.
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
# A request that takes longer is ended and its worker replaced (the worker's transaction is
# rolled back). Workbook imports of 200,000 rows are the longest requests.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Replace each worker after about this many requests, so memory cannot creep up over a
# campaign of months.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Load the app once in the master so a broken setting stops the server at start, before
# any worker forks (and workers share the loaded code's memory).
preload_app = True
# The proxy in front sets X-Forwarded-Proto; gunicorn trusts it from these addresses only.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# No access log of gunicorn's own: it would write query strings as typed, ID numbers
# included. config.requestlog writes one scrubbed JSON line per request instead.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "vneid-web"
# No runtime control socket: systemd starts, reloads and stops the server, and several
# servers on one machine (a benchmark beside the real one) would share its default path.
control_socket_disable = True
