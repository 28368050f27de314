import time
from html import unescape

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from dispatch.models import WorkOrderStatus
from dispatch.tests.factories import WorkOrderFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _reconnect_with(**changes) -> dict:
    """Close the connection and change how the next request connects; returns what to restore."""
    saved = {key: connection.settings_dict.get(key) for key in changes}
    saved["OPTIONS"] = dict(connection.settings_dict.get("OPTIONS", {}))
    connection.close()
    for key, value in changes.items():
        connection.settings_dict[key] = value
    return saved


def _restore(saved: dict) -> None:
    connection.close()
    connection.settings_dict.update(saved)


def test_with_the_database_down_a_page_answers_503_with_a_retry_hint_not_500(tech_client):
    tech = Client(raise_request_exception=False)
    tech.cookies = tech_client.cookies  # signed in: the session lives in the database
    saved = _reconnect_with(PORT="1")  # nothing listens there
    try:
        page = tech.get("/tech/")
        replay = tech.post("/tech/", headers={"X-Replay": "1"})
    finally:
        _restore(saved)
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    html = unescape(page.content.decode())
    assert "TechFlow can't reach its database" in html and "your phone keeps your actions" in html.lower()
    assert replay.status_code == 503 and replay.json()["retry"] is True


def test_every_session_gets_the_lock_and_statement_timeouts_from_settings_and_no_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        lock = cursor.fetchone()[0]
        cursor.execute("SHOW statement_timeout")
        statement = cursor.fetchone()[0]
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]
    assert lock == f"{settings.TECHFLOW_DB_LOCK_TIMEOUT_MS // 1000}s"
    assert statement == f"{settings.TECHFLOW_DB_STATEMENT_TIMEOUT_MS // 1000}s"
    assert jit == "off"  # the server's default is on


def test_a_held_row_lock_makes_a_change_fail_fast_with_503_and_retry_after(office_client):
    order = WorkOrderFactory(status=WorkOrderStatus.SCHEDULED)
    config = connection.settings_dict
    holder = psycopg2.connect(
        dbname=config["NAME"], user=config["USER"], host=config["HOST"], port=config["PORT"] or 5432
    )
    holder.cursor().execute("SELECT 1 FROM work_orders WHERE id = %s FOR UPDATE", [order.pk])
    # The same setting, shorter, so the test doesn't wait the default five seconds.
    options = {**config["OPTIONS"], "options": "-c lock_timeout=300 -c statement_timeout=30000"}
    saved = _reconnect_with(OPTIONS=options)
    try:
        started = time.monotonic()
        response = office_client.post(
            f"/office/work-orders/{order.pk}/status/",
            {"status": WorkOrderStatus.IN_PROGRESS, "reason": "", "version": order.version},
        )
        took = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
        _restore(saved)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "TechFlow is busy" in response.content.decode()
    assert took < 3
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.SCHEDULED
