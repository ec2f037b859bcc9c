"""Lint throughput: typical ~80-word scripts per second on one core (single process).

Run: ``.venv/bin/python benchmarks/bench_lint.py [SECONDS]``; the same code runs as
``afterbeep bench lint``. Target: at least 2,000 scripts per second per core.
"""

from __future__ import annotations

import json
import sys

from afterbeep.scripts import benchmark_lint


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    result = benchmark_lint(seconds)
    print(json.dumps(result))
    print(
        f"{result['scripts_per_cpu_second']:.0f} scripts/s per core (CPU time), "
        f"{result['scripts_per_second']:.0f} scripts/s wall clock, "
        f"{result['mean_words']:.0f} words per script"
    )


if __name__ == "__main__":
    main()
