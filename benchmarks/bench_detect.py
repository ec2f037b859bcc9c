"""Detector throughput: real-time streams per CPU core, with and without speech recognition.

Run: ``.venv/bin/python benchmarks/bench_detect.py [--streams N] [--seconds S] [--asr]``
(the same as ``afterbeep bench detect``). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse

from afterbeep.detect.bench import bench_detect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--asr", action="store_true")
    args = parser.parse_args()
    result = bench_detect(streams=args.streams, seconds=args.seconds, asr=args.asr)
    print(f"streams={result.streams} audio_s={result.audio_seconds} cpu={result.pinned_cpu}")
    print(
        f"bank: {result.bank_frames_per_s:,.0f} frames/s, {result.bank_us_per_frame:.2f} us/frame,"
        f" {result.bank_streams_per_core:,.0f} real-time streams/core"
    )
    print(
        f"single: {result.single_us_per_frame:.2f} us/frame,"
        f" {result.single_streams_per_core:,.0f} real-time streams/core"
    )
    if result.asr_us_per_frame is not None:
        print(
            f"single+asr: {result.asr_us_per_frame:.2f} us/frame,"
            f" {result.asr_streams_per_core:,.1f} real-time streams/core,"
            f" {result.asr_share_transcribed:.0%} of audio transcribed"
        )


if __name__ == "__main__":
    main()
