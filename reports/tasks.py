"""Celery tasks of the rollups and the weekly/monthly reports: thin callers, safe to run twice."""

from datetime import date, timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from kamcrm.outbox import services as outbox
from reports.analytics import tiers
from reports.analytics.dashboards import cache as dashboard_cache
from reports.analytics.period_reports import mail as period_report_mail
from reports.analytics.period_reports import services as period_reports
from reports.analytics.rollups import generations
from reports.analytics.rollups import services as rollups
from reports.contests import services as contests
from reports.needs import services as needs


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def refresh_rollups(distributor_ids: list[int]) -> None:
    """These accounts' rollups, all days (kept for requests queued before the drain existed, and by hand)."""
    rollups.refresh(distributor_ids=distributor_ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def drain_rollup_refreshes() -> None:
    """After changes (and every minute from beat): refresh the accounts with stored requests, each once over the
    days its changes touched."""
    rollups.drain()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def rebuild_recent_rollups(today: str | None = None) -> None:
    """Nightly: every account's rollups for yesterday and today, whatever the incremental task missed."""
    rollups.rebuild_recent(today=_day(today))
    outbox.enqueue("reports.tasks.warm_dashboards", if_broker_down=outbox.IfBrokerDown.NEXT_RUN)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, ignore_result=True)
def warm_dashboards() -> None:
    """After the nightly run: this month's and this year's dashboards of the company, the regions and the teams kept,
    so the day's first views are read (``reports.analytics.dashboards.cache.warm``)."""
    dashboard_cache.warm()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, ignore_result=True)
def refresh_dashboard(
    *, name: str, level: str, pk: int | None, kind: str, start: str, extra: str, language: str
) -> None:
    """A dashboard shown while recomputed after a write: computed and kept under the new generations
    (``reports.analytics.dashboards.cache.recompute``)."""
    dashboard_cache.recompute(name=name, level=level, pk=pk, kind=kind, start=start, extra=extra, language=language)


# Retried while the cache fails (any error: the cache's client raises its own), backing off up to a minute.
@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=60,
    ignore_result=True,
)
def renew_generations(names: list[str]) -> None:
    """The figures' generations a commit could not replace because the cache failed, replaced now
    (``reports.analytics.rollups.generations``): no kept dashboard goes on showing what that commit changed."""
    generations.renew_now(set(names))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, ignore_result=True)
def recompute_tiers(on: str | None = None) -> None:
    """Monthly: account tiers A/B/C and attractiveness suggestions from the trailing twelve months' measured sales,
    gross-profit %, DSO and overdue share (``reports.analytics.tiers``); each tier change lands in the card's
    history."""
    tiers.recompute_tiers(on=_day(on))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def generate_period_reports(today: str | None = None) -> None:
    """Daily: the reports of the last closed week and month that do not exist yet; each queues its e-mail."""
    period_reports.generate(today=_day(today))


# OSError covers SMTP and connection errors: the claim was released, so a retry sends the report.
@shared_task(
    acks_late=True, autoretry_for=(OperationalError, OSError), retry_backoff=True, max_retries=8, ignore_result=True
)
def email_period_report(report_id: int) -> None:
    """One report to its managers, at most once (claimed before sending)."""
    period_report_mail.email_report(report_id=report_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def freeze_contests(today: str | None = None) -> None:
    """Daily: freeze the results of the contests whose period has closed (each exactly once)."""
    contests.freeze_due(today=_day(today))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def compute_indicators(month: str | None = None) -> None:
    """Monthly (the 1st): every account's indicators of the month just closed (or of ``month``, any day of it) and
    the likely needs they flag; a rerun rewrites the month's indicators and opens no need twice."""
    day = date.fromisoformat(month) if month else timezone.localdate().replace(day=1) - timedelta(days=1)
    needs.compute_indicators(month=day)
