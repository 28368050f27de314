"""What the words point at: an item on the technician's own truck, a job among their own jobs today.

Only the candidates passed in can ever match, so the caller decides whose stock and whose jobs
are in play (always the signed-in technician's).
"""

import difflib
import re
from collections.abc import Sequence

# What technicians call things → words of the inventory name (the demo's 17 items and their kin).
ALIASES = {
    "rj45": "rj45 connector", "rj45 end": "rj45 connector", "rj45 ends": "rj45 connector",
    "rj45s": "rj45 connector", "rj45 connectors": "rj45 connector", "rj45 plug": "rj45 connector",
    "rj45 plugs": "rj45 connector", "rj45 head": "rj45 connector", "rj45 heads": "rj45 connector",
    "network ends": "rj45 connector", "ethernet ends": "rj45 connector", "ends": "rj45 connector",
    "connectors": "rj45 connector", "connector": "rj45 connector", "plugs": "rj45 connector",
    "bnc": "bnc connector", "bnc end": "bnc connector", "bnc ends": "bnc connector", "bncs": "bnc connector",
    "bnc connectors": "bnc connector", "coax ends": "bnc connector", "bnc plug": "bnc connector",
    "cat6": "cat6 cable", "cat6 cable": "cat6 cable", "cable": "cat6 cable", "network cable": "cat6 cable",
    "ethernet": "cat6 cable", "ethernet cable": "cat6 cable", "cat6 wire": "cat6 cable", "wire": "cat6 cable",
    "shielded cat6": "shielded cat6 cable", "shielded": "shielded cat6 cable", "stp": "shielded cat6 cable",
    "outdoor cat6": "shielded cat6 cable", "shielded cable": "shielded cat6 cable",
    "siamese": "rg59 siamese cable", "rg59": "rg59 siamese cable", "siamese cable": "rg59 siamese cable",
    "coax": "rg59 siamese cable", "siamese coax": "rg59 siamese cable", "rg59 siamese": "rg59 siamese cable",
    "poe injector": "poe injector", "injector": "poe injector", "injectors": "poe injector",
    "poe injectors": "poe injector", "poe switch": "poe switch", "switch": "poe switch",
    "poe switches": "poe switch", "network switch": "poe switch",
    "dome": "ip dome camera", "domes": "ip dome camera", "dome camera": "ip dome camera",
    "dome cameras": "ip dome camera", "dome cam": "ip dome camera", "ip dome": "ip dome camera",
    "bullet": "bullet camera", "bullets": "bullet camera", "bullet cam": "bullet camera",
    "bullet cameras": "bullet camera", "analog": "analog camera", "analog cam": "analog camera",
    "analog cameras": "analog camera", "ptz": "ptz camera", "ptz cam": "ptz camera",
    "ptz cameras": "ptz camera",
    "nvr": "network video recorder nvr", "recorder": "network video recorder nvr",
    "video recorder": "network video recorder nvr", "dvr": "network video recorder nvr",
    "power supply": "12v power supply", "power supplies": "12v power supply", "12v": "12v power supply",
    "12v power": "12v power supply", "power adapter": "12v power supply", "adapter": "12v power supply",
    "power brick": "12v power supply", "brick": "12v power supply",
    "tester": "cable tester", "crimper": "crimpers", "crimp tool": "crimpers", "fish": "fish tape",
    "drill": "drill kit",
}  # fmt: skip


def _words(text: str) -> str:
    text = re.sub(r"[^a-z0-9 ]+", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def _singular(text: str) -> str:
    return " ".join(
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in text.split()
    )


def canonical_item(phrase: str) -> str:
    """The phrase in the words inventory names use ("rj45 ends" → "rj45 connector")."""
    words = _words(phrase)
    for candidate in (words, _singular(words)):
        if candidate in ALIASES:
            return ALIASES[candidate]
    return _singular(words)


def _score(phrase: str, name: str) -> float:
    if phrase == name:
        return 2.0
    phrase_words, name_words = set(phrase.split()), set(name.split())
    if phrase_words <= name_words:
        # Every word said is in the name; prefer the shortest such name ("cat6" → Cat6 Cable over Shielded).
        return 1.5 - 0.01 * len(name_words - phrase_words)
    overlap = len(phrase_words & name_words) / max(len(phrase_words), 1)
    ratio = difflib.SequenceMatcher(None, phrase, name).ratio()
    return max(ratio, overlap * 0.9)


def match_one[T](phrase: str, candidates: Sequence[T], name_of) -> T | None:
    """The candidate whose name best matches the item phrase, or None when nothing is close."""
    if not phrase or not candidates:
        return None
    wanted = canonical_item(phrase)
    scored = sorted(
        ((_score(wanted, _singular(_words(name_of(c)))), i) for i, c in enumerate(candidates)),
        reverse=True,
    )
    best, index = scored[0]
    if best < 0.72:
        return None
    # Two names equally close: ask rather than guess.
    if len(scored) > 1 and scored[1][0] == best and best < 1.5:
        return None
    return candidates[index]


def match_item_name(phrase: str, names: Sequence[str]) -> str | None:
    return match_one(phrase, list(names), lambda n: n)


def match_job(slot, jobs: Sequence, *, current_id: int | None = None):
    """A job among `jobs` (today's, the technician's own): "next", a number, or a customer's name.

    No slot means the job the technician is on, else the next open one.
    """
    if slot in (None, ""):
        if current_id:
            return next((j for j in jobs if j.pk == current_id), None)
        return next((j for j in jobs if j.is_open), None)
    if slot == "next":
        return next((j for j in jobs if j.is_open and j.pk != current_id), None)
    if isinstance(slot, int):
        return next((j for j in jobs if j.pk == slot), None)
    wanted = _words(str(slot))

    def names(job) -> list[str]:
        customer = job.customer.name if job.customer_id else ""
        return [_words(customer), _words(job.title)]

    best, best_score = None, 0.0
    for job in jobs:
        for name in names(job):
            if not name:
                continue
            score = (
                1.5
                if wanted and (wanted in name or name in wanted)
                else difflib.SequenceMatcher(None, wanted, name).ratio()
            )
            first_words = " ".join(name.split()[: len(wanted.split())])
            score = max(score, difflib.SequenceMatcher(None, wanted, first_words).ratio())
            if score > best_score:
                best, best_score = job, score
    return best if best_score >= 0.75 else None
