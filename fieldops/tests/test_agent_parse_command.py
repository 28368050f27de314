"""`manage.py agent_parse`: what the agent understands, printed as JSON, with nothing done."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from fieldops import services
from fieldops.models import VoiceAgentInteraction, VoiceAgentSession
from fieldops.tests.agent_helpers import make_day
from inventory.models import TruckInventory

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(technician):
    return make_day(technician)


def _run(*args, stdin: str | None = None, monkeypatch=None) -> list[dict]:
    out = io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    call_command("agent_parse", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_an_utterance_argument_prints_its_intent_and_slots(day):
    assert _run("--technician", "tech", "used two rj45 ends")[0] | {"matched": None} == {
        "text": "used two rj45 ends",
        "intent": "use_part",
        "slots": {"item": "rj45 ends", "quantity": 2},
        "matched": None,
    }


def test_with_a_technician_it_shows_what_the_slots_match_and_acts_on_nothing(day):
    services.clock_in(technician=day.technician, truck=day.truck)
    [result] = _run(
        "--technician", str(day.technician.pk), "used", "two", "hundred", "feet", "of", "cat", "six"
    )
    assert result["intent"] == "use_part" and result["matched"] == {"item": "Cat6 Cable"}
    [result] = _run("--technician", "tech", "navigate to city bank")
    assert result["matched"] == {"job": day.first.pk}
    assert TruckInventory.objects.get(truck=day.truck, item=day.cat6).quantity == 1000
    assert not VoiceAgentSession.objects.exists() and not VoiceAgentInteraction.objects.exists()


def test_without_an_utterance_it_reads_one_per_line_of_stdin(day, monkeypatch):
    results = _run(
        "--technician",
        "tech",
        stdin="clock in on truck two oh two\n\nyes\nwhat's the weather\n",
        monkeypatch=monkeypatch,
    )
    assert [(r["text"], r["intent"], r["slots"]) for r in results] == [
        ("clock in on truck two oh two", "clock_in", {"truck": 202}),
        ("yes", "confirm", {}),
        ("what's the weather", "unknown", {}),
    ]


def test_it_works_without_a_technician(monkeypatch):
    assert _run("complete the job, replaced the camera")[0]["slots"] == {"text": "replaced the camera"}


def test_an_unknown_technician_is_an_error(day):
    with pytest.raises(CommandError, match="No technician"):
        call_command("agent_parse", "--technician", "nobody", "help")


def test_score_prints_per_category_accuracy_and_wrong_high_impact_intents(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "\n".join(
            json.dumps(case)
            for case in [
                {
                    "text": "used two rj45 ends",
                    "intent": "use_part",
                    "slots": {"item": "RJ45 Connector", "quantity": 2},
                    "category": "clean",
                },
                {"text": "don't finish it yet", "intent": "deny", "slots": {}, "category": "negation"},
                # Labelled wrongly on purpose: job_complete counts as an unmeant high-impact intent.
                {"text": "complete the job", "intent": "job_details", "slots": {}, "category": "negation"},
            ]
        )  # fmt: skip
    )
    out = io.StringIO()
    call_command("agent_parse", "--score", str(corpus), "--misses", stdout=out)
    lines = out.getvalue().splitlines()
    assert any(line.split()[:4] == ["clean", "1", "100.0%", "100.0%"] for line in lines)
    assert any(line.split()[:4] == ["negation", "2", "50.0%", "50.0%"] for line in lines)
    assert "wrong high-impact intents: 1" in lines
    assert any("miss [negation] 'complete the job'" in line for line in lines)


def test_score_refuses_a_file_that_is_not_a_corpus(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "hi"}\n')
    with pytest.raises(CommandError, match="without text, intent and slots"):
        call_command("agent_parse", "--score", str(bad))
    with pytest.raises(CommandError, match="Can't read"):
        call_command("agent_parse", "--score", str(tmp_path / "missing.jsonl"))


def test_score_with_a_technician_matches_against_their_own_names(day):
    services.clock_in(technician=day.technician, truck=day.truck)
    out = io.StringIO()
    call_command(
        "agent_parse",
        "--score",
        "fieldops/tests/agent_speech_tuning.jsonl",
        "--technician",
        "tech",
        stdout=out,
    )
    assert "wrong high-impact intents: 0" in out.getvalue()
