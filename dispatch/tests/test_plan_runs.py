"""A plan run's page while the worker plans: waiting, progress, failure; then the proposal."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse

from dispatch.models import PlanRun, PlanRunStatus
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 3, 11)
HX = {"HX-Request": "true"}


def _status(client, run, headers=HX, query="?view=week&date=2030-03-11"):
    return client.get(reverse("dispatch:board_plan_status", args=[run.pk]) + query, headers=headers)


def test_a_queued_run_polls_and_says_when_no_worker_has_picked_it_up(office_client, now):
    run = PlanRun.objects.create(day=MONDAY, created_at=now)
    body = _status(office_client, run).content.decode()
    assert 'hx-trigger="every 1s"' in body and "Waiting for the background worker" in body
    assert "db_worker" not in body
    with time_machine.travel(now + dt.timedelta(seconds=30), tick=False):
        body = _status(office_client, run).content.decode()
    assert "(30 s)" in body and "db_worker" in body


def test_a_running_plan_shows_how_many_orders_are_decided(office_client):
    run = PlanRun.objects.create(day=MONDAY, status=PlanRunStatus.RUNNING, considered=40, total=160)
    body = _status(office_client, run).content.decode()
    assert "40 of 160 orders decided" in body and '<progress max="160" value="40"' in body
    assert 'hx-trigger="every 1s"' in body


def test_a_failed_plan_says_so_and_stops_polling(office_client):
    run = PlanRun.objects.create(day=MONDAY, status=PlanRunStatus.FAILED, error="Out of memory.")
    body = _status(office_client, run).content.decode()
    assert "The planner failed: Out of memory." in body and "every 1s" not in body


def test_a_partial_plan_says_that_the_time_box_ran_out(office_client, settings):
    TechnicianFactory()
    for _ in range(4):
        WorkOrderFactory(
            customer=CustomerFactory(), assigned_technician=None, scheduled_for=None, status="pending"
        )
    settings.TECHFLOW_PLANNER_TIME_BOX = 0
    # The search engine can run out of time before it reaches an order; OR-Tools always weighs
    # every order inside its limit (its partial answers are placements, not orders left unread).
    settings.TECHFLOW_PLANNER_ENGINE = "search"
    response = office_client.post(
        reverse("dispatch:board_plan"), {"view": "week", "date": MONDAY.isoformat()}, headers=HX
    )
    body = response.content.decode()
    assert "Partial plan." in body and body.count("Not considered: the planner") == 3
    assert PlanRun.objects.get().result["partial"] is True


def test_the_run_page_without_htmx_is_the_board_with_the_run(office_client):
    run = PlanRun.objects.create(day=MONDAY)
    body = _status(office_client, run, headers={}).content.decode()
    assert "<html" in body and "Dispatch board" in body and 'id="plan-progress"' in body


def test_an_unknown_run_is_404_a_bad_date_400_and_planning_needs_a_post(office_client):
    assert _status(office_client, PlanRun(pk=uuid.uuid4())).status_code == 404
    run = PlanRun.objects.create(day=MONDAY)
    assert _status(office_client, run, query="?date=2030-02-30").status_code == 400
    assert office_client.get(reverse("dispatch:board_plan")).status_code == 405
