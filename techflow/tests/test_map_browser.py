"""The dispatch map and the customer form's pin in a real Chromium at desktop size, with the tile
server unreachable (tests run offline): pins and routes still draw, a pin opens its card, the
strict CSP reports nothing, and a click on the customer form's map places the pin."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch import clock
from dispatch.models import Customer, WorkOrderStatus
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from techflow.tests.browser import DESKTOP, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _today(hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(clock.localdate(), dt.time(hour)))


def _office_page(browser, live_server, django_user_model, next_url: str):
    user = django_user_model.objects.create_user("office", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    context = new_context(browser, viewport=DESKTOP)
    context.add_init_script(WATCH)
    tiles = []
    # No tile server: every tile request fails, as it does offline.
    context.route(
        "**/*.png",
        lambda route: (
            (tiles.append(route.request.url), route.abort())
            if "tile" in route.request.url
            else route.continue_()
        ),
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/?next={next_url}")
    page.get_by_label("Username").fill("office")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{next_url}")
    return page, tiles


def test_the_map_shows_pins_and_routes_and_a_pin_opens_the_card_without_tiles(
    browser, live_server, django_user_model
):
    mike = TechnicianFactory(
        name="Mike Johnson", home_latitude=Decimal("40.776"), home_longitude=Decimal("-73.982")
    )
    sarah = TechnicianFactory(
        name="Sarah Williams", home_latitude=Decimal("40.678"), home_longitude=Decimal("-73.944")
    )
    place = lambda name, lat, lng: CustomerFactory(name=name, latitude=Decimal(lat), longitude=Decimal(lng))  # noqa: E731
    bank = place("City Bank", "40.7086", "-74.0110")
    mall = place("Retail Mall Corp", "40.7347", "-73.8696")
    restaurant = place("Local Restaurant", "40.6829", "-73.9957")
    WorkOrderFactory(
        title="Check the vault cameras", assigned_technician=mike, customer=bank, scheduled_for=_today(8)
    )
    WorkOrderFactory(title="Garage camera", assigned_technician=mike, customer=mall, scheduled_for=_today(13))
    WorkOrderFactory(
        title="Replace the register camera",
        assigned_technician=sarah,
        customer=restaurant,
        scheduled_for=_today(9),
        status=WorkOrderStatus.IN_PROGRESS,
    )
    waiting = WorkOrderFactory(
        title="Quote for the school",
        assigned_technician=None,
        scheduled_for=None,
        status=WorkOrderStatus.PENDING,
        customer=place("School District", "40.7135", "-74.0054"),
    )

    page, tiles = _office_page(browser, live_server, django_user_model, "/office/field/map/")
    page.wait_for_load_state("networkidle")
    # 3 jobs, 1 unassigned, 2 home bases: 6 pins; Mike's route (home, bank, mall) and Sarah's
    # (home, restaurant).
    expect(page.locator("#dispatch-map .leaflet-marker-icon")).to_have_count(6)
    expect(page.locator("#dispatch-map path.leaflet-interactive.map-route")).to_have_count(2)
    expect(page.locator("#dispatch-map .map-pin-in_progress")).to_have_count(1)
    expect(page.locator("#map-routes li")).to_have_text(["Mike Johnson", "Sarah Williams"])
    assert tiles, "the map asked for tiles (and they failed)"
    shot(page, "map-page", full_page=False)

    page.locator(f'[data-work-order="{waiting.pk}"]').click()
    card = page.locator("#map-card")
    expect(card).to_contain_text(f"#{waiting.pk} Quote for the school")
    expect(card).to_contain_text("School District")
    expect(card).to_contain_text("Unassigned")
    card.get_by_role("link", name="Open work order").click()
    page.wait_for_url(f"**/office/work-orders/{waiting.pk}/")
    # Tiles failed to load but the policy blocked nothing of the page's own.
    assert page.evaluate("window.__violations") == []


def test_a_click_on_the_customer_forms_map_places_the_pin_and_saves(browser, live_server, django_user_model):
    customer = CustomerFactory(name="Harbor Storage", latitude=None, longitude=None)
    page, _ = _office_page(browser, live_server, django_user_model, f"/office/customers/{customer.pk}/edit/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#customer-map .leaflet-marker-icon")).to_have_count(0)
    page.locator("#customer-map").click(position={"x": 200, "y": 150})
    expect(page.locator("#customer-map .leaflet-marker-icon")).to_have_count(1)
    latitude = page.get_by_label("Latitude").input_value()
    longitude = page.get_by_label("Longitude").input_value()
    assert latitude and longitude
    shot(page, "customer-form-map")
    page.get_by_role("button", name="Save customer").click()
    page.wait_for_url(f"**/office/customers/{customer.pk}/")
    customer = Customer.objects.get(pk=customer.pk)
    assert (str(customer.latitude), str(customer.longitude)) == (latitude, longitude)
    assert page.evaluate("window.__violations") == []


def test_an_address_search_places_the_pin_from_a_local_geocoder(
    browser, live_server, django_user_model, settings
):
    from dispatch.tests.test_skills_places import local_server, nominatim

    customer = CustomerFactory(
        name="Local Restaurant", address="318 Court Street", latitude=None, longitude=None
    )
    with local_server(nominatim) as (url, seen):
        settings.TECHFLOW_GEOCODER_URL = url
        page, _ = _office_page(
            browser, live_server, django_user_model, f"/office/customers/{customer.pk}/edit/"
        )
        page.get_by_role("button", name="Find the address on the map").click()
        expect(page.locator("#map-search-status")).to_have_text("Pick the right place:")
        expect(page.locator("#map-search-results button")).to_have_count(2)
        expect(page.locator("#customer-map .leaflet-marker-icon")).to_have_count(1)
        assert page.get_by_label("Latitude").input_value() == "40.682900"
        page.get_by_role("button", name="Court Street, Binghamton, NY").click()
        assert page.get_by_label("Longitude").input_value() == "-75.911900"
        shot(page, "customer-form-search")
        settings.TECHFLOW_GEOCODER_URL = "http://127.0.0.1:9"  # nobody there
        page.get_by_role("button", name="Find the address on the map").click()
        expect(page.locator("#map-search-status")).to_contain_text("didn't answer in time or failed")
    assert page.evaluate("window.__violations") == []
