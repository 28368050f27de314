"""The agent's last word on whose work the words point at, before any intent is answered.

Any job, truck or person that is not the technician's own current one gets an explicit
refusal or a question, never a silent fallback to their own job: a note "for job 59" is not
written on job 57, "leaving the other site" does not leave the technician's own site.
"""

from django.db.models import Q

from dispatch.models import Technician, WorkOrder
from fieldops.agent.actions import Context, Result, job_name, truck_stock
from fieldops.agent.matching import match_job
from fieldops.agent.parser import INJECTION_REASON, OTHER_PERSON_REASON, Parse, Vocabulary

# Steps that act on the job the technician is on; a job named in the words must be that one.
ON_CURRENT_JOB = {
    "arrived", "work_start", "work_pause", "work_resume", "leave_site", "use_part", "job_complete",
    "add_note",
}  # fmt: skip
OTHER_PERSON = (
    "I can only help with your own work: I can't act on another technician's jobs, truck or messages."
)
INJECTION = (
    "I can't do that. I only act on your own work, one thing at a time, and I always ask before "
    "completing a job, clocking you out or using parts."
)


def vocabulary_for(ctx: Context) -> Vocabulary:
    """The names in play for this technician, from the database: their truck's stock, the day's customers
    (every technician's, so a customer that isn't theirs is recognised and refused), the other
    technicians' first names. Bounded by what the day holds, not by the size of the tables."""
    stock = tuple(row.item.name for row in truck_stock(ctx))
    today = WorkOrder.objects.today().filter(customer__isnull=False)
    mine = {j.customer.name for j in ctx.jobs if j.customer_id}
    customers = tuple(sorted(mine | set(today.values_list("customer__name", flat=True).distinct()[:200])))
    people = Technician.objects.filter(~Q(pk=ctx.technician.pk)).values_list("name", flat=True)[:200]
    own = set(ctx.technician.name.lower().split())
    first_names = {n.split()[0].lower() for n in people if n and n.split()}
    customer_words = {w for c in customers for w in c.lower().split()}
    return Vocabulary(
        items=stock, customers=customers, people=tuple(sorted(first_names - own - customer_words))
    )


def refusal(parsed: Parse, ctx: Context) -> Result | None:
    """A refusal or a question when the words reach beyond the technician's own current work."""
    if parsed.intent == "unknown" and parsed.reason == OTHER_PERSON_REASON:
        return Result(OTHER_PERSON, ok=False, data={"refused": "scope"})
    if parsed.intent == "unknown" and parsed.reason == INJECTION_REASON:
        return Result(INJECTION, ok=False, data={"refused": "injection"})
    slots = parsed.slots
    if parsed.intent == "clock_in" and slots.get("truck") == "office":
        return Result(
            "The office truck isn't a service truck you can clock in with. Say your own truck's number.",
            ok=False,
            data={"refused": "scope"},
        )
    if parsed.intent == "use_part" and int(slots.get("quantity", 1)) <= 0:
        return Result(
            "Say how many you used: it has to be one or more.", ok=False, data={"refused": "quantity"}
        )
    if parsed.intent not in ON_CURRENT_JOB or slots.get("job") in (None, ""):
        return None
    current = ctx.current
    where = f"You are on {job_name(current)}" if current else "You are not on a job"
    if slots["job"] == "other":
        return Result(
            f"{where}. I only act on the job you are on, so I did nothing. Which job did you mean?",
            ok=False,
            work_order=current,
            data={"refused": "scope"},
        )
    job = match_job(slots["job"], ctx.jobs, current_id=ctx.state.work_order_id)
    said = f"job {slots['job']}" if isinstance(slots["job"], int) else f"“{slots['job']}”"
    if job is None:
        return Result(
            f"{said[:1].upper() + said[1:]} is not one of your jobs today, so I did nothing.",
            ok=False,
            work_order=current,
            data={"refused": "scope"},
        )
    # A note before the job starts goes on the next open job, as the buttons put it.
    target = current or (
        match_job("next", ctx.jobs, current_id=None) if parsed.intent == "add_note" else None
    )
    if target is None or job.pk != target.pk:
        where = f"You are on {job_name(target)}" if target else "You are not on a job"
        return Result(
            f"{where}, not {job_name(job)}. I only act on the job you are on, so I did nothing.",
            ok=False,
            work_order=current,
            data={"refused": "scope"},
        )
    return None
