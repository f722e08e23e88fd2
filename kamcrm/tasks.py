"""Housekeeping tasks that belong to the whole project rather than one app."""

from celery import shared_task

from . import health
from .idempotency import api as idempotency
from .outbox import services as outbox


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Beat sends this every minute; the worker that runs it proves both are alive (see /healthz)."""
    health.record_worker_heartbeat()


@shared_task(ignore_result=True)
def drain_task_outbox() -> None:
    """Beat sends this every minute: tasks that could not be sent while the broker was down go out now."""
    outbox.drain()


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> None:
    """Hourly: Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_HOURS are forgotten."""
    idempotency.purge_expired()
