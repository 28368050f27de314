"""Speech-recognition text made regular: lower case, no filler, numbers as digits, one spelling per word."""

import re
import unicodedata

UNITS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9,
}  # fmt: skip
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
SCALES = {"hundred": 100, "thousand": 1000}
NUMBER_WORDS = {**UNITS, **TEENS, **TENS, **SCALES}

# Said before the words they stand for, so "a couple of rj45s" is "2 rj45s".
QUANTITY_PHRASES = (
    (r"\bhalf a dozen\b", "6"),
    (r"\b(?:a )?couple(?: of)?\b", "2"),
    (r"\b(?:a )?pair of\b", "2"),
    (r"\b(?:a|one) dozen\b", "12"),
    (r"\bdozen\b", "12"),
    (r"\ba (hundred|thousand)\b", r"one \1"),
)

# How the trade's words come out of speech recognition, and the one spelling they get.
TRADE_WORDS = (
    (r"\bcat(?:egory)?[ -]?(?:6|six|sex|sicks)\b", "cat6"),
    (r"\bcat(?:egory)?[ -]?(?:5e|5 e|five e)\b", "cat5e"),
    (r"\bcatsix\b", "cat6"),
    (r"\br[ .-]?j[ -]?(?:45|forty[ -]five|4 5)(?=s?\b)", "rj45"),
    (r"\brj 45\b", "rj45"),
    (r"\br[ .-]?g[ -]?(?:59|fifty[ -]nine)\b", "rg59"),
    (r"\b(?:p[ .]?o[ .]?e|poe|po|pho|pay oh e|p o e)(?= (?:injector|injectors|switch|switches|port))", "poe"),
    (r"\bp\.?o\.?e\.?\b", "poe"),
    (r"\b(?:b[ .]?n[ .]?c|bee en see|b and c)\b", "bnc"),
    (r"\b(?:siamese|siam ease|sia mese|simese|siamese cable|siamese coax)\b", "siamese"),
    (r"\bn[ .]?v[ .]?r\b", "nvr"),
    (r"\bp[ .]?t[ .]?z\b", "ptz"),
    (r"\b12 ?v(?:olt)?s?\b", "12v"),
)

FILLER = re.compile(
    r"\b(?:um+|uh+|uhm|erm?|ah+|hmm+|mm+|please|pls|kindly|just|actually|basically|literally|"
    r"you know|i mean|like i said|hey|hi|hello|yo|ok google|hey google|hey siri|siri|agent|techflow|"
    r"assistant|buddy|thanks|thank you|real quick|quickly|go ahead and|for me)\b"
)
CONTRACTIONS = (
    (r"\bwhat's\b", "what is"), (r"\bwhere's\b", "where is"), (r"\bwho's\b", "who is"),
    (r"\bhow's\b", "how is"), (r"\bthat's\b", "that is"), (r"\bit's\b", "it is"),
    (r"\bi'm\b", "i am"), (r"\bim\b", "i am"), (r"\bi've\b", "i have"), (r"\bi'll\b", "i will"),
    (r"\bi'd\b", "i would"), (r"\bdon't\b", "do not"), (r"\bdont\b", "do not"),
    (r"\bdoesn't\b", "does not"), (r"\bcan't\b", "cannot"), (r"\bwon't\b", "will not"),
    (r"\blet's\b", "let us"), (r"\blets\b", "let us"), (r"\bgonna\b", "going to"),
    (r"\bwanna\b", "want to"), (r"\bgotta\b", "got to"), (r"\bbreak's\b", "break is"),
    (r"\bjob's\b", "job is"), (r"\bwe're\b", "we are"), (r"\byou're\b", "you are"),
    (r"\bthere's\b", "there is"), (r"\bhere's\b", "here is"),
)  # fmt: skip

# Curly quotes and dashes that keyboards and recognisers produce.
PUNCTUATION_MAP = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def clean_characters(text: str) -> str:
    """Unicode folded to plain characters, control and invisible characters dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text or "").translate(PUNCTUATION_MAP)
    text = "".join(c if unicodedata.category(c)[0] not in "CZ" else " " for c in text)
    return re.sub(r"\s+", " ", text).strip()


def _number_run(words: list[str]) -> str:
    """A run of number words as digits: "two hundred" → 200, "two oh two" → 202, "twenty one" → 21."""
    if len(words) >= 2 and all(w in UNITS for w in words):
        return "".join(str(UNITS[w]) for w in words)  # digit by digit, as truck and job numbers are said
    total, current = 0, 0
    for word in words:
        if word in UNITS:
            current += UNITS[word]
        elif word in TEENS or word in TENS:
            current += NUMBER_WORDS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
    return str(total + current)


def words_to_numbers(text: str) -> str:
    tokens = text.split()
    out: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            # "oh" alone is a word, not a zero.
            if run == ["oh"]:
                out.append("oh")
            else:
                out.append(_number_run(run))
            run.clear()

    for i, token in enumerate(tokens):
        if token in NUMBER_WORDS:
            # "one" in "the next one", "that one" is a pronoun.
            if (
                token == "one"
                and not run
                and out
                and out[-1] in {"next", "that", "this", "last", "the", "other"}
            ):
                flush()
                out.append(token)
                continue
            if token == "oh" and not run:
                out.append(token)
                continue
            if run and _starts_new_number(run, token):
                flush()
            run.append(token)
        elif (
            token == "and"
            and run
            and i + 1 < len(tokens)
            and tokens[i + 1] in NUMBER_WORDS
            and "hundred" in run
        ):
            continue
        else:
            flush()
            out.append(token)
    flush()
    return " ".join(out)


def _starts_new_number(run: list[str], word: str) -> bool:
    last = run[-1]
    if all(w in UNITS for w in run) and word in UNITS:
        return False  # digit by digit
    if last in TENS and word in UNITS and word not in {"zero", "oh"}:
        return False  # twenty one
    if word in SCALES:
        return False
    # "two hundred fifty" goes on; anything else after a complete number starts a new one.
    return not (last in SCALES and (word in UNITS or word in TEENS or word in TENS))


def normalize(text: str) -> str:
    """The regular form the parser reads."""
    text = clean_characters(text).lower()
    for pattern, replacement in CONTRACTIONS:
        text = re.sub(pattern, replacement, text)
    text = text.replace("#", " number ").replace("&", " and ")
    # Keep letters, digits and the apostrophe of possessives; everything else separates words.
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    text = re.sub(r"'s\b", "", text).replace("'", "")
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])(?!s\b)", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    for pattern, replacement in QUANTITY_PHRASES:
        text = re.sub(pattern, replacement, text)
    text = words_to_numbers(text)
    text = re.sub(r"\b(\d) (\d) (\d)\b", r"\1\2\3", text)  # "2 0 2" → 202
    text = re.sub(r"\b(\d{1,2}) oh (\d)\b", r"\g<1>0\2", text)  # "2 oh 2" → 202 after a partial run
    for pattern, replacement in TRADE_WORDS:
        text = re.sub(pattern, replacement, text)
    text = FILLER.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    # Leading words people use to start talking.
    text = re.sub(r"^(?:(?:ok|okay|so|well|alright|all right|right) )+(?=\S)", "", text)
    return text
