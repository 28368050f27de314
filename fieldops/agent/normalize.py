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
    (r"\b(?:cat|cats|kat|catt)(?:egory)?[ -]?(?:6|six|sex|sicks|sticks|stix|ex|sx)\b", "cat6"),
    (r"\bcat(?:egory)?[ -]?(?:5e|5 e|five e)\b", "cat5e"),
    (r"\bcatsix\b", "cat6"),
    (r"\b(?:r|are|our|ar)[ .-]?(?:j|jay)[ -]?(?:45|forty[ -]five|4 5)(?=s?\b)", "rj45"),
    (r"\b(?:are|our) j45(?=s?\b)", "rj45"),
    (r"\b(?:r|are|our|ar)[ .-]?(?:j|jay)[ -]?40 fives?\b", "rj45s"),
    (r"\brj 45\b", "rj45"),
    (r"\br[ .-]?g[ -]?(?:59|fifty[ -]nine)\b", "rg59"),
    (
        r"\b(?:p[ .]?o[ .]?e|poe|po|pho|pay oh e|p o e|pee oh e+|pee 0 e+|p 0 e)(?= (?:injec"
        r"tor|injectors|switch|switches|port))",
        "poe",
    ),
    (r"\bp\.?o\.?e\.?\b", "poe"),
    (r"\b(?:b[ .]?n[ .]?c|bee (?:en|and|n) (?:see|sea|c)|b and c|bee and sees)(?=s?\b)", "bnc"),
    (r"\b(?:siamese|siam ease|sia mese|simese|siamese cable|siamese coax)\b", "siamese"),
    (r"\bn[ .]?v[ .]?r\b", "nvr"),
    (r"\bp[ .]?t[ .]?z\b", "ptz"),
    (r"\b12 ?v(?:olt)?s?\b", "12v"),
    (r"\bcamras?\b", "camera"),
)

FILLER = re.compile(
    r"\b(?:um+|uh+|uhm|erm?|ah+|hmm+|mm+|please|pls|kindly|just|basically|literally|i guess|i think|"
    r"you know|like i said|(?<!would )(?<!looks )(?<!look )(?<!feel )(?<!feels )like(?! to\b"
    r")|hey|hi|hello|yo|ok google|hey google|hey siri|siri|agent|techflow|"
    r"assistant|buddy|thanks|thank you|real quick|quickly|go ahead and|for me)\b"
)
CONTRACTIONS = (
    (r"\bwhat's\b", "what is"), (r"\bwhere's\b", "where is"), (r"\bwhen's\b", "when is"),
    (r"\bwho's\b", "who is"),
    (r"\bhow's\b", "how is"), (r"\bthat's\b", "that is"), (r"\bit's\b", "it is"),
    (r"\bi'm\b", "i am"), (r"\bim\b", "i am"), (r"\bi've\b", "i have"), (r"\bi'll\b", "i will"),
    (r"\bi'd\b", "i would"), (r"\bdon't\b", "do not"), (r"\bdont\b", "do not"),
    (r"\bdoesn't\b", "does not"), (r"\bcan't\b", "cannot"), (r"\bwon't\b", "will not"),
    (r"\blet's\b", "let us"), (r"\blets\b", "let us"), (r"\bgonna\b", "going to"),
    (r"\bwanna\b", "want to"), (r"\bgotta\b", "got to"), (r"\bbreak's\b", "break is"),
    (r"\bjob's\b", "job is"), (r"\bwe're\b", "we are"), (r"\byou're\b", "you are"),
    (r"\bthere's\b", "there is"), (r"\bhere's\b", "here is"), (r"\bshe's\b", "she is"),
    (r"\bhe's\b", "he is"), (r"\bwe've\b", "we have"), (r"\byou've\b", "you have"),
    (r"\bi'll\b", "i will"), (r"\bwe'll\b", "we will"), (r"\bcouldn't\b", "could not"),
    (r"\b(\w+)n't\b", r"\1 not"),
    (r"\b(is|are|was|were|has|have|had|did|does|do|should|would)nt\b", r"\1 not"),
    (r"\b(?:havent)\b", "have not"), (r"\b(?:didnt)\b", "did not"), (r"\bisnt\b", "is not"),
)  # fmt: skip

# Words a recogniser writes for a number, read as that number only where a number belongs:
# after a part verb and before the item, next to a truck or job number, inside a run of digits.
PART_VERB_WORDS = (
    r"(?:used|use|using|took|take|pulled|grabbed|installed|install|put in|ran|mounted|swapped in)"
)
# "used to" before these is the past habit ("I used to work here"), not two of something.
NOT_AFTER_USED_TO = (
    r"(?:the|a|an|my|it|be|go|do|work|get|have|had|live|drive|come|make|say|think|know|like|run|see|take|put|"
    r"call|this|that|them|those|these|he|she|we|they|you|i|me|him|her|us|being|having|doing|own|love|hate|"
    r"use|play|stay|keep|want|need|help|try|fix|install|look)\b"
)
HOMOPHONES = (
    (
        rf"\b({PART_VERB_WORDS}) (?:to|too)\b(?= (?!{NOT_AFTER_USED_TO})[a-z0-9])",
        r"\1 two",
    ),
    (
        rf"\b({PART_VERB_WORDS}) for\b(?= (?!the\b|a\b|an\b|my\b|it\b|this\b|that\b|job\b)[a-z0-9])",
        r"\1 four",
    ),
    (rf"\b({PART_VERB_WORDS}) won\b", r"\1 one"),
    (
        r"\b(truck|van|unit|rig|job|number) (?:to|too)\b(?= (?:oh|zero|0|one|two|three|four|"
        r"five|six|seven|eight|nine|\d))",
        r"\1 two",
    ),
    (
        r"\b(truck|van|unit|rig|job|number) for\b(?= (?:oh|zero|0|one|two|three|four|five|si"
        r"x|seven|eight|nine|\d))",
        r"\1 four",
    ),
    (
        r"\b(oh|zero|one|two|three|four|five|six|seven|eight|nine) (?:to|too)\b(?= (?:oh|zer"
        r"o|one|two|three|four|five|"
        r"six|seven|eight|nine)\b|$)",
        r"\1 two",
    ),
    (r"\b(twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety) ate\b", r"\1 eight"),
    (
        r"\b(oh|zero|one|two) for\b(?= (?:oh|zero|one|two|three|four|five|six|seven|eight|nine)\b|$)",
        r"\1 four",
    ),
)
# "brake" is a break unless it is the truck's brakes.
BRAKE = re.compile(r"\bbrakes?\b(?! (?:check|checks|pads?|fluid|lights?|lines?|cleaner|test|inspection))")
BRAKE_TRUCK = re.compile(r"\b(?:check(?:ing)?|the|van|truck|and) brakes?\b|\bbrakes\b")

# A spoken self-correction: "three, no, four"; the last value wins.
CORRECTION = re.compile(
    r"\s(?:no wait|no no|no|sorry|i mean|actually make (?:that|it)|actually|make (?:that|it)|scratch that|"
    r"correction|wait|or rather|rather)\s"
)

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


def _homophones(text: str) -> str:
    for pattern, replacement in HOMOPHONES:
        text = re.sub(pattern, replacement, text)
    if "brake" in text and not BRAKE_TRUCK.search(text):
        text = BRAKE.sub("break", text)
    return text


NUMBER_TOKEN = re.compile(r"\b\d+\b")


def _correct_once(text: str) -> str | None:
    """One self-correction resolved, or None when the words hold none."""
    for found in CORRECTION.finditer(text):
        left, right = text[: found.start()].strip(), text[found.end() :].strip()
        if not left or not right:
            continue
        right_words = right.split()
        numbers = list(NUMBER_TOKEN.finditer(left))
        if right_words[0] in {"one", "a", "an"} and len(right_words) == 1 and numbers:
            right_words = ["1"]
        if right_words[0].isdigit() and numbers:
            last = numbers[-1]
            only_number = len(right_words) == 1 or (
                len(right_words) == 2 and right_words[1] in {"feet", "foot", "ft", "of them"}
            )
            if only_number:
                return left[: last.start()] + right_words[0] + left[last.end() :]
            return left[: last.start()] + right
        if right_words[0].isdigit():
            continue
        if right_words[0] in {"a", "an", "one"} and re.search(r"\b(?:a|an|1)\b", left):
            found_article = list(re.finditer(r"\b(?:a|an|1)\b", left))[-1]
            if len(right_words) == 1:
                return left[: found_article.start()] + "1" + left[found_article.end() :]
            return left[: found_article.start()] + right
        if right_words[0] in {"not", "do", "did", "i", "it", "that", "this", "is", "we"}:
            continue  # "no, I'm not done": a negation, not a correction
        # The correction restates from a word the first try also said: "call x, no, call y".
        padded = " " + left + " "
        start = padded.rfind(" " + right_words[0] + " ")
        if start >= 0 and right_words[0] != "the":
            return left[:start] + right
        place = re.search(r"^(.*\b(?:to|at|for|call|with))\s", left)
        if place and len(right_words) <= 4:
            return place.group(1) + " " + right
    return None


def resolve_corrections(text: str) -> str:
    """The words as meant after "no", "sorry", "I mean": the last value wins."""
    for _ in range(3):
        corrected = _correct_once(text)
        if corrected is None:
            break
        text = re.sub(r"\s+", " ", corrected).strip()
    return text


def _dedupe(text: str) -> str:
    """Stutters out: "i am i am here" → "i am here", "clock me clock me in" → "clock me in"."""
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in (3, 2, 1):
            said = words[i : i + size]
            repeated = i + 2 * size <= len(words) and said == words[i + size : i + 2 * size]
            if repeated and not all(w.isdigit() for w in said) and said[0] not in {"no", "bye", "mayday"}:
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


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
    text = _homophones(text)
    for pattern, replacement in QUANTITY_PHRASES:
        text = re.sub(pattern, replacement, text)
    text = words_to_numbers(text)
    text = re.sub(r"\b(\d) (\d) (\d)\b", r"\1\2\3", text)  # "2 0 2" → 202
    text = re.sub(r"\b(\d{1,2}) oh (\d)\b", r"\g<1>0\2", text)  # "2 oh 2" → 202 after a partial run
    for pattern, replacement in TRADE_WORDS:
        text = re.sub(pattern, replacement, text)
    text = FILLER.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _dedupe(text)
    text = resolve_corrections(text)
    # Leading words people use to start talking.
    text = re.sub(r"^(?:(?:ok|okay|so|well|alright|all right|right) )+(?=\S)", "", text)
    return text
