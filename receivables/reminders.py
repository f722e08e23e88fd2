"""The daily overdue reminders: escalation levels, sent at most once per invoice and level.

A run has two steps, both safe to repeat:

1. :func:`claim_reminders` finds, for each active level, the open invoices whose date for that level has
   come (due date + ``days_from_due`` ≤ run date) and that never got it, leaves out the paused ones (an active
   promise to pay, an extension or an open dispute on the invoice or on its whole account), and in one
   transaction inserts a ``ReminderSent`` row per (invoice, level) — the unique constraint on the pair makes a
   second run, a retry or a parallel worker insert nothing — then writes what the levels ask for: an outbox
   ``ReminderMessage`` per recipient and account (listing every overdue invoice of the account, in the
   recipient's language) and a "visit to collect" task for the owner rep. When several levels of an invoice
   are due at once (after a pause, or for an old invoice just recorded), only the latest is sent; the earlier
   ones are recorded as skipped.
2. :func:`deliver_pending_messages` sends the outbox. Each message is claimed with a conditional update
   (pending → sending, stamped ``claimed_at``) before the e-mail goes out and marked sent after, so two workers
   never send the same message; one whose sending raised is retried (up to ``MAX_ATTEMPTS``).
3. :func:`sweep_stuck_messages` (beat, every few minutes) releases messages left "sending" for longer than
   ``REMINDER_STUCK_AFTER_MINUTES`` — their process died mid-send — and sends them again. Releasing is one
   conditional update, so two sweepers at once release (and send) a message once. A process killed after the
   mail server accepted the e-mail but before it was marked sent gets that e-mail sent twice: a rare duplicate
   reminder is preferred to a reminder never sent. No new message or (invoice, level) record is ever made.
"""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Role, User
from accounts.notifications import notify
from distributors.models import Contact
from kamcrm.money import ZERO

from . import selectors
from .models import (
    ActivityKind,
    CollectionActivity,
    CollectionTask,
    Invoice,
    MessageStatus,
    ReceivablesSettings,
    ReminderLevel,
    ReminderMessage,
    ReminderSent,
)

log = logging.getLogger(__name__)
CHUNK = 1000  # invoices per claim transaction (whole accounts are never split)
MAX_ATTEMPTS = 5


@dataclass
class ReminderRun:
    run_date: date
    claimed: int = 0
    skipped: int = 0
    paused: int = 0
    messages: int = 0
    tasks: int = 0
    sent: int = 0
    failed: int = 0


def paused_invoices(*, invoices: list[tuple[int, int]], on: date) -> set[int]:
    """Of ``invoices`` [(invoice pk, distributor pk)], those whose reminders are paused on ``on``.

    Paused by an active promise to pay (until its date), an extension (until the new date) or an open
    dispute, about the invoice itself or about the whole account (no invoice named).
    """
    if not invoices:
        return set()
    pausing = (
        CollectionActivity.objects.filter(distributor__in={d for _i, d in invoices}, occurred_on__lte=on)
        .filter(
            Q(kind=ActivityKind.PROMISE, promised_on__gte=on)
            | Q(kind=ActivityKind.EXTENSION, extended_to__gte=on)
            | Q(kind=ActivityKind.DISPUTE, resolved_on__isnull=True)
            | Q(kind=ActivityKind.DISPUTE, resolved_on__gt=on)
        )
        .values_list("distributor_id", "invoice_id")
    )
    whole_accounts, single = set(), set()
    for distributor_id, invoice_id in pausing:
        (single.add(invoice_id) if invoice_id else whole_accounts.add(distributor_id))
    return {i for i, d in invoices if i in single or d in whole_accounts}


def _due(levels: list[ReminderLevel], run_date: date) -> dict[int, list[ReminderLevel]]:
    """{invoice pk: [levels due and not yet recorded]} — one indexed query per level over open invoices."""
    due: dict[int, list[ReminderLevel]] = defaultdict(list)
    for level in levels:
        pks = (
            Invoice.objects.filter(open_amount__gt=0, due_date__lte=run_date - timedelta(days=level.days_from_due))
            .exclude(pk__in=ReminderSent.objects.filter(level=level).values("invoice_id"))
            .values_list("pk", flat=True)
        )
        for pk in pks:
            due[pk].append(level)
    return due


def claim_reminders(*, run_date: date) -> ReminderRun:
    """Step 1: record which invoices get which level today, and write the outbox and the rep tasks.

    Promises not kept escalate first (:func:`escalate_broken_promises`); an invoice escalated today gets no
    further level in the same run (it resumes one level at a time)."""
    run = ReminderRun(run_date=run_date)
    escalate_broken_promises(run_date=run_date, run=run)
    levels = list(ReminderLevel.objects.filter(is_active=True).order_by("days_from_due", "pk"))
    due = _due(levels, run_date)
    escalated_today = set(
        ReminderSent.objects.filter(run_date=run_date, claim__startswith=PROMISE_CLAIM).values_list(
            "invoice_id", flat=True
        )
    )
    for pk in escalated_today:
        due.pop(pk, None)
    if not due:
        return run
    accounts = dict(Invoice.objects.filter(pk__in=list(due)).values_list("pk", "distributor_id"))
    paused = paused_invoices(invoices=list(accounts.items()), on=run_date)
    run.paused = len(paused)
    by_account: dict[int, list[int]] = defaultdict(list)
    for invoice_pk, distributor_pk in accounts.items():
        if invoice_pk not in paused:
            by_account[distributor_pk].append(invoice_pk)
    chunk: list[int] = []
    for distributor_pk in sorted(by_account):
        chunk.append(distributor_pk)
        if sum(len(by_account[d]) for d in chunk) >= CHUNK:
            _claim_accounts(run, {d: by_account[d] for d in chunk}, due)
            chunk = []
    if chunk:
        _claim_accounts(run, {d: by_account[d] for d in chunk}, due)
    return run


@transaction.atomic
def _claim_accounts(run: ReminderRun, accounts: dict[int, list[int]], due: dict[int, list[ReminderLevel]]) -> None:
    # One run at a time claims (a second worker waits here, then finds the rows taken); the unique
    # constraint on (invoice, level) is what guarantees "at most once" in any case.
    ReceivablesSettings.objects.select_for_update().filter(pk=1).first()
    token = uuid.uuid4().hex
    rows = []
    for distributor_pk in sorted(accounts):
        for invoice_pk in sorted(accounts[distributor_pk]):
            levels = due[invoice_pk]
            latest = levels[-1]
            for level in levels:
                outcome = ReminderSent.Outcome.SENT if level is latest else ReminderSent.Outcome.SKIPPED
                rows.append(
                    ReminderSent(
                        invoice_id=invoice_pk, level=level, run_date=run.run_date, outcome=outcome, claim=token
                    )
                )
    # Sorted the same way in every worker, so two parallel inserts never wait for each other in a cycle.
    rows.sort(key=lambda r: (r.invoice_id, r.level.pk))
    ReminderSent.objects.bulk_create(rows, ignore_conflicts=True)
    mine = list(ReminderSent.objects.filter(claim=token).select_related("level"))
    run.skipped += sum(1 for r in mine if r.outcome == ReminderSent.Outcome.SKIPPED)
    sent = [r for r in mine if r.outcome == ReminderSent.Outcome.SENT]
    run.claimed += len(sent)
    if sent:
        _act(run, sent)


# --- Promises not kept ------------------------------------------------------------------------------------------

PROMISE_CLAIM = "promise-"  # ReminderSent.claim of a level sent by a promise's escalation


def escalate_broken_promises(*, run_date: date, run: ReminderRun | None = None) -> int:
    """The day after a promise to pay's date, if the promised amount has not arrived (broken or partly kept):

    - each open invoice the promise covered (its linked invoices, else the whole account's overdue invoices)
      gets the next reminder level it has not had yet — now, whatever that level's day — and
    - the KAM of the account's team (the owner rep when the team has no KAM) gets a collection task.

    Exactly once per promise: ``escalated_on`` is set by a conditional update in the same transaction, so a
    second run, a retry or a parallel worker does nothing for it; each (invoice, level) is still recorded at most
    once. Returns how many promises escalated.
    """
    run = run or ReminderRun(run_date=run_date)
    pending = (
        selectors.promises(on=run_date)
        .filter(state__in=selectors.PromiseState.NOT_KEPT, escalated_on__isnull=True, promised_on__lt=run_date)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    escalated = 0
    for pk in list(pending):
        if _escalate_promise(pk, run):
            escalated += 1
    return escalated


@transaction.atomic
def _escalate_promise(pk: int, run: ReminderRun) -> bool:
    if not CollectionActivity.objects.filter(pk=pk, escalated_on__isnull=True).update(escalated_on=run.run_date):
        return False  # another run took it
    promise = CollectionActivity.objects.select_related("distributor__owner__team__kam").get(pk=pk)
    distributor = promise.distributor
    invoices = list(promise.promise_invoices.filter(open_amount__gt=0))
    if not invoices and promise.invoice_id:
        invoices = list(Invoice.objects.filter(pk=promise.invoice_id, open_amount__gt=0))
    if not invoices:
        invoices = list(Invoice.objects.filter(distributor=distributor, open_amount__gt=0, due_date__lt=run.run_date))
    invoices.sort(key=lambda i: i.pk)
    levels = list(ReminderLevel.objects.filter(is_active=True, days_from_due__gt=0).order_by("days_from_due", "pk"))
    had: dict[int, set[int]] = defaultdict(set)
    for invoice_id, level_id in ReminderSent.objects.filter(invoice__in=invoices).values_list("invoice_id", "level_id"):
        had[invoice_id].add(level_id)
    claim = f"{PROMISE_CLAIM}{promise.pk}"
    rows = []
    for invoice in invoices:
        reached = max((lv.days_from_due for lv in levels if lv.pk in had[invoice.pk]), default=0)
        following = [lv for lv in levels if lv.pk not in had[invoice.pk] and lv.days_from_due > reached]
        if following:
            rows.append(ReminderSent(invoice=invoice, level=following[0], run_date=run.run_date, claim=claim))
    ReminderSent.objects.bulk_create(rows, ignore_conflicts=True)
    mine = list(ReminderSent.objects.filter(claim=claim).select_related("level"))
    run.claimed += len(mine)
    if mine:
        _act(run, mine)
    owner = distributor.owner
    team = owner.team
    kam = team.kam if team and team.kam and team.kam.is_active else owner
    paid = selectors.promises(on=run.run_date).get(pk=pk).paid
    short = max(promise.promised_amount - paid, ZERO)
    with translation.override(kam.language or settings.LANGUAGE_CODE):
        note = _(
            "Promise to pay %(amount)s by %(day)s not kept: %(paid)s arrived, %(short)s short. Call the customer."
        ) % {
            "amount": f"{promise.promised_amount:,.2f}",
            "day": promise.promised_on.isoformat(),
            "paid": f"{paid:,.2f}",
            "short": f"{short:,.2f}",
        }
    task = CollectionTask.objects.create(
        distributor=distributor, assigned_to=kam, due_on=run.run_date, amount=short, note=note
    )
    task.invoices.set(invoices)
    run.tasks += 1
    CollectionActivity.objects.filter(pk=pk).update(escalation_task=task)
    notify_promise_broken(promise=promise, kam=kam)
    return True


def notify_promise_broken(*, promise: CollectionActivity, kam: User) -> None:
    """Event "promise broken": the KAM who got the task, the owner rep and whoever took the promise are told
    once (in the escalation's transaction; the e-mail goes after commit)."""
    distributor = promise.distributor
    params = {
        "distributor": distributor.display_name,
        "amount": f"{promise.promised_amount:,.2f}",
        "day": promise.promised_on.isoformat(),
    }
    url = reverse("receivables:account", args=[distributor.pk])
    for user in {kam, distributor.owner, promise.by}:
        notify(recipient=user, kind="promise_broken", key=f"promise-{promise.pk}", params=params, url=url)


def _recipient_adder(recipients: dict):
    """add(email, user, language, kind, reminder): one entry per address, collecting the reminders it covers."""

    def add(email, user, language, kind, reminder):
        if not email:
            return
        entry = recipients.setdefault(email, {"user": user, "language": language, "kind": kind, "reminders": []})
        entry["reminders"].append(reminder)

    return add


def _finance_and_managers() -> tuple[list[User], list[User]]:
    active = User.objects.filter(is_active=True).exclude(email="")
    return list(active.filter(role=Role.FINANCE)), list(active.filter(role=Role.REGIONAL_MANAGER))


def _act(run: ReminderRun, sent: list[ReminderSent]) -> None:
    """Write what the claimed levels ask for: outbox messages (one per recipient and account) and rep tasks."""
    invoices = {
        inv.pk: inv
        for inv in Invoice.objects.filter(pk__in=[r.invoice_id for r in sent]).select_related(
            "distributor__owner__team__kam", "distributor__owner__team__region"
        )
    }
    per_account: dict[int, list[ReminderSent]] = defaultdict(list)
    for reminder in sent:
        per_account[invoices[reminder.invoice_id].distributor_id].append(reminder)
    accounts = {inv.distributor_id: inv.distributor for inv in invoices.values()}
    overdue: dict[int, list[Invoice]] = defaultdict(list)
    for inv in Invoice.objects.filter(distributor__in=list(accounts), open_amount__gt=0).order_by("due_date", "number"):
        overdue[inv.distributor_id].append(inv)
    contacts = {
        c.distributor_id: c
        for c in Contact.objects.filter(distributor__in=list(accounts), is_primary=True).exclude(email="")
    }
    people = _finance_and_managers()
    contact_language = ReceivablesSettings.load().contact_language
    message_links, task_links = [], []
    for distributor_pk, reminders in per_account.items():
        distributor = accounts[distributor_pk]
        recipients: dict[str, dict] = {}
        add = _recipient_adder(recipients)
        task = None
        for reminder in reminders:
            _add_recipients(add, reminder, distributor, contacts.get(distributor_pk), contact_language, people)
            if reminder.level.rep_task:
                if task is None:
                    task = _open_collection_task(run, distributor, overdue[distributor_pk])
                task_links.append((reminder, task))
        for email, entry in recipients.items():
            message = _compose(distributor, overdue[distributor_pk], entry, email, run.run_date)
            run.messages += 1
            for reminder in entry["reminders"]:
                message_links.append((reminder, message))
    _link_tasks(task_links)
    _link_messages(message_links)


def _add_recipients(add, reminder: ReminderSent, distributor, contact, contact_language: str, people) -> None:
    """Everyone the reminder's level writes to about ``distributor``: its contact and the people inside."""
    level = reminder.level
    owner = distributor.owner
    team = owner.team
    region_id = team.region_id if team else owner.region_id
    finance, managers = people
    if level.email_contact and contact is not None:
        language = contact_language or owner.language or settings.LANGUAGE_CODE
        add(contact.email, None, language, "contact", reminder)
    if level.notify_rep:
        add(owner.email, owner, owner.language, "internal", reminder)
    if level.notify_kam and team and team.kam and team.kam.is_active:
        add(team.kam.email, team.kam, team.kam.language, "internal", reminder)
    if level.notify_finance:
        for user in finance:
            if user.region_id in (None, region_id):
                add(user.email, user, user.language, "internal", reminder)
    if level.notify_regional_manager:
        for user in managers:
            if user.region_id == region_id:
                add(user.email, user, user.language, "internal", reminder)


def _open_collection_task(run: ReminderRun, distributor, overdue: list[Invoice]) -> CollectionTask:
    """The rep's task to visit and collect what is overdue on the run's date, with its notification."""
    owner = distributor.owner
    task = CollectionTask.objects.create(
        distributor=distributor,
        assigned_to=owner,
        due_on=run.run_date,
        amount=sum((i.open_amount for i in overdue if i.due_date < run.run_date), ZERO),
        note=_("Visit to collect the overdue invoices."),
    )
    run.tasks += 1
    notify(
        recipient=owner,
        kind="task_assigned",
        key=f"collection-task-{task.pk}",
        params={"by": "KAM CRM", "task": f"{distributor}: {task.note}"},
        url=reverse("receivables:worklist"),
    )
    return task


def _link_tasks(task_links: list[tuple[ReminderSent, CollectionTask]]) -> None:
    """Each task covers its reminders' invoices; each reminder points to its task."""
    if not task_links:
        return
    through = CollectionTask.invoices.through
    through.objects.bulk_create(
        [through(collectiontask_id=t.pk, invoice_id=r.invoice_id) for r, t in task_links], ignore_conflicts=True
    )
    for reminder, task in task_links:
        reminder.task = task
    ReminderSent.objects.bulk_update([r for r, _t in task_links], ["task"])


def _link_messages(message_links: list[tuple[ReminderSent, object]]) -> None:
    """Each reminder lists the messages that carried it."""
    through = ReminderSent.messages.through
    through.objects.bulk_create(
        [through(remindersent_id=r.pk, remindermessage_id=m.pk) for r, m in message_links], ignore_conflicts=True
    )


def describe(level: ReminderLevel) -> str:
    """What a level means, in the active language (the level's own name is the admin's free text)."""
    days = level.days_from_due
    if days < 0:
        when = ngettext("%(n)s day before the due date", "%(n)s days before the due date", -days) % {"n": -days}
    elif days == 0:
        when = _("on the due date")
    else:
        when = ngettext("%(n)s day past due", "%(n)s days past due", days) % {"n": days}
    actions = [
        text
        for flag, text in (
            (level.email_contact, _("reminder to the customer")),
            (level.rep_task, _("visit-to-collect task for the rep")),
            (level.notify_rep, _("rep alerted")),
            (level.notify_kam, _("KAM alerted")),
            (level.notify_finance, _("finance alerted")),
            (level.notify_regional_manager, _("regional manager alerted")),
            (level.stop_supply, _("stop-supply warning")),
        )
        if flag
    ]
    return f"{when}: {', '.join(actions)}" if actions else when


def _compose(distributor, open_invoices: list[Invoice], entry: dict, email: str, run_date: date) -> ReminderMessage:
    language = entry["language"] or settings.LANGUAGE_CODE
    reminders = entry["reminders"]
    triggering = {r.invoice_id for r in reminders}
    overdue = [i for i in open_invoices if i.due_date < run_date]
    coming = [i for i in open_invoices if i.due_date >= run_date and i.pk in triggering]
    levels = sorted({r.level for r in reminders}, key=lambda lv: lv.days_from_due)
    with translation.override(language):
        context = {
            "distributor": distributor,
            "overdue": [(i, (run_date - i.due_date).days) for i in overdue],
            "coming": coming,
            "overdue_total": sum((i.open_amount for i in overdue), ZERO),
            "levels": [describe(level) for level in levels],
            "stop_supply": any(lv.stop_supply for lv in levels),
            "run_date": run_date,
            "recipient": entry["user"],
        }
        if entry["kind"] == "contact":
            subject = _("Payment reminder from %(company)s: %(name)s") % {
                "company": _("KAM CRM"),
                "name": distributor.name,
            }
            body = render_to_string("receivables/email/reminder_contact.txt", context)
        else:
            subject = _("Overdue: %(code)s %(name)s owes %(amount)s past due") % {
                "code": distributor.code,
                "name": distributor.display_name,
                "amount": f"{context['overdue_total']:,.2f}",
            }
            body = render_to_string("receivables/email/reminder_internal.txt", context)
    return ReminderMessage.objects.create(
        distributor=distributor,
        run_date=run_date,
        recipient_email=email,
        recipient_user=entry["user"],
        language=language,
        subject=subject[:255],
        body=body,
    )


def deliver_pending_messages(*, limit: int | None = None) -> tuple[int, int]:
    """Step 2: send the outbox. Returns (sent, failed). Each message is claimed before it is sent, so at most once."""
    pending = ReminderMessage.objects.filter(status=MessageStatus.PENDING).order_by("pk").values_list("pk", flat=True)
    pks = list(pending[:limit] if limit else pending)
    sent = failed = 0
    connection = get_connection()
    for pk in pks:
        claimed = ReminderMessage.objects.filter(pk=pk, status=MessageStatus.PENDING).update(
            status=MessageStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
        )
        if not claimed:
            continue  # another worker took it
        message = ReminderMessage.objects.get(pk=pk)
        try:
            EmailMessage(
                message.subject,
                message.body,
                settings.DEFAULT_FROM_EMAIL,
                [message.recipient_email],
                connection=connection,
            ).send()
        except Exception as exc:  # an SMTP error: nothing went out, try again later (up to MAX_ATTEMPTS)
            log.warning("Reminder message %s not sent: %s", pk, exc)
            status = MessageStatus.FAILED if message.attempts >= MAX_ATTEMPTS else MessageStatus.PENDING
            ReminderMessage.objects.filter(pk=pk).update(status=status, error=str(exc)[:2000])
            failed += 1
            continue
        ReminderMessage.objects.filter(pk=pk).update(status=MessageStatus.SENT, sent_at=timezone.now(), error="")
        sent += 1
    return sent, failed


def stuck_messages():
    """Messages "sending" for longer than REMINDER_STUCK_AFTER_MINUTES (older rows without a claim time: by age)."""
    cutoff = timezone.now() - timedelta(minutes=settings.REMINDER_STUCK_AFTER_MINUTES)
    return ReminderMessage.objects.filter(status=MessageStatus.SENDING).filter(
        Q(claimed_at__lt=cutoff) | Q(claimed_at__isnull=True, created_at__lt=cutoff)
    )


def release_stuck_messages() -> int:
    """Put stuck messages back to pending (failed once they used up MAX_ATTEMPTS); returns how many were released.
    Each update re-checks the row, so a message another sweeper already released and re-claimed is left alone."""
    note = _("Left unsent by a process that stopped while sending; sent again.")
    stuck = stuck_messages()
    stuck.filter(attempts__gte=MAX_ATTEMPTS).update(status=MessageStatus.FAILED, error=note)
    released = stuck.filter(attempts__lt=MAX_ATTEMPTS).update(status=MessageStatus.PENDING, error=note)
    if released:
        log.warning("Released %s reminder messages stuck in sending", released)
    return released


def sweep_stuck_messages() -> tuple[int, int]:
    """The sweeper: release the stuck messages, then send the outbox. Returns (sent, failed)."""
    release_stuck_messages()
    return deliver_pending_messages()


def send_overdue_reminders(*, run_date: date) -> ReminderRun:
    """The daily run: claim what is due on ``run_date`` (at most once per invoice and level), then send the outbox."""
    run = claim_reminders(run_date=run_date)
    run.sent, run.failed = deliver_pending_messages()
    return run
