"""Celery tasks: load by id or date, call a service, nothing else. Safe to run twice (acks_late, retries)."""

from datetime import date

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from . import reminders, services, statements, summary


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def send_overdue_reminders(run_date: str | None = None) -> None:
    """Daily: the escalation levels due today, each at most once per invoice, then the e-mails."""
    reminders.send_overdue_reminders(run_date=_day(run_date))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def deliver_reminder_messages() -> None:
    """Every few minutes: e-mails of the outbox that could not be sent yet."""
    reminders.deliver_pending_messages()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def sweep_stuck_reminder_messages() -> None:
    """Every five minutes: e-mails left "sending" by a process that died mid-send go out again (once)."""
    reminders.sweep_stuck_messages()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def refresh_doubtful(on: str | None = None) -> None:
    """Nightly: invoices more than 180 days past due become doubtful (the bad-debt review)."""
    services.refresh_doubtful(on=_day(on))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def send_scheduled_statements(on: str | None = None) -> None:
    """Daily: the statement schedules due today generate and e-mail their statements (once per account and period)."""
    statements.run_schedules(on=_day(on))


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, ignore_result=True)
def email_statement(distributor_id: int, start: str, end: str, user_id: int) -> None:
    """A statement e-mailed from the card: rendered and sent by the worker (WeasyPrint takes a second)."""
    statements.email_statement_by_ids(
        distributor_id=distributor_id, start=date.fromisoformat(start), end=date.fromisoformat(end), user_id=user_id
    )


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5, ignore_result=True)
def refresh_open_summaries(on: str | None = None) -> None:
    """Nightly, just after midnight: every account's open-money row for the new day (the worklist's ranking)."""
    summary.refresh_all(on=_day(on))
