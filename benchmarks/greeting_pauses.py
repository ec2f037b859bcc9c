"""Pauses inside machine greetings: how long a recorded greeting goes quiet between phrases.

Run: ``.venv/bin/python benchmarks/greeting_pauses.py CORPUS [CORPUS ...]``. Prints, per corpus,
the distribution of quiet stretches of at least 250 ms between a greeting's first speech and
its labelled end, and of each greeting's first such pause (the one a pause-timed human decision
sees). Asserts nothing.

A pause of more than ``human_silence_ms`` (950 ms) after a greeting's first sentence is what
makes a pause-timed detector take a machine for a person, so this is how the corpus builder's
sentence pauses were checked against recorded greetings (see ``sentence_pause_ms``).

Speech is a 10 ms frame louder than both 12 dB over the greeting's quiet (10th percentile)
and 35 dB under its loud (99th percentile): a rough reading, meant for clean or mildly noisy
recordings. On noisy synthetic calls, noise in a pause shortens or hides it.
"""

from __future__ import annotations

import argparse

import numpy as np

from afterbeep.detect.corpus import load_corpus
from afterbeep.detect.run import read_call

FRAME_MS = 10
MIN_PAUSE_MS = 250


def greeting_pauses(samples: np.ndarray, sample_rate: int, end_ms: int) -> list[int]:
    """Quiet stretches of at least MIN_PAUSE_MS (ms) from the first speech to ``end_ms``."""
    hop = sample_rate * FRAME_MS // 1000
    count = min(len(samples) // hop, end_ms // FRAME_MS)
    if count < 10:
        return []
    frames = samples[: count * hop].astype(np.float64).reshape(count, hop) / 32768.0
    level = 10.0 * np.log10((frames**2).mean(axis=1) + 1e-10)
    threshold = max(np.percentile(level, 10) + 12.0, np.percentile(level, 99) - 35.0)
    speech = np.flatnonzero(level > threshold)
    if speech.size < 2:
        return []
    gaps = np.diff(speech) - 1
    return [int(gap) * FRAME_MS for gap in gaps if gap * FRAME_MS >= MIN_PAUSE_MS]


def _summary(values: list[int]) -> str:
    if not values:
        return "none"
    array = np.array(values)
    p50, p90, p99 = np.percentile(array, [50, 90, 99])
    return (
        f"{array.size} pauses: p50 {p50:.0f}, p90 {p90:.0f}, p99 {p99:.0f}, max {array.max()} ms;"
        f" over 950 ms: {(array > 950).sum()} ({(array > 950).mean():.1%})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpora", nargs="+")
    args = parser.parse_args()
    for directory in args.corpora:
        corpus = load_corpus(directory)
        every: list[int] = []
        first: list[int] = []
        greetings = 0
        for call in corpus.calls:
            if call.answered_by != "machine" or call.greeting_end_ms is None:
                continue
            greetings += 1
            samples, rate = read_call(corpus.root / call.audio)
            pauses = greeting_pauses(samples, rate, call.greeting_end_ms)
            every.extend(pauses)
            first.extend(pauses[:1])
        print(f"{directory}: {greetings} machine greetings")
        print(f"  every pause: {_summary(every)}")
        print(f"  first pause: {_summary(first)}")


if __name__ == "__main__":
    main()
