"""Cadence on Celery: the worker's touches as tasks, for teams that outgrow one process.

Owns the Celery application (``celery -A afterbeep.cadence.celery_app worker``) and its two
tasks: ``afterbeep.cadence.run_touch`` (one touch, the same ``worker.run_touch`` the
in-process worker runs) and ``afterbeep.cadence.dispatch_due`` (queue every due touch; run it
from celery beat or cron). Needs the ``[celery]`` extra; Redis or RabbitMQ as the broker.

Delivery is at least once (late acknowledgement, redelivery when a worker dies); the touch's
own claim and state make running it exactly once. Configuration, from the environment:

* ``AFTERBEEP_CELERY_BROKER`` - broker URL (default ``redis://127.0.0.1:6379/0``;
  RabbitMQ: ``amqp://guest:guest@127.0.0.1:5672//``).
* ``AFTERBEEP_CELERY_QUEUE`` - queue name (default ``afterbeep-cadence``).
* ``AFTERBEEP_CELERY_VISIBILITY_S`` - Redis redelivery timeout for unacknowledged tasks (600).
* ``AFTERBEEP_CADENCE_LEASE_S`` - how long a claimed touch is held before another worker may
  take it over (300).
* The database is the settings' (``AFTERBEEP_DATABASE_URL``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from afterbeep._optional import require
from afterbeep.cadence.worker import due_touch_ids, run_touch
from afterbeep.store import create_engine_for, make_sessionmaker, utcnow

__all__ = ["app", "make_app"]

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"


@lru_cache(maxsize=1)
def _sessions() -> sessionmaker[Session]:
    # One engine per worker process, made after the fork.
    return make_sessionmaker(create_engine_for(None))


def _lease() -> timedelta:
    return timedelta(seconds=float(os.environ.get("AFTERBEEP_CADENCE_LEASE_S", "300")))


def make_app(broker_url: str | None = None, queue: str | None = None) -> Any:
    """A Celery application with the cadence tasks, configured for at-least-once delivery."""
    celery = require("celery", "celery")
    broker = broker_url or os.environ.get("AFTERBEEP_CELERY_BROKER", DEFAULT_BROKER)
    application = celery.Celery("afterbeep.cadence", broker=broker)
    application.conf.update(
        task_default_queue=queue or os.environ.get("AFTERBEEP_CELERY_QUEUE", "afterbeep-cadence"),
        task_acks_late=True,  # a task a dead worker was running is delivered again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": int(os.environ.get("AFTERBEEP_CELERY_VISIBILITY_S", "600"))
        },
        worker_hijack_root_logger=False,
    )

    @application.task(name="afterbeep.cadence.run_touch", bind=True, max_retries=None)
    def run_touch_task(self: Any, touch_id: int) -> str:
        lease = _lease()
        outcome = run_touch(_sessions(), touch_id, lease=lease)
        if outcome == "taken":
            # Another worker holds it: look again after the lease (it may have died); a
            # touch that finished meanwhile answers "finished-already". Touches planned
            # again for later are queued by dispatch_due when they are due.
            raise self.retry(countdown=max(1.0, lease.total_seconds()))
        return outcome

    @application.task(name="afterbeep.cadence.dispatch_due")
    def dispatch_due(limit: int = 1000) -> int:
        with _sessions()() as session:
            ids = due_touch_ids(session, now=utcnow(), limit=limit)
        for touch_id in ids:
            run_touch_task.delay(touch_id)
        return len(ids)

    return application


app = make_app()
