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
    "confirm", "deny", "cancel", "goodbye", "unknown",
)  # fmt: skip
HIGH_IMPACT = frozenset({"job_complete", "clock_out", "use_part"})
MAX_LENGTH = 1000  # the text box takes a sentence or two; more is pasted text, not a command


@dataclass(frozen=True)
class Parse:
    intent: str
    slots: dict = field(default_factory=dict)
    normalized: str = ""

    def as_dict(self) -> dict:
        return {"intent": self.intent, "slots": self.slots}


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern)


# Asking to act as someone else, on everyone's work, or on the office's side: never an action.
INJECTION = _re(
    r"\b(?:ignore|disregard|forget|override|bypass)\b.*\b(?:instructions?|rules?|prompt|previous|above|"
    r"restrictions?|permissions?|security)\b"
    r"|\bas (?:an? |the )?(?:admin|administrator|office|dispatcher|manager|root|superuser|system|developer|"
    r"boss|supervisor|another technician|sarah|david|alex|mike)\b"
    r"|\b(?:admin|administrator|developer|god|sudo|root|debug) mode\b|\bsudo\b|\bjailbreak\b"
    r"|\b(?:system prompt|you are now|pretend (?:to be|you are)|act as)\b"
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
)
ALERT_OFFICE = _re(
    r"^(?:i (?:want|need) to )?(?:alert|notify|tell|warn|inform|message|text|ping|flag|update|email|radio|"
    r"send|escalate)(?: to)? (?:the |a |an )?(?:office|dispatch|dispatcher|dispatchers|boss|manager"
    r"|supervisor|"
    r"alert|urgent|message to (?:the )?office|note to (?:the )?office)\b"
    r"|^let (?:the )?(?:office|dispatch|dispatcher|boss|manager) know\b"
    r"|^(?:urgent|alert|emergency|heads up)\b(?: for (?:the )?office)?"
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
)
CLOCK_OUT = _re(
    r"\b(?:clock|clocking|clocked) (?:me )?(?:out|off)\b|\bpunch(?:ing)? (?:me )?out\b|\bsign(?:ing)? (?:me"
    r" )?off\b"
    r"|\blog(?:ging)? (?:me )?off\b|\b(?:end|ending|finish|finishing|close|closing|wrap up|wrapping up|stop)"
    r" (?:my |the |for the )?(?:shift|day|workday)\b"
    r"|\bdone for (?:the day|today|tonight|the night)\b|\bcall(?:ing)? it a (?:day|night)\b"
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
    r"travel(?:ing|ling)? to|omw|departing|on the road to|hitting the road|leaving the shop)\b"
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
    r"(?:i )?(?:have |just )?(?:used|use|using|took|take|pulled|grabbed|installed|install|put in|consumed|"
    r"went through|burned through|log|logged|add|added|need to log|ran|run|mounted|swapped in|replaced with)"
    r"(?! up\b)"
)
USE_PART = _re(rf"^{PART_VERBS} (?:up )?(?P<rest>.+)$")
CHECK_STOCK = _re(
    r"^how (?:many|much) (?P<a>.+?)(?: (?:do|have|did|are|is|does|can)\b.*|(?: left| remaining| on (?:the"
    r"|my) truck|"
    r" in (?:the|my) truck| i got| we got)+)$"
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
    r"|\bwhat is my next\b|\bwhat comes next\b|\bwhere to now\b"
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
    r"on the phone|a call|a ring|work order|office|building|store|shop))+$"
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
    r"(?:\s+(?:to self|on (?:this|the) job|for (?:this|the) job|for job\s*#?\s*\w+|on job\s*#?\s*\w+))?"
)
ALERT_TRIGGERS = (
    r"^.*?\b(?:office|dispatch(?:ers?)?|boss|manager|supervisor)\b(?:\s+know)?(?:\s+(?:that|about))?",
    r"^.*?\b(?:urgent|alert|emergency|heads up)\b",
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
    r"new|brand new|some|the|an?|worth)\b"
)
PART_TAIL = re.compile(
    r"\s(?:on|for|at|from|off|to|in)\s(?:this|the|my|that|job|truck|site|customer|current|camera|wall|pole|"
    r"ceiling|nvr|recorder|the customer).*$|\s(?:today|here|just now|so far|already|total|in total)$"
)


def _part(rest: str) -> dict:
    quantity = 1
    if found := re.match(r"(?:an? |one )?(\d{1,6}) (?P<item>.+)$", rest):
        quantity, rest = int(found.group(1)), found.group("item")
    elif found := re.match(r"(?P<item>.+?) (?:x |times )?(\d{1,6})(?: of them)?$", rest):
        quantity, rest = int(found.group(2)), found.group("item")
    rest = PART_TAIL.sub("", rest)
    item = re.sub(r"\s+", " ", UNIT_WORDS.sub(" ", rest)).strip()
    if not item:
        return {}
    return {"item": item, "quantity": quantity}


def _stock_item(found: re.Match) -> dict:
    item = next((g for g in found.groups() if g), None)
    if not item:
        return {}
    item = re.sub(r"\s+", " ", UNIT_WORDS.sub(" ", PART_TAIL.sub("", item))).strip()
    return {"item": item} if item else {}


def parse(text: str) -> Parse:
    """The technician's intent and slots; `unknown` when the words ask for nothing a technician may do."""
    if len(text or "") > MAX_LENGTH:
        return Parse("unknown", {}, "")
    norm = normalize(text)
    if not norm:
        return Parse("unknown", {}, norm)

    def hit(intent: str, slots: dict | None = None) -> Parse:
        return Parse(intent, slots or {}, norm)

    for intent, pattern in (("confirm", CONFIRM), ("deny", DENY), ("cancel", CANCEL), ("goodbye", GOODBYE)):
        if pattern.match(norm):
            return hit(intent)
    if INJECTION.search(norm):
        return hit("unknown")
    if ADD_NOTE.search(norm):
        note = _tail(text, NOTE_TRIGGER) or ""
        return hit("add_note", {"text": note} if note else {})
    if ALERT_OFFICE.search(norm):
        alert = next((t for t in (_tail(text, p) for p in ALERT_TRIGGERS) if t is not None), "")
        return hit("alert_office", {"text": alert} if alert else {})
    if OUT_OF_SCOPE.search(norm):
        return hit("unknown")
    if BREAK_END.search(norm):
        return hit("break_end")
    if BREAK_START.search(norm):
        return hit("break_start")
    if CLOCK_OUT.search(norm):
        return hit("clock_out")
    if CLOCK_IN.search(norm):
        return hit("clock_in", _truck(norm))
    if NAVIGATE.search(norm):
        return hit("navigate", _job(norm))
    if CALL_CUSTOMER.search(norm):
        return hit("call_customer", _job(norm))
    if LEAVE_SITE.search(norm):
        return hit("leave_site")
    if TRAVEL_START.search(norm):
        return hit("travel_start", _job(norm))
    if JOB_COMPLETE.search(norm):
        return hit("job_complete", _completion(text, norm))
    if (found := CHECK_STOCK.match(norm)) and not NOT_STOCK.search(norm):
        return hit("check_stock", _stock_item(found))
    if (found := USE_PART.match(norm)) and (slots := _part(found.group("rest"))):
        return hit("use_part", slots)
    if READ_MESSAGES.search(norm):
        return hit("read_messages")
    if WORK_PAUSE.search(norm):
        return hit("work_pause")
    if WORK_RESUME.search(norm):
        return hit("work_resume")
    if LIST_JOBS.search(norm):
        return hit("list_jobs")
    if JOB_DETAILS.search(norm):
        return hit("job_details", _job(norm))
    if ARRIVED.search(norm):
        return hit("arrived")
    if WORK_START.search(norm):
        return hit("work_start")
    if NEXT_JOB.search(norm):
        return hit("next_job")
    if HELP.search(norm):
        return hit("help")
    return hit("unknown")
