"""The person concerned by a record, without keeping their ID number in yet another table.

`subject_key` is a keyed digest (HMAC-SHA256 with the project's secret key) of a 12-digit ID
number: the access record and the person's-rights page compare keys, and a leaked access
log does not list the numbers people looked at.
"""

import hmac

from django.conf import settings


def subject_key(id_number):
    key = hmac.new(settings.SECRET_KEY.encode(), b"person:" + str(id_number).encode(), "sha256")
    return key.hexdigest()


def client_address(request):
    """Where a request came from, as the server saw it (behind a proxy, the proxy's address
    unless the proxy is trusted to set REMOTE_ADDR)."""
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:100]
