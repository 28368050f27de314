"""The optional S3-compatible file store (README "Files"), against a real local S3 server.

moto's server is a real HTTP S3 endpoint on a free local port: django-storages' backend talks to it
over HTTP with boto3 exactly as it would to MinIO or AWS. Nothing leaves the machine.
"""

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

pytest.importorskip("storages.backends.s3", reason="optional backend: django-storages[s3] not installed")
moto_server = pytest.importorskip("moto.server", reason="optional backend's tests need moto[server]")

import boto3  # noqa: E402
from django.core.files.storage import default_storage, storages  # noqa: E402

from dispatch.tests.factories import WorkOrderFactory  # noqa: E402
from fieldops.models import JobAttachment  # noqa: E402
from fieldops.tests.record_helpers import jpeg, jpeg_bytes  # noqa: E402
from techflow.s3 import s3_storage  # noqa: E402

BUCKET = "techflow-test"
KEYS = {"access_key": "test-access", "secret_key": "test-secret"}
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_client(s3_endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def s3_storage_on(settings, s3_endpoint, s3_client):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage(bucket=BUCKET, endpoint_url=s3_endpoint, region="us-east-1", **KEYS),
    }
    return s3_client


@pytest.mark.django_db
def test_a_job_photo_goes_to_the_bucket_is_served_signed_and_deleted(
    s3_storage_on, settings, tech_client, technician
):
    order = WorkOrderFactory(assigned_technician=technician, status="in_progress")
    body = jpeg_bytes(color=(200, 40, 40))
    response = tech_client.post(
        f"/tech/jobs/{order.pk}/photos/",
        {"idempotency_key": str(uuid.uuid4()), "step": "before", "file": jpeg(color=(200, 40, 40))},
    )
    assert response.status_code == 302
    photo = JobAttachment.objects.get()
    assert type(storages["default"]).__name__ == "S3Storage"

    # In the bucket (asked of the S3 server itself), with its thumbnail; nothing on local disk.
    keys = {item["Key"] for item in s3_storage_on.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert {photo.file.name, photo.thumbnail.name} <= keys
    assert s3_storage_on.get_object(Bucket=BUCKET, Key=photo.file.name)["Body"].read() == body
    assert not Path(settings.MEDIA_ROOT).exists() or not any(Path(settings.MEDIA_ROOT).rglob("*.*"))

    # Read back through the storage API, and through the permission-checking view.
    with default_storage.open(photo.file.name, "rb") as handle:
        assert handle.read() == body
    served = tech_client.get(f"/tech/photos/{photo.pk}/")
    assert served.status_code == 200 and b"".join(served.streaming_content) == body

    # A signed (short-lived) URL works over HTTP against the server.
    url = default_storage.url(photo.file.name)
    assert "X-Amz-Signature=" in url and url.startswith(s3_endpoint_of(settings))
    with urllib.request.urlopen(url, timeout=10) as fetched:
        assert fetched.status == 200 and fetched.read() == body

    default_storage.delete(photo.file.name)
    assert not default_storage.exists(photo.file.name)
    assert photo.file.name not in {
        item["Key"] for item in s3_storage_on.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    }
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(default_storage.url(photo.file.name), timeout=10)
    assert gone.value.code == 404


@pytest.mark.django_db
def test_the_stored_files_check_finds_a_photo_deleted_from_the_bucket(s3_storage_on, tech_client, technician):
    """README "Files": an object removed from the bucket behind TechFlow's back is found by the
    periodic check (a HEAD per file), not when somebody opens the photo."""
    from fieldops.models import OperationalEvent
    from techflow.storage_check import EVENT_TYPE, stored_files_check

    order = WorkOrderFactory(assigned_technician=technician, status="in_progress")
    for color in ((200, 40, 40), (40, 200, 40)):
        response = tech_client.post(
            f"/tech/jobs/{order.pk}/photos/",
            {"idempotency_key": str(uuid.uuid4()), "step": "before", "file": jpeg(color=color)},
        )
        assert response.status_code == 302
    kept, lost = JobAttachment.objects.order_by("pk")
    assert stored_files_check(batch=50).missing == []  # 2 photos and their 2 thumbnails, all there
    s3_storage_on.delete_object(Bucket=BUCKET, Key=lost.file.name)  # gone from the store itself
    run = stored_files_check(batch=50)
    assert run.checked == 4 and run.missing == [lost.file.name] and run.pass_finished
    (event,) = OperationalEvent.objects.filter(event_type=EVENT_TYPE)
    assert event.metadata["id"] == str(lost.pk) and event.metadata["work_order_id"] == order.pk
    assert kept.file.name in {i["Key"] for i in s3_storage_on.list_objects_v2(Bucket=BUCKET)["Contents"]}


def test_a_second_file_of_the_same_name_gets_its_own_key(s3_storage_on):
    first = default_storage.save("same/name.txt", _content(b"one"))
    second = default_storage.save("same/name.txt", _content(b"two"))
    assert first != second
    with default_storage.open(first) as a, default_storage.open(second) as b:
        assert (a.read(), b.read()) == (b"one", b"two")


def s3_endpoint_of(settings) -> str:
    return settings.STORAGES["default"]["OPTIONS"]["endpoint_url"]


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def test_techflow_s3_bucket_switches_the_default_storage_from_the_environment():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "techflow.settings",
        "SECRET_KEY": "x",
        "DEBUG": "true",
        "TECHFLOW_S3_BUCKET": "reports-bucket",
        "TECHFLOW_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "TECHFLOW_S3_REGION": "eu-west-1",
        "TECHFLOW_S3_ACCESS_KEY": "ak",
        "TECHFLOW_S3_SECRET_KEY": "sk",
    }
    script = (
        "import django; django.setup();"
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.region_name, s.default_acl,"
        " s.querystring_auth, s.file_overwrite)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.split() == [
        "S3Storage",
        "reports-bucket",
        "http://127.0.0.1:9",
        "eu-west-1",
        "None",
        "True",
        "False",
    ]
    env.pop("TECHFLOW_S3_BUCKET")
    out = subprocess.run(
        [sys.executable, "-c", script.split(";print")[0] + ";print(type(s).__name__)"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "FileSystemStorage"
