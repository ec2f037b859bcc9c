"""The lint throughput benchmark, shared by ``benchmarks/bench_lint.py`` and ``afterbeep bench lint``.

Owns the typical scripts it lints (about 80 words each, varied so no cache flatters it) and the
timing loop: one process, one core. It must not print; callers print the figures.
"""

from __future__ import annotations

import time
from typing import Any

_NAMES = ("Dana", "Marcus", "Priya", "Jordan", "Elena", "Tomas", "Aisha", "Wei")
_COMPANIES = ("Peak Outdoor", "Harbor Dental", "Summit Labs", "Bluefin Foods")
_TEMPLATE = (
    "Hi {name}, this is Sam Ortiz with Northwind Freight. I saw {company} opened a Denver "
    "warehouse in March, congrats. We helped a shipper your size cut freight spend 15% last "
    "year by moving two lanes to pooled LTL, and the switch took them about two weeks. Give me a call at 206-555-01{n:02d} so we can see "
    "if your lanes look the same. I'll also send you an email with the subject Denver lanes. "
    "Again, that's 206-555-01{n:02d}. Thanks, {name}."
)


def typical_scripts(count: int = 64) -> list[str]:
    """``count`` varied ~80-word scripts like the ones reps write."""
    return [
        _TEMPLATE.format(
            name=_NAMES[i % len(_NAMES)], company=_COMPANIES[i % len(_COMPANIES)], n=i % 100
        )
        for i in range(count)
    ]


def benchmark_lint(seconds: float = 3.0) -> dict[str, Any]:
    """Lint typical scripts for about ``seconds`` in this process; scripts per second."""
    from afterbeep.scripts._lint import lint_text

    scripts = typical_scripts()
    words = sum(len(s.split()) for s in scripts) / len(scripts)
    for script in scripts[:8]:  # warm up regex caches and imports
        lint_text(script)
    done = 0
    started = time.perf_counter()
    cpu_started = time.process_time()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for script in scripts:
            lint_text(script)
        done += len(scripts)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    # Per core: scripts over this process's CPU seconds, so other load on the machine does not
    # count against it; wall-clock throughput is reported beside it.
    return {
        "scripts": done,
        "seconds": round(elapsed, 3),
        "cpu_seconds": round(cpu, 3),
        "scripts_per_second": round(done / elapsed, 1),
        "scripts_per_cpu_second": round(done / cpu, 1),
        "mean_words": round(words, 1),
        "processes": 1,
    }
