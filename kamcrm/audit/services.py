"""The one audit mechanism: call :func:`record` inside the transaction that makes the change."""

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent

# Secrets and bookkeeping that say nothing about the business change.
NEVER_RECORDED = {"password", "last_login"}


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    if isinstance(value, UUID):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict:
    """The concrete field values of ``obj`` as JSON-safe data (money as decimal strings, FKs as ids)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.name in NEVER_RECORDED:
            continue
        data[field.attname] = _jsonable(field.value_from_object(obj))
    return data


def record(obj: models.Model, *, by, action: str, before: dict | None = None, after: dict | None = None) -> AuditEvent:
    """Write one audit event for ``obj``; ``after`` defaults to the object's current state.

    Pass ``before=snapshot(obj)`` taken before the change; creation has no ``before``.
    """
    return AuditEvent.objects.create(
        actor=by if getattr(by, "is_authenticated", False) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        before=before,
        after=snapshot(obj) if after is None else after,
    )
