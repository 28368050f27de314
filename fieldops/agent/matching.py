"""What the words point at: an item on the technician's own truck, a job among their own jobs today.

Only the candidates passed in can ever match, so the caller decides whose stock and whose jobs
are in play (always the signed-in technician's). The names come from the company's own rows;
the only table here is of trade words (what "ends" or "cam" means), never of item or customer
names. Matching is by words (rapidfuzz) and by sound (jellyfish's metaphone), so "river side",
"citi bank" and "camra" land where they were meant; two names equally close are refused, not guessed.
"""

import re
from collections.abc import Sequence
from functools import lru_cache

import jellyfish
from rapidfuzz import fuzz

# Trade words → the word inventory names use. Words, not item names: "ends" are connectors anywhere.
SYNONYMS = {
    "end": "connector", "ends": "connector", "plug": "connector", "plugs": "connector", "head": "connector",
    "heads": "connector", "connectors": "connector", "cam": "camera", "cams": "camera", "cameras": "camera",
    "wire": "cable", "cabling": "cable", "supplies": "supply", "brick": "power supply",
    "adapter": "power supply", "psu": "power supply", "dvr": "nvr", "recorder": "nvr", "coax": "siamese",
    "ethernet": "cat6", "injectors": "injector", "switches": "switch", "volt": "v", "domes": "dome",
    "bullets": "bullet",
}  # fmt: skip
STOP = {"the", "a", "an", "of", "some", "my", "new", "and"}
ITEM_THRESHOLD = 0.72
NAME_THRESHOLD = 0.75


def _words(text: str) -> str:
    text = re.sub(r"[^a-z0-9 ]+", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@lru_cache(maxsize=4096)
def _item_words(text: str) -> str:
    words = []
    for word in _words(text).split():
        if word in STOP:
            continue
        word = SYNONYMS.get(word, word)
        words.extend(_singular(w) for w in word.split())
    # "12 v" and "12v" are one word
    return re.sub(r"\b(\d+) v\b", r"\1v", " ".join(words))


@lru_cache(maxsize=4096)
def _sound(text: str) -> str:
    return " ".join(jellyfish.metaphone(w) for w in text.split() if w)


def canonical_item(phrase: str) -> str:
    """The phrase in the words inventory names use ("rj45 ends" → "rj45 connector")."""
    return _item_words(phrase)


def _score(phrase: str, name: str) -> float:
    """How close the words said are to a name: 2 exact, ~1.5 every word said is in it, else 0..1."""
    if not phrase or not name:
        return 0.0
    if phrase == name:
        return 2.0
    said, named = set(phrase.split()), set(name.split())
    if said <= named:
        # Every word said is in the name; prefer the shortest such name ("cat6" → Cat6 Cable over Shielded).
        return 1.5 - 0.01 * len(named - said)
    joined = phrase.replace(" ", "") == name.replace(" ", "")
    if joined:
        return 1.9
    words = fuzz.token_set_ratio(phrase, name) / 100
    partial = fuzz.partial_ratio(phrase, name) / 100 if len(phrase) >= 6 else 0.0
    sound = fuzz.ratio(_sound(phrase), _sound(name)) / 100
    sound_set = fuzz.token_set_ratio(_sound(phrase), _sound(name)) / 100
    return max(0.9 * words, 0.85 * partial, 0.9 * sound, 0.85 * sound_set)


def _best[T](phrase: str, candidates: Sequence[T], name_of, normal, threshold: float) -> T | None:
    if not phrase or not candidates:
        return None
    wanted = normal(phrase)
    scored = sorted(
        ((_score(wanted, normal(name_of(c))), -i) for i, c in enumerate(candidates)), reverse=True
    )
    best, index = scored[0]
    if best < threshold:
        return None
    # Two names equally close: ask rather than guess.
    if len(scored) > 1 and abs(scored[1][0] - best) < 0.005 and best < 1.5:
        return None
    return candidates[-index]


def match_one[T](phrase: str, candidates: Sequence[T], name_of) -> T | None:
    """The candidate whose name best matches the item phrase, or None when nothing is close."""
    return _best(phrase, candidates, name_of, _item_words, ITEM_THRESHOLD)


def match_item_name(phrase: str, names: Sequence[str]) -> str | None:
    return match_one(phrase, list(names), lambda n: n)


def _name_words(text: str) -> str:
    words = [w for w in _words(text).split() if w not in STOP]
    text = " ".join(words)
    return re.sub(r"\bst\b", "street", text)


def match_name(phrase: str, names: Sequence[str]) -> str | None:
    """The customer name the words point at ("river side", "the dental place"), or None."""
    return _best(phrase, list(names), lambda n: n, _name_words, NAME_THRESHOLD)


def match_job(slot, jobs: Sequence, *, current_id: int | None = None):
    """A job among `jobs` (today's, the technician's own): "next", a number, or a customer's name.

    No slot means the job the technician is on, else the next open one. "other" matches nothing:
    the caller refuses it rather than guessing which other job was meant.
    """
    if slot in (None, ""):
        if current_id:
            return next((j for j in jobs if j.pk == current_id), None)
        return next((j for j in jobs if j.is_open), None)
    if slot == "next":
        return next((j for j in jobs if j.is_open and j.pk != current_id), None)
    if slot == "other":
        return None
    if isinstance(slot, int):
        return next((j for j in jobs if j.pk == slot), None)
    wanted = str(slot)
    by_name = []
    for job in jobs:
        if job.customer_id:
            by_name.append((job.customer.name, job))
        by_name.append((job.title, job))
    names = list(dict.fromkeys(name for name, _ in by_name))
    found = match_name(wanted, names)
    if found is None:
        return None
    matches = [job for name, job in by_name if name == found]
    open_matches = [j for j in matches if j.is_open]
    return (open_matches or matches)[0]
