"""One pass over a rendered script: tokens, sentences, phone numbers, names, structure, duration.

``analyse`` does all the text work once per script so that rules are cheap, pure functions of
an ``Analysis`` (they must not re-tokenise). This module owns tokenising, sentence splitting,
phone-number normalisation (numerals and spoken digits) and structure labels; it must not
produce findings.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import phonenumbers

from afterbeep.scripts import _patterns as p
from afterbeep.scripts import _spoken
from afterbeep.scripts._config import LintConfig

PARTS: tuple[str, ...] = (
    "greeting",
    "context",
    "reason",
    "call_to_action",
    "contact",
    "repeat_number",
    "sign_off",
)

# Numerals and how they are written; tried in this order at each position.
_NUMERAL = (
    r"(?P<phone>(?<![\w$+])(?:\+?1[ .-]?)?(?:\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}(?!\d)"
    r"|\+\d{1,3}(?:[ .-]?\d{1,4}){2,5}(?!\d)"
    r"|(?<![\w$])\d{3}-\d{4}(?!\d))"
    r"|(?P<money>\$\d{1,3}(?:,\d{3})+(?:\.\d+)?(?:\s?(?:million|billion))?"
    r"|\$\d+(?:\.\d+)?(?:\s?(?:million|billion|[kKmMbB])\b)?)"
    r"|(?P<time>\d{1,2}:\d{2}(?:\s?(?:[aApP]\.?[mM]\.?))?(?![\w])"
    r"|\d{1,2}\s?(?:[aApP]\.[mM]\.|[aApP][mM]\b))"
    r"|(?P<percent>\d+(?:\.\d+)?\s?%)"
    r"|(?P<ordinal>\d+(?:st|nd|rd|th)\b)"
    r"|(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
)
# The lookahead lets the engine skip every position that cannot start a numeral (10x faster).
_NUMBER_TOKEN = re.compile(rf"(?=[\d$+(])(?:{_NUMERAL})")
_TLD = re.compile(r"\.(?:com|net|org|io|co|ai|us|biz)\b", re.I)
_WEB = re.compile(
    r"(?<![\w.@])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w.@/])(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|ai|us|biz)\b",
    re.I,
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*(?:-[^\W\d_]+)*")
_DIGIT = "zero|one|two|three|four|five|six|seven|eight|nine"
# Seven or more digit words in a row: a number said aloud. "oh" only continues one.
_SPOKEN_NUMBER = re.compile(rf"\b(?:{_DIGIT})(?:[\s,.-]+(?:{_DIGIT}|oh|o)){{6,}}\b")
_DIGIT_SPLIT = re.compile(r"[\s,.-]+")
_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)|\n")
_NEXT_CAPITAL = re.compile(r"\s+[A-Z]")
_ABBREVIATION = re.compile(r"\b(?i:mrs?|ms|dr|jr|sr|st|vs|inc|co|ltd)$")
_MERIDIEM = re.compile(r"([ap])\.?m\.?$", re.I)


class Token(NamedTuple):
    """A word or a number as written, with how it is said (``spoken``)."""

    kind: str  # word | phone | money | time | percent | ordinal | year | number | web
    text: str
    start: int
    end: int
    spoken: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PhoneMention:
    """A phone number in the script, written as numerals or said as digit words."""

    text: str
    start: int
    end: int
    digits: str  # national significant digits (country code stripped for +1)
    spoken_digits: bool
    valid: bool


@dataclass(slots=True)
class Sentence:
    """One sentence: its span, spoken word count, structure label and the parts it covers."""

    index: int
    start: int
    end: int
    text: str
    lower: str
    words: int  # spoken words, numbers expanded
    label: str = "other"
    parts: frozenset[str] = frozenset()
    phones: tuple[PhoneMention, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "index": self.index,
            "label": self.label,
            "parts": sorted(self.parts),
            "start": self.start,
            "end": self.end,
            "text": self.text,
        }


@dataclass(slots=True)
class Analysis:
    """Everything rules need about one rendered script, computed once."""

    text: str
    lower: str
    config: LintConfig
    tokens: list[Token]  # numerals only (phone, money, time, ...); words are counted, not kept
    sentences: list[Sentence]
    phones: list[PhoneMention]
    spoken_words: int
    duration_s: float
    first_name: str | None
    first_name_spans: list[tuple[int, int]]
    rep_name: str | None
    business_name: str | None
    fields: Mapping[str, str] = field(default_factory=dict)
    # Lowercase word (or numeral) -> its start offsets: lexicons try their regex only there.
    word_index: Mapping[str, list[int]] = field(default_factory=dict)
    # Matches of the structure lexicons: "reason", "cta:<kind>", "call_again", "sign_off".
    matches: Mapping[str, list[re.Match[str]]] = field(default_factory=dict)

    def sentence_at(self, offset: int) -> Sentence:
        """The sentence containing ``offset``."""
        starts = [s.start for s in self.sentences]
        return self.sentences[max(bisect.bisect_right(starts, offset) - 1, 0)]

    def parts_present(self) -> set[str]:
        present: set[str] = set()
        for sentence in self.sentences:
            present |= sentence.parts
        return present

    def first_with(self, part: str) -> Sentence | None:
        return next((s for s in self.sentences if part in s.parts), None)


def _spoken_for(kind: str, text: str) -> tuple[str, tuple[str, ...]]:
    if kind == "word":
        return kind, (text,)
    if kind == "phone":
        return kind, tuple(_spoken.phone_words(re.sub(r"\D", "", text)))
    if kind == "money":
        return kind, tuple(_spoken.money_words(text))
    if kind == "time":
        meridiem_match = _MERIDIEM.search(text)
        meridiem = f"{meridiem_match.group(1).lower()}m" if meridiem_match else ""
        clock = _MERIDIEM.sub("", text).strip()
        hours, _, minutes = clock.partition(":")
        return kind, tuple(_spoken.clock_words(int(hours), int(minutes or 0), meridiem))
    if kind == "percent":
        return kind, (*_spoken.decimal_words(text.rstrip("% ")), "percent")
    if kind == "ordinal":
        return kind, tuple(_spoken.ordinal_words(int(text[:-2])))
    if "," not in text and "." not in text and len(text) == 4 and 1900 <= int(text) <= 2099:
        return "year", tuple(_spoken.year_words(int(text)))
    return kind, tuple(_spoken.decimal_words(text))


def _number_token(match: re.Match[str]) -> Token:
    kind, spoken = _spoken_for(match.lastgroup or "number", match.group())
    return Token(kind, match.group(), match.start(), match.end(), spoken)


def _web_token(match: re.Match[str]) -> Token:
    """ "sam@northwind.com" is said "sam at northwind dot com"."""
    written = match.group()
    spoken = written.lower().replace("@", " at ").replace(".", " dot ").split()
    return Token("web", written, match.start(), match.end(), tuple(spoken))


def _numerals(text: str) -> list[Token]:
    """Numerals, and web or email addresses, in text order (words are found separately)."""
    numbers = [_number_token(match) for match in _NUMBER_TOKEN.finditer(text)]
    if "." in text and (".com" in text or "@" in text or "www." in text or _TLD.search(text)):
        web = [_web_token(match) for match in _WEB.finditer(text)]
        if web:
            covered = [(t.start, t.end) for t in web]
            numbers = [t for t in numbers if not any(s <= t.start < e for s, e in covered)] + web
            numbers.sort(key=lambda token: token.start)
    return numbers


def _blank_numerals(text: str, numbers: list[Token]) -> str:
    """``text`` with each numeral replaced by spaces (same length), so words can be found."""
    if not numbers:
        return text
    pieces, cursor = [], 0
    for token in numbers:
        pieces += [text[cursor : token.start], " " * (token.end - token.start)]
        cursor = token.end
    pieces.append(text[cursor:])
    return "".join(pieces)


def tokenise(text: str) -> list[Token]:
    """Words and numerals of ``text`` in order, each with its spoken form."""
    numbers = _numerals(text)
    plain = _blank_numerals(text.replace("’", "'"), numbers)
    words = [
        Token("word", m.group(), m.start(), m.end(), (m.group(),)) for m in _WORD.finditer(plain)
    ]
    return sorted(numbers + words, key=lambda token: token.start)


def is_valid_number(text: str, region: str) -> bool:
    """Whether ``text`` is a valid phone number (the quick check, no facts about the number)."""
    return _is_valid(re.sub(r"\D", "", text), text.strip(), region)


def _national_digits(digits: str) -> str:
    if len(digits) == 11 and digits.startswith("1"):
        return digits[1:]
    return digits


@functools.lru_cache(maxsize=4096)
def _is_valid(digits: str, written: str, region: str) -> bool:
    try:
        candidate = written if written.startswith("+") else digits
        return phonenumbers.is_valid_number(phonenumbers.parse(candidate, region))
    except phonenumbers.NumberParseException:
        return False


def _phones(text: str, word_text: str, numbers: list[Token], region: str) -> list[PhoneMention]:
    """Phone numbers written as numerals (tokens) and said as digit words, in text order."""
    mentions: list[PhoneMention] = []
    for token in numbers:
        if token.kind != "phone":
            continue
        digits = re.sub(r"\D", "", token.text)
        national = digits[1:] if token.text.startswith("+1") else digits
        if not token.text.startswith("+"):
            national = _national_digits(digits)
        mentions.append(
            PhoneMention(
                token.text,
                token.start,
                token.end,
                national,
                False,
                _is_valid(digits, token.text, region),
            )
        )
    for match in _SPOKEN_NUMBER.finditer(word_text):
        digits = "".join(p.DIGIT_WORDS[w] for w in _DIGIT_SPLIT.split(match.group()) if w)
        national = _national_digits(digits)
        mentions.append(
            PhoneMention(
                text[match.start() : match.end()],
                match.start(),
                match.end(),
                national,
                True,
                _is_valid(national, "", region),
            )
        )
    mentions.sort(key=lambda m: m.start)
    return mentions


def _sentences(text: str, tokens: list[Token]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    token_index = 0
    start = 0
    for match in _BOUNDARY.finditer(text):
        position = match.start()
        while token_index < len(tokens) and tokens[token_index].end <= position:
            token_index += 1
        if token_index < len(tokens) and tokens[token_index].start < position:
            # Punctuation inside a token such as "206.555.0148" or "a.m." is no sentence end,
            # unless it is the token's last dot and a capital starts the next sentence.
            ends_token = tokens[token_index].end == position + 1 and text[position] == "."
            if not (ends_token and _NEXT_CAPITAL.match(text, position + 1)):
                continue
        if match.group() == "." and _ABBREVIATION.search(text, max(0, position - 4), position):
            continue
        end = match.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    trimmed = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        trimmed.append((s, e))
    return trimmed


def _word_index(lower: str, words: Iterable[str]) -> dict[str, list[int]]:
    """Start offsets of each of ``words`` in ``lower`` where it stands as a whole word."""
    index: dict[str, list[int]] = {}
    size = len(lower)
    for word in words:
        found = []
        position = lower.find(word)
        while position >= 0:
            end = position + len(word)
            if (position == 0 or not lower[position - 1].isalnum()) and (
                end == size or not lower[end].isalnum()
            ):
                found.append(position)
            position = lower.find(word, end)
        if found:
            index[word] = found
    return index


def _name_spans(lower: str, name: str | None) -> list[tuple[int, int]]:
    """Where ``name`` is said, as a whole word (case-insensitive, on the lowered text)."""
    if not name:
        return []
    needle = name.lower()
    spans = []
    position = lower.find(needle)
    while position >= 0:
        end = position + len(needle)
        before = lower[position - 1] if position else " "
        after = lower[end] if end < len(lower) else " "
        if not before.isalnum() and not after.isalnum():
            spans.append((position, end))
        position = lower.find(needle, end)
    return spans


def _detect_first_name(first_sentence: str) -> str | None:
    for pattern in (p.GREETING_NAME, p.NAME_FIRST):
        match = pattern.match(first_sentence)
        if match and match.group(1) not in p.NOT_NAMES:
            return match.group(1)
    return None


def _detect_rep_name(text: str) -> str | None:
    for match in p.REP_INTRO.finditer(text):
        name = match.group(1) or match.group(2) or match.group(3)
        if name and name not in p.NOT_NAMES:
            return name
    return None


def _detect_business(text: str) -> str | None:
    for match in p.COMPANY_INTRO.finditer(text):
        name = match.group(1).rstrip(".")
        if name.split()[0] not in p.NOT_NAMES:
            return name
    return None


# (part, match key, lexicon): each runs once per script; its matches are kept in
# ``Analysis.matches`` under the key so rules reuse them instead of searching again.
_PART_LEXICONS: tuple[tuple[str, str, p.Lexicon], ...] = (
    ("reason", "reason", p.REASON),
    *(("call_to_action", f"cta:{kind}", lexicon) for kind, lexicon in p.CTA_KINDS.items()),
    ("call_to_action", "call_again", p.CALL_AGAIN),
    ("sign_off", "sign_off", p.SIGN_OFF),
)
_LABEL_PRIORITY = (
    "repeat_number",
    "contact",
    "call_to_action",
    "greeting",
    "reason",
    "context",
    "sign_off",
)


def _label_sentences(
    text: str,
    lower: str,
    word_index: Mapping[str, list[int]],
    sentences: list[Sentence],
    first_name: str | None,
    numbers: list[Token],
) -> dict[str, list[re.Match[str]]]:
    """Give each sentence its parts and main label; each lexicon runs once over the script.

    Returns the lexicon matches by key (see ``_PART_LEXICONS``)."""
    matches: dict[str, list[re.Match[str]]] = {key: [] for _, key, _ in _PART_LEXICONS}
    if not sentences:
        return matches
    starts = [s.start for s in sentences]
    parts: list[set[str]] = [set() for _ in sentences]
    for part, key, lexicon in _PART_LEXICONS:
        hits = list(lexicon.finditer(lower, word_index))
        matches[key] = hits
        for match in hits:
            parts[bisect.bisect_right(starts, match.start()) - 1].add(part)
    for token in numbers:  # a concrete result ("15%", "$40,000") is a reason to listen
        if token.kind in {"percent", "money"}:
            parts[bisect.bisect_right(starts, token.start) - 1].add("reason")
    if p.REP_AT_START.match(text):
        parts[0].add("context")
    for match in p.REP_AT.finditer(text):  # the match starts at the previous clause's comma
        parts[bisect.bisect_right(starts, match.end() - 1) - 1].add("context")
    for match in p.IDENTITY.finditer(lower, word_index):
        if not match.group().endswith(" ") or text[match.end() : match.end() + 1].isupper():
            parts[bisect.bisect_right(starts, match.start()) - 1].add("context")
    for position in word_index.get("here", ()):
        if p.NAME_BEFORE.search(text, max(0, position - 24), position):
            parts[bisect.bisect_right(starts, position) - 1].add("context")
    first = sentences[0]
    if p.GREETING.match(first.lower) or (
        first_name and first.lower.lstrip(" ,.!").startswith(first_name.lower())
    ):
        parts[0].add("greeting")
    seen_digits: set[str] = set()
    for sentence, found in zip(sentences, parts, strict=True):
        for phone in sentence.phones:
            found.add("repeat_number" if phone.digits in seen_digits else "contact")
            seen_digits.add(phone.digits)
        sentence.parts = frozenset(found)
        sentence.label = next((label for label in _LABEL_PRIORITY if label in found), "other")
        # A short thank-you-and-goodbye is a sign-off whatever else matched weakly in it.
        if "sign_off" in found and sentence.words <= 6 and not sentence.phones:
            sentence.label = "sign_off"
    return matches


@functools.lru_cache(maxsize=1)
def _default_config() -> LintConfig:
    return LintConfig()


def analyse(
    text: str, config: LintConfig | None = None, fields: Mapping[str, str] | None = None
) -> Analysis:
    """Analyse a rendered script once; ``fields`` are the merge values it was rendered with."""
    config = config or _default_config()
    merged = {**config.fields, **(fields or {})}
    lower = p.lowered(text)
    numbers = _numerals(text)
    # The lowered text with numerals blanked out: words are counted and matched on it.
    word_text = _blank_numerals(lower, numbers)
    phones = _phones(text, word_text, numbers, config.region)
    sentences: list[Sentence] = []
    number_index = 0
    phone_index = 0
    total_plain = 0
    total_digits = 0
    phone_pauses = 0
    all_words: list[str] = []
    for index, (start, end) in enumerate(_sentences(text, numbers)):
        sentence_words = _WORD.findall(word_text, start, end)
        all_words.extend(sentence_words)
        words = len(sentence_words)
        total_plain += words
        while number_index < len(numbers) and numbers[number_index].start < end:
            token = numbers[number_index]
            if token.start >= start:
                if token.kind == "phone":
                    total_digits += len(token.spoken)
                    phone_pauses += 2
                else:
                    total_plain += len(token.spoken)
                words += len(token.spoken)
            number_index += 1
        in_sentence = []
        while phone_index < len(phones) and phones[phone_index].start < end:
            if phones[phone_index].start >= start:
                in_sentence.append(phones[phone_index])
            phone_index += 1
        sentences.append(
            Sentence(
                index,
                start,
                end,
                text[start:end],
                lower[start:end],
                words,
                "other",
                frozenset(),
                tuple(in_sentence),
            )
        )
    # Spoken-digit numbers were counted as plain words above; weigh them as digits instead.
    for phone in phones:
        if phone.spoken_digits:
            total_plain -= len(phone.digits)
            total_digits += len(phone.digits)
            phone_pauses += 2
    first_name = merged.get("first_name") or (
        _detect_first_name(sentences[0].text) if sentences else None
    )
    word_index = _word_index(word_text, p.FIRST_WORDS.intersection(all_words))
    for token in numbers:
        word_index.setdefault(token.text.lower(), []).append(token.start)
    matches = _label_sentences(text, lower, word_index, sentences, first_name, numbers)
    duration = _spoken.estimate_seconds(
        total_plain,
        total_digits,
        phone_pauses,
        max(len(sentences) - 1, 0),
        config.words_per_minute,
    )
    return Analysis(
        text=text,
        lower=lower,
        config=config,
        tokens=numbers,
        sentences=sentences,
        phones=phones,
        spoken_words=total_plain + total_digits,
        duration_s=round(duration, 2),
        first_name=first_name,
        first_name_spans=_name_spans(lower, first_name),
        rep_name=merged.get("rep_name") or _detect_rep_name(text),
        business_name=config.business_name
        or merged.get("business_name")
        or merged.get("rep_company")
        or _detect_business(text),
        fields=merged,
        word_index=word_index,
        matches=matches,
    )
