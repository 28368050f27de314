"""Forms for the office inventory pages. They parse and check input; the services change stock."""

import datetime as dt

from django import forms

from dispatch import clock
from dispatch.forms import DayField
from inventory.models import STANDARD_QUANTITY_BY_CATEGORY, InventoryItem, ItemCategory, Truck
from inventory.services import MAX_QUANTITY, minimum_quantity_for, standard_quantity_for


def _quantity_field(label: str, *, minimum: int = 1, required: bool = True, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=MAX_QUANTITY,
        required=required,
        error_messages={
            "invalid": "Enter a whole number.",
            "min_value": f"Enter at least {minimum}.",
            "max_value": f"Enter at most {MAX_QUANTITY:,}: larger loads are typos, not deliveries.",
        },
        **kwargs,
    )


class ItemChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(
            queryset=InventoryItem.objects.active().order_by("category", "name"),
            empty_label="Choose an item…",
            error_messages={
                "invalid_choice": "Choose an item from the list: that one is unknown or retired."
            },
            **kwargs,
        )

    def label_from_instance(self, obj: InventoryItem) -> str:
        return f"{obj.name} ({obj.unit or 'unit'})"


class InventoryItemForm(forms.ModelForm):
    standard_quantity = _quantity_field(
        "Standard quantity",
        minimum=0,
        required=False,
        help_text="What a full service truck carries. Leave blank for the category's standard ("
        + ", ".join(f"{c.label} {q:,}" for c, q in STANDARD_QUANTITY_BY_CATEGORY.items())
        + ").",
    )
    minimum_quantity = _quantity_field(
        "Minimum level",
        minimum=0,
        required=False,
        help_text="Below this a truck needs restocking. Leave blank for a fifth of the standard.",
    )

    class Meta:
        model = InventoryItem
        fields = [
            "name",
            "category",
            "unit",
            "description",
            "standard_quantity",
            "minimum_quantity",
            "unit_cost",
            "active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "unit": "How it is counted: unit, ft, box…",
            "active": "Retired items leave the trucks' lists.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].required = True
        self.fields["category"].choices = [("", "Choose a category…"), *ItemCategory.choices]
        self.fields["standard_quantity"].widget.attrs["placeholder"] = "The category's standard"
        self.fields["minimum_quantity"].widget.attrs["placeholder"] = "A fifth of the standard"
        self.fields["unit"].required = True
        self.fields["unit"].initial = "unit"

    def clean(self) -> dict:
        data = super().clean()
        category = data.get("category")
        if data.get("standard_quantity") is None and "standard_quantity" not in self.errors:
            data["standard_quantity"] = standard_quantity_for(category)
        if data.get("minimum_quantity") is None and "minimum_quantity" not in self.errors:
            standard = data.get("standard_quantity") or 0
            data["minimum_quantity"] = max(1, standard // 5) if standard else minimum_quantity_for(category)
        standard, minimum = data.get("standard_quantity"), data.get("minimum_quantity")
        if standard is not None and minimum is not None and minimum > standard:
            self.add_error(
                "minimum_quantity", f"The minimum can't be above the standard quantity ({standard})."
            )
        return data


class RestockForm(forms.Form):
    item = ItemChoiceField()
    quantity = _quantity_field("Quantity")
    reason = forms.CharField(
        label="Note", required=False, max_length=500, help_text="Optional, e.g. a delivery note."
    )


class TransferForm(forms.Form):
    to_truck = forms.ModelChoiceField(
        label="To truck",
        queryset=Truck.objects.none(),
        empty_label="Choose a truck…",
        error_messages={
            "invalid_choice": "Choose a service truck in use: the office truck carries no stock."
        },
    )
    item = ItemChoiceField()
    quantity = _quantity_field("Quantity")
    reason = forms.CharField(label="Note", required=False, max_length=500)

    def __init__(self, *args, from_truck: Truck, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.from_truck = from_truck
        # The truck itself stays a valid choice, so that choosing it gets a message that says why not.
        field = self.fields["to_truck"]
        field.queryset = Truck.objects.service().order_by("name", "pk")
        field.widget.choices = [choice for choice in field.choices if str(choice[0]) != str(from_truck.pk)]

    def clean_to_truck(self) -> Truck:
        to_truck = self.cleaned_data["to_truck"]
        if to_truck.pk == self.from_truck.pk:
            raise forms.ValidationError("A transfer needs two different trucks: choose another one.")
        return to_truck


class AdjustForm(forms.Form):
    item = ItemChoiceField()
    counted = _quantity_field("Counted quantity", minimum=0, help_text="What is on the truck now.")
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        error_messages={"required": "Say why the stock is adjusted (damaged, lost, recount…)."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the stock is adjusted (damaged, lost, recount…).")
        return reason


class DateRangeForm(forms.Form):
    start = DayField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = DayField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    DEFAULT_DAYS = 30
    MAX_DAYS = 366 * 5

    @classmethod
    def from_query(cls, query) -> "DateRangeForm":
        """Bound to the query string, with the last 30 days filled in where a date is missing."""
        data = query.copy()
        end = clock.localdate()
        if not data.get("end"):
            data["end"] = end.isoformat()
        if not data.get("start"):
            data["start"] = (end - dt.timedelta(days=cls.DEFAULT_DAYS - 1)).isoformat()
        return cls(data)

    def clean(self) -> dict:
        data = super().clean()
        today = clock.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=self.DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError("The start date must be on or before the end date.")
        if (end - start).days > self.MAX_DAYS:
            raise forms.ValidationError("Choose a range of at most five years.")
        data["start"], data["end"] = start, end
        return data


class CrewForm(forms.Form):
    crew_allowed = forms.BooleanField(
        label="A crew may share this truck",
        required=False,
        help_text=(
            "Off: one truck, one driver. On: a second technician may clock in with it (asked, and recorded)."
        ),
    )
