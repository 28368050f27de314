"""Scoring the parser on a labelled corpus: per-category intent and slot accuracy, wrong high-impact intents.

A corpus is JSON lines: {"text", "intent", "slots", "category", "high_impact", "alternatives"?}.
Item and customer slots are checked the way the agent uses them: the words said are matched
against the names in play (the technician's own stock and customers when a vocabulary is
given, else the names the corpus itself expects), and must land on the expected name.
"""

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from fieldops.agent.matching import match_item_name, match_name
from fieldops.agent.normalize import normalize
from fieldops.agent.parser import HIGH_IMPACT, Parse, Vocabulary, parse, parse_alternatives


def load(path: str | Path) -> list[dict]:
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def corpus_vocabulary(cases: list[dict]) -> Vocabulary:
    """The names a corpus expects, standing in for a technician's stock and customers."""
    items = {c["slots"]["item"] for c in cases if isinstance(c["slots"].get("item"), str)}
    customers = {
        c["slots"]["job"]
        for c in cases
        if isinstance(c["slots"].get("job"), str) and c["slots"]["job"] not in ("next", "other")
    }
    return Vocabulary(items=tuple(sorted(items)), customers=tuple(sorted(customers)))


def slots_match(expected: dict, actual: dict, vocab: Vocabulary) -> bool:
    if set(expected) != set(actual):
        return False
    for key, want in expected.items():
        got = actual[key]
        if key == "item":
            if match_item_name(str(got), vocab.items) != want:
                return False
        elif key == "job" and isinstance(want, str) and want not in ("next", "other"):
            if not isinstance(got, str) or match_name(got, vocab.customers) != want:
                return False
        elif key == "text":
            if fuzz.ratio(normalize(str(got)), normalize(str(want))) < 85:
                return False
        elif got != want:
            return False
    return True


def understand(case: dict, vocab: Vocabulary) -> Parse:
    alternatives = case.get("alternatives") or []
    if alternatives:
        return parse_alternatives([case["text"], *alternatives], vocab)
    return parse(case["text"], vocab)


@dataclass
class Score:
    total: int = 0
    intents: int = 0
    slots: int = 0
    wrong_high_impact: int = 0
    by_category: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    misses: list = field(default_factory=list)
    ms_per_utterance: float = 0.0

    @property
    def intent_accuracy(self) -> float:
        return self.intents / self.total if self.total else 0.0

    @property
    def slot_accuracy(self) -> float:
        return self.slots / self.total if self.total else 0.0


def score(cases: list[dict], vocab: Vocabulary | None = None) -> Score:
    vocab = vocab or corpus_vocabulary(cases)
    result = Score()
    start = time.perf_counter()
    parsed = [understand(case, vocab) for case in cases]
    result.ms_per_utterance = (time.perf_counter() - start) * 1000 / max(len(cases), 1)
    for case, got in zip(cases, parsed, strict=True):
        intent_ok = got.intent == case["intent"]
        slots_ok = intent_ok and slots_match(case["slots"], got.slots, vocab)
        row = result.by_category[case.get("category", "")]
        row[0] += 1
        row[1] += intent_ok
        row[2] += slots_ok
        result.total += 1
        result.intents += intent_ok
        result.slots += slots_ok
        if got.intent in HIGH_IMPACT and got.intent != case["intent"]:
            result.wrong_high_impact += 1
        if not slots_ok:
            result.misses.append((case, got))
    return result


def report(result: Score) -> list[str]:
    lines = [f"{'category':<16} {'n':>4} {'intent':>8} {'+slots':>8}"]
    for category in sorted(result.by_category):
        n, intents, slots = result.by_category[category]
        lines.append(f"{category:<16} {n:>4} {intents / n:>8.1%} {slots / n:>8.1%}")
    lines.append(f"{'all':<16} {result.total:>4} {result.intent_accuracy:>8.1%} {result.slot_accuracy:>8.1%}")
    lines.append(f"wrong high-impact intents: {result.wrong_high_impact}")
    lines.append(f"parse time: {result.ms_per_utterance:.3f} ms per utterance")
    return lines
