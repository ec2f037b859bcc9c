"""Throughput benchmark of the streaming detector: real-time streams per CPU core.

Owns ``bench_detect``: it plays synthetic calls (a noisy line, speech-like syllables, beeps;
made here, no files) through a ``DetectorBank`` of N streams ticked together, as a media
server would, and through a single ``Detector``, and reports frames per second, the cost of
one 20 ms frame of one stream and how many streams one core sustains in real time (20 ms of
budget per frame). With ASR it also runs whole calls through a single detector with the real
Whisper model, so greeting transcription is counted at its natural share of the audio.
Pins itself to one core where the OS allows and counts CPU time of this process (not wall
time), so other programs on a shared machine do not inflate the figures; with ASR the model's
threads share the pinned core and their CPU time is counted too. Must not print (the CLI and
benchmarks/ do).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from afterbeep.detect._features import FRAME_MS
from afterbeep.detect.detector import Detector, DetectorBank, DetectorSettings

_RATE = 8000


@dataclass(frozen=True, slots=True)
class BenchResult:
    """Figures of one benchmark run (per-frame costs are per stream, in microseconds)."""

    streams: int
    audio_seconds: float
    pinned_cpu: int | None
    bank_frames_per_s: float
    bank_us_per_frame: float
    bank_streams_per_core: float
    single_us_per_frame: float
    single_streams_per_core: float
    asr_us_per_frame: float | None = None
    asr_streams_per_core: float | None = None
    asr_share_transcribed: float | None = None


def _pin_to_one_core() -> int | None:
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpus[0]})
    return cpus[0]


def _syllables(ms: float, rng: np.random.Generator) -> NDArray[np.float64]:
    parts = []
    total = 0
    target = int(ms * _RATE / 1000)
    while total < target:
        n = int(rng.uniform(0.12, 0.28) * _RATE)
        t = np.arange(n) / _RATE
        f0 = rng.uniform(95, 230)
        voiced = sum(np.sin(2 * np.pi * f0 * h * t) / h for h in range(1, 12))
        syllable = (voiced + 0.3 * rng.standard_normal(n)) * np.hanning(n) ** 0.5
        gap = np.zeros(int(rng.uniform(0.02, 0.09) * _RATE))
        parts += [syllable, gap]
        total += n + gap.size
    signal = np.concatenate(parts)[:target]
    return signal * (3000.0 / (np.sqrt(np.mean(signal**2)) or 1.0))


def synthetic_calls(count: int = 8, seed: int = 0) -> list[NDArray[np.int16]]:
    """Calls for the benchmark: alternately a machine (greeting 4-8 s, beep, quiet) and a
    human ("hello" 0.4-1.2 s, then quiet), 9-12 s each, on a -50 dBFS noisy line."""
    rng = np.random.default_rng(seed)
    calls = []
    for index in range(count):
        pieces = [np.zeros(int(rng.uniform(0.2, 1.5) * _RATE))]
        if index % 2 == 0:
            pieces.append(_syllables(rng.uniform(4000, 8000), rng))
            pieces.append(np.zeros(int(0.4 * _RATE)))
            t = np.arange(int(0.3 * _RATE)) / _RATE
            pieces.append(5000 * np.sin(2 * np.pi * rng.choice([440, 850, 1000, 1400]) * t))
        else:
            pieces.append(_syllables(rng.uniform(400, 1200), rng))
        signal = np.concatenate(pieces)
        length = int(rng.uniform(9, 12) * _RATE)
        signal = np.concatenate([signal, np.zeros(max(0, length - signal.size))])
        signal = signal + rng.standard_normal(signal.size) * 104  # about -50 dBFS
        calls.append(np.clip(signal, -32768, 32767).astype(np.int16))
    return calls


def _frames(call: NDArray[np.int16]) -> NDArray[np.int16]:
    size = _RATE * FRAME_MS // 1000
    return call[: call.size // size * size].reshape(-1, size)


def bench_detect(
    *, streams: int = 1000, seconds: float = 10.0, asr: bool = False, pin: bool = True
) -> BenchResult:
    """Measure the detector without ASR (bank of ``streams`` and single) and, with ``asr``,
    a single detector transcribing greetings with the real model."""
    pinned = _pin_to_one_core() if pin else None
    calls = [_frames(call) for call in synthetic_calls()]
    no_asr = DetectorSettings(asr=False)

    # Bank: stream i plays call i % len(calls), started at a staggered frame, and a new call
    # starts on its slot when one ends, so every tick mixes greetings, beeps and silences.
    bank = DetectorBank(n_streams=streams, sample_rate=_RATE, settings=no_asr)
    position = [(i * 37) % len(calls[i % len(calls)]) for i in range(streams)]
    which = [i % len(calls) for i in range(streams)]
    ticks = int(seconds * 1000 / FRAME_MS)
    tick = np.empty((streams, calls[0].shape[1]), dtype=np.int16)
    spent = 0.0
    for _ in range(ticks):
        for i in range(streams):
            frames = calls[which[i]]
            if position[i] >= len(frames):
                position[i] = 0
                which[i] = (which[i] + 1) % len(calls)
                bank.reset(i)
                frames = calls[which[i]]
            tick[i] = frames[position[i]]
            position[i] += 1
        began = time.process_time()
        bank.feed(tick)
        spent += time.process_time() - began
    bank_us = spent / (ticks * streams) * 1e6

    # Single detector over every call in turn (what one unbatched call costs).
    single_frames = 0
    began = time.process_time()
    for frames in calls:
        detector = Detector(sample_rate=_RATE, settings=no_asr)
        for frame in frames:
            detector.feed(frame)
        detector.finish()
        single_frames += len(frames)
    single_us = (time.process_time() - began) / single_frames * 1e6

    asr_us = asr_streams = share = None
    if asr:
        with_asr = DetectorSettings(asr=True, asr_threaded=False)  # its CPU, in this thread
        Detector(sample_rate=_RATE, settings=with_asr)  # load the model outside the timing
        from afterbeep.detect._asr import shared_whisper_model

        shared_whisper_model(with_asr.asr_model_path)
        transcribed_ms = 0
        total_frames = 0
        began = time.process_time()
        for frames in calls:
            detector = Detector(sample_rate=_RATE, settings=with_asr)
            for frame in frames:
                detector.feed(frame)
            detector.finish()
            transcribed_ms += detector.transcribed_ms
            total_frames += len(frames)
        asr_us = (time.process_time() - began) / total_frames * 1e6
        asr_streams = FRAME_MS * 1000 / asr_us
        share = transcribed_ms / (total_frames * FRAME_MS)

    return BenchResult(
        streams=streams,
        audio_seconds=ticks * FRAME_MS / 1000,
        pinned_cpu=pinned,
        bank_frames_per_s=1e6 / bank_us,
        bank_us_per_frame=bank_us,
        bank_streams_per_core=FRAME_MS * 1000 / bank_us,
        single_us_per_frame=single_us,
        single_streams_per_core=FRAME_MS * 1000 / single_us,
        asr_us_per_frame=asr_us,
        asr_streams_per_core=asr_streams,
        asr_share_transcribed=share,
    )


__all__ = ["BenchResult", "bench_detect", "synthetic_calls"]
