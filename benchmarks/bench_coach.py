"""Recording coach: seconds to analyse a 30 s take (ASR included), and per-property accuracy.

Run: ``.venv/bin/python benchmarks/bench_coach.py [--accuracy] [SEED]``; the same code runs as
``afterbeep bench coach``. Target: at most 3 s for a 30 s take on a 2-core machine; at least
90 % accuracy per property on the synthesised takes of seed 2 (thresholds were set on seed 1).
Takes are cached under ``corpora/coach-takes/``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from afterbeep.audio._coach_bench import bench_coach
from afterbeep.audio._coach_takes import evaluate_takes, iter_wrong

FOLDER = Path("corpora/coach-takes")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    result = bench_coach(FOLDER).to_dict()
    print(json.dumps(result))
    print(
        f"30 s take: median {result['median_s']:.2f} s, worst {result['worst_s']:.2f} s "
        f"(load average {os.getloadavg()[0]:.2f} on {result['cpus']} CPUs)"
    )
    if "--accuracy" in sys.argv:
        seed = int(args[0]) if args else 2
        evaluation = evaluate_takes(FOLDER, seed=seed, count=40, progress=print)
        for prop, value in evaluation.accuracy.items():
            print(f"{prop:16s} {value:6.1%}")
        for take, prop, truth, answer in iter_wrong(evaluation):
            print(f"wrong: {take} {prop}: truth {truth}, coach {answer}")


if __name__ == "__main__":
    main()
