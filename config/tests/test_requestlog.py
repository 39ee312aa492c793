"""Request logs: one JSON line per request, with no ID or phone number in it."""

import json
import logging

import pytest

from config.requestlog import JsonLineFormatter, scrub, scrub_query
from units.models import UnitRole
from units.tests.factories import UnitRoleFactory


@pytest.mark.parametrize(
    "typed",
    [
        "014090123234",  # a whole ID number
        "14090123234",  # its leading zero lost in a spreadsheet
        "014 090 123 234",
        "014.090.123.234",
        "0912345678",  # a mobile phone
        "+84912345678",
        "84 912 345 678",
        "091-234-5678",
    ],
)
def test_id_and_phone_numbers_are_scrubbed_however_they_were_typed(typed):
    assert scrub(f"tìm {typed} xong") == "tìm *** xong"


def test_short_numbers_stay_page_numbers_and_ids_are_useful():
    assert scrub("/chien-dich/nguoi-dan/123456/") == "/chien-dich/nguoi-dan/123456/"
    assert scrub_query("page=12&unit=45") == "page=12&unit=45"


def test_a_query_string_loses_its_numbers_and_its_searched_names():
    query = "q=Qu%C3%A0ng+Th%E1%BB%8B+Mai&unit=7&phone=0912345678&next=%2Fx%2F014090123234%2F"
    assert scrub_query(query) == "q=***&unit=7&phone=***&next=%2Fx%2F***%2F"


def test_an_encoded_number_in_any_parameter_is_scrubbed():
    assert "123234" not in scrub_query("x=014%20090%20123%20234&y=%2B84912345678")


@pytest.mark.django_db
def test_each_request_is_one_json_line_with_user_method_path_status_and_duration(client, caplog):
    role = UnitRoleFactory(role=UnitRole.Role.VIEWER)
    client.force_login(role.user)
    with caplog.at_level(logging.INFO, logger="vneid.request"):
        client.get("/chien-dich/nguoi-dan/?q=014090123234&page=2")
    (record,) = [r for r in caplog.records if r.name == "vneid.request"]
    line = json.loads(JsonLineFormatter().format(record))
    assert line["user"] == role.user.pk
    assert line["method"] == "GET" and line["path"] == "/chien-dich/nguoi-dan/"
    assert line["query"] == "q=***&page=2"
    assert line["status"] in (200, 404) and line["duration_ms"] >= 0
    assert "014090123234" not in json.dumps(line)
    assert role.user.username not in json.dumps(line)


@pytest.mark.django_db
def test_a_number_in_the_path_is_scrubbed_and_an_anonymous_user_is_null(client, caplog):
    with caplog.at_level(logging.INFO, logger="vneid.request"):
        client.get("/khong-co/014090123234/")
    (record,) = [r for r in caplog.records if r.name == "vneid.request"]
    line = json.loads(JsonLineFormatter().format(record))
    assert line == {
        **line,
        "user": None,
        "path": "/khong-co/***/",
        "status": 404,
        "level": "INFO",
        "logger": "vneid.request",
    }


def test_other_log_messages_are_json_too_and_scrubbed():
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Not Found: /x/%s/", ("0912345678",), None
    )
    line = json.loads(JsonLineFormatter().format(record))
    assert line["message"] == "Not Found: /x/***/" and line["level"] == "WARNING"


@pytest.mark.django_db
def test_djangos_not_found_line_names_no_id_number(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/khong-co/014192008373/")
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Not Found: /khong-co/***/"


def test_the_lines_on_stderr_name_no_id_number():
    """The settings' own handlers, as a server process writes them."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('Not Found: %s', '/x/014192008373/'); "
        "logging.getLogger('django.server').error('\"GET /x/014192008373/ HTTP/1.1\" 404 0')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Not Found: /x/***/" in done.stderr and "GET /x/***/" in done.stderr, done.stderr
    assert "014192008373" not in done.stderr
