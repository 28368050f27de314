"""What each intent does: read the technician's own day, or call the same service the buttons call.

Everything is scoped to the technician handed in (the signed-in one): their state, their jobs
today, the stock of the truck they are clocked in with, their messages. A job, item or truck
the words point at is looked up among those only, so no phrasing can reach anyone else's.
Nothing here acts (beyond marking the messages it reads out as read): an intent that acts comes
back with the service call to make (`Result.perform`), which the dialogue runs. High-impact
actions come back on first asking as a pending action with a question, and the dialogue plans
and runs them (`dialogue.execute`) once the technician says yes.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from django.utils import timezone

from dispatch import clock, formatting
from dispatch.models import ManualNotification, Technician, WorkOrder
from fieldops import services
from fieldops.agent.matching import match_job, match_one
from fieldops.models import ActivityType
from fieldops.selectors import day_jobs
from fieldops.services import NOWHERE, Location
from fieldops.state import Step, TechnicianState, check, technician_state
from inventory.models import Truck, TruckInventory

NOT_UNDERSTOOD = (
    "Sorry, I didn't get that. I can only help with your own shift, jobs and truck. "
    "Say “help” to hear what I can do."
)
HELP_TEXT = (
    "You can say: clock in with truck 201; what's my next job; start travel; I've arrived; start work; "
    "pause; resume; used two RJ45 ends; how many BNC ends do I have; add a note, gate code 4321; "
    "tell the office I'm running late; complete the job, replaced the camera; left site; take a break; "
    "read my messages; clock out; goodbye."
)


@dataclass
class Context:
    """What the agent knows about the technician for one turn."""

    technician: Technician
    state: TechnicianState
    jobs: list[WorkOrder]
    location: Location = NOWHERE

    @property
    def current(self) -> WorkOrder | None:
        return next((j for j in self.jobs if j.pk == self.state.work_order_id), None)


def context_for(technician: Technician, location: Location = NOWHERE) -> Context:
    """The technician's state and jobs today (with the job they are on, if it is from another day)."""
    state = technician_state(technician)
    jobs, _ = day_jobs(technician, clock.localdate())  # their own and their crew visits, as My day
    jobs = list({job.pk: job for job in jobs}.values())
    if state.work_order_id and all(j.pk != state.work_order_id for j in jobs):
        mine = WorkOrder.objects.worked_by(technician).select_related("customer")
        jobs = [*mine.filter(pk=state.work_order_id), *jobs]
    return Context(technician, state, jobs, location)


@dataclass
class Result:
    reply: str
    ok: bool = True
    action: str | None = None  # the service that ran
    work_order: WorkOrder | None = None
    pending: dict | None = None  # an action waiting for yes, or for the words it needs
    link: tuple[str, str] | None = None  # (label, href) for navigate and call
    data: dict = field(default_factory=dict)
    perform: "Perform | None" = None  # the service call the dialogue is to run for this answer

    def as_dict(self) -> dict:
        out = {"ok": self.ok, "action": self.action, **self.data}
        if self.work_order is not None:
            out["work_order_id"] = self.work_order.pk
        if self.pending:
            out["pending"] = self.pending
        if self.link:
            out["link"] = {"label": self.link[0], "href": self.link[1]}
        return out


@dataclass(frozen=True)
class Perform:
    """A step service to call (`action` names it in the log and in a refusal's record)."""

    action: str
    call: Callable[[], object]


def job_name(job: WorkOrder) -> str:
    who = f" for {job.customer.name}" if job.customer_id else ""
    return f"job {job.pk}{who}"


def _sentence(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case customer names)."""
    return text[:1].upper() + text[1:]


def _when(job: WorkOrder) -> str:
    if not job.scheduled_for:
        return "unscheduled"
    return formatting.when(job.scheduled_for)


def _find_job(ctx: Context, slots: dict) -> WorkOrder | None:
    return match_job(slots.get("job"), ctx.jobs, current_id=ctx.state.work_order_id)


def _no_job(slots: dict) -> Result:
    if slots.get("job") is None:
        return Result("You have no open job today.", ok=False)
    return Result("I can't find that job among your jobs today. Say “list my jobs” to hear them.", ok=False)


def planned(action: str, call: Callable[[], object], reply: str, job: WorkOrder | None = None) -> Result:
    """The answer of an intent that acts: the service call to make and the reply once it has run.
    The dialogue runs it (`dialogue.perform`) and answers a refusal in the service's own words."""
    return Result(reply, work_order=job, perform=Perform(action, call))


# Shift and breaks


def clock_in(ctx: Context, slots: dict) -> Result:
    trucks = list(Truck.objects.filter(active=True, is_office_truck=False).order_by("name"))
    number = slots.get("truck")
    if number is None:
        truck = next((t for t in trucks if t.pk == ctx.state.last_truck_id), None)
        if truck is None:
            return Result("Which truck? Say “clock in with truck” and its number.", ok=False)
    else:
        truck = next((t for t in trucks if t.pk == number), None) or next(
            (t for t in trucks if t.name.split()[-1] == str(number)), None
        )
        if truck is None:
            return Result(f"I don't know a service truck {number}. Say its number again.", ok=False)
    return planned(
        "clock_in",
        lambda: services.clock_in(technician=ctx.technician, truck=truck, location=ctx.location),
        f"Clocked in with {truck.name}.",
    )


def clock_out(ctx: Context, slots: dict) -> Result:
    if refusal := check(ctx.state, Step.CLOCK_OUT):
        return Result(refusal, ok=False)
    return Result("Clock out now? Say yes to confirm.", pending={"intent": "clock_out"})


def break_start(ctx: Context, slots: dict) -> Result:
    return planned(
        "break_start",
        lambda: services.break_start(technician=ctx.technician, location=ctx.location),
        "Break started. Enjoy it.",
    )


def break_end(ctx: Context, slots: dict) -> Result:
    return planned(
        "break_end",
        lambda: services.break_end(technician=ctx.technician, location=ctx.location),
        "Break over. Welcome back.",
    )


# Reading the day


def next_job(ctx: Context, slots: dict) -> Result:
    job = match_job("next", ctx.jobs, current_id=ctx.state.work_order_id)
    if job is None:
        return Result("No more open jobs today.")
    where = f", {job.customer.address}" if job.customer_id else ""
    return Result(f"Next: {job_name(job)} at {_when(job)}{where}. {job.title}.", work_order=job)


def list_jobs(ctx: Context, slots: dict) -> Result:
    today = [
        j
        for j in ctx.jobs
        if j.scheduled_for and timezone.localtime(j.scheduled_for).date() == clock.localdate()
    ]
    if not today:
        return Result("You have no jobs today.")
    lines = [f"{_when(j)}, {job_name(j)}, {j.get_status_display().lower()}" for j in today]
    count = f"{len(today)} job{'s' if len(today) != 1 else ''}"
    return Result(f"You have {count} today: " + "; ".join(lines) + ".")


def job_details(ctx: Context, slots: dict) -> Result:
    job = _find_job(ctx, slots)
    if job is None:
        return _no_job(slots)
    parts = [
        f"{_sentence(job_name(job))} at {_when(job)}: {job.title}.",
        job.brief_description.rstrip(".") + ".",
    ]
    if job.customer_id:
        parts.append(f"Address: {job.customer.address}.")
    parts.append(f"Status: {job.get_status_display().lower()}.")
    return Result(" ".join(parts), work_order=job)


def navigate(ctx: Context, slots: dict) -> Result:
    job = _find_job(ctx, slots)
    if job is None:
        return _no_job(slots)
    if not job.customer_id or not job.customer.address:
        return Result(f"{_sentence(job_name(job))} has no address.", ok=False, work_order=job)
    href = f"https://www.google.com/maps/search/?api=1&query={quote(job.customer.address)}"
    return Result(
        f"Directions to {job.customer.name}, {job.customer.address}. Tap Open map.",
        work_order=job,
        link=("Open map", href),
    )


def call_customer(ctx: Context, slots: dict) -> Result:
    job = _find_job(ctx, slots)
    if job is None:
        return _no_job(slots)
    if not job.customer_id or not job.customer.phone:
        return Result(f"{_sentence(job_name(job))} has no phone number.", ok=False, work_order=job)
    phone = job.customer.phone
    return Result(
        f"{job.customer.name}: {phone}. Tap Call to ring them.",
        work_order=job,
        link=(f"Call {job.customer.name}", "tel:" + "".join(c for c in phone if c.isdigit() or c == "+")),
    )


# A job, step by step


def travel_start(ctx: Context, slots: dict) -> Result:
    job = (
        _find_job(ctx, slots)
        if slots.get("job") is not None
        else match_job("next", ctx.jobs, current_id=None)
    )
    if job is None:
        return _no_job(slots)
    return planned(
        "job_travel_start",
        lambda: services.job_travel_start(technician=ctx.technician, work_order=job, location=ctx.location),
        f"Travel started to {job_name(job)}. Drive safe.",
        job,
    )


def _job_step(ctx: Context, step: str, action: str, service: Callable, reply: str) -> Result:
    job = ctx.current
    if refusal := check(ctx.state, step, job):
        return Result(refusal, ok=False, work_order=job)
    return planned(
        action,
        lambda: service(technician=ctx.technician, work_order=job, location=ctx.location),
        reply.format(job=job_name(job)),
        job,
    )


def arrived(ctx: Context, slots: dict) -> Result:
    return _job_step(ctx, Step.ARRIVE, "job_arrive", services.job_arrive, "Arrived at {job}.")


def work_start(ctx: Context, slots: dict) -> Result:
    return _job_step(
        ctx, Step.WORK_START, "job_work_start", services.job_work_start, "Work started on {job}."
    )


def work_pause(ctx: Context, slots: dict) -> Result:
    return _job_step(ctx, Step.PAUSE, "job_pause", services.job_pause, "Work paused on {job}.")


def work_resume(ctx: Context, slots: dict) -> Result:
    if check(ctx.state, Step.BREAK_END) is None:
        return break_end(ctx, slots)
    return _job_step(ctx, Step.RESUME, "job_resume", services.job_resume, "Work resumed on {job}.")


def leave_site(ctx: Context, slots: dict) -> Result:
    return _job_step(
        ctx, Step.LEAVE, "job_leave", services.job_leave, "Left the site of {job}. On to the next one."
    )


def job_complete(ctx: Context, slots: dict) -> Result:
    job = _find_job(ctx, slots)
    if job is None:
        return _no_job(slots)
    if refusal := check(ctx.state, Step.COMPLETE, job):
        return Result(refusal, ok=False, work_order=job)
    pending = {"intent": "job_complete", "job": job.pk}
    text = (slots.get("text") or "").strip()
    if not text:
        return Result(
            f"What did you do on job {job.pk}? "
            "Say it in a sentence: it goes on the job as the completion note.",
            work_order=job,
            pending={**pending, "awaiting": "text"},
        )
    return confirm_completion(job, {**pending, "text": text})


def confirm_completion(job: WorkOrder, pending: dict) -> Result:
    return Result(
        f"Complete {job_name(job)} with the note “{pending['text']}”? Say yes to confirm.",
        work_order=job,
        pending=pending,
    )


def _note_job(ctx: Context) -> WorkOrder | None:
    return ctx.current or match_job("next", ctx.jobs, current_id=None)


def add_note(ctx: Context, slots: dict, *, alert: bool = False) -> Result:
    job = _note_job(ctx)
    if job is None:
        return Result("Notes go on one of your jobs, and you have no open job today.", ok=False)
    text = (slots.get("text") or "").strip()
    intent = "alert_office" if alert else "add_note"
    if not text:
        ask = "What should I tell the office?" if alert else "What should the note say?"
        return Result(ask, work_order=job, pending={"intent": intent, "job": job.pk, "awaiting": "text"})
    reply = (
        f"Sent to the office on job {job.pk}: “{text}”."
        if alert
        else f"Note added to job {job.pk}: “{text}”."
    )
    return planned(
        "job_note_add",
        lambda: services.job_note_add(
            technician=ctx.technician, work_order=job, text=text, alert_office=alert
        ),
        reply,
        job,
    )


def alert_office(ctx: Context, slots: dict) -> Result:
    return add_note(ctx, slots, alert=True)


# The truck


def truck_stock(ctx: Context) -> list[TruckInventory]:
    truck_id = ctx.state.truck_id or ctx.state.last_truck_id
    if not truck_id:
        return []
    return list(
        TruckInventory.objects.filter(truck_id=truck_id)
        .select_related("item", "truck")
        .order_by("item__name")
    )


def use_part(ctx: Context, slots: dict) -> Result:
    job = ctx.current
    if refusal := check(ctx.state, Step.USE_PART, job):
        return Result(refusal, ok=False, work_order=job)
    stock = [row for row in truck_stock(ctx) if row.truck_id == ctx.state.truck_id]
    row = match_one(slots.get("item", ""), stock, lambda r: r.item.name)
    if row is None:
        return Result(
            f"I can't find “{slots.get('item', '')}” on your truck. Say the part again.",
            ok=False,
            work_order=job,
        )
    quantity = int(slots.get("quantity") or 1)
    if quantity < 1:
        return Result("Say how many you used.", ok=False, work_order=job)
    if quantity > row.quantity:
        return Result(
            f"Your truck has only {row.quantity} {row.item.name}, not {quantity}.", ok=False, work_order=job
        )
    unit = f" {row.item.unit}" if row.item.unit and row.item.unit != "unit" else ""
    return Result(
        f"Use {quantity}{unit} × {row.item.name} on {job_name(job)}? Say yes to confirm.",
        work_order=job,
        pending={"intent": "use_part", "job": job.pk, "item": row.item_id, "quantity": quantity},
    )


def check_stock(ctx: Context, slots: dict) -> Result:
    stock = truck_stock(ctx)
    if not stock:
        return Result("I don't know your truck yet: clock in with it first.", ok=False)
    truck = stock[0].truck
    if not slots.get("item"):
        low = [r for r in stock if r.is_low]
        said = f"{truck.name} carries {len(stock)} kinds of parts."
        if low:
            said += " Running low: " + ", ".join(f"{r.item.name} ({r.quantity})" for r in low) + "."
        return Result(said)
    row = match_one(slots["item"], stock, lambda r: r.item.name)
    if row is None:
        return Result(f"I can't find “{slots['item']}” on {truck.name}.", ok=False)
    unit = f" {row.item.unit}" if row.item.unit and row.item.unit != "unit" else ""
    return Result(f"You have {row.quantity}{unit} of {row.item.name} on {truck.name}.")


# Messages and the rest


def read_messages(ctx: Context, slots: dict) -> Result:
    unread = list(
        ManualNotification.objects.filter(technician=ctx.technician, is_read=False).order_by("-created_at")[
            :3
        ]
    )
    if not unread:
        return Result("No new messages.")
    said = []
    for message in unread:
        services.message_mark_read(technician=ctx.technician, message=message)
        urgency = f"{message.get_priority_display()}: " if message.priority != "normal" else ""
        said.append(_sentence(f"{urgency}{message.message}"))
    count = f"{len(unread)} new message{'s' if len(unread) != 1 else ''}"
    return Result(f"{count}. " + " Next: ".join(said), action="message_mark_read")


def help_(ctx: Context, slots: dict) -> Result:
    return Result(HELP_TEXT)


def unknown(ctx: Context, slots: dict) -> Result:
    return Result(NOT_UNDERSTOOD, ok=False)


PLANS: dict[str, Callable[[Context, dict], Result]] = {
    "clock_in": clock_in,
    "clock_out": clock_out,
    "break_start": break_start,
    "break_end": break_end,
    "next_job": next_job,
    "list_jobs": list_jobs,
    "job_details": job_details,
    "navigate": navigate,
    "call_customer": call_customer,
    "travel_start": travel_start,
    "arrived": arrived,
    "work_start": work_start,
    "work_pause": work_pause,
    "work_resume": work_resume,
    "job_complete": job_complete,
    "leave_site": leave_site,
    "add_note": add_note,
    "alert_office": alert_office,
    "use_part": use_part,
    "check_stock": check_stock,
    "read_messages": read_messages,
    "help": help_,
    "unknown": unknown,
}


def own_job(ctx: Context, pk) -> WorkOrder | None:
    return next((j for j in ctx.jobs if j.pk == pk), None)


def plan(intent: str, slots: dict, ctx: Context) -> Result:
    """Answer an intent: read, act through a service, or ask for a yes first."""
    return PLANS.get(intent, unknown)(ctx, slots)


# Issue 15: events on the road, a delay for the office, and the questions the app can answer.
# (Additive: new handlers and their entries in PLANS; the handlers above are unchanged.)


def _event(ctx: Context, activity_type: str, reply: str, notes: str = "") -> Result:
    return planned(
        activity_type,
        lambda: services.event_record(
            technician=ctx.technician, activity_type=activity_type, location=ctx.location, notes=notes
        ),
        reply,
        ctx.current,
    )


def fuel_stop(ctx: Context, slots: dict) -> Result:
    return _event(ctx, ActivityType.FUEL_STOP, "Fuel stop recorded.")


def vehicle_inspection(ctx: Context, slots: dict) -> Result:
    return _event(ctx, ActivityType.VEHICLE_INSPECTION, "Vehicle inspection recorded.")


def emergency_stop(ctx: Context, slots: dict) -> Result:
    """Never waits for a yes and is never refused: the office is alerted at once, as the red button does."""
    return _event(
        ctx,
        ActivityType.EMERGENCY_STOP,
        "Emergency stop sent. The office has been alerted and will call you. If anyone is hurt, call 911.",
        notes=(slots.get("said") or "")[:500],
    )


def report_delay(ctx: Context, slots: dict) -> Result:
    """A delay goes to the office as an alert on the job it delays (named, else current, else next)."""
    if slots.get("job") is not None:
        job = _find_job(ctx, slots)
        if job is None:
            return _no_job(slots)
    else:
        job = ctx.current or match_job("next", ctx.jobs, current_id=None)
    if job is None:
        return Result("You have no open job today to be late for.", ok=False)
    minutes = slots.get("minutes")
    late = f"about {minutes} minutes late" if minutes else "running late"
    said = (slots.get("said") or "").strip()
    text = f"Running late: {minutes} minutes." if minutes else "Running late."
    if said:
        text += f" “{said}”"
    return planned(
        "job_note_add",
        lambda: services.job_note_add(
            technician=ctx.technician, work_order=job, text=text, alert_office=True
        ),
        f"Told the office you're {late} for {job_name(job)}.",
        job,
    )


def latest_message(ctx: Context, slots: dict) -> Result:
    message = ManualNotification.objects.filter(technician=ctx.technician).order_by("-created_at").first()
    if message is None:
        return Result("The office hasn't sent you any messages.")
    services.message_mark_read(technician=ctx.technician, message=message)
    at = formatting.when(message.created_at)
    urgency = f" ({message.get_priority_display().lower()})" if message.priority != "normal" else ""
    return Result(
        f"The office's latest message{urgency}, at {at}: {message.message}", action="message_mark_read"
    )


def _in_words(minutes: int) -> str:
    hours, minutes = divmod(abs(minutes), 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def due_at(ctx: Context, slots: dict) -> Result:
    job = (
        _find_job(ctx, slots)
        if slots.get("job") is not None
        else (ctx.current or _find_job(ctx, {"job": "next"}))
    )
    if job is None:
        return _no_job(slots)
    if not job.scheduled_for:
        return Result(f"{_sentence(job_name(job))} has no time set.", work_order=job)
    minutes = round((job.scheduled_for - clock.now()).total_seconds() / 60)
    when = f"in {_in_words(minutes)}" if minutes >= 0 else f"{_in_words(minutes)} ago"
    verb = "You're due" if minutes >= 0 else "You were due"
    return Result(f"{verb} at {job_name(job)} at {_when(job)}, {when}.", work_order=job)


def status(ctx: Context, slots: dict) -> Result:
    said = _sentence(ctx.state.explain())
    job = ctx.current
    if job is not None:
        said += f" That's {job_name(job)}."
    return Result(said, work_order=job)


def check_stock_or_list(ctx: Context, slots: dict) -> Result:
    """An item: how many; no item ("what's left on my truck"): what the truck carries, item by item."""
    if slots.get("item"):
        return check_stock(ctx, slots)
    stock = truck_stock(ctx)
    if not stock:
        return check_stock(ctx, slots)
    truck = stock[0].truck

    def amount(row: TruckInventory) -> str:
        unit = f" {row.item.unit}" if row.item.unit and row.item.unit != "unit" else ""
        return f"{row.quantity}{unit} {row.item.name}"

    shown = [r for r in stock if r.quantity > 0][:12]
    said = (
        f"{truck.name} has: " + ", ".join(amount(r) for r in shown) + "."
        if shown
        else f"{truck.name} is empty."
    )
    if len(stock) > len(shown) and shown:
        said += " Ask for an item by name for the rest."
    return Result(said)


def clarify(ctx: Context, slots: dict) -> Result:
    return Result("I heard that two ways. Please say it again in other words.", ok=False)


PLANS.update(
    {
        "fuel_stop": fuel_stop,
        "vehicle_inspection": vehicle_inspection,
        "emergency_stop": emergency_stop,
        "report_delay": report_delay,
        "latest_message": latest_message,
        "due_at": due_at,
        "status": status,
        "check_stock": check_stock_or_list,
        "clarify": clarify,
    }
)
