"""Scale acceptance: N concurrent simulated carrier calls against one afterbeep process.

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--calls 200] [--corpus DIR]
[--detector afterbeep|oracle|both] [--carrier twilio|...|asterisk] [--asr]
[--rep-drop-after-ms MS] [--beepless-unread drop|skip|connect] [--on-menu skip|operator]
[--answer-over-s S] [--out DIR]``.
Builds a synthetic corpus (seed 21, 100 calls, espeak voices) when none is given, starts
``afterbeep serve`` in a child process per detector, dials the calls at once over the
carrier's protocol (Twilio Media Streams by default; ``asterisk``: AudioSocket over TCP, with
the afterbeep detector only) on loopback and prints the
simulator's figures (right actions, early starts, message start minus true beep end, rep
connected after a person's greeting), the server's and the simulator's own CPU time and its ``/calls/stats`` (recognition load). Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import urllib.request
from pathlib import Path

from afterbeep.detect.corpus import build_corpus
from afterbeep.telephony.simulator import local_server, simulate


def _cpu_and_nice(stat: Path) -> tuple[float, int]:
    """CPU seconds (user + system) and nice value from a /proc ``stat`` file."""
    import os

    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[16])


def _server_cpu_s(pid: int) -> float:
    return _cpu_and_nice(Path(f"/proc/{pid}/stat"))[0]


def _thread_cpu_s(pid: int) -> list[tuple[int, float]]:
    """CPU seconds of the process's busiest threads, with their nice values (the media loop
    runs at the process's, recognition 10 nicer)."""
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        cpu, nice = _cpu_and_nice(task / "stat")
        out.append((nice, round(cpu, 1)))
    return sorted(out, key=lambda item: -item[1])[:4]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--detector", default="both", choices=["afterbeep", "oracle", "both"])
    parser.add_argument("--out", type=Path, help="folder for the per-call JSON reports")
    parser.add_argument("--asr", action="store_true", help="the server recognises greetings")
    parser.add_argument(
        "--carrier", default="twilio", choices=["twilio", "telnyx", "plivo", "vonage", "asterisk"]
    )
    parser.add_argument(
        "--rep-drop-after-ms",
        type=float,
        help="a simulated rep handed a machine presses drop this long after being connected",
    )
    parser.add_argument(
        "--beepless-unread",
        choices=["drop", "skip", "connect"],
        help="the engine's beepless_unread setting (default: as configured)",
    )
    parser.add_argument(
        "--on-menu",
        choices=["skip", "operator"],
        default="skip",
        help="the engine's on_menu setting, and what the simulator expects of a menu",
    )
    parser.add_argument(
        "--answer-over-s",
        type=float,
        help="answer the calls evenly over this many seconds (default: 10 ms apart)",
    )
    args = parser.parse_args()
    asterisk = args.carrier == "asterisk"
    with tempfile.TemporaryDirectory() as scratch:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(scratch) / "corpus"
            build_corpus(corpus, seed=21, count=100, engines=("espeak",))
        detectors = ["oracle", "afterbeep"] if args.detector == "both" else [args.detector]
        if asterisk:  # AudioSocket carries no labels for the oracle to read
            detectors = [d for d in detectors if d != "oracle"]
        for detector in detectors:
            with local_server(
                detector=detector,
                asr=args.asr,
                audiosocket=asterisk,
                beepless_unread=args.beepless_unread,
                on_menu=args.on_menu,
            ) as server:
                url = server.audiosocket_url or (
                    server.url.replace("http://", "ws://") + f"/media/{args.carrier}"
                )
                cpu0, t0 = _server_cpu_s(server.pid), time.monotonic()
                own0 = time.process_time()
                report = simulate(
                    corpus,
                    url=url,
                    calls=args.calls,
                    carrier=args.carrier,
                    web_url=server.url,
                    rep_drop_after_ms=args.rep_drop_after_ms,
                    answer_over_s=args.answer_over_s,
                    on_menu=args.on_menu,
                )
                cpu = _server_cpu_s(server.pid) - cpu0
                own = time.process_time() - own0
                threads = _thread_cpu_s(server.pid)
                wall = time.monotonic() - t0
                with urllib.request.urlopen(server.url + "/calls/stats", timeout=10) as answer:
                    stats = json.load(answer)
            summary = report.summary()
            summary["detector"] = detector
            summary["carrier"] = args.carrier
            summary["asr"] = args.asr
            summary["answer_over_s"] = args.answer_over_s
            summary["beepless_unread"] = args.beepless_unread
            summary["on_menu"] = args.on_menu
            summary["server_cpu_s"] = round(cpu, 1)
            summary["server_cpu_share"] = round(cpu / wall, 2)
            # The far ends share the machine with the server: their CPU is the harness's.
            summary["simulator_cpu_s"] = round(own, 1)
            summary["server_stats"] = stats
            summary["server_threads_nice_cpu_s"] = threads
            print(json.dumps(summary))
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                words = "-asr" if args.asr else ""
                name = f"simulate-{args.carrier}-{detector}{words}-{args.calls}.json"
                (args.out / name).write_text(json.dumps(report.to_dict(), indent=1))


if __name__ == "__main__":
    main()
