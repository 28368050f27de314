"""What the technician asked for: an intent and its slots, from rules over the normalized words.

The rules are ordered: requests that carry free text (notes, alerts) come before everything
else, since their text may say anything; the most specific phrasings come before the general
ones. Anything else, and anything that asks to act outside a technician's own work, is unknown.
"""

import re
from dataclasses import dataclass, field

from fieldops.agent.normalize import clean_characters, normalize

INTENTS = (
    "clock_in", "clock_out", "break_start", "break_end", "next_job", "list_jobs", "job_details",
    "navigate", "call_customer", "travel_start", "arrived", "work_start", "work_pause", "work_resume",
    "job_complete", "leave_site", "add_note", "alert_office", "use_part", "check_stock", "read_messages",
    "help",
    "fuel_stop", "vehicle_inspection", "emergency_stop", "report_delay", "latest_message", "due_at", "status",
    "clarify",
    "confirm", "deny", "cancel", "goodbye", "unknown",
)  # fmt: skip
HIGH_IMPACT = frozenset({"job_complete", "clock_out", "use_part"})
MAX_LENGTH = 1000  # the text box takes a sentence or two; more is pasted text, not a command


# Why an utterance is unknown, for the dialogue: a hesitation or a question is never a note,
# an injection or another person's work gets a refusal.
HESITATION_REASON, QUESTION_REASON, INJECTION_REASON = "hesitation", "question", "injection"
SCOPE_REASON, OTHER_PERSON_REASON = "out_of_scope", "other_person"


@dataclass(frozen=True)
class Parse:
    intent: str
    slots: dict = field(default_factory=dict)
    normalized: str = ""
    reason: str = ""  # for unknown: hesitation, question, injection, out_of_scope, other_person
    negated: str = ""  # the high-impact intent a negation spoke of ("don't clock me out": clock_out)
    options: tuple = ()  # for clarify: the intents the recogniser's alternatives disagreed on

    def as_dict(self) -> dict:
        return {"intent": self.intent, "slots": self.slots}


@dataclass(frozen=True)
class Vocabulary:
    """The names in play for one technician, from the database: their truck's items, today's
    customers (their own and others', so a name that is not theirs is refused, not dropped),
    and the other technicians' first names."""

    items: tuple = ()
    customers: tuple = ()
    people: tuple = ()


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern)


# Asking to act as someone else, on everyone's work, or on the office's side: never an action.
INJECTION = _re(
    r"\b(?:ignore|disregard|forget|override|bypass)\b.*\b(?:instructions?|rules?|prompt|previous|above|"
    r"restrictions?|permissions?|security)\b"
    r"|\bas (?:an? |the )?(?:admin|administrator|office|dispatcher|manager|root|superuser|system|developer|"
    r"boss|supervisor|another technician)\b"
    r"|\b(?:admin|administrator|developer|god|sudo|root|debug) mode\b|\bsudo\b|\bjailbreak\b"
    r"|\b(?:system prompt|your prompt|you are now|pretend (?:to be|you are)|act as|developer mode|"
    r"system override)\b"
    r"|\b(?:new (?:instructions?|rules?)|from now on)\b|\b(?:skip|without|no) (?:the )?(?:co"
    r"nfirmation|asking)\b"
    r"|\b(?:auto(?:matically)? confirm|confirm (?:all|everything)|say yes (?:to yourself|for me)|"
    r"answer yes yourself|always say yes)\b|\bconfirm\b.*\bautomatically\b"
    r"|\b(?:disregard|ignore) (?:safety|your rules|the rules)\b|\bsudo\b|\boverride\b"
)
OUT_OF_SCOPE = _re(
    r"\b(?:delete|drop|erase|wipe|truncate|destroy|purge)\b"
    r"|\b(?:complete|finish|close|cancel|clock out|mark)\b.*\b(?:all|every|each)(?: (?:the|of the|my|of|of"
    r" \w+|\w+))? "
    r"(?:jobs?|work orders?|orders?|tickets?|technicians?|techs?|of them)\b"
    r"|\b(?:everyone|everybody|all technicians|other technicians?|another technician|someone else)\b"
    r"|\b(?:re)?assign|\btransfer\b|\brestock\b|\breschedule\b|\bschedule (?:a|the|job|me|it)\b"
    r"|\b(?:price|invoice|refund|payroll|salary|raise|password|wifi|weather|joke|music|song|pizza|"
    r"stock market|bitcoin|news|sports|movie|recipe)\b"
    r"|\bcall (?:the )?(?:office|dispatch|police|911|my (?:wife|husband|mom|mum|dad))\b"
    r"|\b(?:change|edit|update|set) (?:the |my )?(?:customer|address|status|role|permission|password|price"
    r"|truck stock)"
)

CONFIRM = _re(
    r"^(?:yes|yeah|yea|yep|yup|ya|yah|yes sir|sure|confirm|confirmed|correct|affirmative|do it|go for it|"
    r"go ahead|that is right|that is correct|right|ok|okay|absolutely|definitely|sounds good|please do|"
    r"yes please|i confirm|roger|roger that|10 4|proceed|send it|make it so)"
    r"(?: (?:yes|yeah|do it|confirm|confirmed|go|go ahead|that is right|correct|sure|it|that|thats right|"
    r"please|proceed|right))*$"
)
DENY_WORDS = _re(r"^(?:(?:no|not|yet|do|stop|wait|i|said|that|it|nope|nah|again|please|now) ?){2,6}$")
DENY = _re(
    r"^(?:no|nope|nah|negative|no no|not now|not yet|wrong|that is wrong|not right|hold off|"
    r"do not|do not do (?:it|that)|no do not|no way|not that one|no thanks|no thank you)"
    r"(?: (?:no|thanks|do not|not now|wait|that is wrong|wrong|not that|i said no))*$"
)
CANCEL = _re(
    r"^(?:cancel|cancel that|cancel it|abort|never ?mind|forget (?:it|that|about it)|scratch that|stop|"
    r"stop that|undo that|no cancel|no cancel that|skip it|skip that|nvm)"
    r"(?: (?:it|that|this|the last one|that one|now|then))*$"
)
GOODBYE = _re(
    r"^(?:goodbye|good bye|bye|bye bye|bye now|see you(?: later)?|see ya|later|talk later|"
    r"that is all|that is it|that will be all|i am done talking|end (?:the )?session|exit|quit|"
    r"close (?:the )?agent|over and out|good night)(?: (?:for now|then|thanks|now))*$"
)

ADD_NOTE = _re(
    r"^(?:i (?:want|would like|need) to )?(?:add|make|take|write|leave|put|log|record|jot|save|create)"
    r"(?: down| in)? (?:a |an |the |this |my )?(?:quick |short |job |new )?(?:note|notes)\b"
    r"|^(?:note|notes|memo)\b(?! (?:for|from) (?:the )?office)|^new note\b|^note to self\b"
    r"|\bput (?:that|this|it) (?:in|on) (?:a |the )?note\b|\bput a note on\b"
)
ALERT_OFFICE = _re(
    r"^(?:(?:can|could) you )?(?:i (?:want|need) to )?(?:alert|notify|tell|warn|inform|messa"
    r"ge|text|ping|flag|update|email|radio|"
    r"send|escalate)(?: to)? (?:the |a |an )?(?:office|dispatch|dispatcher|dispatchers|boss|manager"
    r"|supervisor|"
    r"alert|urgent|message to (?:the )?office|note to (?:the )?office)\b"
    r"|^let (?:the )?(?:office|dispatch|dispatcher|boss|manager) know\b"
    r"|^(?:urgent|alert|heads up)\b(?: for (?:the )?office)?"
    r"|^(?:the )?office (?:needs to|should) know\b"
)

BREAK_END = _re(
    r"\b(?:end|ending|ended|stop|stopping|finish|finished|finishing|done with|over with|back from|"
    r"returning from|coming back from|came back from|off|out of|through with|wrap up|wrapping up)"
    r" (?:my |the |a |our |this )?(?:lunch |coffee |short |quick )?(?:break|lunch)\b"
    r"|\b(?:break|lunch) (?:is |was )?(?:over|done|finished|ended)\b"
    r"|^(?:i am )?back(?: now| on| again| on the clock| from break)?$|^break over$"
)
BREAK_START = _re(
    r"\b(?:take|taking|start|starting|begin|beginning|going on|go on|on|grab|grabbing|having|have|need|"
    r"need a|going for|go for|heading to|heading for|going to)"
    r" (?:a |my |the |our |an? )?(?:quick |short |lunch |coffee |\d+ minute |little |late )?"
    r"(?:break|lunch|coffee break|rest|breather)\b"
    r"|\bbreak time\b|^lunch(?: time)?$|\blunch break\b|^break$|^(?:i am )?on (?:a |my )?break$"
    r"|^(?:a )?(?:coffee|quick|short|lunch) break$"
)
CLOCK_OUT = _re(
    r"\b(?:clock|clocking|clocked) (?:me )?(?:out|off)\b|\bpunch(?:ing)? (?:me )?out\b|\bsign(?:ing)? (?:me"
    r" )?off\b"
    r"|\blog(?:ging)? (?:me )?off\b|\b(?:end|ending|finish|finishing|close|closing|wrap up|wrapping up|stop)"
    r" (?:my |the |for the )?(?:shift|day|workday)\b"
    r"|\b(?:done|finished) for (?:the day|today|tonight|the night)\b|\bcall(?:ing)? it a (?:day|night)\b"
    r"|\b(?:heading|going) home\b|\boff the clock\b|\bknock(?:ing)? off\b|\bshift is over\b|\btime out\b"
)
CLOCK_IN = _re(
    r"\b(?:clock|clocking|clocked) (?:me )?(?:in|on)\b|\bpunch(?:ing)? (?:me )?in\b|\bsign(?:ing)? (?:me"
    r" )?in\b"
    r"|\blog(?:ging)? (?:me )?in\b|\b(?:start|starting|begin|beginning) (?:my |the )?(?:shift|day|workday)\b"
    r"|\bon the clock\b|\btime in\b|\bshift start\b"
)
NAVIGATE = _re(
    r"\b(?:navigate|navigation|directions?|take me|route me|route to|how do i get|show me the way|"
    r"map|maps|gps|drive me|guide me|get me to)\b"
)
CALL_CUSTOMER = _re(
    r"^(?:call|phone|ring|dial)\b|\b(?:call|phone|ring|dial) (?:the )?(?:customer|client|site contact"
    r"|contact|them)\b"
    r"|\bgive (?:the )?.+ a (?:call|ring)\b|\bget (?:the )?.+ on the phone\b|\bcustomer (?:phone )?number\b"
)
LEAVE_SITE = _re(
    r"\b(?:left|leaving|leave|leavin|off|out of|gone from|departed|departing|exiting) (?:the )?"
    r"(?:site|job site|jobsite|customer|premises|building|property)\b|\boff site\b|\bleft site\b"
)
TRAVEL_START = _re(
    r"\b(?:start|starting|begin|beginning|log|logging)(?: my)? (?:travel|traveling|travelling|driving|the"
    r" drive|"
    r"my drive|to drive|heading|trip|travel time|the trip)\b"
    r"|\b(?:on my way|heading (?:to|over|out)|headed (?:to|over|out)|head(?:ing)? (?:to|over)|en route|"
    r"leaving (?:for|now)|driving (?:to|over)|rolling (?:to|out)|i am off to|going to (?:the )?next|"
    r"travel(?:ing|ling)? to|omw|departing|on the road to|hitting the road|leaving the shop|"
    r"on the way (?:to|over))\b"
)
JOB_COMPLETE = _re(
    r"\b(?:complete|completed|completing|finish|finished|finishing|close out|closed out|closing out|"
    r"wrap up|wrapped up|wrapping up|sign off on)\b"
    r"|\bmark(?:ed)? (?:it|this|the job|this job|job \d+|job)? ?(?:as )?(?:done|complete|completed"
    r"|finished)\b"
    r"|\b(?:job|work|it|this|everything|we are|i am) (?:is |are )?(?:all )?(?:done|finished|complete)\b"
    r"|^(?:all )?done(?: here)?$"
)
PART_VERBS = (
    r"(?:and )?(?:that |it |this |which )?(?:i )?(?:have |just )?(?:used|use|using|took|take"
    r"|pulled|grabbed|installed|install|put in|consumed|"
    r"went through|burned through|log|logged|add|added|need to log|ran|run|mounted|swapped in|replaced with)"
    r"(?! up\b| to\b)"
)
NOT_A_PART = _re(
    r"\b(?:took|take|taking|grabbed) (?:a |an |some |the )?(?:picture|photo|pic|video|look|r"
    r"eading|measurement|note|"
    r"call|break|lunch|breather|minute|second|sec)s?\b"
    r"|\b(?:pulled|took|taking|removed) (?:the |an? )?old\b|\b(?:off|out of|down from) the ("
    r"?:wall|ceiling|pole)\b"
    r"|\btake (?:the |this |that |it |them )\b.*\bto (?:the )?(?:van|truck|car|site|office|customer)\b"
)
USE_PART = _re(rf"^{PART_VERBS} (?:up )?(?P<rest>.+)$")
CHECK_STOCK = _re(
    r"^how (?:many|much) (?P<a>.+?)(?: (?:do|have|did|are|is|does|can)\b.*|(?: left| remaining| on (?:the"
    r"|my) truck|"
    r" in (?:the|my) truck| i got| we got)+)?$"
    r"|^what (?:is |have i got |do i have |have i |stock (?:is|do i have) )?(?:left |remaini"
    r"ng )?(?:on|in) (?:the|my)"
    r" truck$|^what (?:stock|parts) (?:is|are|do i have) (?:left|remaining)$"
    r"|^(?:do|have|did) (?:i|we) (?:have|got|still have) (?:any |enough )?(?P<b>.+?)(?: left| on (?:the|my)"
    r" truck| in (?:the|my) truck| in stock)*$"
    r"|^(?:check|what is|what are|tell me|give me|show|show me)(?: my| the)? (?:truck )?(?:stock|inventory"
    r"|count|levels?|supply)"
    r"(?: (?:of|on|for) (?P<c>.+))?$"
    r"|^(?:am i|are we) (?:out|low|running low|running out) (?:of|on) (?P<d>.+)$"
    r"|^(?:stock|inventory) (?:check )?(?:for |on |of )?(?P<e>.+)$"
    r"|^(?:any|got any) (?P<f>.+?)(?: left| on the truck| in the truck)+$"
    r"|^what is (?:on|in) my truck$|^what do i have on (?:the|my) truck$|^check (?:my )?truck$"
)
READ_MESSAGES = _re(
    r"\b(?:read|check|play|any|get|show|open|what are|do i have|got any|new|unread|latest)\b.*\b(?:messages?"
    r"|texts?|"
    r"notifications?|memos?|mail|inbox)\b|^(?:messages?|inbox)$"
    r"|\bwhat (?:did|does) (?:the )?(?:office|dispatch|dispatcher|boss) (?:say|want|need)\b"
    r"|\banything (?:new )?from (?:the )?(?:office|dispatch)\b"
    r"|\b(?:office|dispatch) (?:send|sent) (?:me )?anything\b"
)
JOB_DETAILS = _re(
    r"\b(?:details?|info|information|tell me (?:more )?about|describe|what do i need to do|what is the job|"
    r"brief|scope|what is (?:on |in )?(?:job|work order|ticket) \d+|what is the (?:address|problem|issue)|"
    r"what am i doing (?:at|for|on)|what is (?:this|the next) job about)\b"
)
ARRIVED = _re(
    r"\b(?:arrived|arrive|arriving|i am here|we are here|i am on site|on site now|on site|onsite|just got"
    r" here|"
    r"got here|got to the site|i am at (?:the )?(?:site|job|customer|location)|made it|pulled up|at the site|"
    r"reached|here now|checking in at|i have arrived|at the customer|at the location)\b"
)
WORK_PAUSE = _re(
    r"\b(?:pause|paused|pausing|hold (?:on )?(?:the )?(?:work|job)|put (?:the |this )?(?:job|work|it) on"
    r" hold|"
    r"stop(?:ping)? (?:the )?work(?:ing)?|stepping away|step away|on hold|hold up the job|halt)\b"
)
WORK_RESUME = _re(
    r"\b(?:resume|resuming|resumed|continue|continuing|unpause|unpausing|back to (?:work|it|the job)|"
    r"pick (?:it |the job )?(?:back )?up|carry on|restart(?:ing)? (?:the )?work|start(?:ing)? again|"
    r"get(?:ting)? back to (?:work|it)|back at it|keep going)\b"
)
WORK_START = _re(
    r"\b(?:start|starting|begin|beginning|commence|commencing|kick off|kicking off|get going|getting going)"
    r" (?:the |on the |on |with the )?(?:work|working|job|install|installation|repair|maintenance|task)\b"
    r"|\blet us (?:get started|start|begin|get to work|go)\b|^(?:starting|start|begin|beginning) now$"
    r"|\b(?:start|starting) job\b|^(?:start|begin) work\b|\bwork start(?:ed|ing)?\b|\bgetting started\b"
    r"|\bstarting on\b|\bget to work\b|\bstart (?:the |this )?clock on\b"
)
NEXT_JOB = _re(
    r"\bnext (?:job|stop|call|appointment|customer|ticket|work order|one|site|visit)\b|^what is next$|^next$"
    r"|\bwhere (?:am i going|to next|do i go(?: next)?|am i headed|next)\b|^what now$|\bwhat is up next\b"
    r"|\bwhat is my next\b|\bwhat comes next\b|\bwhere to now\b|\bwhat is after (?:this|the)\b"
    r"|\bafter this (?:job|one)\b|\bwhat is next\b|\bwhere (?:do|should) i go after\b"
)
LIST_JOBS = _re(
    r"\b(?:list|read|show|give|tell|what|which|how many|all)\b.*\b(?:jobs|schedule|appointments|"
    r"work orders|stops|calls|route|agenda)\b"
    r"|^(?:my |today )?(?:jobs|schedule|agenda)(?: today| for today)?$|\bwhat is on (?:my plate|the schedule|"
    r"for today|today|the agenda)\b|\bhow does my day look\b|\bwhat does my day look like\b|\bwhat am i"
    r" doing today\b"
    r"|\bmy day\b|\bjobs (?:for )?today\b"
)
NOT_STOCK = _re(
    r"\b(?:jobs?|messages?|work orders?|appointments?|stops|calls|notifications?|texts?|time|hours)\b"
)
HELP = _re(
    r"\bhelp\b|\bwhat can (?:i|you) (?:say|do|ask)\b|\bwhat (?:commands|can you understand|do you"
    r" understand)\b"
    r"|\bhow does this work\b|\b(?:options|commands|instructions)\b|\bhow do i use\b|^what do i say$"
)

# Words that point at a job without naming a customer.
NOT_A_NAME = {
    "", "there", "it", "this", "that", "them", "the customer", "customer", "client", "the client", "site",
    "the site", "job", "the job", "here", "him", "her", "this job", "that job", "my job", "current job",
    "my current job", "the current job", "this one", "the location", "location", "work", "the work",
    "my next job", "next job", "the next job", "next", "the next one", "next one", "the contact", "contact",
    "site contact", "the site contact", "me", "my truck", "the truck", "customer again", "now", "today",
    "please", "the address", "address", "my way", "the way", "the office", "office", "my current",
}  # fmt: skip
NOT_A_NAME_START = {
    "do",
    "get",
    "go",
    "be",
    "see",
    "work",
    "start",
    "it",
    "this",
    "that",
    "there",
    "here",
    "me",
}
NAME_TAIL = re.compile(
    r"(?:\s(?:here|there|job|site|place|customer|location|again|now|today|please|right now|for me|first"
    r"|address|"
    r"on the phone|a call|a ring|work order|office|building|store|shop|about))+$"
)


def _job(norm: str) -> dict:
    """The job referred to: {"job": "next"}, {"job": 42}, {"job": "city bank"}, or {} for the current one."""
    if re.search(
        r"\b(?:next|following|upcoming) (?:job|one|stop|call|customer|appointment|site|visit|ticket)\b", norm
    ):
        return {"job": "next"}
    if number := re.search(r"\b(?:job|work order|order|ticket|number|wo|call)(?: number)? (\d{1,9})\b", norm):
        return {"job": int(number.group(1))}
    if re.search(r"\b(?:this|current|my current|the current|same) (?:job|one|customer|site)\b", norm):
        return {}
    for pattern in (
        r"\bthe (?P<name>[a-z0-9][a-z0-9 ]*?) (?:job|site|work order)\b",
        r"\b(?:to|for|at|about|of|call|phone|ring|dial|with|on) (?:the )?(?P<name>[a-z0-9][a-z0-9 ]*)$",
        r"\bgive (?:the )?(?P<name>[a-z0-9][a-z0-9 ]*?) a (?:call|ring)\b",
        r"\bget (?:the )?(?P<name>[a-z0-9][a-z0-9 ]*?) on the phone\b",
    ):
        if found := re.search(pattern, norm):
            name = NAME_TAIL.sub("", found.group("name")).strip()
            name = re.split(r"\b(?:on|for|about|to|at|with|the)\b", name)[-1].strip()
            name = re.sub(r"^(?:the|to|at|for|over to|over at|up|out to|me to|us to)\s+", "", name).strip()
            if (
                name
                and name not in NOT_A_NAME
                and not name.isdigit()
                and not re.fullmatch(r"(?:my|the) .*", name)
                and name.split()[0] not in NOT_A_NAME_START
            ):
                return {"job": name}
    return {}


def _truck(norm: str) -> dict:
    for pattern in (
        r"\b(?:truck|van|vehicle|unit|rig|service truck)(?: number)? (\d{1,6})\b",
        r"\b(?:with|on|in|using|taking|driving|in truck) (?:number )?(\d{2,6})\b",
        r"\b(?:clock|punch|sign|log) (?:me )?(?:in|on) (\d{2,6})$",
        r"\b(\d{2,6}) (?:truck|van)\b",
    ):
        if found := re.search(pattern, norm):
            return {"truck": int(found.group(1))}
    return {}


TEXT_SEPARATOR = re.compile(
    r"^\s*(?:[:,;.!-]+\s*|\s)*(?:(?:that|saying|says|to say|about|is|are|reading|:)\b\s*[:,-]?\s*)?"
)


def _tail(original: str, trigger: str) -> str | None:
    """The free text after a trigger phrase, in the words and case the technician used (None: no trigger)."""
    text = clean_characters(original)
    found = re.search(trigger, text, flags=re.IGNORECASE)
    if not found:
        return None
    rest = text[found.end() :]
    rest = TEXT_SEPARATOR.sub("", rest, count=1)
    return rest.strip().strip(" \"'").rstrip(".").strip()


NOTE_TRIGGER = (
    r"\b(?:notes?|memo)\b"
    r"(?:\s+(?:to self|on (?:this|the) job|for (?:this|the) job|(?:for|on|to) job\s*(?:number\s*)?#?\s*\w+))?"
)
ALERT_TRIGGERS = (
    r"^.*?\b(?:office|dispatch(?:ers?)?|boss|manager|supervisor)\b(?:\s+know)?(?:\s+(?:that|about))?",
    r"^.*?\b(?:urgent|alert|heads up)\b",
)
COMPLETE_TEXT = re.compile(
    r"\b(?:complete|completed|finish(?:ed)?|close(?:d)? out|wrap(?:ped)? up|done|mark(?:ed)?|sign off on)\b"
    r"(?P<rest>.*)$",
    re.IGNORECASE,
)
COMPLETE_SEPARATOR = re.compile(
    r"(?:[,:;]|\s[-–]\s|\.\s|\b(?:with (?:the |a )?notes?|notes?|saying|summary|and i|i)\b:?)\s*"
    r"(?P<text>.+)$",
    re.IGNORECASE,
)


def _completion(original: str, norm: str) -> dict:
    slots = {}
    found = COMPLETE_TEXT.search(clean_characters(original))
    text = ""
    if found:
        head = found.group("rest")
        if sep := COMPLETE_SEPARATOR.search(head):
            text = sep.group("text").strip().rstrip(".").strip()
            if sep.group(0).strip().lower() in {"i", "and i"} or sep.group(0).lower().startswith(
                ("i ", "and i ")
            ):
                text = sep.group(0).strip().rstrip(".").strip()
                text = re.sub(r"^and\s+", "", text, flags=re.IGNORECASE)
            text = re.sub(r"^(?:notes?|saying|summary)\b\s*:?\s*", "", text, flags=re.IGNORECASE)
            head_norm = normalize(head[: sep.start()])
        else:
            head_norm = normalize(head)
        slots.update(_job(head_norm))
    if text:
        slots["text"] = text
    return slots


UNIT_WORDS = re.compile(
    r"\b(?:feet|foot|ft|meters?|metres?|pieces?|pcs|units?|boxes?|rolls?|spools?|lengths?|x|times|of|more"
    r"|extra|"
    r"new|brand new|some|the|an?|worth|about|around|roughly|maybe)\b"
)
PART_TAIL = re.compile(
    r"\s(?:on|for|at|from|off|to|in)\s(?:this|the|my|that|job|truck|site|customer|current|camera|wall|pole|"
    r"ceiling|nvr|recorder|the customer).*$|\s(?:today|here|just now|so far|already|total|in total)$"
)


def _part(rest: str) -> dict:
    quantity = 1
    rest = re.sub(r"^(?:about|around|roughly|maybe|like) ", "", rest)
    if found := re.match(r"(?:an? |one )?(\d{1,6}) (?P<item>.+)$", rest):
        quantity, rest = int(found.group(1)), found.group("item")
    elif found := re.match(r"(?P<item>.+?) (?:x |times )?(\d{1,6})(?: of them)?$", rest):
        quantity, rest = int(found.group(2)), found.group("item")
    rest = PART_TAIL.sub("", rest)
    item = re.sub(r"\s+", " ", UNIT_WORDS.sub(" ", rest)).strip()
    if not item or not re.search(r"[a-z]", item):
        return {}
    return {"item": item, "quantity": quantity}


def _stock_item(found: re.Match) -> dict:
    item = next((g for g in found.groups() if g), None)
    if not item:
        return {}
    item = re.sub(r"\s+", " ", UNIT_WORDS.sub(" ", PART_TAIL.sub("", item))).strip()
    return {"item": item} if item else {}


# Progress on one part of the job ("finished the first camera", "done with the ladder") is not the job done.
PROGRESS = _re(
    r"\b(?:finished|completed|finishing|done with|wrapped up|finish) (?:the |a |my |this |that )?"
    r"(?:first |second |third |last |next |old |new )?"
    r"(?!the\b|a\b|my\b|this\b|that\b|first\b|second\b|third\b|last\b|next\b|old\b|new\b|"
    r"job\b|jobs\b|work\b|install|ticket|work order|everything|it\b|this\b|up\b|here\b|for\b|now\b|all\b|"
    r"the job|my break|break|lunch|with\b|and\b|so\b)[a-z]+"
)
JOB_DONE = _re(
    r"\b(?:job|work|it|everything|install|installation|ticket|work order) (?:is |are )?(?:all )?"
    r"(?:done|finished|complete|completed)\b|\bmark\w*\b|\bclose\w*(?: it)? out\b"
    r"|\b(?:complete|finish|close) (?:the |this |my )?(?:job|work order|ticket|install)\b|^("
    r"?:all )?done(?: here)?$"
    r"|\b(?:complete\w*|finish\w*|close\w*) (?:the |this |my )?[a-z0-9 ]{0,30}?\b(?:job|work order|ticket)\b"
)

# Safety: a negated or deferred high-impact request is never that request.
NEGATION = _re(
    r"\b(?:not|never|nothing|cannot|hold off)\b(?:\s+\S+){0,6}?\s*\b(?:complet\w*|finish\w*|"
    r"done|close\w*(?: it)?"
    r" out|mark\w*|clock\w*(?: me)? (?:out|off)|clock out|going home|heading home|use|used|using|take|took|"
    r"log|logging|parts?|wrap\w* up)\b"
    r"|^(?:no|nope|wait|stop)\b.*\b(?:not|never)\b"
)
# Deferral: the action is for later, or almost but not yet ("once I'm done", "let me finish this first").
DEFERRAL = _re(
    r"\b(?:when|once|after|before|until|till|if|as soon as) (?:i|we) (?:am |are |have |get |will )?(?:all )?"
    r"(?:done|finish\w*|complet\w*|clock\w* (?:out|off))\b"
    r"|\b(?:i will|i am going to|going to|let me|about to|need to|have to|want to) (?:\w+ ){0,2}?"
    r"(?:finish|complete|clock out|clock off|close out)\b.*\b(?:first|after|later|soon|before|then|when)\b"
    r"|\b(?:let me|about to) (?:finish|complete|wrap up)\b"
    r"|\b(?:almost|nearly|not quite|just about|about|close to|soon|getting close to) (?:be )?"
    r"(?:done|finished|complete)\b"
)
HIGH_IMPACT_WORDS = _re(
    r"\b(?:complet\w*|finish\w*|done|close\w*(?: it)? out|clock\w*(?: me)? (?:out|off)|going"
    r" home|heading home|used?|"
    r"using|took|take|log|parts?)\b"
)
CANCEL_PENDING = _re(
    r"^(?:cancel|never ?mind|forget(?: about)?|scratch|abort|drop|undo) (?:the |that |my )?(?:clock ?out|"
    r"clocking out|completion|complete|parts?|part use|job completion|job)$"
)
HESITATION = _re(
    r"^(?:wait|hang on|hold on|one (?:moment|sec|second|minute)|let me (?:think|see)|hmm+|give me a "
    r"(?:sec|second|minute|moment)|wait a (?:sec|second|minute|moment)|so|okay so|ok so|you know|and|"
    r"well|right|hang on a (?:sec|second|minute|moment)|hold on a (?:sec|second|minute|moment)|"
    r"wait a sec|just a (?:sec|second|moment|minute))$"
)
QUESTION_START = _re(r"^(?:what|when|where|why|who|how|is|are|am|do|does|did|can|could|should|will|would)\b")

# Another person's work, said in any words: refused, never acted on as the technician's own.
POSSESSIVE = re.compile(
    r"\b([a-z]+)'s (?:job|jobs|truck|van|messages?|work|stock|site|parts|ticket|work order|schedule)\b"
)
NOT_A_PERSON = {
    "customer", "client", "office", "today", "tomorrow", "it", "that", "what", "there", "here", "let",
    "job", "who", "where", "he", "she", "bank", "site", "dispatch", "company", "owner", "tonight",
    "yesterday",
}  # fmt: skip
OTHER_PERSON = _re(
    r"\b(?:for (?:him|her)|his (?:job|truck|van|messages?)|her (?:job|truck|van|messages?)|him out|her out)\b"
    r"|^clock (?:out|in|off) (?!me\b|now\b|for\b|with\b|on\b|truck\b|van\b|at\b|the\b|in\b|of\b|early\b|"
    r"please\b|again\b|today\b|today\b)[a-z]+$"
    r"|^where is (?!the\b|my\b|this\b|it\b|that\b|next\b|job\b)[a-z]+$|^what is [a-z]+ doing$"
)

STATUS = _re(
    r"^(?:do i|must i) (?:need to |have to )?(?:complete|finish|close|clock out|fill)"
    r"|^(?:am i|did i|can i|should i|have i) (?:clocked|clock|on the clock|on shift|on break|allowed|"
    r"take a break|complete|finish|close|go|start|log|leave)"
    r"|^is it (?:ok|okay|alright|fine|safe) to\b|^what is my status$|^what state am i in$|^(?:my )?status$"
    r"|^where am i at$|^am i (?:on|off) (?:the clock|shift|break)"
)
JOB_DONE_QUESTION = _re(r"^is (?:the|this|my|that) job (?:done|finished|complete|completed|closed)\b")
DUE_AT = _re(
    r"\bwhen (?:am i|do i need to be|do i have to be|should i be|must i be) (?:due|at|there)\b"
    r"|\bwhen (?:am i|do i need to be|do i have to be|should i be) (?:due )?(?:at|to)\b"
    r"|\bwhat time (?:am i due|do i need to be|do i have to be|am i supposed to be|should i be|is my next|"
    r"is the next|is my appointment|am i expected)\b"
    r"|\bwhen is (?:my |the )?next (?:job|appointment|customer|stop|visit)\b|\bwhat time is my next\b"
    r"|\bsupposed to be at\b|\bwhat time (?:is )?my next appointment\b"
    r"|\bwhen do i (?:need|have) to be at\b"
)
LATEST_MESSAGE = _re(
    r"\b(?:latest|last|most recent)\b.*\b(?:message|memo|text)\b"
    r"|\bwhat did (?:the )?(?:office|dispatch|dispatcher|boss) last say\b"
    r"|\b(?:latest|last) (?:from|word from) (?:the )?(?:office|dispatch)\b"
    r"|\bwhat is the latest from\b"
)
FUEL_STOP = _re(
    r"\b(?:fuel|gas|diesel|petrol)\b(?! (?:injector|line|cap|meter|leak))|\bfill(?:ing)? up"
    r"\b|\bfuel(?:ing)? up\b"
    r"|\btop(?:ping)? up the tank\b|\bat the pump\b|\bgas station\b"
)
INSPECTION = _re(
    r"\binspection\b|\bpre ?trip\b|\bwalk ?around (?:check|inspection)\b|\b(?:vehicle|van|truck) check\b"
    r"|\bcheck(?:ing)? (?:the )?(?:tyres|tires|brakes|oil|lights)\b|\bbrake check\b"
)
EMERGENCY = _re(
    r"\bemergency\b|\bmayday\b|\b(?:i am|i have been|been|i got) (?:hurt|injured|in an accident|in a crash)\b"
    r"|\bi (?:have )?(?:had|been in) an? (?:accident|crash)\b|\bi crashed\b|\bcrashed the (?:van|truck)\b"
    r"|\bneed an ambulance\b|\bsend help\b|\bi need help\b|\bcall 911\b"
)
NOT_EMERGENCY = _re(r"\b(?:not|no|isnt|is not) (?:an? )?emergency\b|\bemergency (?:contact|exit|light)")
REPORT_DELAY = _re(
    r"\b(?:running|going to be|will be|be|am|is|are) (?:\d+ (?:minutes?|mins?|hours?) |about \d+ minutes |"
    r"a bit |a little |half an hour |an hour )?(?:late|behind)\b"
    r"|\bdelay(?:ed)?\b|\bstuck in traffic\b|\b(?:minutes|mins|hours?) (?:behind|late)\b|\brunning behind\b"
    r"|\bbehind schedule\b|\blate (?:to|for)\b|^running late\b"
)
OTHER_JOB = _re(r"\b(?:the |that )?other (?:job|site|one|customer|work order|place|location)\b")
OFFICE_TRUCK = _re(r"\boffice (?:truck|van|vehicle)\b")
NUMBERED_JOB = _re(r"\b(?:job|work order|ticket|wo)(?: number)? (\d{1,9})\b")
LEAVE_NAMED = _re(
    r"^(?:i am |we are )?(?:leaving|left|departing) (?!for\b|now\b|the shop\b)(?P<name>[a-z0-9 ]+)$"
)
NAME_TIME_TAIL = re.compile(r"\s(?:this (?:afternoon|morning|evening)|later|today|tomorrow|now)$")
CLAUSE_BREAK = re.compile(
    r"[,.;:!?]+|\s(?:so|but|anyway|and then|then|because|cause)\s|\s(?=and (?:that|it|i|we) )", re.IGNORECASE
)
LONG = 12  # words: past this, the intent is looked for clause by clause from the end
DIALOGUE = {"confirm", "deny", "cancel", "goodbye"}
FREE_TEXT = {"add_note", "alert_office", "report_delay"}


def _minutes(norm: str) -> dict:
    if re.search(r"\bhalf (?:an )?hour\b", norm):
        return {"minutes": 30}
    if found := re.search(r"\b(\d{1,3}) (?:minutes?|mins?)\b", norm):
        return {"minutes": int(found.group(1))}
    if found := re.search(r"\b(\d{1,2}) hours?\b", norm):
        return {"minutes": 60 * int(found.group(1))}
    if re.search(r"\ban hour\b", norm):
        return {"minutes": 60}
    return {}


def _named_customer(name: str, vocab: Vocabulary | None) -> str | None:
    """The words, when they name one of the day's customers."""
    from fieldops.agent.matching import match_name

    name = NAME_TIME_TAIL.sub("", NAME_TAIL.sub("", name)).strip()
    if (
        not name
        or name in NOT_A_NAME
        or name.split()[0] in NOT_A_NAME_START
        or not vocab
        or not vocab.customers
    ):
        return None
    return name if match_name(name, vocab.customers) else None


def _job_ref(norm: str, vocab: Vocabulary | None) -> dict:
    """An explicit job for a step on the technician's current job: a number, "the other", or a name."""
    if OTHER_JOB.search(norm):
        return {"job": "other"}
    if found := NUMBERED_JOB.search(norm):
        return {"job": int(found.group(1))}
    found = re.search(r"\b(?:at|from|on|for|leaving|left) (?:the )?(?P<name>[a-z0-9][a-z0-9 ]*)$", norm)
    if found and (name := _named_customer(found.group("name"), vocab)):
        return {"job": name}
    return {}


def _delay(norm: str) -> dict:
    slots = _minutes(norm)
    if found := re.search(r"\blate (?:to|for) (?P<rest>.+)$", norm):
        rest = found.group("rest")
        job = _job("to " + rest)
        if job.get("job") and not re.fullmatch(r"\d+ (?:minutes?|mins?)", str(job["job"])):
            slots.update(job)
    return slots


def _other_person(text: str, norm: str, vocab: Vocabulary | None) -> bool:
    lowered = clean_characters(text).lower().replace("\u2019", "'")
    customer_words = {w for name in (vocab.customers if vocab else ()) for w in name.lower().split()}
    for found in POSSESSIVE.finditer(lowered):
        if found.group(1) not in NOT_A_PERSON and found.group(1) not in customer_words:
            return True
    if OTHER_PERSON.search(norm):
        return True
    if vocab and vocab.people:
        words = set(norm.split()) - customer_words
        return any(person in words for person in vocab.people)
    return False


def _rules(text: str, norm: str, vocab: Vocabulary | None, *, high_impact: bool = True) -> Parse:
    """The ordered rules on one stretch of words."""

    def hit(intent: str, slots: dict | None = None, reason: str = "") -> Parse:
        return Parse(intent, slots or {}, norm, reason)

    if HESITATION.match(norm):
        return hit("unknown", reason=HESITATION_REASON)
    if NOT_EMERGENCY.search(norm) is None and EMERGENCY.search(norm):
        return hit("emergency_stop")
    if ADD_NOTE.search(norm):
        note = _tail(text, NOTE_TRIGGER) or ""
        slots = {"text": note} if note else {}
        if found := NUMBERED_JOB.search(norm[:40]):
            slots["job"] = int(found.group(1))
        return hit("add_note", slots)
    if REPORT_DELAY.search(norm) and not re.search(
        r"\b(?:customer|client|they|he|she) (?:is|are|was)\b", norm
    ):
        return hit("report_delay", _delay(norm))
    if ALERT_OFFICE.search(norm):
        alert = next((t for t in (_tail(text, p) for p in ALERT_TRIGGERS) if t is not None), "")
        return hit("alert_office", {"text": alert} if alert else {})
    if OUT_OF_SCOPE.search(norm):
        return hit("unknown", reason=SCOPE_REASON)
    if _other_person(text, norm, vocab):
        return hit("unknown", reason=OTHER_PERSON_REASON)
    if JOB_DONE_QUESTION.search(norm):
        return hit("job_details")
    if (found := CHECK_STOCK.match(norm)) and not NOT_STOCK.search(norm):
        return hit("check_stock", _stock_item(found))
    if STATUS.search(norm):
        return hit("status")
    if DUE_AT.search(norm):
        return hit("due_at", _job(norm) or ({"job": "next"} if "next" in norm.split() else {}))
    if LATEST_MESSAGE.search(norm):
        return hit("latest_message")
    if FUEL_STOP.search(norm):
        return hit("fuel_stop")
    if INSPECTION.search(norm):
        return hit("vehicle_inspection")
    if BREAK_END.search(norm):
        return hit("break_end")
    if BREAK_START.search(norm):
        return hit("break_start")
    if high_impact and CLOCK_OUT.search(norm):
        return hit("clock_out")
    if CLOCK_IN.search(norm):
        return hit("clock_in", {"truck": "office"} if OFFICE_TRUCK.search(norm) else _truck(norm))
    if NAVIGATE.search(norm):
        return hit("navigate", _job(norm))
    if CALL_CUSTOMER.search(norm):
        return hit("call_customer", _job(norm))
    if LEAVE_SITE.search(norm):
        return hit("leave_site", _job_ref(norm, vocab))
    if TRAVEL_START.search(norm):
        return hit("travel_start", _job(norm))
    if found := LEAVE_NAMED.search(norm):
        return hit("leave_site", _job_ref(norm, vocab))
    if (
        high_impact
        and JOB_COMPLETE.search(norm)
        and not (PROGRESS.search(norm) and not JOB_DONE.search(norm))
    ):
        slots = _completion(text, norm)
        if OTHER_JOB.search(norm):
            slots["job"] = "other"
        return hit("job_complete", slots)
    if (
        high_impact
        and not NOT_A_PART.search(norm)
        and (found := USE_PART.match(norm))
        and (slots := _part(found.group("rest")))
    ):
        if job := NUMBERED_JOB.search(norm):
            slots["job"] = int(job.group(1))
        return hit("use_part", slots)
    if READ_MESSAGES.search(norm):
        return hit("read_messages")
    if WORK_PAUSE.search(norm):
        return hit("work_pause", _job_ref(norm, vocab))
    if WORK_RESUME.search(norm):
        return hit("work_resume", _job_ref(norm, vocab))
    if LIST_JOBS.search(norm):
        return hit("list_jobs")
    if JOB_DETAILS.search(norm):
        return hit("job_details", _job(norm))
    if ARRIVED.search(norm):
        return hit("arrived", _job_ref(norm, vocab))
    if WORK_START.search(norm):
        return hit("work_start", _job_ref(norm, vocab))
    if NEXT_JOB.search(norm):
        return hit("next_job")
    if HELP.search(norm):
        return hit("help")
    if re.search(r"\b(?:inventory|stock)\b", norm) and not NOT_STOCK.search(norm):
        return hit("check_stock")
    reason = QUESTION_REASON if QUESTION_START.search(norm) or text.rstrip().endswith("?") else ""
    return hit("unknown", reason=reason)


def _guarded(text: str, norm: str, vocab: Vocabulary | None) -> Parse | None:
    """A negated or deferred high-impact request: what else was asked (never high-impact), or a no."""
    if not ((NEGATION.search(norm) or DEFERRAL.search(norm)) and HIGH_IMPACT_WORDS.search(norm)):
        return None
    if CLOCK_OUT.search(norm) or re.search(r"\bclock\w*(?: me)? (?:out|off)\b|\bhome\b", norm):
        negated = "clock_out"
    elif COMPLETE_WORDS.search(norm) or not PART_WORDS.search(norm):
        negated = "job_complete"
    else:
        negated = "use_part"
    rest = _rules(text, norm, vocab, high_impact=False)
    if rest.intent in ASKED_INSTEAD and QUESTION_WORDS.search(norm):
        return Parse(rest.intent, rest.slots, norm, negated=negated)  # "after I finish, what's next?"
    if rest.intent not in INSTEAD_OF_NEGATED:
        return Parse("deny", {}, norm, negated=negated)
    return Parse(rest.intent, rest.slots, norm, negated=negated)


# What a technician may ask for in the same breath as "I'm not done": "not done, pause it".
INSTEAD_OF_NEGATED = {
    "work_pause", "break_start", "break_end", "fuel_stop", "vehicle_inspection", "emergency_stop",
    "report_delay", "alert_office", "add_note", "work_resume", "read_messages", "latest_message",
}  # fmt: skip
ASKED_INSTEAD = {"next_job", "due_at", "status", "check_stock", "job_details", "list_jobs"}
QUESTION_WORDS = _re(r"\b(?:what|when|where|how|which)\b")
COMPLETE_WORDS = _re(r"\b(?:complet\w*|finish\w*|done|close\w*(?: it)? out|mark\w*|wrap\w* up)\b")
PART_WORDS = _re(r"\b(?:used?|using|took|take|parts?|log)\b")


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in CLAUSE_BREAK.split(clean_characters(text)) if c and c.strip()]


def parse(text: str, vocab: Vocabulary | None = None) -> Parse:
    """The technician's intent and slots; `unknown` when the words ask for nothing a technician may do."""
    if len(text or "") > MAX_LENGTH:
        return Parse("unknown", {}, "", SCOPE_REASON)
    norm = normalize(text)
    if not norm:
        return Parse("unknown", {}, norm, HESITATION_REASON)
    for intent, pattern in (("confirm", CONFIRM), ("deny", DENY), ("cancel", CANCEL), ("goodbye", GOODBYE)):
        if pattern.match(norm):
            return Parse(intent, {}, norm)
    if DENY_WORDS.match(norm) and re.search(r"\b(?:no|not|nope|nah|stop)\b", norm):
        return Parse("deny", {}, norm)
    if CANCEL_PENDING.match(norm):
        return Parse("cancel", {}, norm)
    if INJECTION.search(norm):
        return Parse("unknown", {}, norm, INJECTION_REASON)
    if guarded := _guarded(text, norm, vocab):
        return guarded
    whole = _rules(text, norm, vocab)
    if whole.intent in FREE_TEXT or whole.reason in (INJECTION_REASON, SCOPE_REASON, OTHER_PERSON_REASON):
        return whole
    if len(norm.split()) > LONG and len(clauses := _clauses(text)) > 1:
        # A long sentence says what it wants at the end: "... so yeah, the job's finished".
        for clause in reversed(clauses):
            said = normalize(clause)
            if not said:
                continue
            found = _rules(clause, said, vocab)
            if found.intent not in DIALOGUE and found.intent != "unknown":
                return Parse(found.intent, found.slots, norm)
    return whole


def parse_alternatives(texts: list[str], vocab: Vocabulary | None = None) -> Parse:
    """The recogniser's hypotheses, best first: the one that fits the technician's names, or a question
    when they disagree on a high-impact intent (or on yes and no)."""
    from fieldops.agent.matching import match_item_name, match_name

    texts = [t for t in dict.fromkeys((t or "").strip() for t in texts) if t][:5]
    if not texts:
        return parse("", vocab)
    parses = [parse(t, vocab) for t in texts]
    known = [p for p in parses if p.intent != "unknown"]
    if not known:
        return parses[0]
    intents = list(dict.fromkeys(p.intent for p in known))
    if len(intents) > 1 and (set(intents) & HIGH_IMPACT or "confirm" in intents):
        return Parse("clarify", {}, parses[0].normalized, options=tuple(intents))

    def fit(p: Parse) -> int:
        score = 0
        if vocab and isinstance(p.slots.get("item"), str) and match_item_name(p.slots["item"], vocab.items):
            score += 2
        job = p.slots.get("job")
        if (
            vocab
            and isinstance(job, str)
            and job not in ("next", "other")
            and match_name(job, vocab.customers)
        ):
            score += 2
        return score

    # Known first; among those, the best fit; among equals, the recogniser's own order.
    ranked = sorted(enumerate(parses), key=lambda ip: (ip[1].intent == "unknown", -fit(ip[1]), ip[0]))
    return ranked[0][1]
