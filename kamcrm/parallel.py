"""Independent reads of one answer run side by side, each on a database connection of its own.

A region's or the company's dashboard is a dozen grouped reads that do not depend on one another (the month
rollups, the targets, the open invoices, the outlets, the ranking of the accounts…). Read one after the other,
their times add up; read side by side, PostgreSQL runs them on its cores at once, and the answer takes about as
long as its slowest read. :func:`together` does that with a small pool of threads per process
(``PARALLEL_READS`` threads, default 3; 0 reads one after the other).

They run one after the other, as before, whenever running them apart could change what they read:

- inside a transaction (``atomic``): another connection would not see its uncommitted writes (a test's
  transaction, a write that reads back before its commit);
- on SQLite (the embedded default): one file, one writer, nothing to gain;
- inside one of the pool's own threads: a read fanned out again would wait for the pool it occupies.

Each read runs with the caller's language and time zone (Django keeps them per thread) and in a copy of its
context (the replica routing of ``kamcrm.replicas``). A pool thread keeps its connection between reads as a
request thread does between requests (``CONN_MAX_AGE``, health checks): closed after a read when obsolete (at once
with ``CONN_MAX_AGE`` 0) or unusable.
Reads on different connections see the database as committed when each of them starts, as the reads of one
connection outside a transaction already do (PostgreSQL's READ COMMITTED).
"""

import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone, translation

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid: int | None = None
_in_pool = threading.local()


def _size() -> int:
    return max(int(getattr(settings, "PARALLEL_READS", 3)), 0)


def enabled(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether :func:`together` runs its reads side by side here and now."""
    connection = connections[alias]
    return (
        _size() > 0
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not getattr(_in_pool, "active", False)
    )


def _executor() -> ThreadPoolExecutor:
    """This process's pool (a process forked from another, as Celery's workers are, makes its own)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=_size(), thread_name_prefix="kamcrm-read")
            _pool_pid = os.getpid()
        return _pool


def _close_old_connections() -> None:
    """What Django does when a request starts and ends (``close_old_connections``), for this pool thread."""
    for connection in connections.all(initialized_only=True):
        connection.close_if_unusable_or_obsolete()


def _run_in_pool(call: Callable, language: str | None, zone):
    _in_pool.active = True
    _close_old_connections()
    try:
        with translation.override(language), timezone.override(zone):
            return call()
    finally:
        _in_pool.active = False
        _close_old_connections()


def together(*calls: Callable) -> list:
    """The results of ``calls`` (functions without arguments), in their order: the first runs in this thread, the
    others in the pool at the same time. An exception of any call is raised here, after all have ended."""
    if len(calls) < 2 or not enabled():
        return [call() for call in calls]
    pool = _executor()
    language, zone = translation.get_language(), timezone.get_current_timezone()
    futures = [pool.submit(contextvars.copy_context().run, _run_in_pool, call, language, zone) for call in calls[1:]]
    try:
        first = calls[0]()
    finally:
        done = [future.exception() for future in futures]  # waits for every read, whatever happened here
    for error in done:
        if error is not None:
            raise error
    return [first, *(future.result() for future in futures)]
