"""How a script sounds when said aloud: numbers in spoken words, and how long it takes.

Owns the number-to-words rules (money, clock times, percentages, ordinals, years, phone
numbers digit by digit) and the duration model. It works on tokens that ``_analysis`` has
already found; it must not tokenise text itself, nor know about rules or findings.
"""

from __future__ import annotations

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"))
_ORDINAL_WORDS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}

# Seconds added at each sentence end, and between the digit groups of a phone number; a digit
# of a phone number counts as this many ordinary words, because good reps say numbers slowly.
SENTENCE_PAUSE_S = 0.4
PHONE_GROUP_PAUSE_S = 0.3
PHONE_DIGIT_WEIGHT = 1.25


def _below_thousand(n: int) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        tens, ones = divmod(rest, 10)
        words.append(_TENS[tens] + (f"-{_ONES[ones]}" if ones else ""))
    elif rest or not words:
        words.append(_ONES[rest])
    return words


def cardinal_words(n: int) -> list[str]:
    """``1200`` -> ``["twelve", "hundred"]``: the way people say an amount.

    Between 1,100 and 9,999 a round hundred is said in hundreds ("twelve hundred"), as people
    do; otherwise the usual thousands/millions form. Hyphenated tens count as one word.
    """
    if n < 0:
        return ["minus", *cardinal_words(-n)]
    if 1100 <= n <= 9999 and n % 100 == 0 and n % 1000:
        return [*_below_thousand(n // 100), "hundred"]
    if n < 1000:
        return _below_thousand(n)
    words: list[str] = []
    for value, name in _SCALES:
        if n >= value:
            count, n = divmod(n, value)
            words += [*cardinal_words(count), name]
    if n:
        words += _below_thousand(n)
    return words


def ordinal_words(n: int) -> list[str]:
    """``22`` -> ``["twenty-second"]``."""
    words = cardinal_words(n)
    last = words[-1]
    head, _, tail = last.rpartition("-")
    if tail in _ORDINAL_WORDS:
        tail = _ORDINAL_WORDS[tail]
    elif tail.endswith("y"):
        tail = tail[:-1] + "ieth"
    else:
        tail += "th"
    words[-1] = f"{head}-{tail}" if head else tail
    return words


def year_words(n: int) -> list[str]:
    """``2024`` -> twenty twenty-four; ``2005`` -> two thousand five; ``1900`` -> nineteen hundred."""
    if 2000 <= n <= 2009:
        return cardinal_words(n)
    high, low = divmod(n, 100)
    if low == 0:
        return [*cardinal_words(high), "hundred"]
    if low < 10:
        return [*cardinal_words(high), "oh", _ONES[low]]
    return [*cardinal_words(high), *cardinal_words(low)]


def decimal_words(text: str) -> list[str]:
    """``"2.5"`` -> two point five; ``"1,200"`` -> twelve hundred."""
    whole, _, fraction = text.replace(",", "").partition(".")
    words = cardinal_words(int(whole or "0"))
    if fraction:
        words += ["point", *(_ONES[int(d)] for d in fraction)]
    return words


def money_words(text: str) -> list[str]:
    """``"$1,200"`` -> twelve hundred dollars; ``"$49.99"`` -> forty-nine ninety-nine."""
    body = text.lstrip("$").strip()
    scale = ""
    lowered = body.lower()
    for suffix, name in (
        ("million", "million"),
        ("billion", "billion"),
        ("k", "thousand"),
        ("m", "million"),
        ("b", "billion"),
    ):
        if lowered.endswith(suffix):
            scale, body = name, body[: -len(suffix)].strip()
            break
    whole, _, cents = body.replace(",", "").partition(".")
    if scale:
        return [*decimal_words(body), scale, "dollars"]
    dollars = int(whole or "0")
    if cents and int(cents):
        return [*cardinal_words(dollars), *cardinal_words(int(cents.ljust(2, "0")[:2]))]
    return [*cardinal_words(dollars), "dollar" if dollars == 1 else "dollars"]


def clock_words(hours: int, minutes: int, meridiem: str) -> list[str]:
    """``2:30`` -> two thirty; ``2:05`` -> two oh five; ``2:00`` -> two o'clock; am/pm one word."""
    words = cardinal_words(hours)
    if minutes == 0:
        words.append("o'clock" if not meridiem else "")
    elif minutes < 10:
        words += ["oh", _ONES[minutes]]
    else:
        words += cardinal_words(minutes)
    if meridiem:
        words.append(meridiem)
    return [w for w in words if w]


def phone_words(digits: str) -> list[str]:
    """Each digit a word, zero said "oh" as people say it in phone numbers."""
    return ["oh" if d == "0" else _ONES[int(d)] for d in digits]


def estimate_seconds(
    plain_words: int,
    phone_digits: int,
    phone_groups: int,
    sentence_ends: int,
    words_per_minute: float,
) -> float:
    """Seconds to say a script: words at ``words_per_minute``, digits slower, plus pauses."""
    seconds_per_word = 60.0 / words_per_minute
    spoken = (plain_words + PHONE_DIGIT_WEIGHT * phone_digits) * seconds_per_word
    return spoken + SENTENCE_PAUSE_S * sentence_ends + PHONE_GROUP_PAUSE_S * phone_groups
