"""Sign-in and personal-data protections that wrap every request.

- Sessions end after a quiet spell (SESSION_COOKIE_AGE): the session's expiry is moved on
  while the user is active, at most once a minute so that a busy user does not write the
  session row on every request.
- A signed-in user's pages and downloads hold personal data: neither the browser nor any
  proxy may keep a copy (the back button after signing out, a shared office computer).
"""

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

#: How often (seconds) an active session's expiry is moved on; the idle timeout is exact to
#: within this.
SESSION_REFRESH_SECONDS = 60
LAST_SEEN_KEY = "_last_seen"


class SessionIdleTimeoutMiddleware:
    """Keep a signed-in session alive while it is used; the database's expiry ends it once
    SESSION_COOKIE_AGE passes without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return response
        now = int(timezone.now().timestamp())
        last_seen = session.get(LAST_SEEN_KEY)
        if not isinstance(last_seen, int) or now - last_seen >= SESSION_REFRESH_SECONDS:
            # Marks the session modified: SessionMiddleware saves it with a new expiry.
            session[LAST_SEEN_KEY] = now
        return response


def mark_session_seen(sender, request, user, **kwargs):
    """At sign-in (a receiver of user_logged_in): the new session starts its idle clock, in
    the write the sign-in makes anyway."""
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_SEEN_KEY] = int(timezone.now().timestamp())


class NoStoreForSignedInMiddleware:
    """`Cache-Control: no-store` (and private, max-age=0) on every answer to a signed-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


def client_ip(request):
    """The client's address, as recorded with failed sign-ins. Behind the proxy that ends
    TLS (SECURE_PROXY_SSL_HEADER set), the address that proxy appended last to
    X-Forwarded-For; a client can forge the earlier ones, not that one."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out user name gets (django-axes' AXES_LOCKOUT_CALLABLE): in the
    user's language, with how long to wait."""
    from axes.helpers import get_cool_off, get_failure_limit
    from django.shortcuts import render

    cool_off = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "registration/locked_out.html", context, status=429)
