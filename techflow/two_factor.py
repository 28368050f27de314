"""Two-factor sign-in (TOTP, django-otp) for office staff and admins.

Who must give a code after the password is a deployment's choice, TECHFLOW_2FA_REQUIRED:
- "superusers" (the default): superusers must enrol an authenticator app and give a code;
- "staff": office staff too;
- "none": nobody must (the demo: `make demo` sets it).
Anyone else of the office who enrolled anyway (/login/2fa/setup/) gives a code too. Technicians
never do: their phone is their own, and the login throttle guards their password.

After the password, `TwoFactorMiddleware` sends a user who still owes a code to the verification
page (or, with no authenticator enrolled yet, to the enrolment page) and lets nothing else through
but signing out. django-otp's TOTP device keeps the key, checks the code within one 30-second step
either side, refuses a code used before and slows down repeated wrong codes.
"""

from __future__ import annotations

from collections.abc import Callable

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from techflow.seclog import security_event

POLICIES = ("none", "superusers", "staff")
ISSUER = "TechFlow"


def policy() -> str:
    value = getattr(settings, "TECHFLOW_2FA_REQUIRED", "superusers")
    return value if value in POLICIES else "superusers"


def _office_side(user) -> bool:
    """Office staff and superusers; never a technician's login."""
    from dispatch.access import is_office, technician_for

    return user.is_superuser or (is_office(user) and technician_for(user) is None)


def two_factor_required(user) -> bool:
    """Whether this login must enrol and use an authenticator, by the deployment's policy."""
    if not user.is_authenticated or not _office_side(user):
        return False
    if policy() == "staff":
        return True
    return policy() == "superusers" and user.is_superuser


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def owes_code(user) -> bool:
    """Signed in with the password, but the second step is still due."""
    verified = getattr(user, "is_verified", None)  # set by OTPMiddleware; not yet at sign-in
    if not user.is_authenticated or (verified is not None and verified()):
        return False
    if two_factor_required(user):
        return True
    return _office_side(user) and confirmed_device(user) is not None


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return reverse("home")


class TwoFactorMiddleware:
    """After django-otp's OTPMiddleware: a user who owes a code reaches only the two-factor pages and
    sign-out; every other request is sent there (its path kept as ?next=)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in _open_paths() and not request.path.startswith(settings.STATIC_URL):
            user = request.user
            if user.is_authenticated and _owes_code_this_session(request):
                page = "two_factor_verify" if confirmed_device(user) else "two_factor_setup"
                target = reverse(page)
                if request.method == "GET":
                    target += "?" + _query({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)


SESSION_STATE = "_techflow_2fa"


def _owes_code_this_session(request: HttpRequest) -> bool:
    """owes_code, decided once per session (at its first request after sign-in) and kept in it, so
    a page costs no query for it; the device check runs again only until the code is given."""
    state = request.session.get(SESSION_STATE)
    if state is None:
        state = "owed" if owes_code(request.user) else "clear"
        request.session[SESSION_STATE] = state
    return state == "owed" and not request.user.is_verified()


@receiver(user_logged_in)
def _on_logged_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    # Decided at sign-in, so no page pays for it later.
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STATE] = "owed" if owes_code(user) else "clear"


def _open_paths() -> set[str]:
    return {
        reverse("two_factor_verify"),
        reverse("two_factor_setup"),
        reverse("logout"),
        reverse("login"),
        reverse("admin:login"),
        reverse("admin:logout"),
        reverse("healthz"),
    }


def _query(values: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not (token.isascii() and token.isdigit() and len(token) == 6):
            raise forms.ValidationError("Enter the 6-digit code your authenticator app shows.")
        return token


@never_cache
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step: the code from the authenticator enrolled before."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect(reverse("two_factor_setup") + "?" + _query({"next": _next(request)}))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            security_event("2fa_verified", request)
            return redirect(_next(request))
        security_event("2fa_failed", request)
        form.add_error("token", "That code is not right (or was used already). Try the next one.")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)}, status=status
    )


@never_cache
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), then confirm with a code."""
    user = request.user
    if not _office_side(user):
        return render(request, "no_role.html", status=403)
    if confirmed_device(user) is not None and not user.is_verified():
        return redirect(reverse("two_factor_verify") + "?" + _query({"next": _next(request)}))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=ISSUER, confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            security_event("2fa_enrolled", request)
            return redirect(_next(request))
        security_event("2fa_failed", request, step="enrol")
        form.add_error("token", "That code is not right: check the time on your phone and try the next one.")
    context = {
        "form": form,
        "next": _next(request),
        "secret": device_secret(device),
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000", light="#fff"),
        "required": two_factor_required(user),
    }
    return render(
        request,
        "registration/two_factor_setup.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def device_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    import base64

    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
