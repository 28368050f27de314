"""What a call's transcription says, computed here: an extractive summary and a sentiment score.

No outside service: the summary picks the transcription's own most telling sentences (word
frequency, stop words left out); the score is VADER's compound score (vaderSentiment ships its
lexicon), from -1 (very negative) to 1 (very positive).
"""

import re
from collections import Counter
from decimal import Decimal
from functools import cache

SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
WORD = re.compile(r"[a-z']+")
_STOP_WORDS = """
    a about after again all am an and any are as at be been before being but by can could did do
    does doing for from had has have having he her here hers him his how i i'm if in into is it
    it's its just me my no nor not of off on once only or other our ours out over own same she
    should so some such than that that's the their them then there these they this those through to
    too under until up very was we were what when where which while who whom why will with would
    you your yours yeah okay ok um uh hi hello thanks thank please yes
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())  # noqa: SIM905 (a word list reads better as text)
SUMMARY_SENTENCES = 2
SUMMARY_MAX_CHARS = 300


def summarise(text: str, sentences: int = SUMMARY_SENTENCES) -> str:
    """The `sentences` sentences that carry the transcription's most frequent words, in their order."""
    parts = [part.strip() for part in SENTENCE_END.split(text or "") if part.strip()]
    if len(parts) <= sentences:
        summary = " ".join(parts)
    else:
        counts = Counter(word for word in WORD.findall(text.lower()) if word not in STOP_WORDS)

        def weight(sentence: str) -> float:
            words = [word for word in WORD.findall(sentence.lower()) if word not in STOP_WORDS]
            return sum(counts[word] for word in words) / (len(words) ** 0.5 or 1)

        best = sorted(range(len(parts)), key=lambda i: (-weight(parts[i]), i))[:sentences]
        summary = " ".join(parts[i] for i in sorted(best))
    if len(summary) > SUMMARY_MAX_CHARS:
        summary = summary[: SUMMARY_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return summary


@cache
def _analyser():
    # Imported on first use: loading the lexicon takes a moment, and most requests never need it.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment_score(text: str) -> Decimal:
    """VADER's compound score of the text, rounded to the column's three places."""
    compound = _analyser().polarity_scores(text or "")["compound"]
    return Decimal(str(round(compound, 3)))
