"""Forms of the technician pages. Location fields are read leniently: a bad one is dropped, never an error."""

import hashlib
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.http import QueryDict

from fieldops.models import ChecklistItem, ChecklistKind, ChecklistTemplate, Equipment, PhotoStep
from fieldops.record_services import EQUIPMENT_FIELDS, mac_normalize, upload_inspect
from fieldops.services import Location
from inventory.models import InventoryItem, Truck
from inventory.services import MAX_QUANTITY


def location_from(data: QueryDict) -> Location:
    """The browser's location from the hidden fields; empty (refused, unknown or nonsense) gives none."""
    try:
        latitude = Decimal(data.get("latitude", "")).quantize(Decimal("0.000001"))
        longitude = Decimal(data.get("longitude", "")).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        return Location()
    if not (latitude.is_finite() and longitude.is_finite()):
        return Location()
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return Location()
    try:
        accuracy = max(0, min(int(float(data.get("accuracy", ""))), 1_000_000))
    except (TypeError, ValueError, OverflowError):
        accuracy = None
    return Location(latitude, longitude, accuracy)


def idempotency_key_from(data: QueryDict, field: str = "idempotency_key") -> uuid.UUID | None:
    try:
        return uuid.UUID(data.get(field, ""))
    except ValueError:
        return None


def tapped_at_from(data: QueryDict) -> datetime | None:
    """When an action saved on the phone was tapped (`tapped_at`, milliseconds since the epoch, as
    tech.js sends it), or None for an action sent as it was tapped. Nonsense is None too: the
    action is then recorded when it arrives, and the bounds are fieldops.state's."""
    try:
        millis = int(data.get("tapped_at", ""))
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


# Sent along with an action but not part of it: the CSRF token (renewed before an offline replay),
# the key itself, the position the phone refreshes by itself and the tap time of a replay.
_NOT_THE_PAYLOAD = {
    "csrfmiddlewaretoken",
    "idempotency_key",
    "latitude",
    "longitude",
    "accuracy",
    "tapped_at",
}


def request_fingerprint(path: str, data: QueryDict) -> str:
    """The hash an idempotency key is stored with: the path and the action's own form fields."""
    fields = sorted(
        [name, value] for name in data if name not in _NOT_THE_PAYLOAD for value in data.getlist(name)
    )
    return hashlib.sha256(json.dumps([path, fields]).encode()).hexdigest()


class ClockInForm(forms.Form):
    truck = forms.ModelChoiceField(
        queryset=Truck.objects.filter(active=True, is_office_truck=False),
        error_messages={"required": "Pick your truck.", "invalid_choice": "Pick one of the trucks."},
    )
    # "Yes, I share it with them": the answer to the question a truck in use asks.
    share = forms.BooleanField(required=False)


class CompleteForm(forms.Form):
    note = forms.CharField(
        max_length=5000,
        error_messages={"required": "Write what you did before you complete the job."},
    )


class NoteForm(forms.Form):
    text = forms.CharField(max_length=5000, error_messages={"required": "Write the note first."})
    alert_office = forms.BooleanField(required=False)


class PartForm(forms.Form):
    item = forms.ModelChoiceField(
        queryset=InventoryItem.objects.active(),
        error_messages={"required": "Pick the part.", "invalid_choice": "Pick one of the parts."},
    )
    quantity = forms.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        error_messages={"required": "How many?", "invalid": "The quantity must be a whole number."},
    )


class EventForm(forms.Form):
    notes = forms.CharField(max_length=2000, required=False)


class AgentForm(forms.Form):
    text = forms.CharField(
        max_length=1000,
        error_messages={
            "required": "I didn't hear anything. Type or say what you need, or say “help”.",
            "max_length": "That's too long for me: say one thing at a time, in a sentence or two.",
        },
    )


class PhotoForm(forms.Form):
    """A photo or PDF for the job; what it is is checked by its bytes (record_services.upload_inspect)."""

    file = forms.FileField(
        allow_empty_file=False,
        error_messages={"required": "Take or choose a photo first.", "empty": "The file is empty."},
    )
    step = forms.ChoiceField(choices=PhotoStep.choices, initial=PhotoStep.DURING)
    caption = forms.CharField(max_length=200, required=False)
    # The phone's clock when the photo was taken (ISO 8601), for an upload replayed later.
    taken_at = forms.DateTimeField(required=False)
    checklist_item = forms.ModelChoiceField(
        queryset=ChecklistItem.objects.filter(kind=ChecklistKind.PHOTO, active=True),
        required=False,
        error_messages={"invalid_choice": "That checklist item does not take a photo."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        upload_inspect(upload)
        return upload


class ChecklistAnswerForm(forms.Form):
    value = forms.CharField(max_length=2000, required=False)


class ChecklistTemplateForm(forms.ModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ["name", "job_type"]


class ChecklistItemForm(forms.Form):
    label = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ChecklistKind.choices, initial=ChecklistKind.YES_NO)
    required = forms.BooleanField(required=False, initial=True)


class EquipmentForm(forms.ModelForm):
    """A device at the job's site; `item` (a part used on the job) can pre-fill its model."""

    item = forms.ModelChoiceField(
        queryset=InventoryItem.objects.all(), required=False, label="From a part used"
    )
    password = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted; leave empty to keep the one stored.",
    )

    class Meta:
        model = Equipment
        fields = [*EQUIPMENT_FIELDS]
        widgets = {"warranty_end": forms.DateInput(attrs={"type": "date"})}
        labels = {"mac_address": "MAC address", "ip_address": "IP address", "serial_number": "Serial number"}

    def clean_mac_address(self):
        return mac_normalize(self.cleaned_data["mac_address"])


class SignOffForm(forms.Form):
    signer_name = forms.CharField(
        max_length=120, error_messages={"required": "Write the customer's name under the signature."}
    )
    # The pad's PNG as a data: URL (static/js/signature.js); checked by record_services.job_sign_off.
    signature = forms.CharField(
        max_length=2_000_000, error_messages={"required": "Ask the customer to sign in the box first."}
    )
