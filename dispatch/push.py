"""Web Push to technicians' phones, for when their page is closed (VAPID keys from settings, pywebpush).

The open page learns of a message by its poll (`/tech/live/`); push is the extra for a phone in a
pocket. Sending never fails the office's request: a push service that refuses or cannot be reached
is logged and counted on the subscription, and one that says the subscription is gone (404/410)
has it removed. `manual_notification_push` is the unit of work a background task can run later;
for now `manual_notification_send` calls it right after its transaction commits.
"""

import json
import logging
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db.models import F
from django.urls import reverse
from py_vapid import Vapid, b64urlencode
from pywebpush import WebPushException, webpush

from dispatch import clock
from dispatch.models import ManualNotification, Priority, PushSubscription

log = logging.getLogger(__name__)

GONE = (404, 410)


def push_enabled() -> bool:
    return bool(settings.TECHFLOW_VAPID_PRIVATE_KEY.strip())


def _vapid() -> Vapid:
    key = settings.TECHFLOW_VAPID_PRIVATE_KEY.strip()
    if "-----BEGIN" in key:
        return Vapid.from_pem(key.encode())
    return Vapid.from_string(private_key=key)


def vapid_public_key() -> str:
    """The applicationServerKey the browser subscribes with (base64url, uncompressed point); "" when off."""
    if not push_enabled():
        return ""
    raw = _vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64urlencode(raw)


@dataclass(frozen=True)
class PushResult:
    sent: int = 0
    failed: int = 0
    removed: int = 0


def push_send(*, technician_id: int, title: str, body: str, url: str, tag: str = "") -> PushResult:
    """Send one notification to every browser the technician subscribed; never raises for a push failure."""
    if not push_enabled():
        return PushResult()
    vapid = _vapid()
    payload = json.dumps({"title": title, "body": body, "url": url, "tag": tag})
    sent = failed = removed = 0
    for subscription in PushSubscription.objects.filter(technician_id=technician_id):
        info = {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        }
        try:
            webpush(
                info,
                payload,
                vapid_private_key=vapid,
                vapid_claims={"sub": settings.TECHFLOW_VAPID_SUBJECT},
                timeout=settings.TECHFLOW_PUSH_TIMEOUT,
                ttl=3600,
                headers={"Urgency": "high"},
            )
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in GONE:
                subscription.delete()
                removed += 1
                log.info("push subscription %s gone (%s): removed", subscription.pk, status)
                continue
            failed += 1
            PushSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
            log.warning("push to subscription %s failed: %s", subscription.pk, status or error)
        except Exception as error:  # noqa: BLE001 - a bad key, DNS, a timeout: logged, the office's send stands
            failed += 1
            PushSubscription.objects.filter(pk=subscription.pk).update(failures=F("failures") + 1)
            log.warning("push to subscription %s failed: %r", subscription.pk, error)
        else:
            sent += 1
            PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=clock.now(), failures=0)
    return PushResult(sent, failed, removed)


def manual_notification_push(*, notification_id: int) -> PushResult:
    """Push an urgent office message to its technician's phones (idempotent enough to retry: a
    message already read is not pushed again)."""
    message = ManualNotification.objects.filter(pk=notification_id).select_related("work_order").first()
    if message is None or message.is_read or message.priority != Priority.URGENT or not message.technician_id:
        return PushResult()
    # The technician's pages, by name (the phone pages are fieldops'; only their URLs are known here).
    url = (
        reverse("fieldops:job_detail", args=[message.work_order_id])
        if message.work_order_id
        else reverse("fieldops:tech_home")
    )
    title = f"URGENT · job #{message.work_order_id}" if message.work_order_id else "URGENT from the office"
    return push_send(
        technician_id=message.technician_id,
        title=title,
        body=message.message or "",
        url=url,
        tag=f"message-{message.pk}",
    )
