"""Sending Celery tasks so that a broker outage never fails a request and never loses work.

Every task the code base queues goes through :func:`enqueue` (now) or :func:`enqueue_on_commit` (after the
current transaction commits). The caller names what happens when the broker cannot be reached:

``IfBrokerDown.OUTBOX``
    The task is stored as an :class:`~kamcrm.outbox.models.OutboxMessage`; beat's
    ``kamcrm.tasks.drain_task_outbox`` (every minute) sends it once the broker answers again. For work that
    nothing else would redo: a rollup refresh of a back-dated payment (the nightly rebuild covers yesterday and
    today only), a statement a user asked to e-mail.
``IfBrokerDown.NEXT_RUN``
    Only logged: a scheduled run redoes it anyway (a period report's e-mail is queued again by the daily run
    while the report is not marked e-mailed).

The row is written after the commit, when sending failed; a process killed between the commit and that
write loses the task (as before), which the nightly rollup rebuild narrows to older days.
Tasks are safe to run twice (acks_late, idempotent), so a message sent twice by a retried drain is harmless.
"""

import enum
import logging
from collections.abc import Sequence
from functools import partial

from celery import current_app
from django.db import transaction

from .models import OutboxMessage

log = logging.getLogger(__name__)

# A refused connection fails within a few ms; an unreachable host waits broker_connection_timeout per try.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


class IfBrokerDown(enum.Enum):
    OUTBOX = "outbox"
    NEXT_RUN = "next_run"


def enqueue(
    task,
    *,
    args: Sequence = (),
    kwargs: dict | None = None,
    if_broker_down: IfBrokerDown,
    countdown: float | None = None,
) -> None:
    """Send ``task`` to the broker now, to run ``countdown`` seconds later when given. Never raises for a broker
    error: the task goes to the outbox or is logged, as ``if_broker_down`` says. (With
    ``CELERY_TASK_ALWAYS_EAGER`` the task runs here, at once, as Celery does.)

    ``task`` is a task or its registered name: a service queues the tasks of its own app's ``tasks`` module
    (which imports the service) by name, as Celery's ``send_task`` does, so no import points back up."""
    if isinstance(task, str):
        task = current_app.tasks[task]
    args, kwargs = list(args), dict(kwargs or {})
    if task.app.conf.task_always_eager:
        task.apply_async(args=args, kwargs=kwargs)
        return
    try:
        task.apply_async(args=args, kwargs=kwargs, countdown=countdown, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as exc:  # whatever the transport raises, the caller's committed work must stand
        error = f"{exc.__class__.__name__}: {exc}"
        if if_broker_down is IfBrokerDown.NEXT_RUN:
            log.warning("Task %s%s not sent (%s); the next scheduled run redoes it", task.name, args, error)
            return
        try:
            OutboxMessage.objects.create(task=task.name, args=args, kwargs=kwargs, last_error=error[:2000])
        except Exception:
            log.exception("Task %s%s not sent (%s) and not stored in the outbox", task.name, args, error)
            return
        log.warning("Task %s%s not sent (%s); kept in the outbox", task.name, args, error)


def enqueue_on_commit(task, *, args: Sequence = (), kwargs: dict | None = None, if_broker_down: IfBrokerDown) -> None:
    """:func:`enqueue` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(partial(enqueue, task, args=args, kwargs=kwargs, if_broker_down=if_broker_down))


def drain(*, batch: int = 100) -> tuple[int, int]:
    """Send the outbox, oldest first; returns (sent, left). Stops at the first send that fails (the broker is
    still down) and leaves the rest for the next run. Safe in parallel: rows are taken under a row lock
    (skipping locked ones) and deleted once sent."""
    sent, after = 0, 0
    while True:
        with transaction.atomic():
            messages = list(
                OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk__gt=after).order_by("pk")[:batch]
            )
            if not messages:
                break
            for message in messages:
                after = message.pk
                task = current_app.tasks.get(message.task)
                try:
                    if task is None:
                        raise LookupError(f"unknown task {message.task}")
                    task.apply_async(args=message.args, kwargs=message.kwargs, retry_policy=PUBLISH_RETRY_POLICY)
                except Exception as exc:
                    OutboxMessage.objects.filter(pk=message.pk).update(
                        attempts=message.attempts + 1, last_error=f"{exc.__class__.__name__}: {exc}"[:2000]
                    )
                    if task is None:
                        continue  # a task removed from the code: left for the operator, the rest goes on
                    log.warning("Outbox not drained, the broker still fails: %s", exc)
                    return sent, OutboxMessage.objects.count()
                message.delete()
                sent += 1
    return sent, OutboxMessage.objects.count()
