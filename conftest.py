import pytest


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres_only`: a test of what only PostgreSQL does (concurrent
    connections, its SQL, its locks and timeouts) is skipped on SQLite, its fixtures unbuilt."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (postgres_only)")
    for item in items:
        if item.get_closest_marker("postgres_only"):
            item.add_marker(skip)


@pytest.fixture
def district(request):
    """The district a test runs in, for every app's tests: the shape its module names with
    `pytest.mark.district(NAME)` (a function of campaign/tests/districts.py), else two
    communes under a district union with a secretary, a viewer and a guide each."""
    from campaign.tests import districts

    marker = request.node.get_closest_marker("district")
    return getattr(districts, marker.args[0] if marker else "two_communes")()


@pytest.fixture(autouse=True)
def _vietnamese(settings):
    """Tests see the product as its users do: in Vietnamese (and hash passwords fast)."""
    settings.LANGUAGE_CODE = "vi"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.utils import translation

    with translation.override("vi"):
        yield


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """After the session, end connections that server threads (the browser tests' live
    server) left open, so PostgreSQL can drop the test database."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
