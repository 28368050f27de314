"""The work-order pages: list, export, detail with its actions, new order."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from dispatch.models import CustomerHistory, WorkOrder, WorkOrderHistory, WorkOrderNote, WorkOrderStatus
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
DAY = dt.date(2030, 3, 11)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# List


def test_the_list_shows_orders_and_their_count(office_client):
    WorkOrderFactory(title="Install domes at the bank")
    response = office_client.get("/office/work-orders/")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert "Install domes at the bank" in html and "1 work order" in html


def test_the_list_as_htmx_returns_only_the_results(office_client):
    WorkOrderFactory(title="Install domes at the bank")
    html = office_client.get("/office/work-orders/?q=bank", headers=HX).content.decode()
    assert "<html" not in html and 'id="results"' in html and "Install domes at the bank" in html


def test_the_list_filters_by_text_status_technician_and_dates(office_client):
    mike = TechnicianFactory(name="Mike")
    hit = WorkOrderFactory(title="Bank vault", assigned_technician=mike, scheduled_for=at(9))
    WorkOrderFactory(
        title="Bank lobby", assigned_technician=mike, scheduled_for=at(9, day=DAY + dt.timedelta(days=3))
    )
    WorkOrderFactory(title="Bank roof", status=WorkOrderStatus.PENDING, scheduled_for=at(9))
    WorkOrderFactory(title="School gate", assigned_technician=mike, scheduled_for=at(11))
    url = (
        f"/office/work-orders/?q=bank&status=scheduled&technician={mike.pk}"
        f"&scheduled_after={DAY}&scheduled_before={DAY}"
    )
    html = office_client.get(url).content.decode()
    assert hit.title in html
    assert "Bank lobby" not in html and "Bank roof" not in html and "School gate" not in html
    assert "1 work order" in html


def test_free_text_matches_the_customer_name(office_client):
    WorkOrderFactory(title="Annual check", customer=CustomerFactory(name="Gas Station Chain"))
    WorkOrderFactory(title="Other check")
    html = office_client.get("/office/work-orders/?q=gas+station").content.decode()
    assert "Annual check" in html and "Other check" not in html


def test_a_bad_filter_value_is_an_error_on_the_page_not_a_500(office_client):
    response = office_client.get("/office/work-orders/?scheduled_after=not-a-date&technician=99999")
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_the_csv_export_has_the_filtered_orders(office_client):
    WorkOrderFactory(title="Bank vault", customer=CustomerFactory(name="City Bank"))
    WorkOrderFactory(title="School gate")
    response = office_client.get("/office/work-orders/export.csv?q=bank")
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["id", "scheduled_for", "status"]
    assert [row[4] for row in rows[1:]] == ["Bank vault"] and rows[1][5] == "City Bank"


# Detail


def test_the_detail_shows_fields_and_the_merged_timeline(office_client, office_user):
    order = WorkOrderFactory(title="Bank vault", brief_description="Replace two domes")
    WorkOrderNote.objects.create(work_order=order, note_text="Dog on site", alert_office=True)
    WorkOrderHistory.objects.create(
        work_order=order,
        changed_by_type="office",
        changed_by_id=office_user.pk,
        field_changed="status",
        old_value="pending",
        new_value="scheduled",
    )
    order.activities.create(technician=order.assigned_technician, activity_type="arrived_on_site")
    order.travel_logs.create(
        technician=order.assigned_technician,
        travel_start_time=timezone.now() - dt.timedelta(minutes=40),
        travel_end_time=timezone.now() - dt.timedelta(minutes=15),
    )
    response = office_client.get(f"/office/work-orders/{order.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Replace two domes" in html and "Dog on site" in html and "Alert to the office" in html
    assert "Pending → Scheduled" in html and "Olivia" in html
    assert "Arrived on site" in html and "25 min" in html  # travel time from the travel log
    assert "(still there)" in html  # on site since arriving


def test_the_detail_as_htmx_is_a_fragment(office_client):
    order = WorkOrderFactory()
    html = office_client.get(f"/office/work-orders/{order.pk}/", headers=HX).content.decode()
    assert "<html" not in html and 'id="wo-main"' in html


def test_an_unknown_work_order_is_404(office_client):
    assert office_client.get("/office/work-orders/999999/").status_code == 404
    assert office_client.post("/office/work-orders/999999/edit/", {"version": 1}).status_code == 404


@pytest.mark.parametrize("action", ["edit", "schedule", "status", "notes"])
def test_actions_refuse_get(office_client, action):
    order = WorkOrderFactory()
    assert office_client.get(f"/office/work-orders/{order.pk}/{action}/").status_code == 405


@pytest.mark.parametrize("action", ["edit", "schedule", "status", "notes"])
def test_a_technician_cannot_use_the_office_actions(tech_client, action):
    order = WorkOrderFactory()
    assert tech_client.post(f"/office/work-orders/{order.pk}/{action}/", {"version": 1}).status_code == 403


def _edit(client, order, version, title="New title", headers=None):
    """The edit form, changing the job type: the order is re-checked where it is booked, so the
    tests book it at 10:00 on DAY (inside the working day at any pinned hour), not the factory's
    "two hours from now", which is the night when the suite runs at 23:30."""
    return client.post(
        f"/office/work-orders/{order.pk}/edit/",
        {
            "version": version,
            "title": title,
            "job_type": "repair",
            "brief_description": "Fix it",
            "full_summary": "",
        },
        headers=headers or {},
    )


def test_editing_saves_records_history_and_returns_the_region(office_client):
    order = WorkOrderFactory(title="Old title", scheduled_for=at(10))
    response = _edit(office_client, order, order.version, headers=HX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    order.refresh_from_db()
    assert order.title == "New title" and order.version == 2
    row = WorkOrderHistory.objects.get(work_order=order, field_changed="title")
    assert (row.old_value, row.new_value) == ("Old title", "New title")


def test_editing_without_htmx_redirects_back_to_the_detail(office_client):
    order = WorkOrderFactory(scheduled_for=at(10))
    response = _edit(office_client, order, order.version)
    assert response.status_code == 302 and response["Location"] == f"/office/work-orders/{order.pk}/"


def test_a_stale_edit_is_refused_with_what_changed_and_overwrites_nothing(office_client):
    order = WorkOrderFactory(title="Original", scheduled_for=at(10))
    _edit(office_client, order, 1, title="First dispatcher")
    response = _edit(office_client, order, 1, title="Second dispatcher", headers=HX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed while you were editing it" in html and "→ First dispatcher" in html
    order.refresh_from_db()
    assert order.title == "First dispatcher"
    # The page now carries the current version, so a deliberate retry goes through.
    assert 'name="version" value="2"' in html


def test_an_empty_title_is_an_error_next_to_the_field(office_client):
    order = WorkOrderFactory(title="Keep")
    response = _edit(office_client, order, 1, title="", headers=HX)
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    order.refresh_from_db()
    assert order.title == "Keep"


def test_scheduling_from_the_detail_assigns_by_the_rules(office_client):
    tech = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=None, status=WorkOrderStatus.PENDING, scheduled_for=None)
    response = office_client.post(
        f"/office/work-orders/{order.pk}/schedule/",
        {"version": 1, "technician": tech.pk, "scheduled_for": "2030-03-11T09:00"},
        headers=HX,
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.assigned_technician, order.scheduled_for, order.status) == (tech, at(9), "scheduled")


def test_a_schedule_against_the_rules_is_refused_with_the_reason(office_client):
    tech = TechnicianFactory(name="Mike")
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(9))
    order = WorkOrderFactory(assigned_technician=None, status=WorkOrderStatus.PENDING, scheduled_for=None)
    response = office_client.post(
        f"/office/work-orders/{order.pk}/schedule/",
        {"version": 1, "technician": tech.pk, "scheduled_for": "2030-03-11T10:00"},
        headers=HX,
    )
    assert response.status_code == 422
    assert "would overlap" in response.content.decode()
    order.refresh_from_db()
    assert order.assigned_technician is None


def test_a_time_outside_the_window_offers_the_override_which_then_books_it(office_client):
    tech = TechnicianFactory()
    customer = CustomerFactory(preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(10))
    order = WorkOrderFactory(
        customer=customer, assigned_technician=None, status="pending", scheduled_for=None
    )
    data = {"version": 1, "technician": tech.pk, "scheduled_for": "2030-03-11T13:00"}
    response = office_client.post(f"/office/work-orders/{order.pk}/schedule/", data, headers=HX)
    assert response.status_code == 422
    assert 'name="override_window"' in response.content.decode()
    response = office_client.post(
        f"/office/work-orders/{order.pk}/schedule/", {**data, "override_window": "on"}, headers=HX
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.scheduled_for == at(13)


def test_a_technician_without_a_time_is_an_error_next_to_the_time(office_client):
    order = WorkOrderFactory(scheduled_for=None)
    response = office_client.post(
        f"/office/work-orders/{order.pk}/schedule/",
        {"version": 1, "technician": TechnicianFactory().pk, "scheduled_for": ""},
        headers=HX,
    )
    assert response.status_code == 422 and "Pick a time" in response.content.decode()


def test_a_status_change_along_an_allowed_transition_is_saved(office_client):
    order = WorkOrderFactory(status=WorkOrderStatus.SCHEDULED)
    response = office_client.post(
        f"/office/work-orders/{order.pk}/status/", {"version": 1, "status": "in_progress"}, headers=HX
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "in_progress"
    assert WorkOrderHistory.objects.filter(work_order=order, field_changed="status").exists()


def test_completing_a_new_customers_job_from_the_office_makes_them_a_returning_customer(
    office_client, office_user
):
    customer = CustomerFactory(name="City Bank", is_new_customer=True)
    order = WorkOrderFactory(customer=customer, status=WorkOrderStatus.IN_PROGRESS, title="Lobby domes")
    other = WorkOrderFactory(
        customer=CustomerFactory(is_new_customer=True), status=WorkOrderStatus.IN_PROGRESS
    )
    response = office_client.post(
        f"/office/work-orders/{order.pk}/status/", {"version": 1, "status": "completed"}, headers=HX
    )
    assert response.status_code == 200
    customer.refresh_from_db()
    assert customer.is_new_customer is False
    [line] = CustomerHistory.objects.filter(customer=customer)
    assert line.notes == f"No longer a new customer: #{order.pk} Lobby domes was completed."
    assert (line.work_order, line.created_by_type, line.created_by_id) == (order, "office", office_user.pk)
    other.customer.refresh_from_db()
    assert other.customer.is_new_customer is True  # another customer's open job changes nothing


def test_a_returning_customers_completed_job_writes_no_customer_history(office_client):
    customer = CustomerFactory(is_new_customer=False)
    order = WorkOrderFactory(customer=customer, status=WorkOrderStatus.IN_PROGRESS)
    office_client.post(f"/office/work-orders/{order.pk}/status/", {"version": 1, "status": "completed"})
    order.refresh_from_db()
    assert order.status == "completed"
    assert not CustomerHistory.objects.filter(customer=customer).exists()


def test_an_invalid_transition_is_refused_clearly(office_client):
    order = WorkOrderFactory(status=WorkOrderStatus.COMPLETED)
    response = office_client.post(
        f"/office/work-orders/{order.pk}/status/", {"version": 1, "status": "scheduled"}, headers=HX
    )
    assert response.status_code == 422
    assert "A completed work order can&#x27;t become scheduled" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "completed"


def test_an_unknown_status_is_a_form_error_not_a_500(office_client):
    order = WorkOrderFactory()
    response = office_client.post(f"/office/work-orders/{order.pk}/status/", {"version": 1, "status": "lost"})
    assert response.status_code == 422


def test_cancelling_needs_a_reason_and_keeps_it_as_a_note(office_client):
    order = WorkOrderFactory(status=WorkOrderStatus.SCHEDULED)
    response = office_client.post(
        f"/office/work-orders/{order.pk}/status/",
        {"version": 1, "status": "cancelled", "reason": " "},
        headers=HX,
    )
    assert response.status_code == 422 and "Say why" in response.content.decode()
    response = office_client.post(
        f"/office/work-orders/{order.pk}/status/",
        {"version": 1, "status": "cancelled", "reason": "Customer moved"},
        headers=HX,
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.notes.get().note_text == "Cancelled: Customer moved"


def test_an_office_note_is_added(office_client):
    order = WorkOrderFactory()
    response = office_client.post(
        f"/office/work-orders/{order.pk}/notes/", {"text": "Call before"}, headers=HX
    )
    assert response.status_code == 200 and "Call before" in response.content.decode()
    assert order.notes.get().technician is None


def test_an_empty_note_is_an_error_next_to_the_field(office_client):
    order = WorkOrderFactory()
    response = office_client.post(f"/office/work-orders/{order.pk}/notes/", {"text": ""}, headers=HX)
    assert response.status_code == 422 and "This field is required" in response.content.decode()


# New work order


def test_the_new_order_form_renders_with_the_customer_picker(office_client):
    customer = CustomerFactory(name="City Bank")
    html = office_client.get(f"/office/work-orders/new/?customer={customer.pk}").content.decode()
    assert 'id="customer-search"' in html and "City Bank" in html and "/office/customers/new/" in html
    assert f'<option value="{customer.pk}" selected>' in html


def test_creating_an_order_redirects_to_it_and_records_history(office_client, office_user):
    customer = CustomerFactory()
    tech = TechnicianFactory()
    response = office_client.post(
        "/office/work-orders/new/",
        {
            "customer": customer.pk,
            "title": "Four domes",
            "brief_description": "Front and back",
            "scheduled_for": "2030-03-11T09:00",
            "technician": tech.pk,
        },
    )
    order = WorkOrder.objects.get(title="Four domes")
    assert response.status_code == 302 and response["Location"] == f"/office/work-orders/{order.pk}/"
    assert (order.status, order.assigned_technician, order.created_by) == ("scheduled", tech, office_user)
    assert WorkOrderHistory.objects.filter(work_order=order).count() >= 5


def test_a_description_over_500_characters_is_an_error_next_to_it(office_client):
    response = office_client.post(
        "/office/work-orders/new/",
        {"customer": CustomerFactory().pk, "title": "Long", "brief_description": "x" * 501},
    )
    assert response.status_code == 422
    assert "at most 500 characters" in response.content.decode()
    assert not WorkOrder.objects.exists()


def test_creating_outside_the_window_asks_for_the_override(office_client):
    customer = CustomerFactory(preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(10))
    data = {
        "customer": customer.pk,
        "title": "Late job",
        "brief_description": "x",
        "scheduled_for": "2030-03-11T14:00",
        "technician": TechnicianFactory().pk,
    }
    response = office_client.post("/office/work-orders/new/", data)
    assert response.status_code == 422 and "preferred window" in response.content.decode()
    assert not WorkOrder.objects.exists()
    response = office_client.post("/office/work-orders/new/", {**data, "override_window": "on"})
    assert response.status_code == 302


def test_availability_warns_about_the_window_and_lists_who_is_free(office_client):
    customer = CustomerFactory(
        name="Bank", preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(10)
    )
    busy = TechnicianFactory(name="Busy Bea")
    WorkOrderFactory(assigned_technician=busy, scheduled_for=at(13))
    TechnicianFactory(name="Free Fred")
    response = office_client.get(
        f"/office/work-orders/new/availability/?customer={customer.pk}&scheduled_for=2030-03-11T13:30",
        headers=HX,
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "outside Bank&#x27;s preferred window" in html
    assert "<strong>Free Fred</strong> is free" in html
    assert "Busy Bea: Busy Bea already has a job" in html


def test_the_customer_search_returns_matching_options(office_client):
    CustomerFactory(name="City Bank")
    CustomerFactory(name="School District")
    html = office_client.get("/office/work-orders/new/customers/?q=bank", headers=HX).content.decode()
    assert "City Bank" in html and "School District" not in html and "<html" not in html


def test_parts_used_and_messages_show_in_the_timeline(office_client):
    order = WorkOrderFactory()
    # Inventory's models through the relation: dispatch never imports inventory.
    movement_model = order.stock_movements.model
    truck_model = movement_model._meta.get_field("truck").related_model
    item_model = movement_model._meta.get_field("item").related_model
    truck = truck_model.objects.create(id=201, name="Service Truck 201")
    item = item_model.objects.create(name="IP Dome Camera", standard_quantity=5)
    order.stock_movements.create(
        truck=truck,
        item=item,
        kind="used_on_job",
        quantity_change=-2,
        quantity_after=3,
        created_by_type="technician",
    )
    order.manual_notifications.create(
        technician=order.assigned_technician, message="Side entrance", priority="urgent"
    )
    html = office_client.get(f"/office/work-orders/{order.pk}/").content.decode()
    assert "2 × IP Dome Camera (Service Truck 201)" in html
    assert "Side entrance" in html and "Urgent · not read yet" in html


def test_the_csv_export_defuses_formulas(office_client):
    WorkOrderFactory(title="=HYPERLINK(1)")
    response = office_client.get("/office/work-orders/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][4] == "'=HYPERLINK(1)"


# The list's default order, read run by run (WorkOrderQuerySet.today_first, dispatch.tables.TodayFirst)


def _mixed_orders(now: dt.datetime) -> list[WorkOrder]:
    """Orders today, ahead, in the past and without a time, created in shuffled order, listed as
    the list must show them: today by time, then soonest ahead, then latest past, then no time."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    times = {
        "past far": today - dt.timedelta(days=40),
        "today late": today + dt.timedelta(hours=15),
        "ahead far": today + dt.timedelta(days=30),
        "past near": today - dt.timedelta(hours=2),
        "today early": today + dt.timedelta(hours=8),
        "none a": None,
        "ahead near": today + dt.timedelta(days=1, hours=9),
        "today mid": today + dt.timedelta(hours=11),
        "none b": None,
        "past mid": today - dt.timedelta(days=3),
    }
    made = {title: WorkOrderFactory(title=title, scheduled_for=at_time) for title, at_time in times.items()}
    order = ["today early", "today mid", "today late", "ahead near", "ahead far"]
    order += ["past near", "past mid", "past far", "none a", "none b"]
    return [made[title] for title in order]


def test_the_list_opens_on_today_then_ahead_then_the_past_then_no_time(office_client, now):
    expected = _mixed_orders(now)
    html = office_client.get("/office/work-orders/").content.decode()
    positions = [html.index(f">{order.title}<") for order in expected]
    assert positions == sorted(positions)


def test_any_slice_of_the_runs_is_the_same_slice_of_the_whole_order(now):
    from dispatch.tables import TodayFirst

    expected = [order.pk for order in _mixed_orders(now)]
    orders = WorkOrder.objects.all()
    rows = TodayFirst(orders)
    assert len(rows) == len(expected)
    for start in range(len(expected) + 2):
        for stop in range(start, len(expected) + 3):
            assert [order.pk for order in rows[start:stop]] == expected[start:stop], (start, stop)
    assert [order.pk for order in rows] == expected and rows[3].pk == expected[3]


def test_a_page_past_the_first_run_continues_in_the_next(office_client, now, monkeypatch):
    from dispatch.views import work_orders

    expected = _mixed_orders(now)
    monkeypatch.setattr(work_orders, "PAGE_SIZE", 4)
    html = office_client.get("/office/work-orders/?page=2").content.decode()
    shown = [order.title for order in expected if f">{order.title}<" in html]
    assert shown == [order.title for order in expected[4:8]]
