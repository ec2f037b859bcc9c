"""The coach's word-level measurements: pace, sentences, fillers, phone numbers, names, script.

Owns what comes from the timed transcript: sentences and their pace, filler words, digit runs
and which of them are the callback number (fuzzy, by edit distance on digit strings, because
Whisper garbles digits), first-name mentions, and the alignment of what was said with the
rendered script (word error rate, skipped and added phrases). Numbers are put into words with
``afterbeep.scripts.spoken_words`` so "555-0142" and "five five five ..." compare alike. Must not
touch audio nor decide verdicts (see ``coach``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from afterbeep.audio._coach_asr import Word
from afterbeep.scripts import DIGIT_WORDS, spoken_words

_DIGIT_WORDS = DIGIT_WORDS
# Tens words inside a spoken number ("five fifty-five"): tens digit, and a units digit follows
# or not ("fifty" alone is "50").
_TENS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
_TEENS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
_HOMOPHONES = {"for": "4", "four": "4", "to": "2", "too": "2", "won": "1", "ate": "8"}
_CLEAN = re.compile(r"[^\w'-]+")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*$")
# Hesitation sounds Whisper may write (with the filler prompt) and the phrase fillers that are
# fillers only when set off by commas ("like," / ", you know,").
_HESITATIONS = frozenset({"um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "mm", "eh"})


def plain(text: str) -> str:
    """A word lowercased without punctuation."""
    return _CLEAN.sub("", text.lower()).strip("-'")


@dataclass(frozen=True, slots=True)
class SpokenSentence:
    """A sentence of the transcript: its words, time span and pace."""

    text: str
    start_s: float
    end_s: float
    words: int

    @property
    def words_per_minute(self) -> float:
        span = self.end_s - self.start_s
        return 60.0 * self.words / span if span > 0 else 0.0


def spoken_count(word: Word) -> int:
    """How many words a recognised word is when said: "555-0142" is seven digits."""
    digits = sum(ch.isdigit() for ch in word.text)
    return digits if digits else 1


def sentences(words: Sequence[Word]) -> list[SpokenSentence]:
    """The transcript cut at sentence punctuation (Whisper's), with spoken word counts."""
    result: list[SpokenSentence] = []
    current: list[Word] = []
    for word in words:
        current.append(word)
        if _SENTENCE_END.search(word.text):
            result.append(_sentence(current))
            current = []
    if current:
        result.append(_sentence(current))
    return result


def _sentence(words: list[Word]) -> SpokenSentence:
    return SpokenSentence(
        " ".join(w.text for w in words),
        words[0].start_s,
        words[-1].end_s,
        sum(spoken_count(w) for w in words),
    )


@dataclass(frozen=True, slots=True)
class Filler:
    text: str
    at_s: float


def fillers(words: Sequence[Word]) -> list[Filler]:
    """Hesitations ("um", "uh") and comma-set "like" / "you know" fillers, with times."""
    found: list[Filler] = []
    for index, word in enumerate(words):
        token = plain(word.text)
        before = words[index - 1].text if index else "."
        if token in _HESITATIONS:
            found.append(Filler(token, word.start_s))
        elif token == "like" and (word.text.endswith(",") or before.endswith(",")):
            # "teams like yours" is a comparison; "like, in half the time" is a filler.
            after_comma = word.text.endswith(",")
            if after_comma or index + 1 == len(words) or words[index + 1].text[:1].islower():
                found.append(Filler("like", word.start_s))
        elif (
            token == "know"
            and index
            and plain(before) == "you"
            and word.text.endswith((",", ".", "?"))
            and (index < 2 or words[index - 2].text.endswith((",", ".")))
        ):
            found.append(Filler("you know", words[index - 1].start_s))
    return found


@dataclass(frozen=True, slots=True)
class DigitRun:
    """Consecutive number words/numerals in the transcript, as one digit string."""

    digits: str
    start_s: float
    end_s: float
    text: str
    first_word: int = 0
    last_word: int = 0

    @property
    def digits_per_second(self) -> float:
        span = self.end_s - self.start_s
        return len(self.digits) / span if span > 0 else float("inf")


def _word_digits(token: str) -> str | None:
    """Digits a single recognised word stands for, or None when it is not a number word."""
    if re.fullmatch(r"[-+(]?\d[\d().,-]*", token):
        return re.sub(r"\D", "", token)
    word = plain(token)
    if word in _DIGIT_WORDS:
        return _DIGIT_WORDS[word]
    if word in _TEENS:
        return _TEENS[word]
    if word in _TENS:
        return _TENS[word] + "0"
    parts = word.split("-")
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _DIGIT_WORDS:
        return _TENS[parts[0]] + _DIGIT_WORDS[parts[1]]
    if word == "hundred":
        return "00"
    if word == "double":
        return ""
    return None


def digit_runs(words: Sequence[Word], *, min_digits: int = 4) -> list[DigitRun]:
    """Runs of number words ("five five five", "555-0142", "550-142") of ``min_digits``+ digits.

    Punctuation between groups does not break a run; a non-number word does, except "that's"
    and "is" just before a run are not part of it. "oh" counts as zero only inside a run.
    """
    runs: list[DigitRun] = []
    current: list[tuple[Word, str]] = []

    def close(index: int) -> None:
        digits = "".join(d for _w, d in current)
        if len(digits) >= min_digits:
            runs.append(
                DigitRun(
                    digits,
                    current[0][0].start_s,
                    current[-1][0].end_s,
                    " ".join(w.text for w, _d in current),
                    index - len(current),
                    index - 1,
                )
            )
        current.clear()

    for index, word in enumerate(words):
        digits = _word_digits(word.text)
        if digits is not None and plain(word.text) in {"oh", "o"} and not current:
            digits = None
        if digits is None and current and index + 1 < len(words):
            # "555-304. For 3-2-1-8": a digit's homophone between two number words is the digit.
            homophone = _HOMOPHONES.get(plain(word.text))
            if homophone and _word_digits(words[index + 1].text):
                digits = homophone
        if digits is None:
            close(index)
        else:
            current.append((word, digits))
    close(len(words))
    return runs


def phone_digits_of(text: str) -> list[str]:
    """Phone-number digit strings (7+ digits) written or spoken in a script's text."""
    spoken = spoken_words(text)
    fake = [Word(w, float(i), float(i) + 0.5) for i, w in enumerate(spoken)]
    return [run.digits for run in digit_runs(fake, min_digits=7)]


def national(digits: str) -> str:
    """``digits`` without a leading US country code."""
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def number_distance(said: str, expected: str) -> int:
    """Digit edit distance of a said run to the expected number (or its last 7 digits)."""
    said, expected = national(said), national(expected)
    best = Levenshtein.distance(said, expected)
    if len(expected) > 7:
        # The local number alone, or a mention cut short after the first seven digits.
        best = min(
            best,
            Levenshtein.distance(said, expected[-7:]),
            Levenshtein.distance(said, expected[:7]),
        )
    return best


def number_mentions(
    runs: Sequence[DigitRun], expected: str | None, *, max_distance: int = 3
) -> list[DigitRun]:
    """The runs that are the callback number.

    With an expected number: runs within ``max_distance`` digit edits of it (or of its last
    seven digits). Without one: runs of 7+ digits within that distance of the longest run.
    Two adjacent runs that only together make the number ("555-338- or 175": a word Whisper
    inserted splits it) are joined first, so pass runs of any length (``min_digits=1``).
    """
    joined = _join_adjacent(runs)
    if expected is None:
        candidates = [r for r in joined if len(r.digits) >= 7]
        if not candidates:
            return []
        expected = max(candidates, key=lambda r: len(r.digits)).digits
    limit = min(max_distance, max(1, len(national(expected)) // 3))
    return [
        r for r in joined if len(r.digits) >= 6 and number_distance(r.digits, expected) <= limit
    ]


def _join_adjacent(runs: Sequence[DigitRun]) -> list[DigitRun]:
    result: list[DigitRun] = []
    for run in runs:
        if result and run.start_s - result[-1].end_s < 1.0 and len(result[-1].digits) < 7:
            last = result.pop()
            run = DigitRun(
                last.digits + run.digits,
                last.start_s,
                run.end_s,
                f"{last.text} {run.text}",
                last.first_word,
                run.last_word,
            )
        result.append(run)
    return result


def name_mentions(words: Sequence[Word], name: str) -> list[float]:
    """Start times of the words that are ``name`` (one edit allowed for names of 4+ letters)."""
    target = plain(name)
    if not target:
        return []
    allowed = 1 if len(target) >= 4 else 0
    times = []
    for word in words:
        token = plain(word.text)
        if token.endswith("'s"):
            token = token[:-2]
        if token and Levenshtein.distance(token, target) <= allowed:
            times.append(word.start_s)
    return times


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words of the script skipped or words added, and when (seconds into the take)."""

    kind: str  # "skipped" | "added" | "changed"
    text: str
    said: str
    at_s: float


@dataclass(frozen=True, slots=True)
class ScriptMatch:
    wer: float
    phrases: tuple[Phrase, ...]


def compare_with_script(words: Sequence[Word], script: str) -> ScriptMatch:
    """Word error rate of the transcript against ``script`` and the phrases that differ.

    Both sides are put into spoken words (numbers as said), lowercased, without punctuation;
    hesitations are left out of the transcript side (the filler check counts them).
    """
    import jiwer

    reference = [_DIGIT_WORDS.get(plain(w), plain(w)) for w in spoken_words(script)]
    reference = [w for w in reference if w]
    # Numerals of a phone number are said digit by digit; other numerals as numbers.
    in_phone: set[int] = set()
    for run in digit_runs(words, min_digits=7):
        in_phone.update(range(run.first_word, run.last_word + 1))
    hypothesis: list[str] = []
    times: list[float] = []
    for index, word in enumerate(words):
        digits = _word_digits(word.text) if index in in_phone else None
        tokens = list(digits) if digits else spoken_words(word.text)
        for token in tokens:
            cleaned = plain(token)
            cleaned = _DIGIT_WORDS.get(cleaned, cleaned)
            if cleaned and cleaned not in _HESITATIONS:
                hypothesis.append(cleaned)
                times.append(word.start_s)
    if not reference:
        return ScriptMatch(0.0, ())
    if not hypothesis:
        return ScriptMatch(1.0, (Phrase("skipped", " ".join(reference), "", 0.0),))
    output = jiwer.process_words(" ".join(reference), " ".join(hypothesis))
    phrases: list[Phrase] = []
    for chunk in output.alignments[0]:
        ref = reference[chunk.ref_start_idx : chunk.ref_end_idx]
        hyp = hypothesis[chunk.hyp_start_idx : chunk.hyp_end_idx]
        at = times[min(chunk.hyp_start_idx, len(times) - 1)]
        if chunk.type == "delete":
            phrases.append(Phrase("skipped", " ".join(ref), "", at))
        elif chunk.type == "insert":
            phrases.append(Phrase("added", "", " ".join(hyp), at))
        elif chunk.type == "substitute" and len(ref) >= 2:
            phrases.append(Phrase("changed", " ".join(ref), " ".join(hyp), at))
    return ScriptMatch(float(output.wer), tuple(phrases))


__all__ = [
    "DigitRun",
    "Filler",
    "Phrase",
    "ScriptMatch",
    "SpokenSentence",
    "compare_with_script",
    "digit_runs",
    "fillers",
    "name_mentions",
    "number_mentions",
    "phone_digits_of",
    "plain",
    "sentences",
    "spoken_count",
]
