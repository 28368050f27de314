"""Two-factor sign-in: TOTP codes computed from the device's key at the pinned time, as an app would."""

import base64
import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

import techflow.settings as production_settings
from conftest import PASSWORD
from dispatch import clock

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice, drift: int = 0) -> str:
    """What an authenticator app shows now for this device's key."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + drift * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", password=PASSWORD)


@pytest.fixture
def required(settings):
    settings.TECHFLOW_2FA_REQUIRED = "superusers"
    return settings


def _sign_in(client, username: str):
    return client.post("/login/", {"username": username, "password": PASSWORD})


def test_superusers_need_two_factor_by_default():
    assert production_settings.TECHFLOW_2FA_REQUIRED == "superusers"


def test_a_superuser_without_an_authenticator_enrols_before_anything_else(client, superuser, required):
    assert _sign_in(client, "root").status_code == 302
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(
        "/login/2fa/setup/?next=%2Fadmin%2F"
    )
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and 'id="totp-secret"' in page
    device = TOTPDevice.objects.get(user=superuser, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key

    wrong = client.post("/login/2fa/setup/", {"token": "000000" if code(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302

    # django-otp slows down a wrong code: the next try is taken a few seconds later.
    with time_machine.travel(clock.now() + dt.timedelta(seconds=30), tick=True):
        device.refresh_from_db()
        done = client.post("/login/2fa/setup/", {"token": code(device), "next": "/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200


def test_an_enrolled_superuser_gives_a_code_after_the_password(client, superuser, required):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    _sign_in(client, "root")
    response = client.get("/admin/dispatch/workorder/")
    assert response["Location"] == "/login/2fa/?next=%2Fadmin%2Fdispatch%2Fworkorder%2F"
    assert client.post("/admin/dispatch/workorder/").status_code == 302  # a post is refused too

    refused = client.post("/login/2fa/", {"token": "12345"})
    assert refused.status_code == 400 and "6-digit" in refused.content.decode()
    verified = client.post("/login/2fa/", {"token": code(device), "next": "/admin/dispatch/workorder/"})
    assert verified["Location"] == "/admin/dispatch/workorder/"
    assert client.get("/admin/dispatch/workorder/").status_code == 200


def test_a_code_from_the_step_before_counts_but_one_used_already_does_not(client, superuser, required):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    _sign_in(client, "root")
    assert client.post("/login/2fa/", {"token": code(device, drift=-1)}).status_code == 302
    client.post("/logout/")
    _sign_in(client, "root")
    assert client.post("/login/2fa/", {"token": code(device, drift=-1)}).status_code == 400


def test_a_code_from_far_in_the_past_is_refused(client, superuser, required):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    _sign_in(client, "root")
    assert client.post("/login/2fa/", {"token": code(device, drift=-10)}).status_code == 400
    assert client.get("/admin/").status_code == 302


def test_the_admin_login_leads_to_the_same_second_step(client, superuser, required):
    TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert client.get("/admin/")["Location"].startswith("/login/2fa/")


def test_office_staff_need_it_when_the_deployment_says_staff(client, office_user, settings):
    settings.TECHFLOW_2FA_REQUIRED = "superusers"
    _sign_in(client, "officer")
    assert client.get("/office/").status_code == 200
    client.post("/logout/")
    settings.TECHFLOW_2FA_REQUIRED = "staff"
    _sign_in(client, "officer")
    assert client.get("/office/")["Location"].startswith("/login/2fa/setup/")


def test_an_office_user_who_enrolled_gives_a_code_even_when_not_required(client, office_user, settings):
    settings.TECHFLOW_2FA_REQUIRED = "none"
    device = TOTPDevice.objects.create(user=office_user, name="phone", confirmed=True)
    _sign_in(client, "officer")
    assert client.get("/office/")["Location"].startswith("/login/2fa/")
    client.post("/login/2fa/", {"token": code(device)})
    assert client.get("/office/").status_code == 200


def test_technicians_never_need_a_code(client, technician, settings):
    settings.TECHFLOW_2FA_REQUIRED = "staff"
    technician.user.groups.add(Group.objects.get_or_create(name="Office")[0])
    _sign_in(client, technician.user.username)
    assert client.get("/tech/").status_code == 200
    assert client.get("/login/2fa/setup/").status_code == 403


def test_signing_out_is_open_while_a_code_is_owed(client, superuser, required):
    _sign_in(client, "root")
    assert client.post("/logout/").status_code == 302
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_next_address_after_the_code_stays_on_this_site(client, superuser, required):
    device = TOTPDevice.objects.create(user=superuser, name="phone", confirmed=True)
    _sign_in(client, "root")
    response = client.post("/login/2fa/", {"token": code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"
