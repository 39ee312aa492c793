"""What a user sees when the machinery under the app fails (README, Operations):

- the database unavailable (restarting, unreachable, out of connections): 503 with a
  Vietnamese page saying nothing was saved and to reload in a minute, `Retry-After: 30`;
- a web request's statement cancelled by DJANGO_DB_STATEMENT_TIMEOUT: 503, "took too long";
- the disk full while a file is written: 507, "the server's disk is full".

These pages are standalone templates rendered without the request (no session, no user,
no query), so they render while the database is away. The middleware answers for errors
raised in views; `server_error` (handler500) for errors raised before the view (a
middleware reading the session). A web process sets the statement timeout on each new
connection (`for_web`, called from config.wsgi); the job worker and commands have none.
"""

import errno
import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.backends.signals import connection_created
from django.http import HttpResponse, HttpResponseServerError
from django.template import loader

logger = logging.getLogger(__name__)

QUERY_CANCELED = "57014"


def classify(error):
    """'slow', 'database' or 'disk' for the failures above; None for any other."""
    if isinstance(error, OperationalError | InterfaceError):
        cause = error.__cause__
        if getattr(cause, "pgcode", None) == QUERY_CANCELED:
            return "slow"
        return "database"
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return "disk"
    return None


PAGES = {"database": ("503.html", 503), "slow": ("503_slow.html", 503), "disk": ("507.html", 507)}


def fault_response(kind):
    template, status = PAGES[kind]
    response = HttpResponse(loader.render_to_string(template), status=status)
    if status == 503:
        response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


class FaultPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        kind = classify(exception)
        if kind is None:
            return None
        logger.error(
            "%s %s: %s (%s)", request.method, request.path, kind, exception.__class__.__name__
        )
        return fault_response(kind)


def server_error(request):
    """handler500: the fault pages above for their failures, else the standalone 500 page."""
    import sys

    kind = classify(sys.exc_info()[1])
    if kind is not None:
        return fault_response(kind)
    return HttpResponseServerError(loader.render_to_string("500.html"))


def _set_statement_timeout(sender, connection, **kwargs):
    seconds = settings.DB_STATEMENT_TIMEOUT
    if connection.vendor == "postgresql" and seconds:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = %s", [f"{int(seconds)}s"])


def for_web():
    """This process serves web requests: each new database connection gets the statement
    timeout (DJANGO_DB_STATEMENT_TIMEOUT), so no request holds a server thread forever."""
    connection_created.connect(_set_statement_timeout, dispatch_uid="web-statement-timeout")
