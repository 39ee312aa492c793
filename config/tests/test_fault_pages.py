"""While the database is away, a request gets a Vietnamese 503 page (not a 500 with a
traceback); a statement cut by the web's statement timeout says the request took too long;
a full disk says so (507). The real outage, around a live gunicorn: jobs/faults."""

import errno

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from config import faults
from units.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class Canceled(Exception):
    pgcode = "57014"


def test_a_request_while_the_database_is_away_gets_the_503_page(client, monkeypatch, settings):
    settings.DEBUG = False
    client.force_login(UserFactory())
    client.raise_request_exception = False

    def away(self, *args, **kwargs):
        raise OperationalError("connection refused")

    # The session is read in a middleware, before any view: handler500 answers.
    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.load", away)
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "Hệ thống tạm thời gián đoạn" in page and "chưa được lưu" in page
    assert "Traceback" not in page and "connection refused" not in page


def test_a_view_failing_on_the_database_gets_the_503_page_even_in_debug():
    middleware = faults.FaultPagesMiddleware(lambda request: None)
    request = RequestFactory().get("/")
    response = middleware.process_exception(request, OperationalError("gone"))
    assert response.status_code == 503 and "tạm thời gián đoạn" in response.content.decode()
    assert middleware.process_exception(request, ValueError("bug")) is None


def test_a_cancelled_statement_and_a_full_disk_say_so():
    slow = OperationalError("canceling statement due to statement timeout")
    slow.__cause__ = Canceled()
    assert faults.classify(slow) == "slow"
    response = faults.fault_response("slow")
    assert response.status_code == 503 and "quá nhiều thời gian" in response.content.decode()
    assert faults.classify(OSError(errno.ENOSPC, "No space left on device")) == "disk"
    response = faults.fault_response("disk")
    assert response.status_code == 507 and "hết chỗ" in response.content.decode()
    assert faults.classify(OSError(errno.ENOENT, "gone")) is None


@pytest.mark.postgres_only
def test_a_web_process_bounds_its_statements_and_others_do_not(settings):
    from django.db import connection

    settings.DB_STATEMENT_TIMEOUT = 7
    with connection.cursor() as cursor:
        faults._set_statement_timeout(None, connection)
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "7s"
        cursor.execute("RESET statement_timeout")
