"""The health page the load balancer probes: is this app server able to serve?

It answers 200 with {"status": "ok"} when the database answers a query and, once the job
runner is installed (django-tasks-db), when its queue table can be read; otherwise 503 with
{"status": "unavailable"}. It names no host, version, table or error: the page is open to
anyone who can reach the server. What failed goes to the server's log.

It stays fast while the database is slow: on PostgreSQL its queries run in one transaction
with a statement timeout of HEALTHZ_TIMEOUT_MS (and a new connection waits at most
DJANGO_DB_CONNECT_TIMEOUT), so a database that answers late is "unavailable" in about that
time rather than holding the probe and a server thread.
"""

import logging

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

#: The job runner's app (its module, then its label) and the model of its queue.
QUEUE_APP, QUEUE_LABEL, QUEUE_MODEL = "django_tasks_db", "django_tasks_database", "DBTaskResult"


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def queue_model():
    """The job runner's queue model, or None while the job runner is not installed."""
    if not apps.is_installed(QUEUE_APP):
        return None
    return apps.get_model(QUEUE_LABEL, QUEUE_MODEL)


def check_queue():
    """Reads one row's id from the job queue, if the job runner is installed."""
    queue = queue_model()
    if queue is not None:
        list(queue.objects.values_list("pk", flat=True)[:1])


@never_cache
@require_GET
def healthz(request):
    failed = ["database"]
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SET LOCAL statement_timeout = %s", [int(settings.HEALTHZ_TIMEOUT_MS)]
                    )
            for name, check in (("database", check_database), ("queue", check_queue)):
                failed[0] = name
                check()
    except Exception:  # any failure means "do not send requests here"
        logger.exception("health check %s failed", failed[0])
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
