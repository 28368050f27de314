"""The technician pages install as an app: manifest, icons and the service worker."""

import json
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

STATIC = Path(settings.BASE_DIR) / "static"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_the_manifest_names_the_app_its_scope_and_icons_that_exist():
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text())
    assert manifest["start_url"] == "/tech/" and manifest["scope"] == "/tech/"
    assert manifest["display"] == "standalone"
    sizes = {}
    for icon in manifest["icons"]:
        path = STATIC / icon["src"]  # relative to the manifest, which sits at the static root
        assert path.is_file(), icon["src"]
        if icon["type"] == "image/png":
            width, height = _png_size(path)
            assert icon["sizes"] == f"{width}x{height}"
            sizes[width] = icon
    assert {192, 512} <= set(sizes)


def test_the_static_files_the_phone_pages_load_are_found():
    for name in (
        "manifest.webmanifest",
        "css/tech.css",
        "js/tech.js",
        "icons/icon.svg",
        "icons/icon-192.png",
    ):
        assert finders.find(name), name


def test_the_phone_pages_link_the_manifest_and_register_the_worker(tech_client):
    html = tech_client.get("/tech/").content.decode()
    assert 'rel="manifest"' in html and 'data-sw="/tech/sw.js"' in html
    assert "js/tech.js" in html


def test_the_service_worker_is_never_cached_by_the_browser(tech_client):
    response = tech_client.get("/tech/sw.js")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
