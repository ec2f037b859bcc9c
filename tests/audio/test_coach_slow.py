"""Slow tests of the recording coach with the real speech model and Piper-synthesised takes.

The accuracy test scores every property on the 40 takes of seed 2; the thresholds were set by
looking at seed 1 only. Takes are built once and cached in the git-ignored ``corpora/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from afterbeep.audio._coach_bench import BENCH_SCRIPT, bench_take
from afterbeep.audio._coach_takes import PROPERTIES, evaluate_takes, iter_wrong
from afterbeep.audio.coach import coach_take

pytestmark = pytest.mark.slow

FOLDER = Path(__file__).resolve().parents[2] / "corpora" / "coach-takes"


def test_real_model_hears_name_number_twice_and_the_ask() -> None:
    report = coach_take(bench_take(FOLDER), script=BENCH_SCRIPT, fields={"first_name": "Dana"})
    assert len(report.number_mentions) == 2
    assert len(report.first_name_times) >= 1
    assert report.call_to_action
    # The bench take is Piper at length_scale 1.3: about 150 words per minute.
    assert report.words_per_minute is not None
    assert 120 <= report.words_per_minute <= 175
    assert report.script_wer is not None
    assert report.script_wer < 0.25
    assert report.verdict_of("clipping") == "ok"
    assert report.verdict_of("noise") == "ok"


def test_every_property_is_right_on_at_least_90_percent_of_held_out_takes() -> None:
    evaluation = evaluate_takes(FOLDER, seed=2, count=40)
    wrong = list(iter_wrong(evaluation))
    for prop in PROPERTIES:
        assert evaluation.accuracy[prop] >= 0.9, (prop, [w for w in wrong if w[1] == prop])
