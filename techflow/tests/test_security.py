"""Production settings pass Django's deploy checklist; pages carry the security headers."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

BASE_DIR = Path(settings.BASE_DIR)
BODY_TAG = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
HX_HEADERS = re.compile(r"""hx-headers='([^']*)'""")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A script or stylesheet fetched from another host (absolute or protocol-relative URL).
EXTERNAL_ASSET = re.compile(
    r"""<script\b[^>]*\bsrc=["']?(?:https?:)?//|<link\b[^>]*\bhref=["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def _manage(*args: str, tmp_path: Path, **environ: str) -> subprocess.CompletedProcess:
    """manage.py in a clean process with only the given environment (no test settings)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "techflow.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **environ,
    }
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_checklist(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        tmp_path=tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="techflow.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_static_files_collect_with_hashed_names_for_the_vendored_libraries(tmp_path):
    static_root = tmp_path / "static"
    result = _manage(
        "collectstatic",
        "--no-input",
        tmp_path=tmp_path,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="techflow.example.com",
        STATIC_ROOT=str(static_root),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    for name in (
        "vendor/htmx/htmx.min.js",
        "vendor/bootstrap/bootstrap.min.css",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "css/techflow.css",
    ):
        assert (static_root / manifest[name]).is_file()


def test_settings_refuse_to_start_with_debug_off_and_no_secret_key(tmp_path):
    # SECRET_KEY is set empty rather than left out so a developer's .env can't supply one.
    result = _manage(
        "check", tmp_path=tmp_path, DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="techflow.example.com"
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_development_settings_start_without_a_secret_key(tmp_path):
    result = _manage("check", tmp_path=tmp_path, DEBUG="true")
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_responses_carry_the_security_headers_with_debug_off(client):
    assert settings.DEBUG is False
    response = client.get("/login/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_login_page_puts_the_csrf_token_in_hx_headers_on_body(client):
    html = client.get("/login/").content.decode()
    body = BODY_TAG.search(html).group(0)
    assert "hx-headers" in body
    assert "X-CSRFToken" in body
    headers = json.loads(HX_HEADERS.search(body).group(1))
    # The same token the page's own form posts.
    assert headers["X-CSRFToken"] == CSRF_INPUT.search(html).group(1)


@pytest.mark.django_db
def test_office_pages_put_the_csrf_token_in_hx_headers_on_body(office_client):
    html = office_client.get("/office/").content.decode()
    body = BODY_TAG.search(html).group(0)
    assert json.loads(HX_HEADERS.search(body).group(1))["X-CSRFToken"]


@pytest.mark.django_db
def test_an_htmx_post_with_the_body_token_passes_csrf_and_one_without_is_refused(office_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(office_user)
    html = client.get("/office/").content.decode()
    token = json.loads(HX_HEADERS.search(BODY_TAG.search(html).group(0)).group(1))["X-CSRFToken"]

    refused = client.post("/logout/", headers={"HX-Request": "true"})
    assert refused.status_code == 403
    accepted = client.post("/logout/", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_no_page_loads_scripts_or_stylesheets_from_another_host(office_client, django_user_model):
    from django.contrib.auth.models import Group

    from dispatch.tests.factories import TechnicianFactory

    anonymous = Client()
    pages = {"/login/": anonymous.get("/login/"), "/no-such-page/": anonymous.get("/no-such-page/")}
    pages["/office/"] = office_client.get("/office/")
    pages["/tech/ (403 for office)"] = office_client.get("/tech/")
    tech_user = django_user_model.objects.create_user("field-tech")
    tech_user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    TechnicianFactory(user=tech_user)
    tech = Client()
    tech.force_login(tech_user)
    pages["/tech/"] = tech.get("/tech/")
    no_role = Client()
    no_role.force_login(django_user_model.objects.create_user("nobody"))
    pages["/ (no role)"] = no_role.get("/")

    for url, response in pages.items():
        html = response.content.decode()
        assert "<script" in html and "<link" in html, f"{url} rendered no assets"
        assert not EXTERNAL_ASSET.search(html), f"{url} loads {EXTERNAL_ASSET.search(html).group(0)}"


def test_no_template_loads_scripts_or_stylesheets_from_another_host():
    offenders = [
        str(path.relative_to(BASE_DIR))
        for path in (BASE_DIR / "templates").rglob("*.html")
        if EXTERNAL_ASSET.search(path.read_text())
    ]
    assert not offenders


def test_manage_py_runs_in_development_mode_when_nothing_says_debug(tmp_path):
    result = _manage("check", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif((BASE_DIR / ".env").exists(), reason="a local .env may say DEBUG or SECRET_KEY")
def test_the_wsgi_server_refuses_to_start_when_nothing_says_debug_and_no_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import techflow.wsgi"],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
