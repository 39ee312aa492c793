"""The load balancer's health page."""

import json
from unittest import mock

import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_health_page_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_health_page_answers_503_and_reveals_nothing_when_the_database_fails(client, caplog):
    with mock.patch(
        "config.health.check_database",
        side_effect=DatabaseError('connection to server at "10.0.0.5", port 5432 failed'),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable"}
    assert b"10.0.0.5" not in response.content and b"5432" not in response.content
    assert "health check database failed" in caplog.text  # the reason goes to the log


def test_health_page_reads_the_job_queue_once_the_job_runner_is_installed(client):
    from django.contrib.sessions.models import Session  # stands in for the queue's model

    with mock.patch("config.health.queue_model", return_value=Session):
        assert client.get("/healthz").status_code == 200
    broken = mock.Mock()
    broken.objects.values_list.side_effect = DatabaseError("relation does not exist")
    with mock.patch("config.health.queue_model", return_value=broken):
        response = client.get("/healthz")
    assert response.status_code == 503 and b"relation" not in response.content


def test_health_page_needs_no_sign_in_and_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/dang-nhap/").status_code == 301
