"""``Idempotency-Key`` for money-creating POSTs: a retried request gets the first answer, never a second record.

Decorate a DRF view method with :func:`idempotent`, or mix :class:`IdempotentCreateMixin` into a viewset.
Rules (README, "Idempotency-Key"):

- no header: the request runs as always;
- a new key: the request runs inside one transaction together with the key's row; a 2xx answer is stored with
  the key, any other answer rolls the key back (a corrected retry may use it again);
- the same key, same user, same method, path and body: the stored answer again (same status and body, header
  ``Idempotent-Replayed: true``), nothing runs;
- the same key with another body, method or path: **422** with an error on ``Idempotency-Key``;
- two requests with the same key at once: the second waits for the first (the key's unique index) and gets its
  answer;
- keys are kept ``IDEMPOTENCY_KEY_TTL_HOURS`` (default 24) per user, then purged by beat.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

_schema = extend_schema(
    parameters=[
        OpenApiParameter(
            HEADER,
            str,
            OpenApiParameter.HEADER,
            required=False,
            description="A unique value per intended write (e.g. a UUID). A retry with the same key and body gets "
            "the first answer and creates nothing; the same key with another body is a 422.",
        )
    ]
)


def ttl() -> timedelta:
    return timedelta(hours=getattr(settings, "IDEMPOTENCY_KEY_TTL_HOURS", 24))


def _file_digest(value) -> str:
    digest = hashlib.sha256()
    for chunk in value.chunks():
        digest.update(chunk)
    value.seek(0)
    return f"file:{value.name}:{value.size}:{digest.hexdigest()}"


def _fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "lists"):  # a form or multipart body (QueryDict): every value of every field
        data = dict(data.lists())
    body = json.dumps(
        data,
        sort_keys=True,
        separators=(",", ":"),
        default=lambda value: _file_digest(value) if hasattr(value, "chunks") else str(value),
    )
    return hashlib.sha256(f"{request.method} {request.get_full_path()} {body}".encode()).hexdigest()


def _error(message: str, code: int) -> Response:
    return Response({HEADER: [message]}, status=code)


def _replay(record: IdempotencyKey, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        return _error(
            _("This Idempotency-Key was already used for a different request; send a new key for a new request."),
            status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return Response(record.response, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def run_idempotent(request, handler) -> Response:
    """Run ``handler()`` (the view) at most once per (user, Idempotency-Key); see the module docstring."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        return _error(
            _("Send a non-empty Idempotency-Key of at most %(n)s characters.") % {"n": MAX_KEY_LENGTH},
            status.HTTP_400_BAD_REQUEST,
        )
    fingerprint = _fingerprint(request)
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=request.user, key=key, created_at__lt=timezone.now() - ttl()).delete()
        try:
            with transaction.atomic():
                # A second request with this key blocks here until the first one's transaction ends.
                record = IdempotencyKey.objects.create(
                    user=request.user,
                    key=key,
                    fingerprint=fingerprint,
                    method=request.method,
                    path=request.get_full_path()[:500],
                )
        except IntegrityError:
            return _replay(IdempotencyKey.objects.get(user=request.user, key=key), fingerprint)
        response = handler()
        if status.is_success(response.status_code):
            record.status_code = response.status_code
            record.response = json.loads(JSONRenderer().render(response.data) or b"null")
            record.save(update_fields=["status_code", "response"])
        else:
            transaction.set_rollback(True)  # nothing of a refused request stays, the key included
        return response


def idempotent(view_method):
    """Decorator for a DRF view method (``create`` or an ``@action``): honour the ``Idempotency-Key`` header."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        return run_idempotent(request, lambda: view_method(self, request, *args, **kwargs))

    return _schema(wrapper)


class IdempotentCreateMixin:
    """A viewset whose ``create`` (POST to the list) honours the ``Idempotency-Key`` header."""

    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


def purge_expired() -> int:
    """Delete the keys older than IDEMPOTENCY_KEY_TTL_HOURS; returns how many."""
    deleted, _details = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - ttl()).delete()
    return deleted
