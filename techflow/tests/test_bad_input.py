"""Bad input answers a 4xx with a message, never a 500: the hostile inputs a probe found."""

import pytest

from dispatch.models import PlanRun
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

EXTREME_DAYS = ["9999-12-31", "0001-01-01"]
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def order():
    return WorkOrderFactory(assigned_technician=TechnicianFactory(), customer=CustomerFactory())


def _refused(response) -> str:
    assert 400 <= response.status_code < 500, response.status_code
    return response.content.decode()


@pytest.mark.parametrize("day", EXTREME_DAYS)
@pytest.mark.parametrize(
    "url",
    [
        "/office/board/?date={day}",
        "/office/board/?view=week&date={day}",
        "/office/field/timesheets/?week={day}",
        "/office/field/timesheets.csv?week={day}",
        "/office/work-orders/{pk}/suggestions/?day={day}",
        "/office/work-orders/{pk}/suggestions/?from=board&date={day}",
        "/office/inventory/usage/?start={day}&end={day}",
        "/office/inventory/usage/export.csv?start={day}",
        "/office/inventory/movements/?since={day}&until={day}",
    ],
)
def test_a_date_at_the_ends_of_the_calendar_is_refused_with_a_message(office_client, order, url, day):
    html = _refused(office_client.get(url.format(day=day, pk=order.pk)))
    assert "date" in html.lower() or "day" in html.lower()


@pytest.mark.parametrize("day", EXTREME_DAYS)
@pytest.mark.parametrize("view", ["day", "week"])
def test_planning_a_week_at_the_ends_of_the_calendar_is_refused_with_a_message(office_client, day, view):
    # "Plan the week" is a POST that enqueues the planner (the worker's task): refused before that.
    html = _refused(office_client.post("/office/board/plan/", {"view": view, "date": day}))
    assert "date" in html.lower() or "day" in html.lower()
    assert not PlanRun.objects.exists()


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_a_board_move_to_the_ends_of_the_calendar_is_refused(office_client, order, day):
    technician = order.assigned_technician
    for data in (
        {"work_order": order.pk, "technician": technician.pk, "start": f"{day}T09:00"},
        {"work_order": order.pk, "technician": technician.pk, "start": f"{day}", "keep_time": "1"},
        {"work_order": order.pk, "technician": technician.pk, "start": "2026-12-04T09:00", "date": day},
    ):
        _refused(office_client.post("/office/board/move/", data))
    order.refresh_from_db()
    assert order.version == 1


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_scheduling_an_order_at_the_ends_of_the_calendar_is_refused(office_client, order, day):
    response = office_client.post(
        f"/office/work-orders/{order.pk}/schedule/",
        {
            "technician": order.assigned_technician.pk,
            "scheduled_for": f"{day}T09:00",
            "version": order.version,
        },
    )
    assert "between" in _refused(response)
    response = office_client.post(
        "/office/work-orders/new/",
        {"customer": order.customer.pk, "title": "x", "job_type": "repair", "scheduled_for": f"{day}T09:00"},
    )
    assert "between" in _refused(response)


@pytest.mark.parametrize("value", ["²", "١٢", "99999999999999999999", "-1"])
def test_a_board_move_with_an_id_that_is_not_a_plain_number_is_refused(office_client, order, value):
    for data in (
        {"work_order": value, "technician": order.assigned_technician.pk},
        {"work_order": order.pk, "technician": value},
        {"work_order": order.pk, "technician": order.assigned_technician.pk, "version": value},
    ):
        _refused(office_client.post("/office/board/move/", data))


@pytest.mark.parametrize("value", ["²", "99999999999999999999"])
def test_the_customer_picker_ignores_an_id_that_is_not_a_plain_number(office_client, value):
    response = office_client.get(f"/office/work-orders/new/customers/?customer={value}")
    assert response.status_code in (200, 400)
    response = office_client.get(f"/office/work-orders/new/?customer={value}")
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(
    "url",
    [
        "/office/customers/?q=a%00b",
        "/office/work-orders/?q=a%00b",
        "/office/work-orders/new/customers/?q=a%00b",
        "/office/inventory/items/?q=a%00b",
    ],
)
def test_a_nul_byte_in_a_search_is_refused_with_a_message(office_client, url):
    assert "NUL character" in _refused(office_client.get(url))


def test_a_nul_byte_in_a_form_is_refused_and_nothing_is_saved(office_client, order):
    response = office_client.post(f"/office/work-orders/{order.pk}/notes/", {"note_text": "a\x00b"})
    _refused(response)
    assert not order.notes.exists()


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/office/customers/new/"])
def test_a_form_post_in_utf_16_is_refused_with_a_message(client, office_user, path):
    if path.startswith("/office/"):
        client.force_login(office_user)
    body = "username=officer&password=x".encode("utf-16")
    # generic(): the test client's post() would itself choke on the charset it was asked to use.
    response = client.generic("POST", path, body, content_type=FORM + "; charset=utf-16")
    assert response.status_code == 400
    assert "encoding" in response.content.decode().lower()


def test_a_form_post_in_an_unknown_charset_is_refused(client):
    response = client.generic("POST", "/login/", b"username=a", content_type=FORM + "; charset=nope")
    assert response.status_code == 400


@pytest.mark.parametrize("day", EXTREME_DAYS)
def test_availability_for_a_time_at_the_ends_of_the_calendar_says_why_there_is_none(office_client, day):
    response = office_client.get(f"/office/work-orders/new/availability/?scheduled_for={day}T09:00")
    assert response.status_code == 400
    assert "between 2000 and 2099" in response.content.decode()


def test_a_refused_bad_input_is_logged_on_one_line(office_client, caplog):
    with caplog.at_level("WARNING", logger="django.request"):
        office_client.get("/office/board/?date=9999-12-31")
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(r.exc_info is None for r in records)


@pytest.mark.parametrize(
    "url",
    [
        "/office/work-orders/",
        "/office/customers/",
        "/office/inventory/items/",
        "/office/inventory/movements/",
    ],
)
@pytest.mark.parametrize(
    "query", ["per_page=0", "per_page=-1", "page=-1", "page=²", "page=99999999999999", "page=0"]
)
def test_a_list_page_ignores_a_page_size_from_the_url_and_shows_a_page_that_exists(office_client, url, query):
    CustomerFactory()
    response = office_client.get(f"{url}?{query}&q=zzz-nothing-matches")
    assert response.status_code in (200, 400)
    assert office_client.get(f"{url}?{query}").status_code == 200


def test_the_admin_pages_of_a_totp_device_that_does_not_exist_are_a_404(admin_client):
    for view in ("config", "qrcode"):
        assert admin_client.get(f"/admin/otp_totp/totpdevice/99/{view}/").status_code == 404
