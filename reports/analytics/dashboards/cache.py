"""Dashboards kept in the shared cache while their figures stand: the API and the page ask here, not ``selectors``.

A dashboard (or a trend) is computed by ``selectors`` — the one definition of every figure — and kept under its
scope, period, children, language, today's date and the *generations* of its scope
(``reports.analytics.rollups.generations``). Every rollup write replaces the generations of the accounts' owners,
teams, regions and the company, and a change of the organisation replaces them all, so a kept dashboard is used
only while nothing it was computed from has changed: the second view of an unchanged dashboard is read, not
computed, and a write shows on the next view as soon as the drain has refreshed its rollups, as before.

A write's own request (or any code that reads after writing, in one transaction) computes: its marks are not
refreshed yet (``rollups.marks_pending``). Other readers see the write after the drain's refresh, with the rollups.

Read from a replica (``kamcrm.replicas``), a dashboard is kept only when the replica has replayed the write that
made its generations (their WAL position): a lagging replica's figures are shown, not kept under the new ones.
Not kept: dashboards with more than ``MAX_CHILDREN`` children (a company broken down by account).
``DASHBOARD_CACHE_SECONDS`` (default 600; 0 turns the cache off) bounds
how long an entry is kept whatever happens, e.g. when the cache could not be told of a write.
"""

import dataclasses
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, router
from django.utils import timezone, translation

from accounts.models import Region, Team
from kamcrm import replicas
from reports.analytics.dashboards import selectors
from reports.analytics.models import DistributorMonth
from reports.analytics.rollups import generations
from reports.analytics.rollups import services as rollups

log = logging.getLogger(__name__)

MAX_CHILDREN = 500
VERSION = 1  # of what is kept: raise it when Dashboard, Figures or TrendPoint change shape


def _seconds() -> int:
    return getattr(settings, "DASHBOARD_CACHE_SECONDS", 600)


def _kept(name: str, scope: selectors.Scope, period: selectors.Period, extra: str, compute: Callable, keep=None):
    """``compute()``, or what it gave before under the same key and generations; kept when ``keep(value)``."""
    if _seconds() <= 0 or rollups.marks_pending():
        return compute()
    alias = router.db_for_read(DistributorMonth)
    try:
        generation = generations.current(generations.scope_names(scope.level, scope.id))
        key = (
            f"dashboard:{VERSION}:{name}:{scope.level}:{scope.id}:{period.kind}:{period.start}:{extra}:"
            f"{translation.get_language()}:{timezone.localdate()}:{generation}"
        )
        found = cache.get(key)
    except Exception:  # the cache is down: compute, as without one
        log.exception("Dashboard cache unavailable")
        return compute()
    if found is not None:
        return found
    if alias != DEFAULT_DB_ALIAS and not replicas.has_replayed(alias, generations.position(generation)):
        return compute()  # the replica lags the write that made these generations: shown, not kept
    value = compute()
    if keep is not None and not keep(value):
        return value
    try:
        cache.set(key, value, timeout=_seconds())
    except Exception:
        log.exception("Dashboard cache unavailable")
    return value


def dashboard(*, scope: selectors.Scope, period: selectors.Period, children_level: str | None = None):
    """``selectors.dashboard``, kept while its figures stand."""

    def compute():  # kept without the scope's object (a rep's is a User): the caller's goes back on
        board = selectors.dashboard(scope=scope, period=period, children_level=children_level)
        return dataclasses.replace(board, scope=None)

    def small(board) -> bool:  # a company by account: 20,000 children, cheaper computed than kept
        return len(board.children) <= MAX_CHILDREN

    board = _kept("board", scope, period, children_level or "", compute, keep=small)
    return dataclasses.replace(board, scope=scope)


def warm() -> int:
    """Compute and keep this month's dashboard of the company, of every region and of every team, in every language
    (the nightly run, after its rebuild replaced every generation): the day's first views are then read, until a
    write changes them. Returns how many were computed."""
    period = selectors.period_containing("month", None)
    scopes = [selectors.Scope("company", None)]
    scopes += [selectors.Scope("region", region) for region in Region.objects.order_by("pk")]
    scopes += [selectors.Scope("team", team) for team in Team.objects.order_by("pk")]
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for scope in scopes:
                dashboard(scope=scope, period=period)
    return len(scopes) * len(settings.LANGUAGES)


def trend(*, scope: selectors.Scope, period: selectors.Period):
    """``selectors.trend``, kept while its figures stand."""
    return _kept("trend", scope, period, "", lambda: selectors.trend(scope=scope, period=period))
