"""Dashboards kept in the shared cache while their figures stand: the API and the page ask here, not ``selectors``.

A dashboard (or a trend) is computed by ``selectors`` — the one definition of every figure — and kept under its
scope, period, children, language and today's date, with the *generations* of its scope it was computed under
(``reports.analytics.rollups.generations``): one entry per dashboard, the latest computed. Every rollup write
replaces the generations of the accounts' owners, teams, regions and the company, and a change of the organisation
replaces them all, so a kept dashboard is used only while nothing it was computed from has changed: the second
view of an unchanged dashboard is read, not computed, and a write shows on the next view as soon as the drain has
refreshed its rollups, as before.

A write's own request (or any code that reads after writing, in one transaction) computes: its marks are not
refreshed yet (``rollups.marks_pending``). Other readers see the write after the drain's refresh, with the rollups.

Read from a replica (``kamcrm.replicas``), a dashboard is kept only when the replica has replayed the write that
made its generations (their WAL position): a lagging replica's figures are shown, not kept under the new ones.
Not kept: dashboards with more than ``MAX_CHILDREN`` children (a company broken down by account).
``DASHBOARD_CACHE_SECONDS`` (default a day; 0 turns the cache off) bounds how long an entry is kept whatever
happens; a write the cache could not be told of at its commit is told by the worker once the cache answers again
(``generations``), so the nightly warm-up serves the working day's first views.

**Shown while recomputed** (``DASHBOARD_STALE_SECONDS``, default 5; 0: never). When a view finds its generations
changed by the drain (a visit, an order, a payment… refreshed into the rollups) and the same dashboard was
computed less than that many seconds ago, the view gets that dashboard, and the worker computes the new one
(``reports.tasks.refresh_dashboard``, once however many views ask). So under a stream of writes a busy team's,
region's or the company's dashboard is read, not computed on every view, and never older than those seconds
(plus the drain's lag, as before). Never shown while recomputed:

- to someone who made a write in the last ``DASHBOARD_STALE_SECONDS`` + ``WRITER_SECONDS`` seconds
  (``note_write``, from ``reports.analytics.dashboards.middleware``): they see their own writes at once;
- after a change of the organisation or a rebuild of every account (the ``all`` generation), which moves
  accounts between reps, teams and regions;
- by the nightly warm-up and the worker's recompute, which compute.

**Recomputed after a change, when people look at them** (``DASHBOARD_WARM_SECONDS``, default 10; 0: never). The
dashboards (and trends) people viewed in the last ``VIEWED_SECONDS`` are noted per scope. When a write's refresh
replaces a scope's generations (``generations.on_renewed``, after its commit), the worker recomputes each of
that scope's noted dashboards a moment later (``WARM_DELAY`` seconds, so the changes of one drain come in one
recompute) and keeps it, so the next view after the change is read, not computed. One recompute is queued per
dashboard at a time, and a dashboard is recomputed at most once per ``DASHBOARD_WARM_SECONDS``: under a stream of
writes the worker's work stays bounded by the dashboards people look at, and a view between two recomputes
computes (or is shown while recomputed), as before. A change of the organisation (the ``all`` generation) warms
nothing: the nightly warm-up and the views compute.
"""

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, router
from django.utils import timezone, translation

from accounts.models import Region, Team, User
from kamcrm import replicas
from kamcrm.outbox import services as outbox
from reports.analytics.dashboards import selectors
from reports.analytics.models import DistributorMonth
from reports.analytics.rollups import generations
from reports.analytics.rollups import services as rollups

log = logging.getLogger(__name__)

MAX_CHILDREN = 500
VERSION = 2  # of what is kept: raise it when Dashboard, Figures, TrendPoint or the entries change shape


def _seconds() -> int:
    return getattr(settings, "DASHBOARD_CACHE_SECONDS", 86400)


def _stale_seconds() -> int:
    return getattr(settings, "DASHBOARD_STALE_SECONDS", 5)


def _warm_seconds() -> int:
    return getattr(settings, "DASHBOARD_WARM_SECONDS", 10)


VIEWED_SECONDS = 8 * 3600  # a dashboard viewed within a working day is recomputed after a change of its figures
NOTE_SECONDS = 300  # each process notes a view of the same dashboard at most this often (one cache write each)
WARM_DELAY = 1.0  # seconds between a change and the recompute it queues: the rest of its drain comes in it
_viewed: dict[tuple, float] = {}  # (scope, dashboard) -> when this process last noted it (time.monotonic)


# A write reaches the dashboards through the drain within seconds; a writer is not shown a dashboard computed
# before their write had time to get there.
WRITER_SECONDS = 60
# A busy writer's mark is renewed at most this often by each process (it is kept this much longer instead): one
# cache write per visit would cost a rep's POST more than the rest of this module.
RENEW_SECONDS = 30
_noted: dict[int, float] = {}  # user id -> when this process last wrote the user's mark (time.monotonic)


def _writer_key(user_id: int) -> str:
    return f"dashboard:wrote:{user_id}"


def note_write(user_id: int) -> None:
    """``user_id`` has just changed something: their next views are computed afresh or read under the new
    generations, never shown while recomputed, until their write has had time to reach the dashboards."""
    if _stale_seconds() <= 0:
        return
    now = time.monotonic()
    if now - _noted.get(user_id, -RENEW_SECONDS) < RENEW_SECONDS:
        return
    try:
        cache.set(_writer_key(user_id), 1, timeout=_stale_seconds() + WRITER_SECONDS + RENEW_SECONDS)
        _noted[user_id] = now
    except Exception:
        log.warning("Dashboard cache unavailable", exc_info=True)


def _base(name: str, level: str, pk: int | None, kind: str, start: str, extra: str, language: str | None) -> str:
    """A kept dashboard's key: today's, in one language. One entry per key, the latest computed, with the
    generations it was computed under (an older one is replaced, not left behind in the cache)."""
    return f"dashboard:{VERSION}:{name}:{level}:{pk}:{kind}:{start}:{extra}:{language}:{timezone.localdate()}"


def _everything(generation: str) -> str:
    """The ``all`` token of a generation (``generations.scope_names`` names it first)."""
    return generation.partition(".")[0]


def _stale(entry: tuple | None, generation: str, reader: int | None):
    """What the same dashboard gave under earlier generations (``entry``), if it may be shown while it is recomputed
    (see the module's notes); else None."""
    window = _stale_seconds()
    if window <= 0 or entry is None:
        return None
    earlier, began, value = entry
    if time.time() - began > window or _everything(earlier) != _everything(generation):
        return None
    if reader is not None and cache.get(_writer_key(reader)) is not None:
        return None
    return value


def _queue_recompute(identity: dict, countdown: float | None = None) -> None:
    """Queue one recompute of this dashboard for the worker (not another while one is queued). ``identity``: the
    keyword arguments of ``recompute``, the same as ``_base``'s."""
    base = _base(**identity)
    if not cache.add(f"{base}:recomputing", 1, timeout=60 + int(countdown or 0)):
        return
    outbox.enqueue(
        "reports.tasks.refresh_dashboard",
        kwargs=identity,
        countdown=countdown,
        if_broker_down=outbox.IfBrokerDown.NEXT_RUN,  # the next view computes it
    )


def _recompute_later(name: str, scope: selectors.Scope, period: selectors.Period, extra: str) -> None:
    identity = {"name": name, "level": scope.level, "pk": scope.id, "kind": period.kind,
                "start": period.start.isoformat(), "extra": extra, "language": translation.get_language()}  # fmt: skip
    _queue_recompute(identity)


def _viewed_key(scope_name: str) -> str:
    return f"dashboard:{VERSION}:viewed:{scope_name}"


def _note_view(name: str, scope: selectors.Scope, period: selectors.Period, extra: str) -> None:
    """Someone looks at this dashboard: note it under its scope, for ``warm_after_change``."""
    if _warm_seconds() <= 0:
        return
    scope_name = generations.scope_names(scope.level, scope.id)[-1]
    seen = (name, period.kind, period.start.isoformat(), extra, translation.get_language())
    now = time.monotonic()
    if now - _viewed.get((scope_name, seen), -NOTE_SECONDS) < NOTE_SECONDS:
        return
    key, at = _viewed_key(scope_name), time.time()
    noted = {s: t for s, t in (cache.get(key) or {}).items() if at - t < VIEWED_SECONDS}  # two at once: one may go
    noted[seen] = at
    cache.set(key, noted, timeout=VIEWED_SECONDS)
    if len(_viewed) > 10_000:  # a long-lived process: forget what it may note again anyway
        for old in [k for k, t in _viewed.items() if now - t >= NOTE_SECONDS]:
            del _viewed[old]
    _viewed[(scope_name, seen)] = now


def warm_after_change(names: set[str]) -> None:
    """After a commit replaced these scopes' generations: queue a recompute of each dashboard viewed in them (see
    the module's notes), ``WARM_DELAY`` seconds later, or once ``DASHBOARD_WARM_SECONDS`` have passed since its
    last recompute."""
    every = _warm_seconds()
    if every <= 0 or _seconds() <= 0:
        return
    scope_names = [name for name in names if name != generations.EVERYTHING]
    if not scope_names:
        return
    found = cache.get_many([_viewed_key(name) for name in scope_names])
    now, to_queue = time.time(), []
    for scope_name in scope_names:
        level, _sep, pk = scope_name.partition(":")
        for (name, kind, start, extra, language), at in found.get(_viewed_key(scope_name), {}).items():
            if now - at >= VIEWED_SECONDS:
                continue
            identity = {"name": name, "level": level, "pk": int(pk) if pk else None, "kind": kind, "start": start,
                        "extra": extra, "language": language}  # fmt: skip
            to_queue.append(identity)
    if not to_queue:
        return
    warmed = [f"{_base(**identity)}:warmed" for identity in to_queue]
    last = cache.get_many(warmed)
    for identity, key in zip(to_queue, warmed, strict=True):
        _queue_recompute(identity, countdown=max(WARM_DELAY, last.get(key, 0) + every - now))


def _kept(
    name: str,
    scope: selectors.Scope,
    period: selectors.Period,
    extra: str,
    compute: Callable,
    keep=None,
    reader: int | None = None,
    stale_ok: bool = False,
):
    """``compute()``, or what it gave before under the same key and generations; kept when ``keep(value)``.
    With ``stale_ok``, what it gave a few seconds before under earlier generations while the worker recomputes
    it (see the module's notes); ``reader`` is who asks."""
    if _seconds() <= 0 or rollups.marks_pending():
        return compute()
    alias = router.db_for_read(DistributorMonth)
    try:
        generation = generations.current(generations.scope_names(scope.level, scope.id))
        base = _base(
            name, scope.level, scope.id, period.kind, period.start.isoformat(), extra, translation.get_language()
        )
        if stale_ok:  # a person's view
            _note_view(name, scope, period, extra)
        entry = cache.get(base)  # (generations, when its reads began, dashboard): the latest computed, one per key
        found = entry[2] if entry is not None and entry[0] == generation else None
        if found is None and stale_ok:
            found = _stale(entry, generation, reader)
            if found is not None:
                _recompute_later(name, scope, period, extra)
    except Exception:  # the cache is down: compute, as without one
        log.exception("Dashboard cache unavailable")
        return compute()
    if found is not None:
        return found
    if alias != DEFAULT_DB_ALIAS and not replicas.has_replayed(alias, generations.position(generation)):
        return compute()  # the replica lags the write that made these generations: shown, not kept
    began = time.time()  # what it reads is at least this recent
    value = compute()
    if keep is not None and not keep(value):
        return value
    try:
        cache.set(base, (generation, began, value), timeout=_seconds())
    except Exception:
        log.exception("Dashboard cache unavailable")
    return value


def dashboard(
    *,
    scope: selectors.Scope,
    period: selectors.Period,
    children_level: str | None = None,
    reader: int | None = None,
    stale_ok: bool = False,
):
    """``selectors.dashboard``, kept while its figures stand (``stale_ok``, ``reader``: see ``_kept``)."""

    def compute():  # kept without the scope's object (a rep's is a User): the caller's goes back on
        board = selectors.dashboard(scope=scope, period=period, children_level=children_level)
        return dataclasses.replace(board, scope=None)

    def small(board) -> bool:  # a company by account: 20,000 children, cheaper computed than kept
        return len(board.children) <= MAX_CHILDREN

    board = _kept("board", scope, period, children_level or "", compute, keep=small, reader=reader, stale_ok=stale_ok)
    return dataclasses.replace(board, scope=scope)


WARMED_PERIODS = ("month", "year")  # the page's default, and the year a region or the company is judged by


def warm() -> int:
    """Compute and keep this month's and this year's dashboards of the company, of every region and of every team,
    in every language (the nightly run, after its rebuild replaced every generation): the day's first views are
    then read, until a write changes them. Returns how many were computed."""
    periods = [selectors.period_containing(kind, None) for kind in WARMED_PERIODS]
    scopes = [selectors.Scope("company", None)]
    scopes += [selectors.Scope("region", region) for region in Region.objects.order_by("pk")]
    scopes += [selectors.Scope("team", team) for team in Team.objects.order_by("pk")]
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for period in periods:
                for scope in scopes:
                    dashboard(scope=scope, period=period)
    return len(scopes) * len(periods) * len(settings.LANGUAGES)


def trend(*, scope: selectors.Scope, period: selectors.Period, reader: int | None = None, stale_ok: bool = False):
    """``selectors.trend``, kept while its figures stand (``stale_ok``, ``reader``: see ``_kept``)."""
    return _kept(
        "trend",
        scope,
        period,
        "",
        lambda: selectors.trend(scope=scope, period=period),
        reader=reader,
        stale_ok=stale_ok,
    )


SCOPE_MODELS = {"rep": User, "team": Team, "region": Region}


def recompute(*, name: str, level: str, pk: int | None, kind: str, start: str, extra: str, language: str) -> None:
    """The worker's part of showing a dashboard while it is recomputed, and of recomputing it after a change: compute
    it and keep it under the current generations (nothing if its scope is gone)."""
    base = _base(name, level, pk, kind, start, extra, language)
    try:
        cache.delete(f"{base}:recomputing")
        cache.set(f"{base}:warmed", time.time(), timeout=max(_warm_seconds(), 1))
    except Exception:
        log.warning("Dashboard cache unavailable", exc_info=True)
    obj = None
    if level != "company":
        obj = SCOPE_MODELS[level].objects.filter(pk=pk).first()
        if obj is None:
            return
    scope = selectors.Scope(level, obj)
    period = selectors.period_containing(kind, date.fromisoformat(start))
    with translation.override(language):
        if name == "board":
            dashboard(scope=scope, period=period, children_level=extra or None)
        else:
            trend(scope=scope, period=period)
