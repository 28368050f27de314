"""The form renderer writes select widgets out in Python: the same HTML as Django's templates."""

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting

from dispatch.forms import SELECT_TEMPLATE, FormRenderer
from dispatch.models import Technician
from dispatch.tests.factories import TechnicianFactory


def _both(widget: forms.Widget, name: str, value, attrs=None) -> tuple[str, str]:
    context = widget.get_context(name, value, attrs)
    ours = FormRenderer().render(SELECT_TEMPLATE, context)
    djangos = TemplatesSetting.render(FormRenderer(), SELECT_TEMPLATE, context)
    return ours, djangos


CHOICES = [
    ("", "—"),
    ("Cameras", [("dome", "Dome <4K>"), ("ptz", 'PTZ "pan & tilt"')]),
    (3, "Three's"),
    ("Other", [(1000, 1000), ("x", "X")]),
]


@pytest.mark.parametrize(
    "widget, value, attrs",
    [
        (forms.Select(choices=CHOICES), "ptz", {"id": "id_kind", "required": True, "data-x": 'a"b'}),
        (forms.Select(choices=CHOICES), 3, {"disabled": False, "class": "form-select"}),
        (forms.SelectMultiple(choices=CHOICES), ["dome", "x", 1000], {"size": 4}),
        (forms.NullBooleanSelect(), True, None),
        (forms.Select(choices=[]), None, {"id": "empty"}),
    ],
)
def test_a_select_renders_as_djangos_templates_render_it(widget, value, attrs):
    ours, djangos = _both(widget, "kind", value, attrs)
    assert ours == djangos
    assert "<select" in ours


@pytest.mark.django_db
def test_a_technician_picker_renders_as_djangos_templates_render_it_and_keeps_the_choice():
    TechnicianFactory(name="Ann <O'Neil> & Co")
    chosen = TechnicianFactory(name="Bob")
    field = forms.ModelChoiceField(queryset=Technician.objects.order_by("name"), empty_label="Anyone")
    ours, djangos = _both(field.widget, "technician", chosen.pk, {"id": "id_technician"})
    assert ours == djangos
    assert f'<option value="{chosen.pk}" selected>Bob</option>' in ours
    assert "Ann &lt;O&#x27;Neil&gt; &amp; Co" in ours


def test_a_widget_with_its_own_option_template_still_uses_the_templates():
    class Fancy(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    ours, djangos = _both(Fancy(choices=[("a", "A")]), "kind", "a")
    assert ours == djangos


@pytest.mark.parametrize(
    "widget, value, attrs",
    [
        (
            forms.TextInput(),
            "a \"quoted\" <b> & 'this'",
            {"id": "id_name", "required": True, "maxlength": 200},
        ),
        (forms.TextInput(), None, {"placeholder": "Find…", "disabled": False, "autofocus": True}),
        (forms.NumberInput(), 0, {"min": 0, "step": "0.5"}),
        (forms.EmailInput(), "a@b.example", None),
        (forms.HiddenInput(), 42, {"id": "id_customer"}),
        (forms.DateInput(attrs={"type": "date"}), "2026-12-04", {"class": "form-control"}),
        (forms.TimeInput(), "08:30", None),
        (forms.PasswordInput(render_value=False), "secret", {"autocomplete": "current-password"}),
        (forms.CheckboxInput(), True, {"id": "id_alert"}),
        (forms.CheckboxInput(), False, None),
        (forms.CheckboxInput(), "yes", None),
        (forms.URLInput(), "https://x.example/?a=1&b=2", None),
        (forms.Textarea(attrs={"rows": 2}), "line one\nline <two> & 'three'", {"id": "id_note"}),
        (forms.Textarea(), "", None),
        (forms.Textarea(), None, {"required": True}),
    ],
)
def test_inputs_and_textareas_render_as_djangos_templates_render_them(widget, value, attrs):
    context = widget.get_context("field", value, attrs)
    template = widget.template_name
    ours = FormRenderer().render(template, context)
    djangos = TemplatesSetting.render(FormRenderer(), template, context)
    assert ours == djangos
    assert ours.startswith("<input" if "textarea" not in template else "<textarea")


def test_a_bound_form_with_errors_renders_the_same_fields_as_djangos_templates():
    class Note(forms.Form):
        text = forms.CharField(max_length=5, widget=forms.Textarea)
        count = forms.IntegerField(min_value=1)
        alert = forms.BooleanField(required=False)

    form = Note(data={"text": "far too long <x>", "count": "0", "alert": "on"})

    class Templates(FormRenderer):
        def render(self, template_name, context, request=None):
            return TemplatesSetting.render(self, template_name, context, request)

    ours = "".join(str(form[name]) for name in form.fields)
    form.renderer = Templates()
    djangos = "".join(str(form[name]) for name in form.fields)
    assert ours == djangos
    assert "is-invalid" in ours and "far too long &lt;x&gt;" in ours
