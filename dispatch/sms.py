"""Text messages through a small provider interface: a console backend by default, and a
Twilio-compatible REST provider (TECHFLOW_SMS_BACKEND, credentials from settings)."""

import base64
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("techflow.sms")

BACKENDS = {
    "console": "dispatch.sms.ConsoleSmsBackend",
    "twilio": "dispatch.sms.TwilioSmsBackend",
}


class SmsError(Exception):
    """The provider did not take the message; the text says why (kept as the message's last error)."""


class ConsoleSmsBackend:
    """Writes the text to the log instead of sending it: development and demos."""

    def send(self, *, to: str, body: str, key: str) -> str:
        logger.info("SMS to %s (%s): %s", to, key, body)
        return f"console-{key}"


class TwilioSmsBackend:
    """POST {TECHFLOW_SMS_URL}/2010-04-01/Accounts/{sid}/Messages.json, as Twilio and the providers
    that copy its API take it; the message's key goes along as Idempotency-Key for those that honour it."""

    def __init__(self) -> None:
        self.base_url = settings.TECHFLOW_SMS_URL.rstrip("/")
        self.account = settings.TECHFLOW_SMS_ACCOUNT_SID
        self.token = settings.TECHFLOW_SMS_AUTH_TOKEN
        self.sender = settings.TECHFLOW_SMS_FROM
        self.timeout = settings.TECHFLOW_SMS_TIMEOUT

    def send(self, *, to: str, body: str, key: str) -> str:
        if not (self.account and self.token and self.sender):
            raise SmsError("SMS is not configured: set TECHFLOW_SMS_ACCOUNT_SID, _AUTH_TOKEN and _FROM.")
        url = f"{self.base_url}/2010-04-01/Accounts/{urllib.parse.quote(self.account)}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body}).encode()
        credentials = base64.b64encode(f"{self.account}:{self.token}".encode()).decode()
        request = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Idempotency-Key": key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (URL from settings)
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode(errors="replace")
            raise SmsError(f"The SMS provider answered {error.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(f"The SMS provider could not be reached: {error}") from None
        except ValueError:
            raise SmsError("The SMS provider's answer was not JSON.") from None
        return str(answer.get("sid") or "")


@cache
def _backend_class(name: str):
    return import_string(BACKENDS.get(name, name))


def sms_backend():
    """The configured backend: 'console', 'twilio', or a dotted path to a class with send(to, body, key)."""
    return _backend_class(settings.TECHFLOW_SMS_BACKEND)()
