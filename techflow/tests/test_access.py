"""Who may open what: every URL needs a login, and each role lands on its own surface."""

import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RoutePattern

from conftest import PASSWORD
from dispatch.tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db

# Reachable without a login by design; the admin has its own login page.
PUBLIC_PATHS = {"/login/", "/logout/", "/healthz"}
# Integrations' endpoints: no session, their own token instead (401 without it).
TOKEN_PATHS = {"/api/calls/"}
SKIPPED_PREFIXES = ("/admin/",)
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


def _sample(converter) -> str:
    """A value the URL converter accepts, so the pattern resolves."""
    if isinstance(converter, IntConverter):
        return "1"
    if isinstance(converter, UUIDConverter):
        return str(uuid.UUID(int=1))
    return "sample"


def _walk(patterns, prefix: str = "/", converters: dict | None = None):
    """(url, callback) for every leaf pattern outside the admin, parameters filled with samples."""
    for entry in patterns:
        route = str(entry.pattern)
        if (prefix + route).startswith(SKIPPED_PREFIXES):
            continue
        if not isinstance(entry.pattern, RoutePattern):
            raise AssertionError(f"regex pattern {route!r}: teach this test to build its URL")
        known = {**(converters or {}), **entry.pattern.converters}
        path = prefix + PARAMETER.sub(lambda match, known=known: _sample(known[match["name"]]), route)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, path, known)
        elif isinstance(entry, URLPattern):
            yield path, entry.callback


def _protected_urls() -> list[tuple[str, object]]:
    return [
        (url, callback)
        for url, callback in _walk(get_resolver().url_patterns)
        if url not in PUBLIC_PATHS | TOKEN_PATHS
    ]


PROTECTED_URLS = _protected_urls()


def _user_in(django_user_model, username: str, group: str | None = None):
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def test_the_walk_finds_the_front_door_and_both_surfaces():
    urls = {url for url, _ in PROTECTED_URLS}
    assert {"/", "/office/", "/tech/"} <= urls


@pytest.mark.parametrize(("url", "callback"), PROTECTED_URLS, ids=[url for url, _ in PROTECTED_URLS])
def test_anonymous_get_is_sent_to_login_with_next(client, url, callback):
    assert resolve(url).func == callback, f"the test built {url} for the wrong view"
    response = client.get(url)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/login/"
    assert parse_qs(location.query)["next"] == [url]


@pytest.mark.parametrize("url", sorted(PUBLIC_PATHS - {"/logout/"}))
def test_public_pages_open_without_a_login(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", sorted(TOKEN_PATHS))
def test_integration_endpoints_refuse_a_post_without_their_token(client, url):
    response = client.post(url, data="{}", content_type="application/json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_anonymous_visit_to_the_admin_goes_to_the_admin_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/admin/login/"


# The front door


def test_home_sends_office_staff_to_the_office(office_client):
    response = office_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/office/"


def test_home_sends_a_technician_to_the_technician_pages(tech_client):
    response = tech_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/tech/"


def test_home_sends_a_superuser_to_the_admin(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password=PASSWORD))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_home_tells_a_user_without_a_role_that_they_have_none(client, django_user_model):
    client.force_login(_user_in(django_user_model, "newhire"))
    response = client.get("/")
    assert response.status_code == 403
    assert "no role" in response.content.decode()
    assert "Location" not in response


def test_home_gives_an_inactive_technicians_login_the_no_role_page(client, technician):
    technician.active = False
    technician.save()
    client.force_login(technician.user)
    response = client.get("/")
    assert response.status_code == 403
    assert "no role" in response.content.decode()


# Surfaces


def test_office_staff_open_the_office_pages(office_client):
    assert office_client.get("/office/").status_code == 200


def test_a_technician_opens_the_technician_pages(tech_client):
    assert tech_client.get("/tech/").status_code == 200


def test_a_technician_gets_403_on_the_office_pages(tech_client):
    response = tech_client.get("/office/")
    assert response.status_code == 403
    assert "office staff" in response.content.decode()


def test_office_staff_get_403_on_the_technician_pages(office_client):
    response = office_client.get("/tech/")
    assert response.status_code == 403
    assert "for technicians" in response.content.decode()


def test_an_inactive_technicians_login_gets_403_on_the_technician_pages(client, technician):
    technician.active = False
    technician.save()
    client.force_login(technician.user)
    assert client.get("/tech/").status_code == 403


def test_a_login_in_the_technicians_group_without_a_technician_record_gets_403(client, django_user_model):
    client.force_login(_user_in(django_user_model, "half-set-up", "Technicians"))
    assert client.get("/tech/").status_code == 403


def test_a_technician_record_linked_to_a_deactivated_login_gets_no_access(client, django_user_model):
    user = _user_in(django_user_model, "left-the-company", "Technicians")
    TechnicianFactory(user=user)
    client.force_login(user)
    user.is_active = False
    user.save()
    response = client.get("/tech/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == "/login/"


# Signing in and out


def test_the_login_page_renders_a_sign_in_form(client):
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    assert 'action="/login/"' in html


def test_logging_in_with_the_right_password_goes_home(client, office_user):
    response = client.post("/login/", {"username": office_user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session["_auth_user_id"]) == office_user.pk


def test_logging_in_returns_to_the_page_asked_for(client, office_user):
    response = client.post(
        "/login/", {"username": office_user.username, "password": PASSWORD, "next": "/office/"}
    )
    assert response["Location"] == "/office/"


def test_logging_in_never_redirects_to_another_site(client, office_user):
    response = client.post(
        "/login/",
        {"username": office_user.username, "password": PASSWORD, "next": "https://evil.example.com/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_wrong_password_shows_an_error_and_signs_nobody_in(client, office_user):
    response = client.post("/login/", {"username": office_user.username, "password": "not-the-password"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_signed_in_user_visiting_login_goes_home(office_client):
    response = office_client.get("/login/")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_refuses_get(office_client):
    response = office_client.get("/logout/")
    assert response.status_code == 405
    assert "_auth_user_id" in office_client.session


def test_logout_by_post_signs_out(office_client):
    response = office_client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in office_client.session
    assert office_client.get("/office/").status_code == 302
