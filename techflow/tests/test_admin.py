"""The Django admin: every model's pages, fixed query counts, read-only history, audited edits."""

import datetime as dt
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch import models as dispatch_models
from dispatch.models import ActorType, WorkOrder, WorkOrderHistory
from dispatch.services import work_order_snapshot
from dispatch.tests import factories as df
from fieldops import models as fieldops_models
from fieldops.tests import factories as ff
from inventory import models as inventory_models
from inventory.tests import factories as inf
from techflow import audit

pytestmark = pytest.mark.django_db

N = 3

FACTORIES: dict[type[Model], Callable[..., Any]] = {
    dispatch_models.Technician: df.TechnicianFactory,
    dispatch_models.Customer: df.CustomerFactory,
    dispatch_models.WorkOrder: df.WorkOrderFactory,
    dispatch_models.WorkOrderNote: df.WorkOrderNoteFactory,
    dispatch_models.WorkOrderHistory: df.WorkOrderHistoryFactory,
    dispatch_models.CustomerHistory: df.CustomerHistoryFactory,
    dispatch_models.Notification: df.NotificationFactory,
    dispatch_models.ManualNotification: df.ManualNotificationFactory,
    dispatch_models.CommunicationMessage: df.CommunicationMessageFactory,
    dispatch_models.CommunicationCallDetail: df.CommunicationCallDetailFactory,
    dispatch_models.PlanRun: df.PlanRunFactory,
    dispatch_models.MessageTemplate: df.MessageTemplateFactory,
    dispatch_models.PushSubscription: df.PushSubscriptionFactory,
    dispatch_models.Skill: df.SkillFactory,
    dispatch_models.ServiceZone: df.ServiceZoneFactory,
    dispatch_models.JobTypeSkill: df.JobTypeSkillFactory,
    dispatch_models.Visit: df.VisitFactory,
    dispatch_models.VisitHelper: df.VisitHelperFactory,
    inventory_models.Truck: inf.TruckFactory,
    inventory_models.InventoryItem: inf.InventoryItemFactory,
    inventory_models.TruckInventory: inf.TruckInventoryFactory,
    inventory_models.StockMovement: inf.StockMovementFactory,
    fieldops_models.ClockRecord: ff.ClockRecordFactory,
    fieldops_models.TravelLog: ff.TravelLogFactory,
    fieldops_models.TechnicianActivity: ff.TechnicianActivityFactory,
    fieldops_models.VoiceAgentSession: ff.VoiceAgentSessionFactory,
    fieldops_models.VoiceAgentInteraction: ff.VoiceAgentInteractionFactory,
    fieldops_models.OperationalEvent: ff.OperationalEventFactory,
    fieldops_models.ProcessedAction: ff.ProcessedActionFactory,
    fieldops_models.Incident: ff.IncidentFactory,
    fieldops_models.JobAttachment: ff.JobAttachmentFactory,
    fieldops_models.ChecklistTemplate: ff.ChecklistTemplateFactory,
    fieldops_models.ChecklistItem: ff.ChecklistItemFactory,
    fieldops_models.ChecklistAnswer: ff.ChecklistAnswerFactory,
    fieldops_models.Equipment: ff.EquipmentFactory,
    fieldops_models.EquipmentCredentialReveal: ff.EquipmentCredentialRevealFactory,
    fieldops_models.CustomerSignature: ff.CustomerSignatureFactory,
    fieldops_models.ServiceReport: ff.ServiceReportFactory,
    fieldops_models.ReportDay: ff.ReportDayFactory,
    fieldops_models.ReportTechnicianDay: ff.ReportTechnicianDayFactory,
    fieldops_models.ReportJob: ff.ReportJobFactory,
}
# One row per job type, seeded by a migration (no factory can make more): tested on their own below.
CONFIGURATION = [dispatch_models.JobTypeDuration]
READ_ONLY = [
    fieldops_models.ProcessedAction,
    # Plan runs are the background worker's record.
    dispatch_models.PlanRun,
    # Emergencies change through the office's and the technician's pages only (recorded there).
    fieldops_models.Incident,
    dispatch_models.PushSubscription,
    dispatch_models.WorkOrderHistory,
    dispatch_models.CustomerHistory,
    # Truck stock changes only through the stock service, so that the ledger explains it.
    inventory_models.TruckInventory,
    inventory_models.StockMovement,
    # The job's record is written by fieldops' services, each change with its history row.
    fieldops_models.JobAttachment,
    fieldops_models.ChecklistAnswer,
    fieldops_models.Equipment,
    fieldops_models.EquipmentCredentialReveal,
    fieldops_models.CustomerSignature,
    # Service reports are the background worker's (fieldops/report.py).
    fieldops_models.ServiceReport,
    # Visits and helpers are booked on the order's office page, by the scheduling rules.
    dispatch_models.Visit,
    dispatch_models.VisitHelper,
    # The reports page's rollup is built from the records by the periodic job (fieldops/reports.py).
    fieldops_models.ReportDay,
    fieldops_models.ReportTechnicianDay,
    fieldops_models.ReportJob,
]
MODELS = pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m.__name__)
READ_ONLY_MODELS = pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)


def _url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


def _counts_at_two_sizes(client, url: str, add_rows: Callable[[int], Any]) -> tuple[int, int]:
    """Query counts for a page with N rows, then with 3N rows."""
    add_rows(N)
    client.get(url)  # warm per-process caches (content types) so both counts compare like with like
    small = _count_queries(client, url)
    add_rows(2 * N)
    large = _count_queries(client, url)
    return small, large


class _AdminForm(HTMLParser):
    """The fields a browser would submit from the admin's change form."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        if "__prefix__" not in name:  # the hidden template for "add another"
            self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "form" and (attr.get("id") or "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = attr.get("name")
        if tag == "input" and name:
            kind = attr.get("type") or "text"
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attr:
                    self._add(name, attr.get("value") or "on")
                return
            self._add(name, attr.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attr:
            self._add(self._select, attr.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the newline that follows <textarea>.
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)


def _form_data(client, url: str) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    parser = _AdminForm()
    parser.feed(response.content.decode())
    return parser.data


def _form_errors(response) -> str:
    if response.context is None or "adminform" not in response.context:
        return f"status {response.status_code}"
    errors = [response.context["adminform"].form.errors]
    errors += [
        f.formset.errors + f.formset.non_form_errors() for f in response.context["inline_admin_formsets"]
    ]
    return str(errors)


def test_every_model_of_the_project_is_registered_and_has_a_factory_here():
    project_models = [
        model
        for label in ("dispatch", "inventory", "fieldops")
        for model in apps.get_app_config(label).get_models()
    ]
    assert [m for m in project_models if not admin.site.is_registered(m)] == []
    assert set(project_models) == set(FACTORIES) | set(CONFIGURATION)


def test_the_job_type_lengths_are_edited_in_the_admin_in_quarter_hours(admin_client):
    model = dispatch_models.JobTypeDuration
    response = admin_client.get(_url(model, "changelist"))
    assert response.status_code == 200 and response.context["cl"].result_count == 4
    repair = model.objects.get(job_type="repair")
    change = _url(model, "change", repair.pk)
    refused = admin_client.post(change, {"job_type": "repair", "minutes": "50"})
    assert refused.status_code == 200 and "in steps of 15 minutes" in refused.content.decode()
    saved = admin_client.post(change, {"job_type": "repair", "minutes": "45"})
    assert saved.status_code == 302
    repair.refresh_from_db()
    assert repair.minutes == 45


@MODELS
def test_changelist_renders_for_a_superuser(admin_client, model):
    FACTORIES[model].create_batch(2)
    response = admin_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2


@MODELS
def test_changelist_search_runs_for_a_superuser(admin_client, model):
    FACTORIES[model]()
    assert admin_client.get(_url(model, "changelist"), {"q": "a"}).status_code == 200


@MODELS
def test_change_page_renders_for_a_superuser(admin_client, model):
    obj = FACTORIES[model]()
    response = admin_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert response.context["original"] == obj


@MODELS
def test_add_page_renders_where_adding_is_allowed(admin_client, model):
    history = audit.history_fields(model) is not None and model._meta.label_lower not in audit.ADDABLE
    expected = 403 if model in READ_ONLY or history else 200
    assert admin_client.get(_url(model, "add")).status_code == expected


@MODELS
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    small, large = _counts_at_two_sizes(
        admin_client, _url(model, "changelist"), lambda n: FACTORIES[model].create_batch(n)
    )
    assert small == large


@MODELS
def test_change_page_query_count_does_not_grow_with_related_options(admin_client, model):
    # Every factory row brings its own technicians, customers, trucks...: the options
    # of each relation on the change page grow with it.
    obj = FACTORIES[model]()
    small, large = _counts_at_two_sizes(
        admin_client, _url(model, "change", obj.pk), lambda n: FACTORIES[model].create_batch(n)
    )
    assert small == large


INLINE_CASES = {
    "work order notes": (
        df.WorkOrderFactory,
        lambda wo: df.WorkOrderNoteFactory(work_order=wo, technician=df.TechnicianFactory()),
    ),
    "work order history": (df.WorkOrderFactory, lambda wo: df.WorkOrderHistoryFactory(work_order=wo)),
    "truck stock": (inf.TruckFactory, lambda truck: inf.TruckInventoryFactory(truck=truck)),
    "voice session interactions": (
        ff.VoiceAgentSessionFactory,
        lambda session: ff.VoiceAgentInteractionFactory(session=session),
    ),
}


@pytest.mark.parametrize("case", list(INLINE_CASES))
def test_change_page_query_count_does_not_grow_with_inline_rows(admin_client, case):
    parent_factory, child_factory = INLINE_CASES[case]
    parent = parent_factory()

    def add_rows(n: int) -> None:
        for _ in range(n):
            child_factory(parent)

    small, large = _counts_at_two_sizes(admin_client, _url(type(parent), "change", parent.pk), add_rows)
    assert small == large


AUTOCOMPLETE_CASES = {
    "work order's customer": ("dispatch", "workorder", "customer", df.CustomerFactory),
    "work order's technician": ("dispatch", "workorder", "assigned_technician", df.TechnicianFactory),
    "note's work order": ("dispatch", "workordernote", "work_order", df.WorkOrderFactory),
    "call detail's message": (
        "dispatch",
        "communicationcalldetail",
        "communication_message",
        df.CommunicationMessageFactory,
    ),
    "stock line's truck": ("inventory", "truckinventory", "truck", inf.TruckFactory),
    "interaction's session": ("fieldops", "voiceagentinteraction", "session", ff.VoiceAgentSessionFactory),
    "clock record's technician": ("fieldops", "clockrecord", "technician", df.TechnicianFactory),
}


@pytest.mark.parametrize("case", list(AUTOCOMPLETE_CASES))
def test_autocomplete_query_count_does_not_grow_with_options(admin_client, case):
    app_label, model_name, field_name, target_factory = AUTOCOMPLETE_CASES[case]
    url = (
        reverse("admin:autocomplete")
        + f"?app_label={app_label}&model_name={model_name}&field_name={field_name}&term="
    )
    small, large = _counts_at_two_sizes(admin_client, url, lambda n: target_factory.create_batch(n))
    assert small == large
    assert len(admin_client.get(url).json()["results"]) == 3 * N


def test_technician_admin_shows_the_linked_user_with_autocomplete(admin_client, technician):
    changelist = admin_client.get(_url(dispatch_models.Technician, "changelist"))
    assert '<td class="field-user nowrap">tech</td>' in changelist.content.decode()

    url = _url(dispatch_models.Technician, "change", technician.pk)
    select = re.search(r'<select name="user"[^>]*>', admin_client.get(url).content.decode())
    assert select and 'class="admin-autocomplete"' in select.group()
    assert _form_data(admin_client, url)["user"] == [str(technician.user.pk)]


@READ_ONLY_MODELS
def test_history_admin_refuses_the_add_page(admin_client, model):
    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.post(_url(model, "add"), {"notes": "forged"}).status_code == 403
    assert not model.objects.exists()


@READ_ONLY_MODELS
def test_history_admin_shows_a_row_but_a_post_to_change_it_does_nothing(admin_client, model):
    row = FACTORIES[model]()
    url = _url(model, "change", row.pk)
    page = admin_client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]

    data = {field.attname: getattr(row, field.attname) or "" for field in model._meta.concrete_fields}
    data.update(changed_by_type="office", created_by_type="office", notes="forged", new_value="forged")
    response = admin_client.post(url, data)

    assert response.status_code == 403
    before = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
    row.refresh_from_db()
    assert {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields} == before


@READ_ONLY_MODELS
def test_history_admin_refuses_to_delete(admin_client, model):
    row = FACTORIES[model]()
    assert admin_client.get(_url(model, "delete", row.pk)).status_code == 403
    assert admin_client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    changelist = admin_client.post(
        _url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert changelist.status_code in (200, 302)
    assert model.objects.filter(pk=row.pk).exists()
    assert b"delete_selected" not in admin_client.get(_url(model, "changelist")).content


def test_work_order_page_shows_history_read_only(admin_client):
    row = df.WorkOrderHistoryFactory()
    page = admin_client.get(_url(WorkOrder, "change", row.work_order.pk)).content.decode()
    assert "pending" in page and "scheduled" in page
    assert 'name="history-0-field_changed"' not in page
    assert 'name="history-0-DELETE"' not in page


def test_editing_status_and_technician_in_the_admin_writes_exactly_those_history_rows(
    admin_client, admin_user
):
    old_technician, new_technician = df.TechnicianFactory(), df.TechnicianFactory()
    work_order = df.WorkOrderFactory(
        assigned_technician=old_technician,
        status=WorkOrder.Status.SCHEDULED,
        # Inside working hours: the admin keeps the scheduling rules too.
        scheduled_for=timezone.make_aware(dt.datetime(2030, 5, 6, 10, 0)),
    )
    # Existing inline rows go through the round trip too.
    df.WorkOrderNoteFactory(work_order=work_order)
    df.WorkOrderHistoryFactory(work_order=work_order)
    earlier_history = set(work_order.history.values_list("pk", flat=True))
    url = _url(WorkOrder, "change", work_order.pk)

    data = _form_data(admin_client, url)
    data["status"] = [WorkOrder.Status.IN_PROGRESS]
    data["assigned_technician"] = [str(new_technician.pk)]
    response = admin_client.post(url, data)

    assert response.status_code == 302, _form_errors(response)
    work_order.refresh_from_db()
    assert work_order.status == WorkOrder.Status.IN_PROGRESS
    assert work_order.assigned_technician == new_technician
    written = WorkOrderHistory.objects.filter(work_order=work_order).exclude(pk__in=earlier_history)
    assert sorted(
        written.values_list("field_changed", "old_value", "new_value", "changed_by_type", "changed_by_id")
    ) == [
        (
            "assigned_technician",
            str(old_technician.pk),
            str(new_technician.pk),
            ActorType.ADMIN,
            admin_user.pk,
        ),
        ("status", "scheduled", "in_progress", ActorType.ADMIN, admin_user.pk),
    ]


def test_completing_a_work_order_in_the_admin_makes_its_customer_a_returning_one(admin_client, admin_user):
    customer = df.CustomerFactory(is_new_customer=True)
    work_order = df.WorkOrderFactory(customer=customer, status=WorkOrder.Status.IN_PROGRESS)
    url = _url(WorkOrder, "change", work_order.pk)
    data = _form_data(admin_client, url)
    data["status"] = [WorkOrder.Status.COMPLETED]
    response = admin_client.post(url, data)

    assert response.status_code == 302, _form_errors(response)
    customer.refresh_from_db()
    assert customer.is_new_customer is False
    assert list(
        dispatch_models.CustomerHistory.objects.filter(customer=customer).values_list(
            "work_order", "created_by_type", "created_by_id"
        )
    ) == [(work_order.pk, ActorType.ADMIN, admin_user.pk)]


def test_saving_an_unchanged_work_order_in_the_admin_writes_no_history(admin_client):
    # Microseconds, which the admin's time widget does not show, must survive the save.
    scheduled_for = (timezone.now() + dt.timedelta(days=1)).replace(microsecond=123456)
    work_order = df.WorkOrderFactory(scheduled_for=scheduled_for)
    stored = work_order_snapshot(WorkOrder.objects.get(pk=work_order.pk))
    url = _url(WorkOrder, "change", work_order.pk)

    response = admin_client.post(url, _form_data(admin_client, url))

    assert response.status_code == 302, _form_errors(response)
    assert not work_order.history.exists()
    assert work_order_snapshot(WorkOrder.objects.get(pk=work_order.pk)) == stored
    work_order.refresh_from_db()
    assert work_order.scheduled_for == scheduled_for


def test_adding_a_work_order_in_the_admin_records_its_initial_values(admin_client, admin_user):
    customer, technician = df.CustomerFactory(), df.TechnicianFactory()
    data = _form_data(admin_client, _url(WorkOrder, "add"))
    data.update(
        customer=[str(customer.pk)],
        title=["Install four cameras"],
        brief_description=["Front and back entrances"],
        job_type=[WorkOrder.JobType.INSTALLATION],
        status=[WorkOrder.Status.SCHEDULED],
        assigned_technician=[str(technician.pk)],
        scheduled_for_0=["2030-05-06"],
        scheduled_for_1=["09:30:00"],
    )

    response = admin_client.post(_url(WorkOrder, "add"), data)

    assert response.status_code == 302, _form_errors(response)
    work_order = WorkOrder.objects.get(title="Install four cameras")
    assert work_order.created_by == admin_user
    rows = set(work_order.history.values_list("field_changed", "old_value", "new_value", "changed_by_type"))
    assert rows == {
        (name, None, value, ActorType.ADMIN)
        for name, value in work_order_snapshot(work_order).items()
        if value is not None
    }
    assert ("status", None, "scheduled", ActorType.ADMIN) in rows
    assert ("customer", None, str(customer.pk), ActorType.ADMIN) in rows


def test_adding_a_note_inline_on_the_work_order_page_saves_it(admin_client):
    work_order = df.WorkOrderFactory()
    url = _url(WorkOrder, "change", work_order.pk)
    data = _form_data(admin_client, url)
    data.update(
        {
            "notes-TOTAL_FORMS": ["1"],
            "notes-0-note_text": ["Gate code is 4411"],
            "notes-0-technician": [str(work_order.assigned_technician_id)],
            "notes-0-alert_office": ["on"],
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, _form_errors(response)
    note = work_order.notes.get()
    assert (note.note_text, note.technician, note.alert_office) == (
        "Gate code is 4411",
        work_order.assigned_technician,
        True,
    )
    assert not work_order.history.exists()


def test_cancel_action_cancels_through_the_service_and_writes_history(admin_client, admin_user):
    orders = df.WorkOrderFactory.create_batch(2, status=WorkOrder.Status.SCHEDULED)
    response = admin_client.post(
        _url(WorkOrder, "changelist"),
        {
            "action": "cancel_work_orders",
            "_selected_action": [o.pk for o in orders],
            "reason": "Customer called it off",
        },
    )

    assert response.status_code == 302
    for order in orders:
        order.refresh_from_db()
        assert order.status == WorkOrder.Status.CANCELLED
        assert list(
            order.history.values_list(
                "field_changed", "old_value", "new_value", "changed_by_type", "changed_by_id"
            )
        ) == [("status", "scheduled", "cancelled", ActorType.ADMIN, admin_user.pk)]


def test_mark_read_action_marks_only_the_selected_notifications(admin_client):
    chosen, other = df.NotificationFactory(), df.NotificationFactory()
    response = admin_client.post(
        _url(dispatch_models.Notification, "changelist"),
        {"action": "mark_read", "_selected_action": [chosen.pk]},
    )

    assert response.status_code == 302
    chosen.refresh_from_db()
    other.refresh_from_db()
    assert (chosen.is_read, other.is_read) == (True, False)


def test_mark_resolved_action_records_who_resolved_the_event(admin_client, admin_user):
    event = ff.OperationalEventFactory()
    response = admin_client.post(
        _url(fieldops_models.OperationalEvent, "changelist"),
        {"action": "mark_resolved", "_selected_action": [event.pk]},
    )

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.resolved_by == admin_user
    assert event.resolved_at is not None
