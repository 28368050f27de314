"""A technician's emergency as an incident: raised, acknowledged by the office, escalated when nobody
does, cancelled by the technician as a false alarm or resolved by the office.

Every step is recorded twice in the same transaction: on the `incidents` row (who, when) and as an
`operational_event` (the seed's log of what happened). Steps lock the incident row, so two
dispatchers acknowledging at once, or an acknowledgement racing a cancel, apply one after the
other and the second is told what the first did. Escalation is checked by the office's incident
poll (every open office page, every 5 s) and by `manage.py incidents_escalate` (a timer for when
no office page is open): both call `incidents_escalate_due`, which skips rows another server
holds, so an incident escalates once however many servers check.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from dispatch import clock, formatting
from dispatch.models import Notification, Technician, WorkOrder
from fieldops.models import (
    EventCategory,
    Incident,
    IncidentStatus,
    OperationalEvent,
    Severity,
    TechnicianActivity,
)
from fieldops.state import technician_states

SOURCE = "techflow-incidents"


def person_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return "someone in the office"
    return user.get_full_name() or user.get_username()


def escalate_after() -> timedelta:
    return timedelta(seconds=settings.TECHFLOW_INCIDENT_ESCALATE_AFTER)


def _event(incident: Incident, event_type: str, severity: str, title: str, **metadata) -> OperationalEvent:
    return OperationalEvent.objects.create(
        event_type=event_type,
        event_category=EventCategory.OPERATIONAL,
        severity=severity,
        source_system=SOURCE,
        title=title,
        metadata={"incident_id": str(incident.pk), "technician_id": incident.technician_id, **metadata},
    )


def _where(latitude: Decimal | None, longitude: Decimal | None) -> str:
    if latitude is None or longitude is None:
        return "location unknown"
    return f"at {latitude}, {longitude}"


def _order(work_order_id: int | None) -> WorkOrder | None:
    """The job an incident happened on, if it is still a live row (archiving may have moved it)."""
    return WorkOrder.objects.filter(pk=work_order_id).first() if work_order_id else None


def incident_raise(
    *,
    technician: Technician,
    activity: TechnicianActivity,
    work_order_id: int | None,
    truck_id: int | None,
    notes: str = "",
) -> Incident:
    """Open an incident for an emergency stop (the caller holds the technician's row lock and wrote the
    activity): an emergency notification and a critical operational event. A second press while the
    first is still waiting for the office joins it: newer location, one more alert."""
    notes = (notes or "").strip()
    waiting = Incident.objects.select_for_update().filter(technician=technician, status=IncidentStatus.RAISED)
    incident = waiting.first()
    order = _order(work_order_id)
    where = _where(activity.latitude, activity.longitude)
    if incident is None:
        event = OperationalEvent.objects.create(
            event_type="emergency_stop",
            event_category=EventCategory.OPERATIONAL,
            severity=Severity.CRITICAL,
            source_system="techflow-tech",
            title=f"Emergency stop: {technician.name}",
            description=notes or None,
            metadata={
                "technician_id": technician.pk,
                "activity_id": str(activity.pk),
                "work_order_id": work_order_id,
                "truck_id": truck_id,
                "latitude": None if activity.latitude is None else str(activity.latitude),
                "longitude": None if activity.longitude is None else str(activity.longitude),
            },
        )
        incident = Incident.objects.create(
            technician=technician,
            raised_at=activity.created_at,
            notes=notes,
            latitude=activity.latitude,
            longitude=activity.longitude,
            accuracy_meters=activity.accuracy_meters,
            work_order_id=work_order_id,
            truck_id=truck_id,
            activity_id=activity.pk,
            event=event,
        )
        event.metadata["incident_id"] = str(incident.pk)
        event.save(update_fields=["metadata"])
        again = ""
    else:
        incident.alerts += 1
        if activity.has_location:
            incident.latitude, incident.longitude = activity.latitude, activity.longitude
            incident.accuracy_meters = activity.accuracy_meters
        if notes:
            incident.notes = f"{incident.notes}\n{notes}".strip()
        incident.save(update_fields=["alerts", "latitude", "longitude", "accuracy_meters", "notes"])
        _event(
            incident, "emergency_repeated", Severity.CRITICAL, f"Emergency pressed again: {technician.name}"
        )
        again = " AGAIN"
    Notification.objects.create(
        work_order=order,
        notification_type=Notification.Type.EMERGENCY,
        message=f"URGENT{again}: {technician.name} made an EMERGENCY STOP ({where}). "
        f"Call them now: {technician.phone}" + (f". Note: {notes}" if notes else ""),
    )
    return incident


def _locked(incident: Incident) -> Incident:
    # Only the incident's row is locked (PostgreSQL refuses FOR UPDATE on a nullable join's side).
    return Incident.objects.select_for_update(of=("self",)).select_related("technician").get(pk=incident.pk)


def _refusal(incident: Incident) -> str:
    if incident.status == IncidentStatus.ACKNOWLEDGED:
        return (
            f"Already acknowledged by {person_name(incident.acknowledged_by)} "
            f"at {formatting.when(incident.acknowledged_at)}."
        )
    if incident.status == IncidentStatus.CANCELLED:
        return f"{incident.technician.name} cancelled it as a false alarm."
    return "This emergency is already resolved."


@transaction.atomic
def incident_acknowledge(*, incident: Incident, user: AbstractBaseUser) -> Incident:
    """A person in the office has seen the emergency and is dealing with it: it leaves the office's
    pinned banner, and the technician's phone says who acknowledged it and when."""
    incident = _locked(incident)
    if incident.status != IncidentStatus.RAISED:
        raise ValidationError(_refusal(incident))
    now = clock.now()
    incident.status = IncidentStatus.ACKNOWLEDGED
    incident.acknowledged_at, incident.acknowledged_by = now, user
    incident.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    waited = int((now - incident.raised_at).total_seconds())
    _event(
        incident,
        "emergency_acknowledged",
        Severity.INFO,
        f"Emergency acknowledged by {person_name(user)}: {incident.technician.name}",
        user_id=user.pk,
        seconds_to_acknowledge=waited,
    )
    return incident


def _close(incident: Incident, status: str, user: AbstractBaseUser | None, note: str) -> None:
    now = clock.now()
    incident.status, incident.closed_at, incident.closed_by, incident.close_note = status, now, user, note
    incident.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    OperationalEvent.objects.filter(pk=incident.event_id).update(resolved_at=now, resolved_by=user)


@transaction.atomic
def incident_cancel(*, technician: Technician, incident: Incident, note: str = "") -> Incident:
    """The technician calls off their own emergency as a false alarm (recorded; the office is told)."""
    incident = _locked(incident)
    if incident.technician_id != technician.pk:
        raise ValidationError("That emergency is not yours.")
    if not incident.is_open:
        raise ValidationError(_refusal(incident))
    note = (note or "").strip()[:500] or "False alarm"
    _close(incident, IncidentStatus.CANCELLED, technician.user, note)
    _event(
        incident,
        "emergency_cancelled",
        Severity.WARNING,
        f"Emergency cancelled by {technician.name}: {note}",
    )
    Notification.objects.create(
        work_order=_order(incident.work_order_id),
        notification_type=Notification.Type.EMERGENCY,
        message=f"Emergency cancelled by {technician.name} (raised {formatting.when(incident.raised_at)}): "
        f"{note}",
    )
    return incident


@transaction.atomic
def incident_resolve(*, incident: Incident, user: AbstractBaseUser, note: str = "") -> Incident:
    """The office closes the incident (the technician is safe); one still waiting is acknowledged too."""
    incident = _locked(incident)
    if not incident.is_open:
        raise ValidationError(_refusal(incident))
    now = clock.now()
    if incident.acknowledged_at is None:
        incident.acknowledged_at, incident.acknowledged_by = now, user
        incident.save(update_fields=["acknowledged_at", "acknowledged_by"])
    note = (note or "").strip()[:500] or "Resolved"
    _close(incident, IncidentStatus.RESOLVED, user, note)
    _event(
        incident,
        "emergency_resolved",
        Severity.INFO,
        f"Emergency resolved by {person_name(user)}: {incident.technician.name}",
        user_id=user.pk,
    )
    return incident


def incidents_escalate_due(*, now: datetime | None = None) -> list[Incident]:
    """Escalate, once each, the incidents nobody acknowledged in time: a second emergency alert and a
    critical operational event. Rows another server is escalating are skipped, not waited for."""
    now = now or clock.now()
    cutoff = now - escalate_after()
    escalated = []
    with transaction.atomic():
        due = list(
            Incident.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("technician")
            .filter(status=IncidentStatus.RAISED, escalated_at__isnull=True, raised_at__lte=cutoff)
            .order_by("raised_at")[:50]
        )
        for incident in due:
            incident.escalated_at = now
            incident.save(update_fields=["escalated_at"])
            minutes = max(1, int((now - incident.raised_at).total_seconds() // 60))
            technician = incident.technician
            _event(
                incident,
                "emergency_escalated",
                Severity.CRITICAL,
                f"Emergency not acknowledged for {minutes} min: {technician.name}",
                raised_at=incident.raised_at.isoformat(),
            )
            Notification.objects.create(
                notification_type=Notification.Type.EMERGENCY,
                message=f"ESCALATED: nobody has acknowledged {technician.name}'s emergency "
                f"(raised {formatting.when(incident.raised_at)}, {minutes} min ago). "
                f"Call them now: {technician.phone}",
            )
            escalated.append(incident)
    return escalated


# Reads


@dataclass(frozen=True)
class OfficeIncident:
    """An incident as the office's banner shows it, with the technician's latest known location."""

    incident: Incident
    last_latitude: Decimal | None
    last_longitude: Decimal | None
    last_located_at: datetime | None

    @property
    def latitude(self) -> Decimal | None:
        return self.incident.latitude if self.incident.has_location else self.last_latitude

    @property
    def longitude(self) -> Decimal | None:
        return self.incident.longitude if self.incident.has_location else self.last_longitude

    @property
    def map_url(self) -> str:
        return map_url(self.latitude, self.longitude)

    @property
    def geo_uri(self) -> str:
        return geo_uri(self.latitude, self.longitude)

    @property
    def last_moved(self) -> bool:
        """The technician's latest location is newer than the one the emergency was raised at."""
        return (
            self.last_located_at is not None
            and self.last_latitude is not None
            and (self.last_latitude, self.last_longitude) != (self.incident.latitude, self.incident.longitude)
            and self.last_located_at > self.incident.raised_at
        )

    @property
    def last_map_url(self) -> str:
        return map_url(self.last_latitude, self.last_longitude)


def map_url(latitude: Decimal | None, longitude: Decimal | None) -> str:
    """An OpenStreetMap link with a marker (the page fetches no tiles; the link opens the map)."""
    if latitude is None or longitude is None:
        return ""
    return f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}#map=17/{latitude}/{longitude}"


def geo_uri(latitude: Decimal | None, longitude: Decimal | None) -> str:
    """RFC 5870's geo: URI, which a phone hands to its maps app."""
    if latitude is None or longitude is None:
        return ""
    return f"geo:{latitude},{longitude}"


def office_incidents() -> list[OfficeIncident]:
    """The incidents waiting for the office, oldest first, with each technician's last location:
    one query, two when there is one."""
    waiting = list(
        Incident.objects.filter(status=IncidentStatus.RAISED)
        .select_related("technician")
        .order_by("raised_at")
    )
    if not waiting:
        return []
    states = {
        s.technician.pk: s
        for s in technician_states(Technician.objects.filter(pk__in={i.technician_id for i in waiting}))
    }
    return [
        OfficeIncident(
            incident,
            states[incident.technician_id].latitude,
            states[incident.technician_id].longitude,
            states[incident.technician_id].located_at,
        )
        for incident in waiting
    ]


def office_incidents_fingerprint(incidents: list[OfficeIncident], now: datetime) -> str:
    """What the banner shows, as a string: the poll answers 204 while it is the same. The minute is in
    it while something is waiting, so "raised 4 min ago" stays true."""
    if not incidents:
        return "none"
    parts = [f"{o.incident.pk}.{o.incident.alerts}.{int(bool(o.incident.escalated_at))}" for o in incidents]
    return f"{int(now.timestamp() // 60)}-" + "-".join(parts)


def open_incidents_by_technician() -> dict[int, Incident]:
    """Each technician's latest open incident (the field view marks them in emergency): one query."""
    rows = Incident.objects.filter(
        status__in=(IncidentStatus.RAISED, IncidentStatus.ACKNOWLEDGED)
    ).select_related("acknowledged_by")
    found: dict[int, Incident] = {}
    for incident in rows.order_by("raised_at"):
        found[incident.technician_id] = incident
    return found
