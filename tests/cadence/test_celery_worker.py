"""Acceptance: Celery workers on a real broker, one killed mid-batch; after a restart every due
touch ran exactly once. Slow: starts real worker processes (Redis and RabbitMQ as brokers)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from afterbeep.cadence.planner import plan
from afterbeep.cadence.sequences import StepSpec, create_sequence
from afterbeep.store import (
    Campaign,
    CampaignStatus,
    Channel,
    Enrollment,
    Prospect,
    Role,
    Task,
    Team,
    Touch,
    TouchStatus,
    User,
    create_engine_for,
    utcnow,
)

pytestmark = pytest.mark.slow

BROKERS = {
    "redis": os.environ.get("AFTERBEEP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "rabbitmq": os.environ.get("AFTERBEEP_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}
TOUCHES = 240


def _broker_or_skip(url: str) -> None:
    pytest.importorskip("celery")
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:  # any connection failure means: no broker here
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and the broker at {url} is not reachable: {error}")
        pytest.skip(f"broker at {url} is not reachable: {error}")


def _seed(url: str) -> list[int]:
    engine = create_engine_for(url)
    try:
        with Session(engine) as session:
            team = Team(name="Celery")
            session.add(team)
            session.add(
                User(team=team, email="r@x.com", full_name="R", role=Role.REP, daily_capacity=1000)
            )
            session.flush()
            sequence = create_sequence(
                session, team_id=team.id, name="S", steps=[StepSpec(Channel.SOCIAL)]
            )
            campaign = Campaign(
                team=team, name="C", sequence=sequence, status=CampaignStatus.ACTIVE
            )
            session.add(campaign)
            for index in range(TOUCHES):
                prospect = Prospect(
                    team=team, phone_e164=f"+1312555{index:04d}", first_name="P", country="US"
                )
                session.add(prospect)
                session.add(Enrollment(campaign=campaign, prospect=prospect))
            session.flush()
            now = utcnow()
            assert plan(session, team_id=team.id, now=now).planned == TOUCHES
            # Make every touch due now, whatever the local slots said.
            session.execute(sa.update(Touch).values(due_at=now - timedelta(minutes=1)))
            session.commit()
            return list(session.scalars(sa.select(Touch.id).order_by(Touch.id)))
    finally:
        engine.dispose()


def _done(url: str) -> int:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(
                sa.select(sa.func.count())
                .select_from(Touch)
                .where(Touch.status == TouchStatus.DONE)
            )
    finally:
        engine.dispose()


def _start_worker(env: dict[str, str], queue: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "afterbeep.cadence.celery_app", "worker",
            "--pool=prefork", "--concurrency=2", "-Q", queue, "--loglevel=WARNING",
            "--without-mingle", "--without-gossip", "--without-heartbeat",
        ],
        env=env,
        start_new_session=True,  # its own process group: the kill takes the pool children too
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@pytest.mark.parametrize("broker", sorted(BROKERS))
def test_a_worker_killed_mid_batch_loses_nothing_and_runs_nothing_twice(sqlite_db_url, broker):
    BROKER = BROKERS[broker]
    _broker_or_skip(BROKER)
    from afterbeep.cadence.celery_app import make_app

    ids = _seed(sqlite_db_url)
    queue = f"afterbeep-test-{secrets.token_hex(4)}"
    env = dict(
        os.environ,
        AFTERBEEP_DATABASE_URL=sqlite_db_url,
        AFTERBEEP_CELERY_BROKER=BROKER,
        AFTERBEEP_CELERY_QUEUE=queue,
        AFTERBEEP_CADENCE_LEASE_S="3",
        AFTERBEEP_CELERY_VISIBILITY_S="5",
    )
    client = make_app(BROKER, queue)
    first = _start_worker(env, queue)
    second = None
    try:
        for touch_id in ids:
            client.send_task("afterbeep.cadence.run_touch", args=[touch_id], queue=queue)
        _wait(lambda: _done(sqlite_db_url) >= 20, 120, "the first touches to run")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
        done_at_kill = _done(sqlite_db_url)
        assert done_at_kill < TOUCHES, "the worker finished before it could be killed mid-batch"

        second = _start_worker(env, queue)
        deadline = time.monotonic() + 180
        while _done(sqlite_db_url) < TOUCHES and time.monotonic() < deadline:
            client.send_task("afterbeep.cadence.dispatch_due", queue=queue)  # as celery beat would
            time.sleep(3)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        with client.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)

    engine = create_engine_for(sqlite_db_url)
    try:
        with Session(engine) as session:
            statuses = session.execute(
                sa.select(Touch.status, sa.func.count()).group_by(Touch.status)
            ).all()
            assert dict(statuses) == {TouchStatus.DONE: TOUCHES}, (
                f"killed after {done_at_kill} done"
            )
            keys = session.scalars(sa.select(Touch.key)).all()
            titles = session.scalars(sa.select(Task.title)).all()
            assert len(titles) == TOUCHES
            for key in keys:
                assert sum(f"[{key}]" in title for title in titles) == 1, key
    finally:
        engine.dispose()
