"""Spoken duration and numbers said as people say them; expected values worked out by hand.

Model (docs/lint.md): words at 150 wpm = 0.4 s each; a phone digit weighs 1.25 words (0.5 s)
plus 0.3 s between its three groups; 0.4 s pause at each sentence end but the last.
"""

from __future__ import annotations

import pytest

from afterbeep.scripts import estimate_duration, spoken_words


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("$1,200", "twelve hundred dollars"),
        ("$1,250", "one thousand two hundred fifty dollars"),
        ("$15,000", "fifteen thousand dollars"),
        ("$1", "one dollar"),
        ("$49.99", "forty-nine ninety-nine"),
        ("$5k", "five thousand dollars"),
        ("$2.5 million", "two point five million dollars"),
        ("2:30", "two thirty"),
        ("2:05", "two oh five"),
        ("3:00", "three o'clock"),
        ("10 a.m.", "ten am"),
        ("2:30pm", "two thirty pm"),
        ("15%", "fifteen percent"),
        ("1st", "first"),
        ("22nd", "twenty-second"),
        ("3rd", "third"),
        ("2024", "twenty twenty-four"),
        ("2005", "two thousand five"),
        ("1999", "nineteen ninety-nine"),
        ("206-555-0148", "two oh six five five five oh one four eight"),
        ("40", "forty"),
        ("northwind.com", "northwind dot com"),
        ("sam@northwind.com", "sam at northwind dot com"),
        ("101", "one hundred one"),
    ],
)
def test_numbers_are_said_as_people_say_them(written: str, said: str) -> None:
    assert " ".join(spoken_words(written)) == said


def test_plain_words_take_point_four_seconds_each_at_150_wpm() -> None:
    assert estimate_duration("Hi Dana.") == pytest.approx(0.8)  # 2 words, no pause after the end


def test_words_per_minute_is_configurable() -> None:
    assert estimate_duration("Hi Dana.", words_per_minute=120) == pytest.approx(1.0)


def test_sentence_ends_add_a_pause() -> None:
    # "see you at two thirty" (5) + "thanks" (1) = 6 words = 2.4 s, one pause between = 0.4 s
    assert estimate_duration("See you at 2:30. Thanks.") == pytest.approx(2.8)


def test_money_is_counted_as_spoken_words() -> None:
    # "it costs twelve hundred dollars": 5 words
    assert estimate_duration("It costs $1,200.") == pytest.approx(2.0)


def test_a_phone_number_is_ten_slow_digits() -> None:
    # "call" 0.4 s + 10 digits x 0.5 s + 2 group pauses x 0.3 s = 6.0 s
    assert estimate_duration("Call 206-555-0148.") == pytest.approx(6.0)


def test_a_number_in_digit_words_lasts_as_long_as_the_numerals() -> None:
    spoken = "Call two oh six, five five five, oh one four eight."
    assert estimate_duration(spoken) == pytest.approx(estimate_duration("Call 206-555-0148."))


def test_an_abbreviation_or_a_time_does_not_end_a_sentence() -> None:
    # one sentence: "meet mister smith at ten am tomorrow" = 7 words; no pause
    assert estimate_duration("Meet Mr. Smith at 10 a.m. tomorrow") == pytest.approx(7 * 0.4)


def test_a_web_address_is_said_with_dots() -> None:
    # "visit northwind dot com": 4 words; its dot is no sentence end
    assert estimate_duration("Visit northwind.com.") == pytest.approx(1.6)
