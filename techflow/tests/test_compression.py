"""Compressed, cacheable responses: static files hashed with brotli and gzip copies and served
immutable; the manifest's icons hashed; HTML gzipped in transit with a fresh CSRF mask per
response; signed-in pages never stored by a cache."""

import gzip
import json
import re

import brotli
import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

PRODUCTION_STORAGE = "techflow.storage.StaticFilesStorage"


def _production_static(root) -> dict:
    return {
        "STATIC_ROOT": root,
        "STORAGES": {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}},
        "WHITENOISE_USE_FINDERS": False,
        "WHITENOISE_AUTOREFRESH": False,
    }


@pytest.fixture(scope="module")
def _collected_root(tmp_path_factory):
    """collectstatic with the production storage into a scratch STATIC_ROOT, once (brotli is slow)."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(**_production_static(root)):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def collected(_collected_root):
    """The scratch STATIC_ROOT, served by WhiteNoise as in production."""
    with override_settings(**_production_static(_collected_root)):
        yield _collected_root


def test_collectstatic_writes_hashed_files_with_brotli_and_gzip_copies(collected):
    css = staticfiles_storage.stored_name("css/office.css")
    assert re.fullmatch(r"css/office\.[0-9a-f]{12}\.css", css)
    original = (collected / css).read_bytes()
    assert brotli.decompress((collected / f"{css}.br").read_bytes()) == original
    assert gzip.decompress((collected / f"{css}.gz").read_bytes()) == original
    js = staticfiles_storage.stored_name("js/tech.js")
    assert (collected / f"{js}.br").is_file() and (collected / f"{js}.gz").is_file()


def test_the_web_manifest_names_its_icons_by_their_hashed_names(collected):
    manifest = json.loads((collected / staticfiles_storage.stored_name("manifest.webmanifest")).read_text())
    sources = [icon["src"] for icon in manifest["icons"]]
    assert sources and all(re.fullmatch(r"icons/icon[-\w]*\.[0-9a-f]{12}\.(png|svg)", s) for s in sources)
    assert all((collected / s).is_file() for s in sources)
    assert manifest["start_url"] == "/tech/"


def test_hashed_static_files_are_served_compressed_and_immutable(collected):
    client = Client()  # a new handler, so WhiteNoise reads the scratch STATIC_ROOT
    url = staticfiles_storage.url("css/office.css")
    response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert "Accept-Encoding" in response["Vary"]
    body = b"".join(response.streaming_content)
    assert (
        brotli.decompress(body)
        == (collected / staticfiles_storage.stored_name("css/office.css")).read_bytes()
    )
    icon = staticfiles_storage.url("icons/icon-192.png")
    assert client.get(icon)["Cache-Control"] == "max-age=315360000, public, immutable"
    # An unhashed name is still served (sw.js and old pages), but not for ever.
    assert "immutable" not in client.get("/static/css/office.css").get("Cache-Control", "")


def test_pages_are_gzipped_in_transit_with_a_fresh_csrf_mask_each_time(office_client):
    first = office_client.get("/office/", headers={"Accept-Encoding": "gzip"})
    second = office_client.get("/office/", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in first["Vary"]
    pages = [gzip.decompress(r.content).decode() for r in (first, second)]
    assert all("<html" in page for page in pages)
    # BREACH needs a secret repeated byte for byte across responses; Django masks the CSRF token
    # afresh in every response, so the compressed sizes leak nothing about it.
    tokens = [re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1) for page in pages]
    assert tokens[0] != tokens[1]


def test_a_client_that_does_not_ask_for_compression_gets_plain_html(office_client):
    response = office_client.get("/office/")
    assert not response.has_header("Content-Encoding") and b"<html" in response.content


def test_signed_in_pages_and_htmx_fragments_are_never_stored(office_client, tech_client):
    for client, url in (
        (office_client, "/office/"),
        (office_client, "/office/board/"),
        (tech_client, "/tech/"),
    ):
        response = client.get(url, headers={"Accept-Encoding": "gzip", "HX-Request": "true"})
        assert response["Cache-Control"] == "private, no-store", url
