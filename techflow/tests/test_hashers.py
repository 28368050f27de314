"""The demo's cheap password hasher: offered only with DEBUG on, and demo logins still work."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import global_settings
from django.contrib.auth import authenticate, get_user_model
from django.test import override_settings

from techflow.demo import DEFAULT_PASSWORD, load_demo
from techflow.hashers import DemoPasswordHasher, demo_hasher

DEMO_HASHER = "techflow.hashers.DemoPasswordHasher"
ROOT = Path(__file__).resolve().parents[2]


def _hashers_in_settings(debug: str) -> list[str]:
    """PASSWORD_HASHERS as techflow.settings (the production module, not the tests') builds them."""
    environment = {
        key: value for key, value in os.environ.items() if key not in {"DEBUG", "TECHFLOW_DEBUG_DEFAULT"}
    }
    environment.update(DEBUG=debug, SECRET_KEY="x", DJANGO_SETTINGS_MODULE="techflow.settings")
    code = "import json; from django.conf import settings; print(json.dumps(settings.PASSWORD_HASHERS))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_production_settings_hash_with_djangos_own_hashers_only():
    hashers = _hashers_in_settings("false")
    assert DEMO_HASHER not in hashers
    assert hashers == list(global_settings.PASSWORD_HASHERS)


def test_development_settings_offer_the_demo_hasher_after_the_default():
    hashers = _hashers_in_settings("true")
    assert hashers[0] == global_settings.PASSWORD_HASHERS[0]
    assert hashers[-1] == DEMO_HASHER and hashers.count(DEMO_HASHER) == 1


def test_the_demo_hashes_with_the_default_when_the_cheap_hasher_is_not_offered():
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        assert demo_hasher() == "default"
    assert demo_hasher() == DemoPasswordHasher.algorithm


@pytest.mark.demo
@pytest.mark.django_db
def test_a_demo_login_authenticates_and_is_rehashed_with_the_first_hasher(now):
    load_demo(today=now.date(), now=now)
    office = get_user_model().objects.get(username="office")
    assert office.password.startswith(f"{DemoPasswordHasher.algorithm}$1000$")
    assert authenticate(username="office", password="wrong") is None
    assert authenticate(username="office", password=DEFAULT_PASSWORD) == office
    office.refresh_from_db()
    assert office.password.startswith("md5$")
    assert authenticate(username="office", password=DEFAULT_PASSWORD) == office
