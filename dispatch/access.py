"""Who may use which surface. Every view that is not public goes through one of these."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from dispatch.models import Technician

OFFICE_GROUP = "Office"
TECHNICIAN_GROUP = "Technicians"

View = Callable[..., HttpResponse]


def is_office(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Office staff: members of the Office group, and superusers (who see everything but work in admin)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=OFFICE_GROUP).exists()


def technician_for(user: AbstractBaseUser | AnonymousUser) -> Technician | None:
    """The active technician this login belongs to, or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    technician = Technician.objects.filter(user=user, active=True).first()
    return technician


def office_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_office(request.user):
            raise PermissionDenied("This page is for office staff.")
        return view(request, *args, **kwargs)

    return wrapper


def technician_required(view: View) -> View:
    """Gives the view request.technician: the signed-in user's own technician record."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        technician = technician_for(request.user)
        if technician is None:
            raise PermissionDenied("This page is for technicians.")
        request.technician = technician
        return view(request, *args, **kwargs)

    return wrapper


def home_url_for(user: AbstractBaseUser) -> str:
    """Where / sends a signed-in user: superusers to admin, office to /office/, technicians to /tech/."""
    if user.is_superuser:
        return "/admin/"
    if is_office(user):
        return "/office/"
    if technician_for(user) is not None:
        return "/tech/"
    return ""
