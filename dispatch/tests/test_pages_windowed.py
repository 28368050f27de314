"""Office pages do work proportional to what they show: windows of rows, counts up to a cap,
pickers that load matches only, and a change digest that moves with everything the live pages show."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch import selectors
from dispatch.models import Notification, WorkOrderStatus
from dispatch.pagination import CappedPaginator
from dispatch.tests.factories import CustomerFactory, NotificationFactory, TechnicianFactory, WorkOrderFactory
from dispatch.views.board import TECHNICIANS_SHOWN as BOARD_ROWS
from dispatch.views.suggestions import SUGGESTIONS_SHOWN
from dispatch.views.today import TECHNICIANS_SHOWN as TODAY_ROWS
from fieldops.tests.factories import ClockRecordFactory, TechnicianActivityFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _crew(n: int) -> list:
    """n active technicians whose names sort in creation order: Crew 00, Crew 01, ..."""
    return [TechnicianFactory(name=f"Crew {i:02d}") for i in range(n)]


def _today_at(hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hour)))


def _queries(client: Client, url: str, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, **kwargs).status_code == 200
    return len(captured)


def test_today_shows_a_page_of_technicians_and_counts_the_whole_day(office_client, now):
    crew = _crew(TODAY_ROWS + 3)
    last = crew[-1]
    WorkOrderFactory(assigned_technician=crew[0], scheduled_for=_today_at(23), title="First crew job")
    WorkOrderFactory(assigned_technician=last, scheduled_for=_today_at(23), title="Last crew job")
    first_page = office_client.get("/office/").content.decode()
    assert "Crew 00" in first_page and last.name not in first_page
    assert "First crew job" in first_page and "Last crew job" not in first_page
    assert f"1–{TODAY_ROWS} of {TODAY_ROWS + 3} technicians" in first_page
    second = office_client.get("/office/?page=2", headers=HX).content.decode()
    assert "<html" not in second and last.name in second and "Last crew job" in second
    assert "Crew 00" not in second
    # The poll of page 2 asks for page 2 again; the day's figures count every job of the day.
    assert "?page=2&amp;since=" in second or "?page=2&since=" in second
    assert '<span class="fs-4">2</span>' in second


def test_today_and_the_board_run_the_same_queries_for_a_page_of_5_or_of_many(office_client):
    _crew(5)
    small = (_queries(office_client, "/office/"), _queries(office_client, "/office/board/?view=week"))
    for technician in _crew(60):
        WorkOrderFactory(assigned_technician=technician, scheduled_for=_today_at(23))
    large = (_queries(office_client, "/office/"), _queries(office_client, "/office/board/?view=week"))
    assert small == large
    week = office_client.get("/office/board/?view=week").content.decode()
    assert week.count('class="tech"><a') == BOARD_ROWS


def test_the_board_keeps_its_page_of_technicians_after_a_move(office_client):
    crew = _crew(BOARD_ROWS + 2)
    day = timezone.localdate() + dt.timedelta(days=7)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    order = WorkOrderFactory(assigned_technician=None, status=WorkOrderStatus.PENDING, scheduled_for=None)
    response = office_client.post(
        "/office/board/move/",
        {
            "work_order": order.pk,
            "version": order.version,
            "technician": crew[-1].pk,
            "start": f"{day.isoformat()}T09:00",
            "view": "day",
            "date": day.isoformat(),
            "page": "2",
        },
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200, html
    assert crew[-1].name in html and "Crew 00" not in html and 'data-page="2"' in html
    order.refresh_from_db()
    assert order.assigned_technician == crew[-1]


def test_the_change_digest_moves_with_orders_alerts_activity_and_clock_records():
    technician = TechnicianFactory()
    seen = {selectors.office_fingerprint()}

    def moved() -> bool:
        digest = selectors.office_fingerprint()
        new = digest not in seen
        seen.add(digest)
        return new

    assert not moved()
    order = WorkOrderFactory(assigned_technician=technician)
    assert moved()
    alert = NotificationFactory(work_order=order)
    assert moved()
    Notification.objects.filter(pk=alert.pk).update(is_read=True)
    assert moved()
    record = ClockRecordFactory(technician=technician)
    assert moved()
    TechnicianActivityFactory(technician=technician, activity_type="travel_start", work_order=order)
    assert moved()
    record.clock_out_time = timezone.now()
    record.save()
    assert moved()
    CustomerFactory()  # Today and the board show no customer that has no order
    assert not moved()


def test_the_change_digest_is_one_statement():
    with CaptureQueriesContext(connection) as captured:
        selectors.office_fingerprint()
    assert len(captured) == 1


def test_the_customer_list_counts_the_orders_of_the_shown_customers_only(office_client):
    busy = CustomerFactory(name="Aaron Busy")
    CustomerFactory(name="Bella Idle")
    for _ in range(3):
        WorkOrderFactory(customer=busy)
    response = office_client.get("/office/customers/")
    assert response.context["table"].order_counts == {busy.pk: 3}
    rows = response.content.decode().split("<tr")
    assert any("Aaron Busy" in row and ">3</td>" in row for row in rows)
    assert any("Bella Idle" in row and ">0</td>" in row for row in rows)


def test_lists_over_large_tables_count_up_to_a_cap(office_client, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    for _ in range(2):
        WorkOrderFactory()
    html = office_client.get("/office/work-orders/").content.decode()
    assert "2 work orders" in html and "More than" not in html
    for _ in range(3):
        WorkOrderFactory()
    html = office_client.get("/office/work-orders/").content.decode()
    assert "More than 3 work orders" in html
    customers = office_client.get("/office/customers/").content.decode()
    assert "More than 3 customers" in customers


def test_the_inbox_pages_without_a_full_count(office_client, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 30)
    for _ in range(40):
        NotificationFactory()
    html = office_client.get("/office/notifications/").content.decode()
    assert "Page 1<" in html and "Page 1 of" not in html and "Older" in html


def test_the_work_order_filter_renders_only_the_chosen_customer(office_client):
    chosen, other = CustomerFactory(name="Chosen Customer"), CustomerFactory(name="Other Customer")
    WorkOrderFactory(customer=chosen, title="Chosen job")
    WorkOrderFactory(customer=other, title="Other job")
    html = office_client.get("/office/work-orders/").content.decode()
    select = html.split('id="id_customer"')[1].split("</select>")[0]
    assert "Any customer" in select and "Chosen Customer" not in select and "Other Customer" not in select
    html = office_client.get(f"/office/work-orders/?customer={chosen.pk}").content.decode()
    select = html.split('id="id_customer"')[1].split("</select>")[0]
    assert "Chosen Customer" in select and "Other Customer" not in select
    assert "Chosen job" in html and "Other job" not in html
    # A search swaps matching customers in (the new-order form's picker).
    options = office_client.get("/office/work-orders/new/customers/?q=Other").content.decode()
    assert "Other Customer" in options and "Chosen Customer" not in options
    bad = office_client.get("/office/work-orders/?customer=999999")
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_suggestions_show_the_best_few_and_offer_all(office_client):
    _crew(SUGGESTIONS_SHOWN + 2)
    order = WorkOrderFactory(assigned_technician=None, status=WorkOrderStatus.PENDING, scheduled_for=None)
    day = timezone.localdate() + dt.timedelta(days=7)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    url = f"/office/work-orders/{order.pk}/suggestions/?day={day.isoformat()}"
    html = office_client.get(url).content.decode()
    assert html.count("data-technician=") == SUGGESTIONS_SHOWN
    assert f"Show all {SUGGESTIONS_SHOWN + 2} technicians" in html and "all=1" in html
    everyone = office_client.get(url + "&all=1").content.decode()
    assert everyone.count("data-technician=") == SUGGESTIONS_SHOWN + 2 and "Show all" not in everyone


def test_the_admin_work_order_changelist_counts_once_up_to_the_cap(monkeypatch):
    monkeypatch.setattr(CappedPaginator, "cap", 3)
    admin = get_user_model().objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(admin)
    for _ in range(5):
        WorkOrderFactory()
    response = client.get("/admin/dispatch/workorder/")
    assert response.status_code == 200
    assert "More than 3 work orders" in response.content.decode()
    assert response.context["cl"].date_hierarchy is None
    assert response.context["cl"].full_result_count is None


def test_the_work_order_filter_renders_the_first_technicians_and_the_chosen_one_and_searches_the_rest(
    office_client, monkeypatch
):
    """The select shows the first TECHNICIAN_OPTIONS_LIMIT by name (here one) and the chosen one;
    the search beside it finds the rest."""
    monkeypatch.setattr("dispatch.selectors.TECHNICIAN_OPTIONS_LIMIT", 1)
    chosen, other = TechnicianFactory(name="Zoe Chosen"), TechnicianFactory(name="Amy Other")
    WorkOrderFactory(assigned_technician=chosen, title="Chosen tech job")
    WorkOrderFactory(assigned_technician=other, title="Other tech job")
    html = office_client.get("/office/work-orders/").content.decode()
    select = html.split('id="id_technician"')[1].split("</select>")[0]
    assert "Any technician" in select and "Amy Other" in select and "Zoe Chosen" not in select
    html = office_client.get(f"/office/work-orders/?technician={chosen.pk}").content.decode()
    select = html.split('id="id_technician"')[1].split("</select>")[0]
    assert f'value="{chosen.pk}" selected' in select and "Amy Other" in select
    assert "Chosen tech job" in html and "Other tech job" not in html
    options = office_client.get(f"/office/work-orders/technicians/?q=other&technician={chosen.pk}")
    text = options.content.decode()
    assert "<html" not in text and "Amy Other" in text and f'value="{chosen.pk}" selected' in text
