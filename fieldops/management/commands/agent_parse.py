"""Show what the voice agent understands from a phrasing, without acting on it.

    python manage.py agent_parse --technician mike "used two rj45 ends"
    printf 'clock in\nused two rj45 ends\n' | python manage.py agent_parse --technician mike

One JSON object per utterance: {"text": ..., "intent": ..., "slots": {...}}; with a technician,
also "matched": the job and truck item the slots point at among that technician's own.

    python manage.py agent_parse --score fieldops/tests/agent_speech_heldout.jsonl [--misses]

Scores a labelled JSONL corpus: per-category intent and intent+slot accuracy, the number of
high-impact intents chosen where none (or another) was meant, and the parse time. Item and
customer slots are matched against the corpus's own names, or with --technician against that
technician's truck stock and the day's customers.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from dispatch.models import Technician
from fieldops.agent import evaluate, scope
from fieldops.agent.actions import Context, context_for
from fieldops.agent.matching import match_job, match_one
from fieldops.agent.parser import parse
from inventory.models import TruckInventory


class Command(BaseCommand):
    help = "Print the voice agent's intent and slots for an utterance (or one per line of stdin) as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "utterance", nargs="*", help="the words; none: read one utterance per line of stdin"
        )
        parser.add_argument(
            "--technician", help="login username or technician id, to match jobs and truck stock"
        )
        parser.add_argument("--score", metavar="FILE", help="score a labelled JSONL corpus instead")
        parser.add_argument("--misses", action="store_true", help="with --score: print each miss too")

    def handle(self, *args, utterance: list[str], technician: str | None, **options) -> None:
        if options.get("score"):
            self._score(options["score"], technician, options.get("misses", False))
            return
        ctx, stock = None, []
        if technician:
            found = self._technician(technician)
            ctx = context_for(found)
            truck_id = ctx.state.truck_id or ctx.state.last_truck_id
            if truck_id:
                stock = list(TruckInventory.objects.filter(truck_id=truck_id).select_related("item"))
        lines = [" ".join(utterance)] if utterance else (line.rstrip("\r\n") for line in sys.stdin)
        for text in lines:
            if not utterance and not text.strip():
                continue
            self.stdout.write(json.dumps(self._understood(text, ctx, stock), ensure_ascii=False))

    def _score(self, path: str, technician: str | None, misses: bool) -> None:
        try:
            cases = evaluate.load(path)
        except (OSError, ValueError) as error:
            raise CommandError(f"Can't read the corpus {path}: {error}") from error
        bad = [i + 1 for i, c in enumerate(cases) if not {"text", "intent", "slots"} <= set(c)]
        if bad:
            raise CommandError(f"Lines without text, intent and slots: {bad[:10]}")
        vocab = scope.vocabulary_for(context_for(self._technician(technician))) if technician else None
        result = evaluate.score(cases, vocab)
        for line in evaluate.report(result):
            self.stdout.write(line)
        if misses:
            for case, got in result.misses:
                self.stdout.write(
                    f"  miss [{case.get('category', '')}] {case['text']!r}: expected {case['intent']} "
                    f"{case['slots']}, got {got.intent} {got.slots}"
                )

    def _technician(self, value: str) -> Technician:
        query = Q(user__username=value)
        if value.isdigit():
            query |= Q(pk=int(value))
        found = Technician.objects.filter(query).first()
        if found is None:
            raise CommandError(f"No technician with the username or id {value!r}.")
        return found

    def _understood(self, text: str, ctx: Context | None, stock: list[TruckInventory]) -> dict:
        result = parse(text)
        out = {"text": text, "intent": result.intent, "slots": result.slots}
        if ctx is None:
            return out
        matched = {}
        if "job" in result.slots:
            job = match_job(result.slots["job"], ctx.jobs, current_id=ctx.state.work_order_id)
            matched["job"] = job.pk if job else None
        if "item" in result.slots:
            row = match_one(result.slots["item"], stock, lambda r: r.item.name)
            matched["item"] = row.item.name if row else None
        if matched:
            out["matched"] = matched
        return out
