"""What /healthz reports: the database, the Celery broker and when a worker last ran a beat task."""

from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from kombu import Connection

HEARTBEAT_KEY = "kamcrm:worker-heartbeat"


def record_worker_heartbeat() -> None:
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the message goes to the operator
        return f"error: {exc.__class__.__name__}"
    return "ok"


def broker_status() -> str:
    """Whether a connection to the broker opens within HEALTHZ_BROKER_TIMEOUT seconds (one try): "ok" or the error."""
    timeout = getattr(settings, "HEALTHZ_BROKER_TIMEOUT", 1.0)
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
            connect_timeout=timeout,
        ) as conn:
            conn.ensure_connection(max_retries=0, timeout=timeout)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def worker_status() -> dict:
    try:
        raw = cache.get(HEARTBEAT_KEY)
    except Exception as exc:
        return {"status": f"error: {exc.__class__.__name__}", "last_heartbeat": None}
    if not raw:
        return {"status": "unknown", "last_heartbeat": None}
    seen = datetime.fromisoformat(raw)
    age = (timezone.now() - seen).total_seconds()
    return {"status": "ok" if age < 180 else "stale", "last_heartbeat": raw, "age_seconds": int(age)}
