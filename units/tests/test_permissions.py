"""Every page of the site, walked from the URL configuration: nobody signed out reads or
writes anything, and a user without a role sees no unit's data."""

import re
from urllib.parse import quote, urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from campaign.tests.factories import CaseFactory
from units.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "set_language", "logout", "healthz", "service_worker", "offline"}
# The offline app's JSON answers a signed-out phone 401 in JSON instead of the sign-in page,
# so that the phone keeps its waiting cases and asks the user to sign in again.
SIGNED_OUT_401 = {"campaign:offline_bundle", "campaign:offline_send"}


def walk(patterns, prefix="", namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns == "admin":
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern)


def concrete(route, case):
    """Fill a route's parameters with the ids of real rows, so a page would have data."""
    values = {
        "pk": case.pk,
        "code": case.member.unit.code,
        "slug": case.campaign.slug,
        "token": "x" * 32,
    }

    def fill(match):
        converter, name = (match.group(1) or "str"), match.group(2)
        if name in values:
            return str(values[name])
        return "1" if converter == "int" else "x"

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def site_pages():
    return sorted(
        {
            (name, route)
            for name, route in walk(get_resolver().url_patterns)
            if name not in PUBLIC and not route.startswith("static")
        }
    )


def test_the_walk_finds_the_pages():
    names = {name for name, _ in site_pages()}
    assert {"home", "units:unit_detail"} <= names


@pytest.mark.parametrize("name, route", site_pages())
def test_signed_out_visitor_is_sent_to_sign_in(client, name, route):
    case = CaseFactory()
    url = concrete(route, case)
    for method in (client.get, client.post):
        response = method(url)
        refusals = (302, 403, 404, 405) + ((401,) if name in SIGNED_OUT_401 else ())
        assert response.status_code in refusals, (name, url, response.status_code)
        if response.status_code == 302:
            assert response.url.startswith("/dang-nhap/"), (name, url, response.url)


@pytest.mark.parametrize("name, route", site_pages())
def test_user_without_any_role_sees_no_personal_data(client, name, route):
    case = CaseFactory()
    client.force_login(UserFactory())
    url = concrete(route, case)
    response = client.get(url)
    assert response.status_code < 500, (name, url)
    body = response.content.decode(errors="replace") if response.status_code == 200 else ""
    for secret in (
        case.resident.id_number,
        case.resident.full_name,
        case.member.id_number,
        case.member.full_name,
    ):
        assert secret not in body, (name, url, secret)


JUNK = ["\x00", "1\x00", "abc", "-1", "99999999999999999999", "A" * 300]
QUERY_KEYS = [
    "campaign",
    "unit",
    "resident",
    "page",
    "as_of",
    "period",
    "q",
    "level",
    "category",
    "active",
]


@pytest.mark.parametrize("name, route", site_pages())
@pytest.mark.parametrize("junk", JUNK)
def test_junk_in_the_url_or_query_string_is_never_a_server_error(client, name, route, junk):
    """A value typed into the address bar or a tampered link (a NUL byte, which PostgreSQL
    refuses in any query, letters for a number, a number past 64 bits) is a 404 or is ignored."""
    case = CaseFactory()
    admin = UserFactory(is_superuser=True)
    client.force_login(admin)
    in_path = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: quote(junk, safe=""), route)
    for url, query in [(in_path, {}), (concrete(route, case), dict.fromkeys(QUERY_KEYS, junk))]:
        for method in (client.get, client.post):
            response = method(url + "?" + urlencode(query) if query else url)
            assert response.status_code < 500, (name, url, junk, response.status_code)
