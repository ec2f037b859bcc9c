"""Scale acceptance: N concurrent simulated Twilio calls against one afterbeep process.

Run: ``.venv/bin/python benchmarks/bench_simulate.py [--calls 200] [--corpus DIR]
[--detector afterbeep|oracle|both] [--out DIR]``. Builds a synthetic corpus (seed 21, 100 calls,
espeak voices) when none is given, starts ``afterbeep serve`` in a child process per detector,
dials the calls at once over Twilio's Media Streams protocol on loopback and prints the
simulator's figures (right actions, early starts, message start minus true beep end, rep
connected after a person's greeting) and the server's CPU time. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from afterbeep.detect.corpus import build_corpus
from afterbeep.telephony.simulator import local_server, simulate


def _server_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    import os

    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--detector", default="both", choices=["afterbeep", "oracle", "both"])
    parser.add_argument("--out", type=Path, help="folder for the per-call JSON reports")
    parser.add_argument("--asr", action="store_true", help="the server recognises greetings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(scratch) / "corpus"
            build_corpus(corpus, seed=21, count=100, engines=("espeak",))
        detectors = ["oracle", "afterbeep"] if args.detector == "both" else [args.detector]
        for detector in detectors:
            with local_server(detector=detector, asr=args.asr) as server:
                url = server.url.replace("http://", "ws://") + "/media/twilio"
                cpu0, t0 = _server_cpu_s(server.pid), time.monotonic()
                report = simulate(corpus, url=url, calls=args.calls)
                cpu = _server_cpu_s(server.pid) - cpu0
                wall = time.monotonic() - t0
            summary = report.summary()
            summary["detector"] = detector
            summary["asr"] = args.asr
            summary["server_cpu_s"] = round(cpu, 1)
            summary["server_cpu_share"] = round(cpu / wall, 2)
            print(json.dumps(summary))
            if args.out:
                args.out.mkdir(parents=True, exist_ok=True)
                words = "-asr" if args.asr else ""
                (args.out / f"simulate-{detector}{words}-{args.calls}.json").write_text(
                    json.dumps(report.to_dict(), indent=1)
                )


if __name__ == "__main__":
    main()
