"""The technician pages over HTTP: plain posts, htmx fragments, replays, access and query counts."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.models import ManualNotification, Notification, WorkOrderNote
from dispatch.tests.factories import (
    CustomerFactory,
    TechnicianFactory,
    WorkOrderFactory,
    WorkOrderNoteFactory,
)
from fieldops import services
from fieldops.models import ActivityType, ClockRecord, ProcessedAction, TechnicianActivity
from inventory.models import TruckInventory
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def truck():
    return TruckFactory(name="Truck 201")


def _today_at(hour: int):
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def order(technician):
    return WorkOrderFactory(
        assigned_technician=technician, title="Install four dome cameras", scheduled_for=_today_at(10)
    )


def _post(client, url, data=None, **headers):
    return client.post(url, {"idempotency_key": str(uuid.uuid4()), **(data or {})}, headers=headers)


# My day


def test_my_day_shows_todays_jobs_messages_and_tomorrow(tech_client, technician, order):
    WorkOrderFactory(
        assigned_technician=technician,
        title="Tomorrow's survey",
        scheduled_for=_today_at(9) + timedelta(days=1),
    )
    WorkOrderFactory(title="Someone else's job", scheduled_for=_today_at(11))
    ManualNotification.objects.create(technician=technician, message="Bring the ladder", priority="urgent")
    response = tech_client.get("/tech/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Install four dome cameras" in html and "Tomorrow&#x27;s survey" in html
    assert "Someone else&#x27;s job" not in html
    assert "Bring the ladder" in html and "1 new" in html and "Urgent" in html
    assert "Clock in" in html and f'href="/tech/jobs/{order.pk}/"' in html
    # The phone pages load neither the icon font nor Bootstrap's JavaScript.
    assert "bootstrap.bundle" not in html and "bootstrap-icons" not in html
    assert 'rel="manifest"' in html and 'name="idempotency_key"' in html


def test_my_day_defaults_the_truck_to_the_last_one_used(tech_client, technician):
    TruckFactory(name="Truck 100")
    last = TruckFactory(name="Truck 300")
    services.clock_in(technician=technician, truck=last)
    services.clock_out(technician=technician)
    html = tech_client.get("/tech/").content.decode()
    assert f'<option value="{last.pk}" selected>' in html


def test_clock_in_by_plain_post_redirects_home(tech_client, technician, truck):
    response = _post(
        tech_client,
        "/tech/clock-in/",
        {"truck": truck.pk, "latitude": "40.7", "longitude": "-74", "accuracy": "9.6"},
    )
    assert response.status_code == 302 and response["Location"] == "/tech/"
    activity = TechnicianActivity.objects.get(technician=technician)
    assert activity.activity_type == ActivityType.SHIFT_START and activity.accuracy_meters == 9
    assert "Clocked in with Truck 201" in tech_client.get("/tech/").content.decode()


def test_clock_in_without_a_truck_is_a_400_with_a_message(tech_client):
    response = _post(tech_client, "/tech/clock-in/", {"truck": ""})
    assert response.status_code == 400
    assert "Pick your truck" in response.content.decode()
    assert not ClockRecord.objects.exists()


def test_a_nonsense_location_is_dropped_not_an_error(tech_client, technician, truck):
    response = _post(
        tech_client, "/tech/clock-in/", {"truck": truck.pk, "latitude": "999", "longitude": "abc"}
    )
    assert response.status_code == 302
    assert TechnicianActivity.objects.get(technician=technician).latitude is None


def test_an_action_without_an_idempotency_key_is_refused(tech_client, truck):
    response = tech_client.post("/tech/clock-in/", {"truck": truck.pk})
    assert response.status_code == 400
    assert "reload it" in response.content.decode()
    assert not ClockRecord.objects.exists()


def test_a_double_tap_with_the_same_key_clocks_in_once_and_answers_the_same(tech_client, technician, truck):
    data = {"idempotency_key": str(uuid.uuid4()), "truck": truck.pk}
    first = tech_client.post("/tech/clock-in/", data)
    second = tech_client.post("/tech/clock-in/", data)
    assert (
        (first.status_code, first["Location"]) == (second.status_code, second["Location"]) == (302, "/tech/")
    )
    assert ClockRecord.objects.filter(technician=technician).count() == 1


def test_a_refused_step_is_a_409_with_a_clear_message(tech_client, order):
    response = _post(tech_client, f"/tech/jobs/{order.pk}/arrive/")
    assert response.status_code == 409
    assert "You can&#x27;t arrive now: you are not clocked in." in response.content.decode()


def test_break_and_clock_out_by_plain_post(tech_client, technician, truck):
    services.clock_in(technician=technician, truck=truck)
    assert _post(tech_client, "/tech/break-start/").status_code == 302
    assert "On break" in tech_client.get("/tech/").content.decode()
    assert _post(tech_client, "/tech/break-end/").status_code == 302
    assert _post(tech_client, "/tech/clock-out/").status_code == 302
    assert not ClockRecord.objects.get(technician=technician).is_open


def test_action_views_refuse_get(tech_client, order):
    assert tech_client.get("/tech/clock-in/").status_code == 405
    assert tech_client.get(f"/tech/jobs/{order.pk}/arrive/").status_code == 405


# The job page


def _shown_steps(html: str) -> set[str]:
    """The job page's step forms that are not hidden (the others wait for the offline plan)."""
    return {step for step, hidden in re.findall(r'data-step="(\w+)"( hidden)?', html) if not hidden}


def test_the_job_page_shows_only_the_next_step(tech_client, technician, truck, order):
    services.clock_in(technician=technician, truck=truck)
    html = tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()
    assert _shown_steps(html) == {"travel_start"}


def test_the_job_page_asks_to_clock_in_first(tech_client, order):
    html = tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()
    assert "Clock in first" in html and "Start travel" not in html


def test_a_step_by_htmx_answers_with_the_panel_fragment(tech_client, technician, truck, order):
    services.clock_in(technician=technician, truck=truck)
    response = _post(tech_client, f"/tech/jobs/{order.pk}/travel-start/", HX_Request="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="panel"' in html
    assert _shown_steps(html) == {"arrive"} and "Travel started" in html


def test_a_refused_step_by_htmx_swaps_in_the_message(tech_client, order):
    response = _post(tech_client, f"/tech/jobs/{order.pk}/work-start/", HX_Request="true")
    assert response.status_code == 409  # htmx swaps it in (static/js/htmx-config.js)
    assert "can&#x27;t start work now" in response.content.decode()


def test_the_job_page_as_an_htmx_request_is_the_panel(tech_client, order):
    response = tech_client.get(f"/tech/jobs/{order.pk}/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'id="panel"' in html


def test_a_boosted_request_gets_the_whole_page(tech_client, order):
    response = tech_client.get(
        f"/tech/jobs/{order.pk}/", headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert "<html" in response.content.decode()


def test_the_whole_day_by_plain_posts(tech_client, technician, truck, order):
    item = InventoryItemFactory(name="RJ45 Connector")
    TruckInventoryFactory(truck=truck, item=item, quantity=10)
    base = f"/tech/jobs/{order.pk}"
    assert _post(tech_client, "/tech/clock-in/", {"truck": truck.pk}).status_code == 302
    for step in ("travel-start", "arrive", "work-start", "pause", "resume"):
        response = _post(tech_client, f"{base}/{step}/")
        assert response.status_code == 302 and response["Location"] == f"{base}/", step
    response = _post(tech_client, f"{base}/notes/", {"text": "Need a longer cable", "alert_office": "on"})
    assert response["Location"] == f"{base}/#notes"
    assert Notification.objects.filter(work_order=order, notification_type="note_alert").exists()
    assert _post(tech_client, f"{base}/parts/", {"item": item.pk, "quantity": 3}).status_code == 302
    assert TruckInventory.objects.get(truck=truck, item=item).quantity == 7
    assert _post(tech_client, f"{base}/complete/", {"note": "All four cameras up"}).status_code == 302
    response = _post(tech_client, f"{base}/leave/")
    assert response["Location"] == "/tech/"
    assert _post(tech_client, "/tech/clock-out/").status_code == 302
    order.refresh_from_db()
    assert order.status == "completed"
    assert not ClockRecord.objects.get(technician=technician).is_open


def test_complete_without_a_note_is_a_400_that_keeps_the_page(tech_client, technician, truck, order):
    services.clock_in(technician=technician, truck=truck)
    services.job_travel_start(technician=technician, work_order=order)
    services.job_arrive(technician=technician, work_order=order)
    services.job_work_start(technician=technician, work_order=order)
    response = _post(tech_client, f"/tech/jobs/{order.pk}/complete/", {"note": ""})
    assert response.status_code == 400
    assert "Write what you did" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "in_progress"


def test_an_empty_note_keeps_nothing_and_says_why(tech_client, order):
    response = _post(tech_client, f"/tech/jobs/{order.pk}/notes/", {"text": ""})
    assert response.status_code == 400 and "Write the note first" in response.content.decode()
    assert not WorkOrderNote.objects.exists()


def test_using_more_parts_than_on_the_truck_is_refused_with_a_message(tech_client, technician, truck, order):
    item = InventoryItemFactory(name="PoE Switch")
    TruckInventoryFactory(truck=truck, item=item, quantity=1)
    services.clock_in(technician=technician, truck=truck)
    services.job_travel_start(technician=technician, work_order=order)
    services.job_arrive(technician=technician, work_order=order)
    response = _post(tech_client, f"/tech/jobs/{order.pk}/parts/", {"item": item.pk, "quantity": 2})
    assert response.status_code == 409
    assert "Not enough PoE Switch" in response.content.decode()
    assert TruckInventory.objects.get(truck=truck, item=item).quantity == 1


def test_a_bad_quantity_is_a_400(tech_client, technician, truck, order):
    services.clock_in(technician=technician, truck=truck)
    item = InventoryItemFactory()
    response = _post(tech_client, f"/tech/jobs/{order.pk}/parts/", {"item": item.pk, "quantity": "lots"})
    assert response.status_code == 400


def test_a_replay_gets_json_and_the_same_answer(tech_client, technician, truck, order):
    services.clock_in(technician=technician, truck=truck)
    data = {"idempotency_key": str(uuid.uuid4())}
    url = f"/tech/jobs/{order.pk}/travel-start/"
    first = tech_client.post(url, data, headers={"X-Replay": "1"})
    again = tech_client.post(url, data, headers={"X-Replay": "1"})
    assert first.status_code == again.status_code == 200
    assert (
        first.json()
        == again.json()
        == {"ok": True, "message": "Travel started. Drive safe.", "redirect": f"/tech/jobs/{order.pk}/"}
    )
    assert TechnicianActivity.objects.filter(activity_type="travel_start").count() == 1


def test_a_refused_replay_gets_json_409(tech_client, order):
    response = _post(tech_client, f"/tech/jobs/{order.pk}/arrive/", X_Replay="1")
    assert response.status_code == 409
    assert response.json()["ok"] is False and "not clocked in" in response.json()["message"]


def test_events_and_emergency_stop(tech_client, technician, truck):
    services.clock_in(technician=technician, truck=truck)
    assert _post(tech_client, "/tech/events/fuel-stop/").status_code == 302
    assert (
        _post(tech_client, "/tech/events/emergency-stop/", {"notes": "Smoke from engine"}).status_code == 302
    )
    assert Notification.objects.get().message.startswith("URGENT")
    assert _post(tech_client, "/tech/events/party/").status_code == 404


def test_marking_a_message_read(tech_client, technician):
    message = ManualNotification.objects.create(technician=technician, message="Hi")
    response = _post(tech_client, f"/tech/messages/{message.pk}/read/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.is_read


# Access


def test_another_technicians_job_is_a_404(tech_client):
    theirs = WorkOrderFactory(assigned_technician=TechnicianFactory())
    assert tech_client.get(f"/tech/jobs/{theirs.pk}/").status_code == 404
    assert _post(tech_client, f"/tech/jobs/{theirs.pk}/notes/", {"text": "x"}).status_code == 404
    assert _post(tech_client, f"/tech/jobs/{theirs.pk}/travel-start/").status_code == 404
    assert not WorkOrderNote.objects.exists()


def test_another_technicians_message_is_a_404(tech_client):
    theirs = ManualNotification.objects.create(technician=TechnicianFactory(), message="Not yours")
    assert _post(tech_client, f"/tech/messages/{theirs.pk}/read/").status_code == 404


@pytest.mark.parametrize("url", ["/tech/", "/tech/jobs/1/", "/tech/sw.js"])
def test_office_users_get_403_on_technician_pages(office_client, url):
    WorkOrderFactory(id=1)
    assert office_client.get(url).status_code == 403


def test_office_users_cannot_act_as_a_technician(office_client, truck):
    assert _post(office_client, "/tech/clock-in/", {"truck": truck.pk}).status_code == 403


def test_the_service_worker_is_served_for_the_technician_pages(tech_client):
    response = tech_client.get("/tech/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/tech/"
    assert b'addEventListener("fetch"' in response.content


# Query counts: a fixed number whatever the data size


def _grow(technician, truck, size: int) -> None:
    customer = CustomerFactory()
    for n in range(size):
        order = WorkOrderFactory(
            assigned_technician=technician,
            customer=customer,
            scheduled_for=_today_at(8) + timedelta(minutes=n),
        )
        WorkOrderFactory(
            assigned_technician=technician,
            customer=customer,
            scheduled_for=_today_at(8) + timedelta(days=1, minutes=n),
        )
        WorkOrderFactory(
            assigned_technician=technician,
            customer=customer,
            scheduled_for=_today_at(8) - timedelta(days=n + 1),
        )
        WorkOrderNoteFactory(work_order=order)
        ManualNotification.objects.create(technician=technician, message=f"Message {n}", work_order=order)
        TruckInventoryFactory(truck=truck, item=InventoryItemFactory())
        TechnicianActivity.objects.create(technician=technician, activity_type=ActivityType.FUEL_STOP)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["my_day", "job"])
def test_technician_pages_run_a_fixed_number_of_queries(tech_client, technician, truck, order, page):
    services.clock_in(technician=technician, truck=truck)
    services.job_travel_start(technician=technician, work_order=order)
    url = "/tech/" if page == "my_day" else f"/tech/jobs/{order.pk}/"
    _grow(technician, truck, 2)
    small = _queries(tech_client, url)
    _grow(technician, truck, 30)
    large = _queries(tech_client, url)
    # The job page also reads the job's record: photos, checklist items and answers, the site's
    # equipment, signatures and the parts used (for the equipment forms), one query each.
    # My day: the shift, jobs, messages (unread and urgent first), trucks, the week's numbers; the job
    # page adds the record (photos, checklist, equipment, signatures) and the live banner. Both read
    # the crews: My day the helpers on the technician's jobs and their crew visits, the job page
    # the order's visits and helpers (two each).
    assert small == large <= (19 if page == "job" else 14)


def test_processed_actions_belong_to_the_technician(tech_client, technician, truck):
    _post(tech_client, "/tech/clock-in/", {"truck": truck.pk})
    assert ProcessedAction.objects.get().technician == technician


def test_the_job_page_shows_the_customers_past_jobs_and_their_notes(tech_client, technician, order):
    past = WorkOrderFactory(
        customer=order.customer,
        title="Site survey",
        status="completed",
        scheduled_for=_today_at(9) - timedelta(days=20),
    )
    WorkOrderNoteFactory(work_order=past, note_text="Dog in the yard, call ahead")
    WorkOrderNoteFactory(work_order=order, note_text="Bring the long ladder")
    WorkOrderFactory(title="Another customer's job", scheduled_for=_today_at(9) - timedelta(days=3))
    html = tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()
    assert "Site survey" in html and "Dog in the yard, call ahead" in html
    assert "Bring the long ladder" in html and "Another customer" not in html


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "1e999999", "", "40,7"])
def test_any_location_value_is_read_without_an_error(tech_client, technician, truck, value):
    response = _post(
        tech_client,
        "/tech/clock-in/",
        {"truck": truck.pk, "latitude": value, "longitude": value, "accuracy": value},
    )
    assert response.status_code == 302
    assert TechnicianActivity.objects.get(technician=technician).latitude is None


def test_a_job_number_out_of_range_is_a_404(tech_client):
    assert tech_client.get("/tech/jobs/99999999999999999999999/").status_code == 404
    assert _post(tech_client, "/tech/messages/99999999999999999999999/read/").status_code == 404
