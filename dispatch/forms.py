"""Office forms: parse and validate input; the services apply it."""

from django import forms
from django.forms import BoundField
from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape

from dispatch import parsing
from dispatch.models import (
    CallType,
    Customer,
    JobType,
    MessageKind,
    Priority,
    Technician,
    WorkOrder,
    WorkOrderStatus,
    validate_estimate,
)
from dispatch.services import CUSTOMER_FIELDS

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DayField(forms.DateField):
    """A date within the calendar TechFlow plans in (dispatch.parsing)."""

    default_validators = parsing.day_validators()


class MomentField(forms.DateTimeField):
    """A date and time within the calendar TechFlow plans in (dispatch.parsing)."""

    default_validators = [parsing.moment_in_range]


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def estimate_field() -> forms.IntegerField:
    return forms.IntegerField(
        required=False,
        validators=[validate_estimate],
        label="Length (minutes)",
        help_text="15 to 720 in steps of 15; empty: the job type's usual length.",
        widget=forms.NumberInput(attrs={"min": 15, "max": 720, "step": 15}),
    )


class WorkOrderEditForm(VersionedForm):
    title = forms.CharField(max_length=255)
    job_type = forms.ChoiceField(choices=[("", "—")] + list(JobType.choices), required=False)
    estimated_minutes = estimate_field()
    brief_description = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    full_summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    override_skills = forms.BooleanField(
        required=False, label="Keep the technician anyway, without the skills the new job type needs"
    )


class SlotForm(forms.Form):
    """Who and when, as the scheduling service takes them."""

    technician = forms.ModelChoiceField(
        queryset=Technician.objects.filter(active=True), required=False, empty_label="Unassigned"
    )
    scheduled_for = MomentField(required=False, widget=DATETIME_LOCAL, label="Scheduled for")
    override_window = forms.BooleanField(
        required=False, label="Book it outside the customer's preferred window anyway"
    )
    override_skills = forms.BooleanField(
        required=False, label="Book this technician anyway, without the skills the job needs"
    )

    def clean(self):
        data = super().clean()
        if data.get("technician") and not data.get("scheduled_for"):
            self.add_error("scheduled_for", "Pick a time for the technician.")
        return data


class ScheduleForm(SlotForm, VersionedForm):
    pass


class StatusForm(VersionedForm):
    status = forms.ChoiceField(choices=WorkOrderStatus.choices)
    reason = forms.CharField(required=False, max_length=1000, widget=forms.TextInput)


class NoteForm(forms.Form):
    text = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="Office note")


class WorkOrderCreateForm(SlotForm):
    customer = forms.ModelChoiceField(queryset=Customer.objects.all(), empty_label="Choose a customer")
    title = forms.CharField(max_length=255)
    job_type = forms.ChoiceField(choices=[("", "—")] + list(JobType.choices), required=False)
    estimated_minutes = estimate_field()
    brief_description = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text="At most 500 characters.",
    )


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = list(CUSTOMER_FIELDS)
        labels = {"is_new_customer": "New customer (no job done yet)"}
        help_texts = {
            "messages_opt_out": 'No booking confirmations, reminders, "on my way" or job-completed messages.'
        }
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "preferred_schedule_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "preferred_schedule_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            # static/js/maps.js fills them from the pin on the map or an address search.
            "latitude": forms.NumberInput(attrs={"step": "any", "data-map-latitude": ""}),
            "longitude": forms.NumberInput(attrs={"step": "any", "data-map-longitude": ""}),
        }

    def clean(self):
        data = super().clean()
        latitude, longitude = data.get("latitude"), data.get("longitude")
        if (latitude is None) != (longitude is None) and not self.errors.get(
            "latitude", self.errors.get("longitude")
        ):
            self.add_error("longitude", "Give both coordinates, or neither.")
        if latitude is not None and not -90 <= latitude <= 90:
            self.add_error("latitude", "A latitude is between -90 and 90.")
        if longitude is not None and not -180 <= longitude <= 180:
            self.add_error("longitude", "A longitude is between -180 and 180.")
        start, end = data.get("preferred_schedule_start"), data.get("preferred_schedule_end")
        if (start is None) != (end is None):
            self.add_error("preferred_schedule_end", "Give both ends of the preferred window, or neither.")
        elif start and end and end <= start:
            self.add_error("preferred_schedule_end", "The window must end after it starts.")
        return data


class TechnicianForm(forms.ModelForm):
    """The office's edit of a technician: details, hours, and what the planner and the suggestions
    read (skills, home zone, home base)."""

    class Meta:
        model = Technician
        fields = [
            *("name", "phone", "active", "work_start", "work_end", "weekend_start", "weekend_end"),
            *("skills", "home_zone", "home_latitude", "home_longitude"),
        ]
        labels = {
            "active": "Active (can be given work)",
            "work_start": "Starts work",
            "work_end": "Ends work",
            "weekend_start": "Starts work at weekends",
            "weekend_end": "Ends work at weekends",
            "home_zone": "Home zone",
            "home_latitude": "Home base latitude",
            "home_longitude": "Home base longitude",
        }
        help_texts = {
            "skills": "Jobs that need a skill are offered only to technicians who have it.",
            "home_latitude": "Where the day starts and ends (the planner drives from here).",
            # The page says what empty hours mean, once for each pair of fields.
            "work_start": "",
            "work_end": "",
            "weekend_start": "",
            "weekend_end": "",
        }
        widgets = {
            "work_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "work_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "weekend_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "weekend_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "skills": forms.CheckboxSelectMultiple,
            "home_latitude": forms.NumberInput(attrs={"step": "any", "min": -90, "max": 90}),
            "home_longitude": forms.NumberInput(attrs={"step": "any", "min": -180, "max": 180}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_zone"].empty_label = "No zone"

    def clean(self):
        data = super().clean()
        latitude, longitude = data.get("home_latitude"), data.get("home_longitude")
        if latitude is not None and not -90 <= latitude <= 90:
            self.add_error("home_latitude", "A latitude is between -90 and 90.")
        if longitude is not None and not -180 <= longitude <= 180:
            self.add_error("home_longitude", "A longitude is between -180 and 180.")
        if (latitude is None) != (longitude is None) and not self.errors:
            self.add_error("home_longitude", "Give both coordinates of the home base, or neither.")
        return data


class CustomerNoteForm(forms.Form):
    notes = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label="History note")


class ManualNotificationForm(forms.Form):
    technician = forms.ModelChoiceField(queryset=Technician.objects.filter(active=True))
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL)
    work_order = forms.IntegerField(
        required=False, min_value=1, max_value=parsing.MAX_ID, label="Work order # (optional)"
    )
    message = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_work_order(self):
        pk = self.cleaned_data.get("work_order")
        if pk is None:
            return None
        order = WorkOrder.objects.filter(pk=pk).first()
        if order is None:
            raise forms.ValidationError(f"There is no work order #{pk}.")
        return order


class BootstrapBoundField(BoundField):
    """Bootstrap's class on every widget, and is-invalid on a field with errors."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        # Hidden inputs need no class; the admin's widgets keep the admin's own styling.
        if widget.is_hidden or type(widget).__module__.startswith("django.contrib.admin"):
            return attrs
        if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        classes = f"{widget.attrs.get('class', '')} {attrs.get('class', '')}".split()
        if css not in classes:
            classes.append(css)
        if self.form.is_bound and self.errors:
            classes.append("is-invalid")
        attrs["class"] = " ".join(dict.fromkeys(classes))
        return attrs


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _text(value) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape."""
    return conditional_escape("%s" % (value,))  # noqa: UP031 - stringformat's own "%s" % value


def _attrs_html(attrs: dict) -> str:
    """django/forms/widgets/attrs.html, in Python."""
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _select_html(widget: dict) -> str:
    """Django's select.html and select_option.html, written out in Python: the same characters, without
    a template include per option (1,000 includes and 150 ms for the 500 technicians of a picker)."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{_text(option["value"])}"{_attrs_html(option["attrs"])}>'
                f"{conditional_escape(localize(option['label']))}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


# Django's widget templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input", "text", "number", "email", "url", "tel", "search", "password", "hidden", "date",
        "datetime", "time", "color", "checkbox",
    )
)  # fmt: skip
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def _input_html(widget: dict) -> str:
    """django/forms/widgets/input.html, in Python."""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs_html(widget['attrs'])}>"
    )


def _textarea_html(widget: dict) -> str:
    """django/forms/widgets/textarea.html, in Python."""
    value = conditional_escape(localize(widget["value"])) if widget["value"] else ""
    name = conditional_escape(widget["name"])
    return f'<textarea name="{name}"{_attrs_html(widget["attrs"])}>\n{value}</textarea>'


class FormRenderer(TemplatesSetting):
    """The one form renderer (FORM_RENDERER): `{{ form.x.as_field_group }}` renders forms/field.html.

    Django's own select, input and textarea templates are written out in Python (`_select_html`,
    `_input_html`, `_textarea_html`, tested to give the same HTML as the templates): a widget
    template and its includes per field were about a seventh of the phone job page's time."""

    field_template_name = "forms/field.html"
    bound_field_class = BootstrapBoundField

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if widget is not None:
            if template_name in INPUT_TEMPLATES:
                return _input_html(widget)
            if template_name == TEXTAREA_TEMPLATE:
                return _textarea_html(widget)
            if template_name == SELECT_TEMPLATE and all(
                option.get("template_name") == OPTION_TEMPLATE
                for _name, choices, _index in widget["optgroups"]
                for option in choices
            ):
                return _select_html(widget)
        return super().render(template_name, context, request)


class CallLogForm(forms.Form):
    """A call the office logs by hand, from a customer or a work order (both optional)."""

    call_type = forms.ChoiceField(choices=CallType.choices, initial=CallType.INBOUND, label="Call")
    minutes = forms.IntegerField(min_value=0, max_value=600, required=False, label="Length (min)")
    notes = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(), required=False, widget=forms.HiddenInput
    )
    work_order = forms.ModelChoiceField(
        queryset=WorkOrder.objects.all(), required=False, widget=forms.HiddenInput
    )
    technician = forms.ModelChoiceField(
        queryset=Technician.objects.filter(active=True), required=False, empty_label="No technician"
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        # Its own ids: the calls page also has the filter's technician select (#id_technician).
        kwargs.setdefault("auto_id", "call_%s")
        super().__init__(*args, **kwargs)


class CallbackForm(forms.Form):
    notes = forms.CharField(required=False, max_length=2000, label="What was said")


class MessageTemplateForm(forms.Form):
    kind = forms.ChoiceField(choices=MessageKind.choices, widget=forms.HiddenInput)
    subject = forms.CharField(max_length=200)
    body = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class VisitForm(forms.Form):
    """A later visit: when, how long, who leads and who helps (its ids are its own: the order page
    also has the schedule and edit forms)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "visit_%s")
        super().__init__(*args, **kwargs)

    starts_at = MomentField(widget=DATETIME_LOCAL, label="Starts")
    estimated_minutes = estimate_field()
    lead = forms.ModelChoiceField(
        queryset=Technician.objects.filter(active=True), empty_label="Choose a lead"
    )
    helpers = forms.ModelMultipleChoiceField(
        queryset=Technician.objects.filter(active=True), required=False, widget=forms.CheckboxSelectMultiple
    )
    override_window = forms.BooleanField(
        required=False, label="Book it outside the customer's preferred window anyway"
    )
    override_skills = forms.BooleanField(
        required=False, label="Book this lead anyway, without the skills the job type needs"
    )


class HelperForm(forms.Form):
    """A helper on one visit; `visit` empty: the first visit."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "helper_%s")
        super().__init__(*args, **kwargs)

    technician = forms.ModelChoiceField(
        queryset=Technician.objects.filter(active=True), empty_label="Choose a helper"
    )
    visit = forms.UUIDField(required=False, widget=forms.HiddenInput)
