"""History nobody can rewrite: read-only history in the admin, recorded corrections, the admin's record."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from dispatch import models as dispatch_models
from dispatch.tests import factories as df
from fieldops import models as fieldops_models
from fieldops.tests import factories as ff
from techflow.models import AdminChange
from techflow.tests.test_admin import _form_data

pytestmark = pytest.mark.django_db

HISTORY = {
    fieldops_models.ClockRecord: ff.ClockRecordFactory,
    fieldops_models.TravelLog: ff.TravelLogFactory,
    fieldops_models.TechnicianActivity: ff.TechnicianActivityFactory,
    fieldops_models.VoiceAgentSession: ff.VoiceAgentSessionFactory,
    fieldops_models.VoiceAgentInteraction: ff.VoiceAgentInteractionFactory,
    fieldops_models.OperationalEvent: ff.OperationalEventFactory,
    dispatch_models.CommunicationMessage: df.CommunicationMessageFactory,
    dispatch_models.CommunicationCallDetail: df.CommunicationCallDetailFactory,
    dispatch_models.WorkOrderNote: df.WorkOrderNoteFactory,
}
HISTORY_MODELS = pytest.mark.parametrize("model", list(HISTORY), ids=lambda m: m.__name__)


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _values(row) -> dict:
    return {f.attname: getattr(row, f.attname) for f in type(row)._meta.concrete_fields}


@HISTORY_MODELS
def test_history_cannot_be_deleted_in_the_admin(admin_client, model):
    row = HISTORY[model]()
    assert admin_client.get(_url(model, "delete", row.pk)).status_code == 403
    assert admin_client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    admin_client.post(
        _url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert model.objects.filter(pk=row.pk).exists()


@HISTORY_MODELS
def test_history_cannot_be_added_in_the_admin_except_notes_through_their_service(admin_client, model):
    expected = 200 if model is dispatch_models.WorkOrderNote else 403
    assert admin_client.get(_url(model, "add")).status_code == expected


@HISTORY_MODELS
def test_a_post_that_rewrites_history_without_a_reason_changes_nothing(admin_client, model):
    row = HISTORY[model]()
    row.refresh_from_db()
    before = _values(row)
    url = _url(model, "change", row.pk)
    data = _form_data(admin_client, url) if admin_client.get(url).context["has_change_permission"] else {}
    data.update(
        clock_out_time_0="2026-12-03",
        clock_out_time_1="23:59:00",
        note_text="forged",
        notes="forged",
        description="forged",
        content="forged",
        body="forged",
    )
    response = admin_client.post(url, data)
    assert response.status_code in (200, 302, 403)  # refused, nothing to save, or not allowed
    row.refresh_from_db()
    assert _values(row) == before
    assert not AdminChange.objects.filter(action=AdminChange.Action.CORRECT).exists()


def test_a_clock_record_correction_records_who_why_and_the_old_and_new_times(admin_client, admin_user, now):
    record = ff.ClockRecordFactory(clock_in_time=now - dt.timedelta(hours=3), clock_out_time=now)
    url = _url(fieldops_models.ClockRecord, "change", record.pk)
    data = _form_data(admin_client, url)
    local = timezone.localtime(now - dt.timedelta(hours=1))
    data.update(
        clock_out_time_0=local.date().isoformat(),
        clock_out_time_1=local.strftime("%H:%M:%S"),
        correction_reason="Forgot to clock out; left the site at 9:30 per the customer.",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    record.refresh_from_db()
    assert record.clock_out_time == (now - dt.timedelta(hours=1)).replace(microsecond=0)
    correction = AdminChange.objects.get(action=AdminChange.Action.CORRECT)
    assert correction.user == admin_user
    assert correction.reason.startswith("Forgot to clock out")
    old, new = correction.changes["clock_out_time"]
    assert old.startswith(now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")) and new != old
    assert set(correction.changes) == {"clock_out_time"}
    # The correction is history too: read only, never deleted.
    change_url = _url(AdminChange, "change", correction.pk)
    assert not admin_client.get(change_url).context["has_change_permission"]
    assert admin_client.post(_url(AdminChange, "delete", correction.pk), {"post": "yes"}).status_code == 403


def test_a_correction_that_breaks_the_records_rules_is_refused_with_a_message(admin_client, now):
    record = ff.ClockRecordFactory(clock_in_time=now - dt.timedelta(hours=3), clock_out_time=now)
    url = _url(fieldops_models.ClockRecord, "change", record.pk)
    data = _form_data(admin_client, url)
    early = timezone.localtime(now - dt.timedelta(hours=5))
    data.update(
        clock_out_time_0=early.date().isoformat(),
        clock_out_time_1=early.strftime("%H:%M:%S"),
        correction_reason="typo",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.clock_out_time == now
    assert not AdminChange.objects.exists()


def test_a_superuser_cannot_correct_a_field_that_is_not_correctable(admin_client, now):
    record = ff.ClockRecordFactory()
    technician = record.technician
    url = _url(fieldops_models.ClockRecord, "change", record.pk)
    data = _form_data(admin_client, url)
    data.update(technician=str(df.TechnicianFactory().pk), correction_reason="move it to someone else")
    admin_client.post(url, data)
    record.refresh_from_db()
    assert record.technician == technician


def test_every_admin_change_is_recorded_with_old_and_new_values(admin_client, admin_user):
    customer = df.CustomerFactory(phone="555-0100")
    url = _url(dispatch_models.Customer, "change", customer.pk)
    data = _form_data(admin_client, url)
    data["phone"] = "555-0199"
    assert admin_client.post(url, data).status_code == 302
    change = AdminChange.objects.get(action=AdminChange.Action.CHANGE, object_id=str(customer.pk))
    assert change.user == admin_user
    assert change.changes["phone"] == ["555-0100", "555-0199"]


def test_an_admin_action_is_recorded_with_old_and_new_values(admin_client):
    notification = df.NotificationFactory(is_read=False)
    admin_client.post(
        _url(dispatch_models.Notification, "changelist"),
        {"action": "mark_read", "_selected_action": [notification.pk]},
    )
    change = AdminChange.objects.get(action=AdminChange.Action.ACTION)
    assert change.changes == {"is_read": ["False", "True"]}


def test_a_deletion_in_the_admin_keeps_the_deleted_values(admin_client):
    item = df.TechnicianFactory(name="Temp Tech")
    assert (
        admin_client.post(_url(dispatch_models.Technician, "delete", item.pk), {"post": "yes"}).status_code
        == 302
    )
    deleted = AdminChange.objects.get(action=AdminChange.Action.DELETE)
    assert deleted.changes["name"] == ["Temp Tech", None]


def test_deleting_a_login_that_history_names_is_refused(admin_client, office_user):
    order = df.WorkOrderFactory()
    df.WorkOrderHistoryFactory(work_order=order, changed_by_type="office", changed_by_id=office_user.pk)
    page = admin_client.get(_url(User, "delete", office_user.pk)).content.decode()
    assert "work-order history" in page and "inactive" in page
    admin_client.post(_url(User, "delete", office_user.pk), {"post": "yes"})
    admin_client.post(
        _url(User, "changelist"),
        {"action": "delete_selected", "_selected_action": [office_user.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=office_user.pk).exists()


def test_a_login_with_no_history_can_be_deleted_and_the_deletion_is_recorded(admin_client, django_user_model):
    newcomer = django_user_model.objects.create_user("newcomer")
    assert admin_client.post(_url(User, "delete", newcomer.pk), {"post": "yes"}).status_code == 302
    assert not User.objects.filter(pk=newcomer.pk).exists()
    assert AdminChange.objects.get(action="delete").changes["username"] == ["newcomer", None]
    # The admin who deleted it now has history: their own login can't be deleted either.
    assert AdminChange.objects.filter(user__username="admin").exists()


def test_a_password_change_is_recorded_without_the_hash(admin_client, django_user_model):
    user = django_user_model.objects.create_user("someone", password="old-password-1")
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    admin_client.post(
        url, {"password1": "N3w-pass-phrase!", "password2": "N3w-pass-phrase!", "usable_password": "true"}
    )
    change = AdminChange.objects.get(object_id=str(user.pk))
    assert change.changes == {"password": ["(hidden)", "(changed)"]}
