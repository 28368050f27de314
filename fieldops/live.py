"""The phone hearing the office while a page is open: one cheap "anything new?" read.

`live_summary` is one query: a fingerprint of what the technician's pages show from the office
(their messages, office changes to today's and tomorrow's jobs, their emergency's state) and the
few things the pinned header shows (the newest unread urgent message, the open incident). The
page carries the fingerprint; `/tech/live/` answers 204 while it is unchanged, so a quiet poll
costs the session's queries and this one. Everything lives in PostgreSQL, so any app server
answers any phone (no in-process state, DESIGN.md).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Case, F, Func, IntegerField, OuterRef, Subquery, Value, When

from dispatch import clock
from dispatch.compiled import CompiledQuery
from dispatch.models import (
    ActorType,
    ManualNotification,
    Priority,
    Technician,
    Visit,
    VisitHelper,
    WorkOrder,
    WorkOrderHistory,
)
from dispatch.scheduling import days_bounds
from fieldops.incidents import person_name
from fieldops.models import Incident, IncidentStatus

MESSAGES_SHOWN = 10


class _Count(Func):
    function = "COUNT"
    template = "%(function)s(*)"
    output_field = IntegerField()


class _Max(Func):
    function = "MAX"


def _stamp(at: datetime | None) -> int:
    return int(at.timestamp() * 1000) if at else 0


def _count(queryset) -> Subquery:
    return Subquery(queryset.order_by().annotate(n=_Count()).values("n")[:1], output_field=IntegerField())


_COLUMNS = (
    *(
        "m_last",
        "m_unread",
        "u_id",
        "u_message",
        "u_at",
        "u_order",
        "u_count",
        "o_count",
        "o_change",
        *("c_helping", "c_leading", "c_help_at", "c_lead_at"),
    ),
    *("i_id", "i_status", "i_raised", "i_ack_at", "i_ack_first", "i_ack_last", "i_ack_user", "i_escalated"),
)


@dataclass(frozen=True)
class LiveIncident:
    """The technician's open emergency as their header shows it."""

    id: str
    status: str
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str
    escalated_at: datetime | None

    @property
    def acknowledged(self) -> bool:
        return self.status == IncidentStatus.ACKNOWLEDGED


@dataclass(frozen=True)
class LiveUrgent:
    """The newest unread urgent message, pinned at the top of every phone page."""

    id: int
    message: str
    created_at: datetime
    work_order_id: int | None
    count: int


@dataclass(frozen=True)
class Live:
    fingerprint: str
    day_key: str
    unread: int
    urgent: LiveUrgent | None
    incident: LiveIncident | None


def _summary(pk: int, start: datetime, end: datetime):
    """The summary's one statement for technician `pk`, their jobs scheduled from `start` to `end`."""
    mine = ManualNotification.objects.filter(technician=OuterRef("pk"))
    urgent = mine.filter(is_read=False, priority=Priority.URGENT).order_by("-created_at", "-id")
    days = WorkOrder.objects.filter(assigned_technician=OuterRef("pk")).scheduled_between(start, end)
    # What the office (or the admin, or the system) changed on those jobs; the technician's own steps
    # change their jobs too, and must not read as news.
    changes = (
        WorkOrderHistory.objects.filter(
            # Both on the one join, so the technician's days come from idx_work_orders_tech_sched
            # (an IN over everyone's days read all of the technician's orders: 2 ms a phone page).
            work_order__assigned_technician=OuterRef("pk"),
            work_order__scheduled_for__gte=start,
            work_order__scheduled_for__lt=end,
        )
        .exclude(changed_by_type=ActorType.TECHNICIAN)
        .order_by("-id")
    )
    # The jobs they are on as a crew member (a helper, a later visit's lead): a crew change there
    # (a visit or helper added, taken off, the job moved) is news on their phone too. Counted, and
    # the latest change of those orders, each through its own small index (an OR of the two, or an
    # ORDER BY ... LIMIT 1, made PostgreSQL scan the history: 2.3 s a phone page at a year's size).
    helping = VisitHelper.objects.filter(technician=OuterRef("pk"))
    leading = Visit.objects.filter(lead=OuterRef("pk"))

    def last_change(crew_rows):
        """The latest update of the orders of these crew rows (a subquery inside the order's)."""
        orders = WorkOrder.objects.filter(pk__in=crew_rows.values("work_order_id")).order_by()
        return Subquery(orders.annotate(m=_Max("updated_at")).values("m")[:1])

    incident = Incident.objects.filter(technician=OuterRef("pk")).order_by("-raised_at")
    return (
        Technician.objects.filter(pk=pk)
        .annotate(
            m_last=Subquery(mine.order_by("-id").values("id")[:1]),
            m_unread=_count(mine.filter(is_read=False)),
            u_id=Subquery(urgent.values("id")[:1]),
            u_message=Subquery(urgent.values("message")[:1]),
            u_at=Subquery(urgent.values("created_at")[:1]),
            u_order=Subquery(urgent.values("work_order_id")[:1]),
            u_count=_count(urgent),
            o_count=_count(days),
            o_change=Subquery(changes.values("id")[:1]),
            c_helping=_count(helping),
            c_leading=_count(leading),
            c_help_at=last_change(VisitHelper.objects.filter(technician=OuterRef(OuterRef("pk")))),
            c_lead_at=last_change(Visit.objects.filter(lead=OuterRef(OuterRef("pk")))),
            i_id=Subquery(incident.values("id")[:1]),
            i_status=Subquery(incident.values("status")[:1]),
            i_raised=Subquery(incident.values("raised_at")[:1]),
            i_ack_at=Subquery(incident.values("acknowledged_at")[:1]),
            i_ack_first=Subquery(incident.values("acknowledged_by__first_name")[:1]),
            i_ack_last=Subquery(incident.values("acknowledged_by__last_name")[:1]),
            i_ack_user=Subquery(incident.values("acknowledged_by__username")[:1]),
            i_escalated=Subquery(incident.values("escalated_at")[:1]),
        )
        .values(*_COLUMNS)
    )


# Built and compiled once per process (dispatch.compiled): compiling its 17 subqueries cost more than
# running them, on every phone page and every poll.
_SUMMARY = CompiledQuery(
    _summary,
    pk=-918_273_645,
    start=datetime(1901, 1, 2, 3, 4, 5, tzinfo=UTC),
    end=datetime(1901, 1, 3, 3, 4, 5, tzinfo=UTC),
)


def live_summary(technician: Technician) -> Live:
    """The phone's pinned header and the fingerprint of the office's side of its pages: one query."""
    today = clock.localdate()
    # Today's and tomorrow's jobs.
    start, end = days_bounds(today, today + timedelta(days=2))
    row = _SUMMARY.rows(pk=technician.pk, start=start, end=end)[0]
    crew = [row["c_helping"], row["c_leading"], *(_stamp(row[name]) for name in ("c_help_at", "c_lead_at"))]
    day_key = f"{row['o_count']}.{row['o_change'] or 0}." + ".".join(str(part) for part in crew)
    fingerprint = (
        f"m{row['m_last'] or 0}.{row['m_unread']}-d{day_key}-i{row['i_id'] or 0}.{row['i_status'] or ''}"
        f".{int(bool(row['i_escalated']))}"
    )
    urgent_row = (
        LiveUrgent(row["u_id"], row["u_message"] or "", row["u_at"], row["u_order"], row["u_count"])
        if row["u_id"]
        else None
    )
    open_incident = None
    if row["i_id"] and row["i_status"] in (IncidentStatus.RAISED, IncidentStatus.ACKNOWLEDGED):
        name = f"{row['i_ack_first'] or ''} {row['i_ack_last'] or ''}".strip() or row["i_ack_user"] or ""
        open_incident = LiveIncident(
            str(row["i_id"]),
            row["i_status"],
            row["i_raised"],
            row["i_ack_at"],
            name or (person_name(None) if row["i_ack_at"] else ""),
            row["i_escalated"],
        )
    return Live(fingerprint, day_key, row["m_unread"], urgent_row, open_incident)


def day_key_of(fingerprint: str) -> str:
    """The jobs' part of a fingerprint the page sent ("" when it sent none or garbage)."""
    for part in (fingerprint or "").split("-"):
        if part.startswith("d"):
            return part[1:]
    return ""


def technician_messages(
    technician: Technician, work_order: WorkOrder | None = None
) -> list[ManualNotification]:
    """A technician's office messages, unread first, urgent first, newest first (one query);
    with a job, only the messages about it."""
    rows = ManualNotification.objects.filter(technician=technician)
    if work_order is not None:
        rows = rows.filter(work_order=work_order)
    rank = Case(
        When(priority=Priority.URGENT, then=Value(0)),
        When(priority=Priority.HIGH, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    ordered = rows.select_related("work_order").order_by("is_read", rank, F("created_at").desc(), "-id")
    return list(ordered[:MESSAGES_SHOWN])


def unread_of(messages: list[ManualNotification]) -> int:
    return sum(1 for m in messages if not m.is_read)
