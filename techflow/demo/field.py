"""Shifts and visits: each technician's day as the steps the technician pages take (fieldops.services).

Every day from a week ago to today is planned whole; the builder runs only the steps that
have happened by the moment of loading, so today is the plan cut at "now". A technician's
steps are minutes apart, never at one instant.
"""

from datetime import datetime, time, timedelta

from dispatch.models import Notification, WorkOrderStatus
from dispatch.services import customer_history_add, notification_set_read, work_order_change_status
from fieldops.models import ActivityType
from fieldops.record_selectors import checklist_items
from fieldops.record_services import checklist_answer_save
from fieldops.selectors import State
from fieldops.services import (
    break_end,
    break_start,
    clock_in,
    clock_out,
    event_record,
    job_arrive,
    job_complete,
    job_leave,
    job_note_add,
    job_part_use,
    job_pause,
    job_travel_start,
    job_work_start,
)
from inventory.models import TruckInventory
from techflow.demo.builder import Build, Visit, day_text
from techflow.demo.catalogue import (
    ALERT_NOTES,
    CANCELLED,
    CUSTOMERS,
    DAYS_BACK,
    DEPOT,
    INSPECTION_NOTE,
    LATE_ARRIVAL,
    LATE_ARRIVAL_MINUTES,
    NO_ACCESS,
    NORMAL_NOTE_COUNT,
    NOTES,
    TECHNICIANS,
    TRAVEL_MINUTES,
    UNFINISHED,
    UNFINISHED_AFTER_MINUTES,
    UNFINISHED_NOTE,
    Place,
)

LUNCH_MINUTES = 30


def is_completed_in_plan(visit: Visit) -> bool:
    """A past job that ended in "completed" (today's complete as the day goes)."""
    return visit.offset < 0 and visit.key not in CANCELLED | NO_ACCESS


def plan_days(build: Build) -> None:
    notes = _plan_notes(build)
    for offset in range(-DAYS_BACK, 1):
        for tech in range(len(TECHNICIANS)):
            _plan_day(build, offset, tech, notes)


def _plan_notes(build: Build) -> dict[tuple[int, int, int], tuple[str, bool]]:
    """Technicians' notes on past jobs, by visit key: (text, alert the office)."""
    completed = [v for v in build.visits if is_completed_in_plan(v) and v.key not in ALERT_NOTES]
    plain = build.rng.sample(completed, NORMAL_NOTE_COUNT)
    written = {v.key: (text, False) for v, text in zip(plain, NOTES, strict=True)}
    written.update({key: (text, True) for key, text in ALERT_NOTES.items()})
    return written


def _plan_day(build: Build, offset: int, tech: int, notes: dict) -> None:
    day = build.day(offset)
    start, end = build.shift(day)
    technician, truck = build.technicians[tech], build.truck_of(tech)
    depot = build.at(DEPOT)
    build.add(
        start,
        lambda: clock_in(technician=technician, truck=truck, location=depot),
        tech=tech,
        leaves=(State.ON_SHIFT, None),
    )
    inspected = build.at(DEPOT)
    build.add(
        start + timedelta(minutes=10),
        lambda: event_record(
            technician=technician,
            activity_type=ActivityType.VEHICLE_INSPECTION,
            location=inspected,
            notes=INSPECTION_NOTE,
        ),
        tech=tech,
    )
    origin: Place = DEPOT
    free_from: datetime | None = None  # when the technician left the last site
    for slot in (0, 1):
        visit = build.visit(offset, tech, slot)
        if visit.key in CANCELLED:
            _plan_cancel(build, visit)
            continue
        if slot == 1 and free_from is not None and day.weekday() < 5:
            _plan_lunch(build, visit, tech, free_from, CUSTOMERS[build.visit(offset, tech, 0).customer].place)
        free_from = _plan_visit(build, visit, origin, notes.get(visit.key), end)
        origin = CUSTOMERS[visit.customer].place
    out = build.at(DEPOT)
    build.add(
        end, lambda: clock_out(technician=technician, location=out), tech=tech, leaves=(State.OFF, None)
    )


def _plan_lunch(build: Build, visit: Visit, tech: int, free_from: datetime, where: Place) -> None:
    technician = build.technicians[tech]
    begin = free_from + timedelta(minutes=15)
    leave_again = visit.at - timedelta(minutes=TRAVEL_MINUTES)
    if leave_again - begin < timedelta(minutes=LUNCH_MINUTES + 10):
        return
    there, back = build.at(where), build.at(where)
    build.add(
        begin,
        lambda: break_start(technician=technician, location=there),
        tech=tech,
        leaves=(State.ON_BREAK, None),
    )
    build.add(
        begin + timedelta(minutes=LUNCH_MINUTES),
        lambda: break_end(technician=technician, location=back),
        tech=tech,
        leaves=(State.ON_SHIFT, None),
    )


def _plan_cancel(build: Build, visit: Visit) -> None:
    office = build.office_actor()
    build.add(
        visit.at - timedelta(hours=18),
        lambda: work_order_change_status(
            work_order=visit.order,
            status=WorkOrderStatus.CANCELLED,
            actor=office,
            reason=f"The customer cancelled {day_text(visit.day)}'s visit; they will call to rebook.",
        ),
    )


def _plan_visit(
    build: Build, visit: Visit, origin: Place, note: tuple[str, bool] | None, shift_end: datetime
) -> datetime:
    """Drive, arrive, work, complete and leave (or the story's variations); returns when the site was left."""
    tech, technician = visit.tech, build.technicians[visit.tech]
    site = CUSTOMERS[visit.customer].place
    story = (visit.tech, visit.slot) if visit.offset == 0 else None

    def order():
        return visit.order

    leaving = build.at(origin)
    build.add(
        visit.at - timedelta(minutes=TRAVEL_MINUTES),
        lambda: job_travel_start(technician=technician, work_order=order(), location=leaving),
        tech=tech,
        leaves=(State.TRAVELING, visit),
    )
    arrival = visit.at - timedelta(minutes=visit.arrive_early)
    started = visit.at
    minutes = visit.minutes
    if story == LATE_ARRIVAL:
        arrival = visit.at + timedelta(minutes=LATE_ARRIVAL_MINUTES)
        started = arrival + timedelta(minutes=4)
        # Sarah works faster to finish inside her shift.
        minutes = min(minutes, int((shift_end - started).total_seconds() // 60) - 25)
    arrived = build.at(site)
    build.add(
        arrival,
        lambda: job_arrive(technician=technician, work_order=order(), location=arrived),
        tech=tech,
        leaves=(State.ON_SITE, visit),
    )
    if visit.key in NO_ACCESS:
        return _plan_no_access(build, visit, arrival, note)
    working = build.at(site)
    build.add(
        started,
        lambda: job_work_start(technician=technician, work_order=order(), location=working),
        tech=tech,
        leaves=(State.WORKING, visit),
    )
    if story == UNFINISHED:
        return _plan_unfinished(build, visit, started)
    done = started + timedelta(minutes=minutes)
    for name, quantity, before in visit.parts:
        build.add(done - timedelta(minutes=before), _part_use(build, visit, name, quantity), tech=tech)
    if note is not None:
        text, alert = note
        build.add(
            done - timedelta(minutes=5),
            lambda: job_note_add(technician=technician, work_order=order(), text=text, alert_office=alert),
            tech=tech,
        )
        if alert:
            _plan_office_reads_alert(build, visit)
    # The checklist of the job's type is answered just before completing (fieldops.state requires it).
    build.add(done - timedelta(seconds=40), _checklist_answer(visit, technician), tech=tech)
    finished = build.at(site)
    build.add(
        done,
        lambda: job_complete(
            technician=technician, work_order=order(), note=visit.summary, location=finished
        ),
        tech=tech,
        leaves=(State.ON_SITE, visit),
    )
    left = done + timedelta(minutes=visit.leave_after)
    gone = build.at(site)
    build.add(
        left,
        lambda: job_leave(technician=technician, work_order=order(), location=gone),
        tech=tech,
        leaves=(State.ON_SHIFT, None),
    )
    return left


def _checklist_answer(visit: Visit, technician):
    def answer() -> None:
        order = visit.order
        for item in checklist_items(order):
            checklist_answer_save(technician=technician, work_order=order, item=item, value="yes")

    return answer


def _part_use(build: Build, visit: Visit, name: str, quantity: int):
    """Parts off the truck: at most what it still holds (a job makes do with what is there)."""
    technician, item = build.technicians[visit.tech], build.items[name]
    truck_id = TECHNICIANS[visit.tech].truck_id

    def use() -> None:
        held = TruckInventory.objects.filter(truck_id=truck_id, item=item).values_list("quantity", flat=True)
        taken = min(quantity, held.first() or 0)
        if taken > 0:
            job_part_use(technician=technician, work_order=visit.order, item=item, quantity=taken)

    return use


def _plan_no_access(build: Build, visit: Visit, arrival: datetime, note: tuple[str, bool] | None) -> datetime:
    """Nobody lets the technician in: a note for the office, leave, and the order goes back to pending."""
    tech, technician = visit.tech, build.technicians[visit.tech]
    site = CUSTOMERS[visit.customer].place
    if note is not None:
        text, alert = note
        build.add(
            arrival + timedelta(minutes=19),
            lambda: job_note_add(
                technician=technician, work_order=visit.order, text=text, alert_office=alert
            ),
            tech=tech,
        )
    gone = build.at(site)
    left = build.add(
        arrival + timedelta(minutes=20),
        lambda: job_leave(technician=technician, work_order=visit.order, location=gone),
        tech=tech,
        leaves=(State.ON_SHIFT, None),
    )
    office = build.office_actor()
    name = TECHNICIANS[tech].name

    def back_to_pending() -> None:
        # In progress may only go back to scheduled; a booking that fell through is pending.
        work_order_change_status(work_order=visit.order, status=WorkOrderStatus.SCHEDULED, actor=office)
        work_order_change_status(work_order=visit.order, status=WorkOrderStatus.PENDING, actor=office)
        customer_history_add(
            customer_id=visit.order.customer_id,
            work_order=visit.order,
            notes=f"No access on {day_text(visit.day)}: {name} waited 20 minutes. Needs a new date.",
            actor=office,
        )

    build.add(left + timedelta(minutes=25), back_to_pending)
    return left


def _plan_unfinished(build: Build, visit: Visit, started: datetime) -> datetime:
    """The story's job that cannot be finished today: paused, a note for the office, left in progress."""
    tech, technician = visit.tech, build.technicians[visit.tech]
    site = CUSTOMERS[visit.customer].place
    paused_at = started + timedelta(minutes=UNFINISHED_AFTER_MINUTES)
    pausing, gone = build.at(site), build.at(site)
    build.add(
        paused_at,
        lambda: job_pause(technician=technician, work_order=visit.order, location=pausing),
        tech=tech,
        leaves=(State.PAUSED, visit),
    )
    build.add(
        paused_at + timedelta(minutes=3),
        lambda: job_note_add(
            technician=technician, work_order=visit.order, text=UNFINISHED_NOTE, alert_office=True
        ),
        tech=tech,
    )
    left = paused_at + timedelta(minutes=8)
    build.add(
        left,
        lambda: job_leave(technician=technician, work_order=visit.order, location=gone),
        tech=tech,
        leaves=(State.ON_SHIFT, None),
    )
    return left


def _plan_office_reads_alert(build: Build, visit: Visit) -> None:
    """The office reads alerts older than two days the next morning; the last two days' are unread."""
    if visit.offset >= -2:
        return

    def read() -> None:
        for notification in Notification.objects.filter(
            work_order=visit.order, notification_type=Notification.Type.NOTE_ALERT, is_read=False
        ):
            notification_set_read(notification=notification, is_read=True)

    build.add(build.local(visit.day + timedelta(days=1), time(8, 20)), read)
