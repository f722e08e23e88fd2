"""Writes of the rollup tables (``reports.rollup_models``): a range of days is deleted and computed again.

- :func:`rebuild` — the one writer: for all accounts or some, for all days or a range. The nightly beat task,
  the incremental task and ``manage.py rebuild_rollups`` all call it, so running any of them twice leaves the
  same rows (delete and insert in one transaction, under one lock).
- :func:`changed` — called (through model signals, see ``reports.apps``) when a source row of an account
  changes: the account's rollups are refreshed on commit by a Celery task.

The sums are computed in SQL (``INSERT … SELECT``) from the source tables: orders in a sales state, visits,
scheduled visits, payments, invoices and their allocations, approved plans. It runs on PostgreSQL and on the
SQLite fallback alike.
"""

import threading
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from distributors.models import Distributor, MonthlyPlan, QuarterlyPlan, RepSplit
from distributors.plan_selectors import outlet_total
from kamcrm.audit.models import AuditEvent
from kamcrm.outbox import services as outbox
from receivables.models import Allocation, Invoice, Payment

from .models import SALES_STATUSES, Order, ScheduleEntry, Visit
from .rollup_models import (
    FLOW_FIELDS,
    CollectionAhead,
    DistributorDay,
    DistributorMonth,
    OutletChange,
    RollupState,
    TargetMonth,
)

LOCK_ID = 731_100  # pg_advisory_xact_lock key: one rollup writer at a time
TARGET_COLUMNS = ("sales_amount", "gross_profit", "collection_amount", "outlet_coverage", "new_outlets")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _month_of(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {expression}) AS date)"
    return f"date({expression}, 'start of month')"


def _later(a: str, b: str) -> str:
    return f"(CASE WHEN {a} > {b} THEN {a} ELSE {b} END)"


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _month_end(month: date) -> date:
    return _next_month(month) - timedelta(days=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


class _Filter:
    """SQL conditions for a day range and a set of accounts, with their parameters."""

    def __init__(self, start: date | None, end: date | None, distributor_ids: list[int] | None):
        self.start, self.end, self.ids = start, end, distributor_ids

    def where(self, day: str, distributor: str) -> tuple[str, list]:
        parts, params = ["1=1"], []
        if self.start is not None:
            parts.append(f"{day} >= %s")
            params.append(self.start)
        if self.end is not None:
            parts.append(f"{day} <= %s")
            params.append(self.end)
        if self.ids is not None:
            parts.append(f"{distributor} IN ({', '.join(['%s'] * len(self.ids))})" if self.ids else "1=0")
            params.extend(self.ids)
        return " AND ".join(parts), params


def _execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _clear(table: str, where: str, params: list) -> None:
    """Delete the rows about to be computed again; everything at once (a full rebuild) is a TRUNCATE, which is
    many times faster than deleting millions of rows one by one (readers wait for the commit instead)."""
    if where == "1=1" and not params and connection.vendor == "postgresql":
        _execute(f"TRUNCATE {table}", [])
    else:
        _execute(f"DELETE FROM {table} WHERE {where}", params)


def _day_sources(f: _Filter) -> tuple[str, list]:
    """UNION ALL of (distributor_id, day, <flow columns>) contributions of every source row in the filter."""
    order, visit, entry = _table(Order), _table(Visit), _table(ScheduleEntry)
    payment, invoice, allocation = (
        _table(Payment),
        _table(Invoice),
        _table(Allocation),
    )
    due = _later("i.issue_date", "i.due_date")
    zero = dict.fromkeys(FLOW_FIELDS, "0")

    def select(distributor: str, day: str, source: str, where: str, **values) -> str:
        columns = ", ".join(f"{values.get(name, zero[name])} AS {name}" for name in FLOW_FIELDS)
        return f"SELECT {distributor} AS distributor_id, {day} AS day, {columns} FROM {source} WHERE {where}"

    parts, params = [], []

    def add(distributor, day, source, extra_where, extra_params=(), **values):
        where, where_params = f.where(day, distributor)
        parts.append(select(distributor, day, source, f"{where} AND {extra_where}", **values))
        params.extend([*where_params, *extra_params])

    statuses = [str(status) for status in SALES_STATUSES]
    add(
        "o.distributor_id",
        "o.order_date",
        f"{order} o",
        f"o.status IN ({', '.join(['%s'] * len(statuses))})",
        statuses,
        sales_amount="o.amount",
        gross_profit="o.gross_profit",
        orders="1",
    )
    add("v.distributor_id", "v.visit_date", f"{visit} v", "1=1", visits="1")
    add("e.distributor_id", "e.day", f"{entry} e", "1=1", visits_planned="1")
    add("p.distributor_id", "p.paid_on", f"{payment} p", "1=1", payments_received="p.amount")
    add("i.distributor_id", due, f"{invoice} i", "1=1", became_due="i.amount")
    # An allocation settles its invoice on the later of its date and the day the invoice became collectible;
    # one dated on or after that day is money collected then (payments only).
    add(
        "i.distributor_id",
        "a.paid_on",
        f"{allocation} a JOIN {invoice} i ON i.id = a.invoice_id",
        f"a.paid_on >= {due}",
        settled="a.amount",
        collected_on_time="(CASE WHEN a.payment_id IS NOT NULL THEN a.amount ELSE 0 END)",
        credited_on_time="(CASE WHEN a.payment_id IS NULL THEN a.amount ELSE 0 END)",
    )
    add(
        "i.distributor_id",
        due,
        f"{allocation} a JOIN {invoice} i ON i.id = a.invoice_id",
        f"a.paid_on < {due}",
        settled="a.amount",
    )
    return " UNION ALL ".join(parts), params


def _rebuild_days(f: _Filter) -> None:
    table = _table(DistributorDay)
    where, params = f.where("day", "distributor_id")
    _clear(table, where, params)
    sources, source_params = _day_sources(f)
    columns = ", ".join(FLOW_FIELDS)
    sums = ", ".join(f"SUM({name})" for name in FLOW_FIELDS)
    _execute(
        f"INSERT INTO {table} (distributor_id, day, {columns}) "
        f"SELECT distributor_id, day, {sums} FROM ({sources}) s GROUP BY distributor_id, day",
        source_params,
    )


def _rebuild_ahead(f: _Filter) -> None:
    """Allocations dated before their invoice became collectible, by (paid_on, due_on); ranged by paid_on."""
    table = _table(CollectionAhead)
    invoice, allocation = _table(Invoice), _table(Allocation)
    due = _later("i.issue_date", "i.due_date")
    where, params = f.where("paid_on", "distributor_id")
    _clear(table, where, params)
    where, params = f.where("a.paid_on", "i.distributor_id")
    _execute(
        f"INSERT INTO {table} (distributor_id, paid_on, due_on, amount, collected) "
        f"SELECT i.distributor_id, a.paid_on, {due}, SUM(a.amount), "
        f"SUM(CASE WHEN a.payment_id IS NOT NULL THEN a.amount ELSE 0 END) "
        f"FROM {allocation} a JOIN {invoice} i ON i.id = a.invoice_id "
        f"WHERE {where} AND a.paid_on < {due} GROUP BY i.distributor_id, a.paid_on, {due}",
        params,
    )


def _rebuild_months(first_month: date | None, last_month: date | None, ids: list[int] | None) -> None:
    """Month rows of the months [first_month, last_month] (open ends: all), summed from the day rows."""
    month_table, day_table = _table(DistributorMonth), _table(DistributorDay)
    where, params = _Filter(first_month, last_month, ids).where("month", "distributor_id")
    _clear(month_table, where, params)
    last_day = _month_end(last_month) if last_month else None
    where, params = _Filter(first_month, last_day, ids).where("day", "distributor_id")
    columns = ", ".join(FLOW_FIELDS)
    sums = ", ".join(f"SUM({name})" for name in FLOW_FIELDS)
    month = _month_of("day")
    _execute(
        f"INSERT INTO {month_table} (distributor_id, month, {columns}) "
        f"SELECT distributor_id, {month}, {sums} FROM {day_table} WHERE {where} GROUP BY distributor_id, {month}",
        params,
    )


def _rebuild_month_balances(first_month: date | None, ids: list[int] | None) -> None:
    """``DistributorMonth.balance`` of the accounts' months from ``first_month`` on (None: all), every later month
    included (a month after a rebuilt range — money becoming collectible later — carries the change on): the
    balance of the account's last month before ``first_month`` plus the running Σ (became_due − settled)."""
    table = _table(DistributorMonth)
    where, params = _Filter(first_month, None, ids).where("m.month", "m.distributor_id")
    net = "(m.became_due - m.settled)"
    base, base_params = "0", []
    if first_month is not None:
        base = (
            f"COALESCE((SELECT p.balance FROM {table} p WHERE p.distributor_id = m.distributor_id AND p.month < %s "
            f"ORDER BY p.month DESC LIMIT 1), 0)"
        )
        base_params = [first_month]
    if connection.vendor == "postgresql":
        _execute(
            f"UPDATE {table} t SET balance = s.running FROM ("
            f"SELECT m.id, {base} + SUM({net}) OVER (PARTITION BY m.distributor_id ORDER BY m.month) AS running "
            f"FROM {table} m WHERE {where}) s WHERE t.id = s.id AND t.balance IS DISTINCT FROM s.running",
            [*base_params, *params],
        )
        return
    # SQLite: the same, one correlated sum per row.
    where_q, params_q = _Filter(first_month, None, None).where("q.month", "q.distributor_id")
    _execute(
        f"UPDATE {table} AS m SET balance = {base} + (SELECT SUM(q.became_due - q.settled) FROM {table} q "
        f"WHERE q.distributor_id = m.distributor_id AND q.month <= m.month AND {where_q}) WHERE {where}",
        [*base_params, *params_q, *params],
    )


def _rebuild_targets(first_month: date | None, last_month: date | None, ids: list[int] | None) -> None:
    table = _table(TargetMonth)
    monthly, quarterly, split = (
        _table(MonthlyPlan),
        _table(QuarterlyPlan),
        _table(RepSplit),
    )
    f = _Filter(first_month, last_month, ids)
    where, params = f.where("month", "distributor_id")
    _clear(table, where, params)
    where, params = f.where("mp.month", "qp.distributor_id")
    columns = ", ".join(TARGET_COLUMNS)
    joins = f"{monthly} mp JOIN {quarterly} qp ON qp.id = mp.plan_id"
    approved = "qp.status = 'approved'"
    _execute(
        f"INSERT INTO {table} (distributor_id, month, rep_id, {columns}) "
        f"SELECT qp.distributor_id, mp.month, NULL, {', '.join(f'SUM(mp.{c})' for c in TARGET_COLUMNS)} "
        f"FROM {joins} WHERE {where} AND {approved} GROUP BY qp.distributor_id, mp.month",
        params,
    )
    _execute(
        f"INSERT INTO {table} (distributor_id, month, rep_id, {columns}) "
        f"SELECT qp.distributor_id, mp.month, rs.rep_id, {', '.join(f'SUM(rs.{c})' for c in TARGET_COLUMNS)} "
        f"FROM {split} rs JOIN {monthly} mp ON mp.id = rs.monthly_plan_id JOIN {quarterly} qp ON qp.id = mp.plan_id "
        f"WHERE {where} AND {approved} "
        f"GROUP BY qp.distributor_id, mp.month, rs.rep_id",
        params,
    )


def _rebuild_outlets(start: date | None, end: date | None, ids: list[int] | None) -> None:
    """Changes of the cards' outlet network per day, from the audit trail (before/after of every card change)."""

    rows = OutletChange.objects.all()
    if start is not None:
        rows = rows.filter(day__gte=start)
    if end is not None:
        rows = rows.filter(day__lte=end)
    if ids is not None:
        rows = rows.filter(distributor_id__in=ids)
    rows.delete()
    events = AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Distributor))
    tz = timezone.get_current_timezone()
    if start is not None:
        events = events.filter(at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end is not None:
        events = events.filter(at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))
    if ids is not None:
        events = events.filter(object_id__in=[str(pk) for pk in ids])
    changes: dict[tuple[int, date], int] = defaultdict(int)
    for object_id, at, before, after in events.values_list("object_id", "at", "before", "after").iterator():
        delta = outlet_total(after) - outlet_total(before)
        if delta:
            changes[(int(object_id), timezone.localtime(at, tz).date())] += delta
    existing = set(Distributor.objects.filter(pk__in={pk for pk, _day in changes}).values_list("pk", flat=True))
    OutletChange.objects.bulk_create(
        OutletChange(distributor_id=pk, day=day, change=change)
        for (pk, day), change in changes.items()
        if change and pk in existing
    )


def _stamp(ids: list[int] | None) -> None:
    now = timezone.now()
    if ids is None:
        RollupState.objects.all().delete()
        ids = list(Distributor.objects.values_list("pk", flat=True))
    else:
        RollupState.objects.filter(distributor_id__in=ids).delete()
    RollupState.objects.bulk_create(RollupState(distributor_id=pk, computed_at=now) for pk in ids)


def _lock() -> None:
    if connection.vendor == "postgresql":
        _execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])


@transaction.atomic
def rebuild(
    *, start: date | None = None, end: date | None = None, distributor_ids: Iterable[int] | None = None
) -> None:
    """Compute the rollups again for the days [start, end] (open ends: all history) of the given accounts
    (None: every account). Month rows are summed again for the months touched, targets for those months.

    Idempotent: the range is deleted and inserted again in one transaction, one writer at a time.
    """
    ids = None if distributor_ids is None else sorted(set(distributor_ids))
    if ids is not None and not ids:
        return
    _lock()
    f = _Filter(start, end, ids)
    _rebuild_days(f)
    _rebuild_ahead(f)
    _rebuild_outlets(start, end, ids)
    first_month = _first_of_month(start) if start else None
    last_month = _first_of_month(end) if end else None
    _rebuild_targets(first_month, last_month, ids)
    _rebuild_months(first_month, last_month, ids)
    _rebuild_month_balances(first_month, ids)
    _stamp(ids)


def rebuild_recent(*, today: date | None = None, days: int = 2) -> tuple[date, date]:
    """The nightly run: every account's rollups for the last ``days`` days up to today (yesterday, closed, and
    today so far). The incremental task keeps the rest current; this catches what it missed. Returns the range."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    rebuild(start=first, end=today)
    return first, today


# --- Incremental: which accounts changed in this transaction --------------------------------------------------


_pending = threading.local()


def changed(distributor_ids: Iterable[int | None]) -> None:
    """Mark accounts whose source rows changed; their rollups are refreshed once, after the commit.

    Ids of a transaction that rolls back stay marked and go out with the next commit (a harmless refresh).
    """
    ids = {pk for pk in distributor_ids if pk}
    if not ids or getattr(_pending, "suspended", False):
        return
    if not hasattr(_pending, "ids"):
        _pending.ids = set()
    _pending.ids |= ids
    transaction.on_commit(_flush)


@contextmanager
def suspended():
    """No incremental refresh inside (a bulk load such as the demo seed); rebuild once afterwards."""
    before = getattr(_pending, "suspended", False)
    _pending.suspended = True
    try:
        yield
    finally:
        _pending.suspended = before


def _flush() -> None:
    ids, _pending.ids = getattr(_pending, "ids", set()), set()
    if ids:
        # A back-dated change is older than the nightly rebuild's days: keep it in the outbox if the broker is down.
        outbox.enqueue("reports.tasks.refresh_rollups", args=[sorted(ids)], if_broker_down=outbox.IfBrokerDown.OUTBOX)


def refresh(*, distributor_ids: Iterable[int]) -> None:
    """All of these accounts' rollups, from their first day (what the incremental task runs)."""
    existing = list(Distributor.objects.filter(pk__in=list(distributor_ids)).values_list("pk", flat=True))
    rebuild(distributor_ids=existing)
