"""GET /healthz: what a load balancer or uptime monitor sees."""

import logging
import socket
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    """A local TCP port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable_database():
    """A real PostgreSQL connection whose server is down, standing in for the view's connection."""
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "techflow",
                "USER": "techflow",
                "HOST": "127.0.0.1",
                "PORT": str(_closed_port()),
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    down = handler["default"]
    with mock.patch("techflow.views.connection", down):
        yield down
    down.close()


def test_health_check_answers_anonymous_get_with_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"


def test_health_check_is_not_cached_by_proxies_or_browsers(client):
    response = client.get("/healthz")
    cache_control = response["Cache-Control"]
    for directive in ("no-cache", "no-store", "must-revalidate", "max-age=0"):
        assert directive in cache_control
    assert "Expires" in response


def test_health_check_reports_503_when_the_database_server_refuses_connections(
    client, unreachable_database, caplog
):
    with caplog.at_level(logging.ERROR, logger="techflow.views"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
    assert "no-store" in response["Cache-Control"]
    # The real connection attempt failed, and the failure was logged with its cause.
    assert unreachable_database.connection is None
    assert "database unreachable" in caplog.text
    assert "OperationalError" in caplog.text


def test_health_check_reports_503_when_the_query_fails_on_an_open_connection(client):
    from django.db import connection

    failing_cursor = mock.MagicMock()
    failing_cursor.__enter__.return_value.execute.side_effect = OperationalError(
        "server closed the connection unexpectedly"
    )
    with mock.patch.object(connection, "cursor", return_value=failing_cursor):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_health_check_refuses_post(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
