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


def pytest_collection_finish(session):
    """Every transactional test restores the migrated data (`serialized_rollback`): its
    teardown empties the database, and a test without it would leave the next one without
    the plan's campaign, periods and activity kinds, or with the content types recreated
    under the restore's feet, depending on the order the tests ran in."""
    missing = [
        item.nodeid
        for item in session.items
        if (marker := item.get_closest_marker("django_db"))
        and marker.kwargs.get("transaction")
        and not marker.kwargs.get("serialized_rollback")
    ]
    if missing:
        raise pytest.UsageError(
            "transactional tests without serialized_rollback=True: " + ", ".join(missing)
        )


@pytest.fixture(scope="session", autouse=True)
def _serialized_contents_on_every_connection(django_db_setup):
    """The migrated data that `serialized_rollback` restores, kept where every connection
    object of the test database finds it. Django keeps it on the connection object that
    created the test database, which `django.db.connections` hands out per context
    (asgiref's Local); once the browser journeys' Playwright is running, the main thread's
    tests run in another context and are handed a new connection object without it, so
    every later transactional test restored nothing and its teardown's flush ran the
    post-migrate signal: the migrated rows (the plan's campaign, periods, activity kinds)
    were gone for whichever tests came next, in random order."""
    from django.db import connections

    kept = {}
    for alias in connections:
        wrapper = connections[alias]
        contents = getattr(wrapper, "_test_serialized_contents", None)
        if contents is not None:
            kept[type(wrapper)] = contents
    assert len(kept) <= 1, "one test database: its wrapper class holds its contents"
    for wrapper_class, contents in kept.items():
        wrapper_class._test_serialized_contents = contents
    yield
    for wrapper_class in kept:
        del wrapper_class._test_serialized_contents


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
