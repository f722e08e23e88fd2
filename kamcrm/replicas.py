"""Reads of dashboards, reports, exports and aging from a PostgreSQL read replica, when one is configured.

With ``DATABASE_REPLICA_URL`` set, settings add a ``replica`` database and ``ReplicaRouter``. Only the views
wrapped with :func:`reads_from_replica` (GET and HEAD) read there; everything else, and every write, uses the
primary. Inside such a view, reads go back to the primary for the rest of the request as soon as it writes
(or opens a transaction): what a request wrote, it reads back from where it wrote it. A replica lags the
primary by what streaming replication has not yet replayed (usually well under a second); these views already
show figures as of the rollups' "computed at".
"""

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"


@dataclass
class _Scope:
    atomic_depth: int  # transactions already open when the scope began (a test's, say)
    wrote: bool = False


_scope: ContextVar[_Scope | None] = ContextVar("kamcrm_replica_scope", default=None)


def replica_configured() -> bool:
    return bool(getattr(settings, "KAMCRM_READ_REPLICA", ""))


def _lsn(text: str) -> int:
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def primary_position() -> int | None:
    """The primary's WAL position now, when a replica is configured (PostgreSQL); None otherwise. What a replica has
    replayed up to this position includes every transaction committed before it was read."""
    primary = connections[DEFAULT_DB_ALIAS]
    if not replica_configured() or primary.vendor != "postgresql":
        return None
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")  # past every record written so far
        return _lsn(cursor.fetchone()[0])


def replay_position(alias: str) -> int | None:
    """How far the database ``alias`` has replayed the primary's WAL; None when it is no standby (its reads are
    current)."""
    database = connections[alias]
    if database.vendor != "postgresql":
        return None
    with database.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
        recovering, replayed = cursor.fetchone()
    if not recovering:
        return None
    return _lsn(replayed) if replayed else 0


def has_replayed(alias: str, position: int) -> bool:
    """Whether what ``alias`` reads includes everything the primary had written at ``position``."""
    replayed = replay_position(alias)
    return replayed is None or replayed >= position


@contextmanager
def replica_reads():
    """Reads inside go to the replica (when one is configured) until the first write."""
    token = _scope.set(_Scope(atomic_depth=len(connections[DEFAULT_DB_ALIAS].atomic_blocks)))
    try:
        yield
    finally:
        _scope.reset(token)


def reads_from_replica(view):
    """Wrap a view (a function or ``as_view()``): its GET and HEAD requests read from the replica."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not replica_configured():
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped


class ReplicaReadsMixin:
    """For a DRF view or viewset (routers build their views themselves): GET and HEAD read from the replica."""

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not replica_configured():
            return super().dispatch(request, *args, **kwargs)
        with replica_reads():
            return super().dispatch(request, *args, **kwargs)


class ReplicaRouter:
    """``DATABASE_ROUTERS``: the replica for reads in a :func:`replica_reads` scope that has not written."""

    def db_for_read(self, model, **hints):
        scope = _scope.get()
        if scope is None or scope.wrote or not replica_configured():
            return None
        if len(connections[DEFAULT_DB_ALIAS].atomic_blocks) > scope.atomic_depth:
            return DEFAULT_DB_ALIAS  # a transaction the request opened: it reads its own writes
        return settings.KAMCRM_READ_REPLICA

    def db_for_write(self, model, **hints):
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
