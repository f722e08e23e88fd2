"""Celery tasks of the rollups and the weekly/monthly reports: thin callers, safe to run twice."""

from datetime import date

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import rollups


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def refresh_rollups(distributor_ids: list[int]) -> None:
    """After a change: these accounts' rollups, all days (a few ms per account)."""
    rollups.refresh(distributor_ids=distributor_ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def rebuild_recent_rollups(today: str | None = None) -> None:
    """Nightly: every account's rollups for yesterday and today, whatever the incremental task missed."""
    rollups.rebuild_recent(today=_day(today))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, ignore_result=True)
def recompute_tiers(on: str | None = None) -> None:
    """Monthly: account tiers A/B/C from the trailing twelve months' sales and gross profit."""
    from . import tiers

    tiers.recompute_tiers(on=_day(on))
