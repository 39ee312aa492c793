"""Searching a list by ID number without putting the number in an address.

The list's search form is sent by POST; a search holding digits is kept in the session
under a random token and the list opens at `?q=~TOKEN`, so the number appears in no access
log, browser history or referrer. A search by name stays readable in the address.
"""

import re
import secrets

from django.shortcuts import redirect

SESSION_KEY = "privacy_searches"
TOKEN = re.compile(r"^~[0-9a-f]{16}$")
KEEP = 20  # searches remembered per session


def search_redirect(request, fields):
    """The list at its own address with the POSTed `fields` as its query; a search holding
    digits replaced by a token."""
    query = request.GET.copy()
    query.pop("page", None)
    for name in fields:
        value = request.POST.get(name, "")
        query.pop(name, None)
        if not value:
            continue
        if name == "q" and any(ch.isdigit() for ch in value):
            token = secrets.token_hex(8)
            searches = request.session.get(SESSION_KEY, {})
            searches = dict(list(searches.items())[-(KEEP - 1) :])
            searches[token] = value[:200]
            request.session[SESSION_KEY] = searches
            value = f"~{token}"
        query[name] = value
    return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)


def search_query(request):
    """The list's query (request.GET) with a search token made its search again; an
    unknown or expired token searches for nothing rather than for the token."""
    query = request.GET
    value = query.get("q", "")
    if not TOKEN.match(value):
        return query or None
    query = query.copy()
    query["q"] = request.session.get(SESSION_KEY, {}).get(value[1:], "")
    return query
