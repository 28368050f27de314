"""Today, notifications, customers and technicians pages."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from dispatch.models import Customer, CustomerHistory, ManualNotification, Notification, WorkOrderStatus
from dispatch.tests.factories import (
    CustomerFactory,
    ManualNotificationFactory,
    NotificationFactory,
    TechnicianFactory,
    WorkOrderFactory,
)

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def today_at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hour, minute)))


# Today


@pytest.fixture
def tuesday_mid_morning():
    """Before the signed-in client, so that its session starts at this time too."""
    with time_machine.travel(
        dt.datetime(2026, 12, 1, 10, 30, tzinfo=ZoneInfo("America/New_York")), tick=True
    ):
        yield


# "Five minutes ago" is today only after 00:05: this test assumes a Tuesday mid-morning.
def test_today_groups_jobs_by_technician_and_marks_late_ones(tuesday_mid_morning, office_client):
    mike = TechnicianFactory(name="Mike Johnson")
    WorkOrderFactory(
        assigned_technician=mike,
        title="Past and not started",
        scheduled_for=timezone.now() - dt.timedelta(minutes=5),
    )
    WorkOrderFactory(assigned_technician=mike, title="Later today", scheduled_for=today_at(23, 59))
    html = office_client.get("/office/").content.decode()
    assert "Mike Johnson" in html and "Past and not started" in html and "Later today" in html
    assert html.count(">Late</span>") == 1
    assert "Not clocked in" in html


def test_today_shows_who_is_clocked_in_and_on_which_truck(office_client):
    mike = TechnicianFactory(name="Mike Johnson")
    truck_model = mike.clock_records.model._meta.get_field("truck").related_model
    truck = truck_model.objects.create(id=201, name="Service Truck 201")
    mike.clock_records.create(truck=truck, clock_in_time=timezone.now() - dt.timedelta(hours=1))
    html = office_client.get("/office/").content.decode()
    assert "Clocked in" in html and "Service Truck 201" in html


def test_today_puts_unread_alerts_at_the_top(office_client):
    NotificationFactory(message="Dog loose on site")
    NotificationFactory(message="Already handled", is_read=True)
    html = office_client.get("/office/").content.decode()
    assert "1 unread alert" in html and "Dog loose on site" in html and "Already handled" not in html
    assert html.index("Dog loose on site") < html.index("Jobs today")


def test_todays_poll_is_204_until_something_changes(office_client):
    html = office_client.get("/office/", headers=HX).content.decode()
    assert "<html" not in html and 'id="today-live"' in html
    since = html.split("since=")[1].split('"')[0]
    assert office_client.get(f"/office/?since={since}", headers=HX).status_code == 204
    NotificationFactory()
    response = office_client.get(f"/office/?since={since}", headers=HX)
    assert response.status_code == 200 and "1 unread alert" in response.content.decode()


# Notifications


def test_the_inbox_lists_alerts_and_filters_unread(office_client):
    NotificationFactory(message="Unread one")
    NotificationFactory(message="Read one", is_read=True)
    html = office_client.get("/office/notifications/").content.decode()
    assert "<html" in html and "Unread one" in html and "Read one" in html and "1 unread" in html
    html = office_client.get("/office/notifications/?show=unread", headers=HX).content.decode()
    assert "<html" not in html and "Unread one" in html and "Read one" not in html


def test_marking_read_and_unread(office_client):
    note = NotificationFactory()
    response = office_client.post(f"/office/notifications/{note.pk}/read/", {"is_read": "true"}, headers=HX)
    assert response.status_code == 200 and 'hx-swap-oob="true"' in response.content.decode()
    note.refresh_from_db()
    assert note.is_read
    office_client.post(f"/office/notifications/{note.pk}/read/", {"is_read": "false"})
    note.refresh_from_db()
    assert not note.is_read


def test_mark_all_read(office_client):
    NotificationFactory.create_batch(3)
    response = office_client.post("/office/notifications/read-all/")
    assert response.status_code == 302
    assert not Notification.objects.filter(is_read=False).exists()


def test_the_badge_counts_unread_and_answers_204_when_unchanged(office_client):
    NotificationFactory.create_batch(2)
    html = office_client.get("/office/notifications/badge/", headers=HX).content.decode()
    assert 'id="unread-badge"' in html and ">2</span>" in html
    assert office_client.get("/office/notifications/badge/?n=2", headers=HX).status_code == 204


def test_every_office_page_loads_the_badge(office_client):
    for url in [
        "/office/",
        "/office/work-orders/",
        "/office/board/",
        "/office/customers/",
        "/office/technicians/",
    ]:
        assert 'hx-get="/office/notifications/badge/"' in office_client.get(url).content.decode()


def test_sending_a_manual_notification_and_seeing_whether_it_was_read(office_client):
    tech = TechnicianFactory(name="Sarah")
    order = WorkOrderFactory()
    response = office_client.post(
        "/office/notifications/send/",
        {"technician": tech.pk, "priority": "urgent", "message": "Call the office", "work_order": order.pk},
        headers=HX,
    )
    assert response.status_code == 200 and "Sent to Sarah" in response.content.decode()
    sent = ManualNotification.objects.get()
    assert (sent.technician, sent.priority, sent.work_order, sent.is_read) == (tech, "urgent", order, False)
    assert "Not read yet" in response.content.decode()
    ManualNotificationFactory(technician=tech, message="Earlier", is_read=True)
    assert "Read" in office_client.get("/office/notifications/").content.decode()


def test_a_manual_notification_with_bad_input_shows_errors_next_to_fields(office_client):
    response = office_client.post(
        "/office/notifications/send/",
        {"technician": "", "priority": "loud", "message": "", "work_order": 999999},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "This field is required" in html and "not one of the available choices" in html
    assert "There is no work order #999999" in html
    assert not ManualNotification.objects.exists()


def test_notification_actions_need_post_and_known_ids(office_client):
    assert office_client.get("/office/notifications/read-all/").status_code == 405
    assert office_client.post("/office/notifications/999999/read/").status_code == 404


# Customers


def test_the_customer_list_searches_and_filters_new_or_returning(office_client):
    CustomerFactory(name="City Bank", is_new_customer=False)
    CustomerFactory(name="City School", is_new_customer=True)
    CustomerFactory(name="Gas Station")
    html = office_client.get("/office/customers/?q=city&is_new_customer=false", headers=HX).content.decode()
    assert (
        "<html" not in html
        and "City Bank" in html
        and "City School" not in html
        and "Gas Station" not in html
    )
    assert "<html" in office_client.get("/office/customers/").content.decode()


def test_the_customer_detail_shows_their_orders_and_history(office_client):
    customer = CustomerFactory(name="City Bank")
    WorkOrderFactory(customer=customer, title="Vault cameras")
    CustomerHistory.objects.create(customer=customer, notes="Asked for a quote")
    html = office_client.get(f"/office/customers/{customer.pk}/").content.decode()
    assert "Vault cameras" in html and "Asked for a quote" in html and "8:00 AM" in html
    assert office_client.get("/office/customers/999999/").status_code == 404


def test_adding_a_customer_history_note(office_client, office_user):
    customer = CustomerFactory()
    response = office_client.post(
        f"/office/customers/{customer.pk}/notes/", {"notes": "Prefers calls"}, headers=HX
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    row = customer.history.get()
    assert (row.notes, row.created_by_type, row.created_by_id) == ("Prefers calls", "office", office_user.pk)
    response = office_client.post(f"/office/customers/{customer.pk}/notes/", {"notes": ""}, headers=HX)
    assert response.status_code == 422


def test_creating_a_customer_with_a_window(office_client):
    response = office_client.post(
        "/office/customers/new/",
        {
            "name": "New Co",
            "address": "1 Main St",
            "phone": "555",
            "is_new_customer": "on",
            "preferred_schedule_start": "09:00",
            "preferred_schedule_end": "12:00",
        },
    )
    customer = Customer.objects.get(name="New Co")
    assert response.status_code == 302 and response["Location"] == f"/office/customers/{customer.pk}/"
    assert customer.preferred_schedule_end == dt.time(12)
    assert customer.history.get().notes == "Customer created."


def test_creating_a_customer_from_the_new_order_form_goes_back_to_it(office_client):
    response = office_client.post(
        "/office/customers/new/?next=new-order", {"name": "Quick Co", "address": "2 Main St", "phone": "555"}
    )
    customer = Customer.objects.get(name="Quick Co")
    assert response["Location"] == f"/office/work-orders/new/?customer={customer.pk}"


def test_a_backwards_window_is_an_error_next_to_the_field(office_client):
    response = office_client.post(
        "/office/customers/new/",
        {
            "name": "Odd",
            "address": "x",
            "phone": "1",
            "preferred_schedule_start": "12:00",
            "preferred_schedule_end": "09:00",
        },
    )
    assert response.status_code == 422 and "must end after it starts" in response.content.decode()
    assert not Customer.objects.filter(name="Odd").exists()


def test_editing_a_customer_records_what_changed(office_client):
    customer = CustomerFactory(phone="555-0100")
    data = {
        "name": customer.name,
        "address": customer.address,
        "phone": "555-9999",
        "email": customer.email,
        "preferred_schedule_start": "08:00",
        "preferred_schedule_end": "16:00",
    }
    response = office_client.post(f"/office/customers/{customer.pk}/edit/", data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "555-9999" and not customer.is_new_customer
    assert "phone" in customer.history.get().notes


# Technicians


def test_the_technician_list_shows_phone_login_and_today(office_client, technician):
    TechnicianFactory(name="Gone Gary", active=False)
    WorkOrderFactory(assigned_technician=technician, scheduled_for=today_at(23, 30))
    html = office_client.get("/office/technicians/").content.decode()
    assert "Terry Tech" in html and technician.phone in html and ">tech<" in html and "Gone Gary" not in html
    assert "11:30 PM" in html
    assert "Gone Gary" in office_client.get("/office/technicians/?show=all", headers=HX).content.decode()


def test_the_technician_detail_shows_the_week_and_recent_activity(office_client, technician):
    WorkOrderFactory(assigned_technician=technician, title="This week job", scheduled_for=today_at(23, 30))
    technician.activities.create(activity_type="shift_start", address="Depot")
    html = office_client.get(f"/office/technicians/{technician.pk}/").content.decode()
    assert "This week job" in html and "Shift start" in html and "Depot" in html
    fragment = office_client.get(f"/office/technicians/{technician.pk}/", headers=HX).content.decode()
    assert "<html" not in fragment and 'id="week-schedule"' in fragment
    assert office_client.get("/office/technicians/999999/").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/office/",
        "/office/work-orders/",
        "/office/board/",
        "/office/customers/",
        "/office/technicians/",
        "/office/notifications/",
        "/office/work-orders/new/",
    ],
)
def test_a_technician_gets_403_on_office_pages(tech_client, url):
    assert tech_client.get(url).status_code == 403


def test_cancelled_jobs_stay_off_the_technicians_today(office_client, technician):
    WorkOrderFactory(
        assigned_technician=technician, scheduled_for=today_at(23, 30), status=WorkOrderStatus.CANCELLED
    )
    assert "11:30 PM" not in office_client.get("/office/technicians/").content.decode()


def test_the_customer_detail_as_htmx_is_its_history_fragment(office_client):
    customer = CustomerFactory()
    html = office_client.get(f"/office/customers/{customer.pk}/", headers=HX).content.decode()
    assert "<html" not in html and 'id="customer-history"' in html


def test_editing_a_technician_sets_phone_and_active(office_client, technician):
    response = office_client.post(
        f"/office/technicians/{technician.pk}/edit/", {"name": "Terry Tech", "phone": "555-7777"}
    )
    assert response.status_code == 302
    technician.refresh_from_db()
    assert (technician.phone, technician.active) == ("555-7777", False)


def test_a_technician_edit_without_a_name_shows_the_error(office_client, technician):
    response = office_client.post(f"/office/technicians/{technician.pk}/edit/", {"name": "", "phone": "1"})
    assert response.status_code == 422 and "This field is required" in response.content.decode()
    assert office_client.get(f"/office/technicians/{technician.pk}/edit/").status_code == 405


def test_the_office_sets_a_technicians_skills_home_zone_and_home_base(office_client, technician):
    from dispatch.models import ServiceZone, Skill

    ptz, fibre, _ = (Skill.objects.create(name=n) for n in ("PTZ", "Fibre splicing", "Alarms"))
    north = ServiceZone.objects.create(name="North")
    page = office_client.get(f"/office/technicians/{technician.pk}/").content.decode()
    assert 'type="checkbox" name="skills"' in page and "Home base latitude" in page
    response = office_client.post(
        f"/office/technicians/{technician.pk}/edit/",
        {
            "name": "Terry Tech",
            "phone": "555-7777",
            "active": "on",
            "skills": [ptz.pk, fibre.pk],
            "home_zone": north.pk,
            "home_latitude": "40.712800",
            "home_longitude": "-74.006000",
        },
    )
    assert response.status_code == 302
    technician.refresh_from_db()
    assert set(technician.skills.all()) == {ptz, fibre} and technician.home_zone == north
    assert (float(technician.home_latitude), float(technician.home_longitude)) == (40.7128, -74.006)
    shown = office_client.get(f"/office/technicians/{technician.pk}/").content.decode()
    assert "Fibre splicing" in shown and "North" in shown and "base at 40.712800, -74.006000" in shown


@pytest.mark.parametrize(
    "where, message",
    [
        ({"home_latitude": "95", "home_longitude": "10"}, "A latitude is between -90 and 90."),
        ({"home_latitude": "40.7"}, "Give both coordinates of the home base, or neither."),
        ({"home_latitude": "north", "home_longitude": "10"}, "Enter a number."),
    ],
)
def test_a_home_base_that_is_no_place_is_refused_and_nothing_changes(
    office_client, technician, where, message
):
    response = office_client.post(
        f"/office/technicians/{technician.pk}/edit/", {"name": "Terry Tech", "phone": "555-7777", **where}
    )
    assert response.status_code == 422 and message in response.content.decode()
    technician.refresh_from_db()
    assert technician.home_latitude is None and technician.phone != "555-7777"
