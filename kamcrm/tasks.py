"""Housekeeping tasks that belong to the whole project rather than one app."""

from celery import shared_task

from . import health


@shared_task(ignore_result=True)
def heartbeat() -> None:
    """Beat sends this every minute; the worker that runs it proves both are alive (see /healthz)."""
    health.record_worker_heartbeat()
