"""Which accounts and days of the rollups a change touches. The rollups are a cache of the source rows, so every save
and delete of a source row marks its account and the days the row counts on
(``reports.analytics.rollups.services.changed``); the drain refreshes those days after the commit. Business rules stay
in the services; this only keeps the cache current. Writes that bypass signals (``bulk_create``, ``update``) send
``reports.visits.signals.written_in_bulk`` with the days they touched, which marks them too; the nightly rebuild catches
the rest. A service sends ``reports.visits.signals.last_write`` as its transaction's last write: the marks are stored
then, inside it, so the refresh request commits (or rolls back) with the change.

A change of the organisation the dashboards group by (cards, people, teams, regions) touches no rollup row, but it
replaces the figures' generation ``all`` (``generations``), so no dashboard kept in the cache outlives it. The one
exception is the reps' month sums (``OwnerMonth``): a card's new owner, or a card deleted, sums its reps' months
again in the same transaction.
"""

from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save, pre_save
from django.utils import timezone

from accounts.models import Region, Team, User
from distributors.models import Distributor, QuarterlyPlan
from distributors.plans.selectors import outlet_total
from kamcrm.audit.models import AuditEvent
from receivables.models import Allocation, Invoice, Payment
from reports.analytics.rollups import generations
from reports.analytics.rollups import services as rollups
from reports.cycle.models import ScheduleEntry
from reports.visits.models import Order, Visit
from reports.visits.signals import last_write, written_in_bulk

# The date a row counts on in the rollups, for the rows that count on one day.
DAY_FIELD = {Visit: "visit_date", Order: "order_date", ScheduleEntry: "day", Payment: "paid_on"}
# Saves that change none of what the rollups read (an allocation's own save marks its days).
INVOICE_BOOKKEEPING = {"open_amount", "last_applied_on", "status", "updated_at"}
PAYMENT_BOOKKEEPING = {"unallocated_amount", "updated_at"}


def _collectible_on(invoice: Invoice) -> date:
    return max(invoice.issue_date, invoice.due_date or invoice.issue_date)


def _quarter(plan: QuarterlyPlan) -> list[date]:
    first = date(plan.year, 3 * plan.quarter - 2, 1)
    after = date(plan.year + 1, 1, 1) if plan.quarter == 4 else date(plan.year, 3 * plan.quarter + 1, 1)
    return [first, after - timedelta(days=1)]


def _touched(instance, created: bool, update_fields) -> tuple[int | None, list[date] | None, int] | None:
    """(account, the days it counts on (None: any day), the parts of the rollups it reaches), or None when the
    change does not reach the rollups."""
    model = type(instance)
    fields = set(update_fields or ())
    if model in DAY_FIELD:
        if model is Payment and fields and fields <= PAYMENT_BOOKKEEPING:
            return None
        return instance.distributor_id, [getattr(instance, DAY_FIELD[model])], rollups.FLOWS
    if model is QuarterlyPlan:
        return instance.distributor_id, _quarter(instance), rollups.TARGETS
    if model is Invoice:
        if fields and fields <= INVOICE_BOOKKEEPING:
            return None
        # A new invoice counts on the day it becomes collectible. A changed one may move its allocations' days
        # (they count on the later of their date and that day): all of the account's history.
        days = [instance.issue_date, _collectible_on(instance)] if created else None
        return instance.distributor_id, days, rollups.FLOWS | rollups.AHEAD
    if model is Allocation:
        invoice = instance.invoice
        return invoice.distributor_id, [instance.paid_on, _collectible_on(invoice)], rollups.FLOWS | rollups.AHEAD
    return None


def _remember_old(sender, instance, **kwargs):
    # A row moved to another account or day changes the old account's or day's figures too.
    if instance.pk:
        instance._rollup_old = (
            sender.objects.filter(pk=instance.pk).values_list("distributor_id", DAY_FIELD[sender]).first()
        )


def _changed(sender, instance, created=False, update_fields=None, **kwargs):
    touched = _touched(instance, created, update_fields)
    if touched is None:
        return
    distributor_id, days, parts = touched
    old = getattr(instance, "_rollup_old", None)
    if old is not None and old != (distributor_id, days[0] if days else None):
        rollups.changed([old[0]], [old[1]], parts)
    rollups.changed([distributor_id], days, parts)


def _deleted(sender, instance, **kwargs):
    _changed(sender, instance, created=True)  # a deleted row counted on the same days as a new one


def _audit_changed(sender, instance, created=False, **kwargs):
    # Outlet changes come from the cards' audit trail: an edit of the card's outlet network counts on its day.
    if not created or not instance.object_id:
        return
    if instance.content_type_id != ContentType.objects.get_for_model(Distributor).pk:
        return
    if outlet_total(instance.after) != outlet_total(instance.before):
        rollups.changed([int(instance.object_id)], [timezone.localtime(instance.at).date()], rollups.OUTLETS)


def _written_in_bulk(sender, distributor_ids, days=None, **kwargs):
    # Rows that count on one day reach the day and month rows only; anything else, every part.
    rollups.changed(distributor_ids, days, rollups.FLOWS if sender in DAY_FIELD else rollups.EVERYTHING)


def _last_write(sender, **kwargs):
    rollups.store_marked()


# A person's saves that change nothing a dashboard shows (a sign-in, a password, their own settings).
PERSONAL_FIELDS = {"last_login", "password", "language", "notify_by_email"}


def _organisation_changed(sender, instance, update_fields=None, **kwargs):
    # Dashboards group accounts by their current owner's team and region, and show cards' and people's names and
    # tiers: a change there may move any figure, so every dashboard kept in the cache goes.
    if sender is User and update_fields and set(update_fields) <= PERSONAL_FIELDS:
        return
    generations.renew_everything()


def _remember_owner(sender, instance, update_fields=None, **kwargs):
    # The reps' month sums (OwnerMonth) follow a card to its new owner: both reps' are summed again after the save.
    # (A save of other fields only, as most are, reads nothing.)
    moves = instance.pk and (update_fields is None or "owner" in update_fields or "owner_id" in update_fields)
    instance._rollup_owner = (
        sender.objects.filter(pk=instance.pk).values_list("owner_id", flat=True).first() if moves else None
    )


def _owner_changed(sender, instance, created=False, **kwargs):
    old = getattr(instance, "_rollup_owner", None)
    if not created and old is not None and old != instance.owner_id:
        rollups.owners_changed([old, instance.owner_id], [instance.pk])


def _card_deleted(sender, instance, **kwargs):
    # Its month rows went with it (cascade): its owner's sums without them.
    rollups.owners_changed([instance.owner_id], [instance.pk])


def connect() -> None:
    for model in (Visit, Order, ScheduleEntry, QuarterlyPlan, Invoice, Payment, Allocation):
        uid = f"rollups:{model._meta.label}"
        if model in (Visit, Order, ScheduleEntry):
            pre_save.connect(_remember_old, sender=model, dispatch_uid=uid)
        post_save.connect(_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)
    post_save.connect(_audit_changed, sender=AuditEvent, dispatch_uid="rollups:audit")
    written_in_bulk.connect(_written_in_bulk, dispatch_uid="rollups:bulk")
    last_write.connect(_last_write, dispatch_uid="rollups:last-write")
    pre_save.connect(_remember_owner, sender=Distributor, dispatch_uid="rollups:owner")
    post_save.connect(_owner_changed, sender=Distributor, dispatch_uid="rollups:owner")
    post_delete.connect(_card_deleted, sender=Distributor, dispatch_uid="rollups:owner")
    for model in (Distributor, User, Team, Region):
        uid = f"generations:{model._meta.label}"
        post_save.connect(_organisation_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_organisation_changed, sender=model, dispatch_uid=uid)
