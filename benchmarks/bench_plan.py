"""Benchmark: plan the next touch of N prospects (default 100,000) on SQLite and PostgreSQL.

Builds a synthetic team (prospects across the US states with their own rules, Canada, the UK
and an unknown country; 1% on the national do-not-call list), then times one planning run
and prints the figures. The target is at most 10 s for 100,000 prospects on each backend.

    .venv/bin/python benchmarks/bench_plan.py [--prospects 100000] [--backend sqlite|postgresql|both]

PostgreSQL: AFTERBEEP_TEST_POSTGRES_URL (default the local ``test`` database); a scratch
schema is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from afterbeep.cadence._synthetic import build_team
from afterbeep.cadence.planner import plan
from afterbeep.store import create_engine_for, make_sessionmaker, upgrade

NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def run(url: str, prospects: int) -> dict[str, float]:
    upgrade(url)
    engine = create_engine_for(url)
    try:
        with make_sessionmaker(engine)() as session:
            started = time.perf_counter()
            team = build_team(session, prospects=prospects, now=NOW, reps=100, rep_capacity=300)
            session.commit()
            built = time.perf_counter() - started
            started = time.perf_counter()
            cpu_started = time.process_time()
            report = plan(session, team_id=team.id, now=NOW)
            session.commit()
            total = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
    finally:
        engine.dispose()
    return {
        "build_s": built,
        "plan_s": total,
        "cpu_s": cpu,
        "load_s": report.seconds_loading,
        "decide_s": report.seconds_planning,
        "write_s": report.seconds_writing,
        "planned": report.planned,
        "blocked": report.blocked,
        "per_s": prospects / total,
    }


def _print(backend: str, figures: dict[str, float], prospects: int) -> None:
    verdict = "OK" if figures["plan_s"] <= 10 * prospects / 100_000 else "SLOWER THAN TARGET"
    print(
        f"{backend:10s} {prospects:>7d} prospects: plan {figures['plan_s']:.2f} s "
        f"[{figures['cpu_s']:.2f} s CPU in this process; load average {os.getloadavg()[0]:.1f}] "
        f"(load {figures['load_s']:.2f}, place+decide {figures['decide_s']:.2f}, "
        f"write {figures['write_s']:.2f}); {figures['per_s']:,.0f} prospects/s; "
        f"planned {figures['planned']:.0f}, blocked {figures['blocked']:.0f}; "
        f"[setup {figures['build_s']:.1f} s] {verdict}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prospects", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            _print("sqlite", run(url, args.prospects), args.prospects)
    if args.backend in ("postgresql", "both"):
        admin = make_url(os.environ.get("AFTERBEEP_TEST_POSTGRES_URL") or DEFAULT_POSTGRES)
        schema = f"bench_{secrets.token_hex(4)}"
        admin_engine = sa.create_engine(admin, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = admin.update_query_dict({"options": f"-csearch_path={schema}"})
            _print(
                "postgresql",
                run(url.render_as_string(hide_password=False), args.prospects),
                args.prospects,
            )
        finally:
            with admin_engine.connect() as connection:
                connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin_engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
