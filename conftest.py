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


# The test databases' contents as migrated (the plan's campaign, the activity kinds...), which
# `serialized_rollback` restores before a transactional test. Django keeps them on the
# connection object; a browser journey can leave the main thread with a new connection
# object without them, and every later serialized_rollback test then started empty (seen
# with the tests in random order). They are kept here too and put back before each test is
# set up and torn down (the teardown's flush must know them too, or it recreates the
# content types that the next test's restore then collides with).
_SERIALIZED = {}


def _keep_serialized_contents():
    if not _SERIALIZED:
        return
    from django.db import connections

    for alias, contents in _SERIALIZED.items():
        if not hasattr(connections[alias], "_test_serialized_contents"):
            connections[alias]._test_serialized_contents = contents


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    _keep_serialized_contents()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    _keep_serialized_contents()


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
    server) left open, so PostgreSQL can drop the test database; and keep the migrated
    contents that serialized_rollback restores (pytest_runtest_setup)."""
    from django.db import connections as all_connections

    for alias in all_connections:
        contents = getattr(all_connections[alias], "_test_serialized_contents", None)
        if contents is not None:
            _SERIALIZED[alias] = contents
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
