"""Which accounts' rollups a change touches. The rollups are a cache of the source rows, so every save and
delete of a source row marks its account (``reports.rollups.changed``) and a task refreshes it after the
commit. Business rules stay in the services; this only keeps the cache current. Writes that bypass signals
(``bulk_create``, ``update``) send ``reports.signals.written_in_bulk``, which marks them too; the nightly
rebuild catches the rest.
"""

from django.db.models.signals import post_delete, post_save, pre_save

from distributors.models import Distributor, QuarterlyPlan
from kamcrm.audit.models import AuditEvent
from receivables.models import Allocation, Invoice, Payment

from . import rollups
from .models import Order, ScheduleEntry, Visit
from .signals import written_in_bulk


def _distributor_of(instance) -> int | None:
    if hasattr(instance, "distributor_id"):
        return instance.distributor_id
    if hasattr(instance, "invoice_id"):  # an allocation
        return instance.invoice.distributor_id if instance.invoice_id else None
    return None


def _remember_old(sender, instance, **kwargs):
    # A row moved to another account changes the old account's figures too.
    if instance.pk and hasattr(instance, "distributor_id"):
        instance._rollup_old_distributor = (
            sender.objects.filter(pk=instance.pk).values_list("distributor_id", flat=True).first()
        )


def _changed(sender, instance, **kwargs):
    rollups.changed([_distributor_of(instance), getattr(instance, "_rollup_old_distributor", None)])


def _audit_changed(sender, instance, **kwargs):
    if instance.content_type.model_class() is Distributor and instance.object_id:
        rollups.changed([int(instance.object_id)])


def _written_in_bulk(sender, distributor_ids, **kwargs):
    rollups.changed(distributor_ids)


def connect() -> None:
    sources = [Visit, Order, ScheduleEntry, QuarterlyPlan, Invoice, Payment, Allocation]
    for model in sources:
        uid = f"rollups:{model._meta.label}"
        if model in (Visit, Order, ScheduleEntry):
            pre_save.connect(_remember_old, sender=model, dispatch_uid=uid)
        post_save.connect(_changed, sender=model, dispatch_uid=uid)
        post_delete.connect(_changed, sender=model, dispatch_uid=uid)
    post_save.connect(_audit_changed, sender=AuditEvent, dispatch_uid="rollups:audit")
    written_in_bulk.connect(_written_in_bulk, dispatch_uid="rollups:bulk")
