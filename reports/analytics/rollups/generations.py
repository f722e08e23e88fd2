"""Generations of the figures, per scope: a token that is replaced whenever a scope's figures may have changed, so
a dashboard kept in the cache (``reports.analytics.dashboards.cache``) is used only while its figures still stand.

Scopes: ``company``, ``region:<id>``, ``team:<id>``, ``rep:<id>``, and ``all``, which every dashboard also reads.
Each token is a random string in the shared cache (Redis when ``REDIS_URL`` is set, so every web host and worker
sees the same). It is replaced

- by every rollup write (``services._stamp``): for the accounts written, their current owners and the reps with a
  split of them, the owners' teams and regions and the company; a rebuild of every account replaces ``all``;
- by a change of what the dashboards group, count or label by — a card (its owner, tier, name), a person (team,
  role, name, active), a team (its region), a region — which replaces ``all`` (``signals.connect``).

A token is replaced twice: at once, which is what the writing transaction itself reads, and again after the commit.
The second one matters: a dashboard computed by another request between the first and the commit still read the
old rows, and it is then never used. With a read replica, a token carries the primary's WAL position when it was
made; a dashboard computed on the replica is kept under it only once the replica has replayed that far
(``position``, ``kamcrm.replicas.has_replayed``). A failure of the cache after a commit is logged and does not fail
the write: the worker replaces the tokens once the cache answers again (``reports.tasks.renew_generations``,
retried with backoff, and kept in the task outbox while the broker is down too); the dashboards' own timeout
(``DASHBOARD_CACHE_SECONDS``) bounds the rest.
"""

import logging
from collections.abc import Callable, Iterable
from uuid import uuid4

from django.core.cache import cache
from django.db import connection, transaction

from accounts.models import Team, User
from distributors.models import Distributor
from kamcrm import replicas
from kamcrm.outbox import services as outbox
from reports.analytics.models import TargetMonth

log = logging.getLogger(__name__)

PREFIX = "figures-generation:"
EVERYTHING = "all"
MANY_ACCOUNTS = 1000  # a refresh of more accounts replaces every generation (no statement naming them all)


def scope_names(level: str, pk: int | None) -> list[str]:
    """The generations a dashboard of this scope is kept under."""
    return [EVERYTHING, "company" if level == "company" else f"{level}:{pk}"]


def _at() -> str:
    """What ends a new token: with a read replica, ``@`` and the primary's WAL position now (``position``)."""
    at = replicas.primary_position()
    return "" if at is None else f"@{at}"


def current(names: Iterable[str]) -> str:
    """The scopes' tokens, one string; a scope without one gets one (``add``: the first writer wins)."""
    keys = [PREFIX + name for name in names]
    found = cache.get_many(keys)
    missing = [key for key in keys if key not in found]
    for key in missing:
        cache.add(key, uuid4().hex + _at(), timeout=None)
    if missing:
        found.update(cache.get_many(missing))
    return ".".join(found.get(key, "-") for key in keys)


def position(generation: str) -> int:
    """The primary's WAL position a replica must have replayed to read what these tokens stand for (0: none)."""
    return max((int(token.rpartition("@")[2]) for token in generation.split(".") if "@" in token), default=0)


def _replace_or_raise(names: set[str]) -> None:
    at = _at()  # after a commit, a position past it: a replica that has replayed that far has the write
    cache.set_many({PREFIX + name: uuid4().hex + at for name in names}, timeout=None)


def _replace(names: set[str]) -> bool:
    try:
        _replace_or_raise(names)
    except Exception:  # the cache is down: the write stands (see _replaced)
        log.exception("Could not replace the figures' generations %s", sorted(names))
        return False
    return True


_listeners: list[Callable[[set[str]], None]] = []


def on_renewed(listener: Callable[[set[str]], None]) -> None:
    """Call ``listener(names)`` once these scopes' tokens have been replaced for good (after the commit): the
    dashboards above register how they keep the dashboards people look at computed
    (``reports.analytics.dashboards.cache.warm_after_change``). A listener's failure is logged, never raised."""
    if listener not in _listeners:
        _listeners.append(listener)


def _replaced(names: set[str]) -> None:
    if not _replace(names):
        _replace_later(names)
        return
    _tell_listeners(names)


def _replace_later(names: set[str]) -> None:
    """The cache missed a commit's new tokens: the worker replaces them as soon as it answers again
    (``reports.tasks.renew_generations``, retried; kept in the task outbox while the broker is down too), so a kept
    dashboard never outlives a write it did not see by more than that."""
    try:
        outbox.enqueue(
            "reports.tasks.renew_generations", args=[sorted(names)], if_broker_down=outbox.IfBrokerDown.OUTBOX
        )
    except Exception:  # run here (eager) while the cache still fails: logged; the dashboards' timeout bounds it
        log.exception("Could not queue the replacement of the figures' generations %s", sorted(names))


def renew_now(names: set[str]) -> None:
    """Replace these scopes' tokens, raising while the cache fails (the worker's retry of ``_replace_later``)."""
    _replace_or_raise(names)
    _tell_listeners(names)


def _tell_listeners(names: set[str]) -> None:
    for listener in _listeners:
        try:
            listener(names)
        except Exception:  # the write stands; only the dashboards' first view computes
            log.exception("After replacing the figures' generations %s", sorted(names))


def renew(names: set[str]) -> None:
    """Replace these scopes' tokens now and again after the commit (see the module's notes)."""
    if not names:
        return
    if connection.in_atomic_block:
        _replace(names)
        transaction.on_commit(lambda: _replaced(names))
    else:
        _replaced(names)


def renew_everything() -> None:
    renew({EVERYTHING})


def renew_accounts(ids: list[int] | None) -> None:
    """The generations of everything these accounts' figures reach (None: every account)."""
    if ids is None or len(ids) > MANY_ACCOUNTS:
        renew_everything()
        return
    names = {"company"}
    marks = ", ".join(["%s"] * len(ids))
    users, teams = User._meta.db_table, Team._meta.db_table
    accounts, targets = Distributor._meta.db_table, TargetMonth._meta.db_table
    with connection.cursor() as cursor:  # one statement: this runs in every refresh
        cursor.execute(
            f"SELECT u.id, u.team_id, t.region_id FROM {users} u LEFT JOIN {teams} t ON t.id = u.team_id "
            f"WHERE u.id IN (SELECT owner_id FROM {accounts} WHERE id IN ({marks}) "
            f"UNION SELECT rep_id FROM {targets} WHERE distributor_id IN ({marks}) AND rep_id IS NOT NULL)",
            [*ids, *ids],
        )
        for rep, team, region in cursor.fetchall():
            names.add(f"rep:{rep}")
            if team is not None:
                names.add(f"team:{team}")
            if region is not None:
                names.add(f"region:{region}")
    renew(names)
