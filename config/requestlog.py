"""Request logs without personal data: one JSON object a line for every request.

Each line holds the time, the signed-in user's id (never a name), the method, the path, the
query string, the status and the duration in milliseconds. ID numbers (12 digits, or 11
when a spreadsheet dropped the leading zero) and phone numbers are replaced by ``***``
wherever they appear in the path or the query string, whatever separators were typed
between the digits; the values of the free-text search fields, which hold names as often
as numbers, are replaced whole. Nothing else a user typed is written.

Gunicorn's own access log is off (deploy/gunicorn.conf.py): it would write the raw query
string.
"""

import json
import logging
import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

logger = logging.getLogger("vneid.request")

REDACTED = "***"
#: Query parameters whose whole value is personal (a name, an ID or phone number searched).
REDACTED_PARAMETERS = frozenset({"q", "search", "id_number", "phone", "full_name", "name"})
# Nine digits or more, maybe after a "+", with spaces, dots or dashes between them: every ID
# number (12 digits, 11 without its leading zero) and every phone number (0 and 9 digits,
# 84 or +84 and 9 digits). Page numbers and record ids are far shorter.
_LONG_NUMBER = re.compile(r"\+?\d(?:[ .\-]*\d){8,}")


def scrub(text):
    """`text` with every ID or phone number in it replaced by ***."""
    return _LONG_NUMBER.sub(REDACTED, text)


def scrub_query(query_string):
    """A query string with personal values replaced, parameter names and order kept."""
    if not query_string:
        return ""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    cleaned = [
        (scrub(key), REDACTED if key in REDACTED_PARAMETERS and value else scrub(value))
        for key, value in pairs
    ]
    return urlencode(cleaned, safe="*")


class RequestLogMiddleware:
    """Logs one line per request on the "vneid.request" logger, at INFO (WARNING for a
    5xx answer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if logger.isEnabledFor(logging.INFO):
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            user = getattr(request, "user", None)
            record = {
                "user": user.pk if user is not None and user.is_authenticated else None,
                "method": request.method,
                "path": scrub(request.path),
                "query": scrub_query(request.META.get("QUERY_STRING", "")),
                "status": response.status_code,
                "duration_ms": duration_ms,
            }
            level = logging.WARNING if response.status_code >= 500 else logging.INFO
            logger.log(level, "request", extra={"request_fields": record})
        return response


class JsonLineFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, and either the request's
    fields or the message."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        fields = getattr(record, "request_fields", None)
        if fields is not None:
            line.update(fields)
        else:
            line["message"] = scrub(record.getMessage())
        return json.dumps(line, ensure_ascii=False)


class ScrubFilter(logging.Filter):
    """Every other log line scrubbed the same way: Django's own "Not Found: /chien-dich/
    nguoi-dan/014192008373/" (django.request) and the development server's request lines
    (django.server) name the path asked for. The record's message is replaced by its
    scrubbed text, so every handler after this filter writes that."""

    def filter(self, record):
        message = record.getMessage()
        scrubbed = scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True
