"""Writes of the rollup tables (``reports.analytics.models``): a range of days is deleted and computed again.

- :func:`rebuild` — the one writer: for all accounts or some, for all days or a range. The nightly beat task,
  the incremental drain and ``manage.py rebuild_rollups`` all call it, so running any of them twice leaves the
  same rows (delete and insert in one transaction). A rebuild of some accounts locks those accounts only
  (many workers refresh different accounts at once); a rebuild of every account locks them all.
- :func:`changed` — called (through model signals, see ``reports.analytics.rollups.signals``) when a source row of an
  account changes, with the days it touches. After the commit the account and its range of days go to the
  ``PendingRefresh`` table and a drain task is woken (at most one queued at a time): the drain merges every
  request of an account into one refresh of the days touched, so 50 visits of one account in a second cost
  one refresh of one day, not 50 refreshes of five years.

The sums are computed in SQL (``INSERT … SELECT``) from the source tables: orders in a sales state, visits,
scheduled visits, payments, invoices and their allocations, approved plans. It runs on PostgreSQL and on the
SQLite fallback alike.
"""

import logging
import threading
import time as clock
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, models, transaction
from django.utils import timezone

from distributors.models import Distributor, MonthlyPlan, QuarterlyPlan, RepSplit
from distributors.plans.selectors import outlet_total
from kamcrm.audit.models import AuditEvent
from kamcrm.outbox import services as outbox
from receivables.models import Allocation, Invoice, Payment
from reports.analytics.models import (
    FLOW_FIELDS,
    CollectionAhead,
    DistributorDay,
    DistributorMonth,
    OutletChange,
    OwnerMonth,
    PendingRefresh,
    RollupState,
    TargetMonth,
)
from reports.analytics.rollups import generations
from reports.cycle.models import ScheduleEntry
from reports.visits.models import SALES_STATUSES, Order, Visit

log = logging.getLogger(__name__)

# pg_advisory_xact_lock keys. A rebuild of every account takes ALL_ACCOUNTS exclusively; a rebuild of some
# accounts takes it shared plus (ACCOUNT, id) for each account, so refreshes of different accounts run side by
# side and two refreshes of one account (or a refresh and the nightly run) wait for each other.
ALL_ACCOUNTS = 731_100
ACCOUNT = 731_101
# The same for the reps' month sums (OwnerMonth): every rep, or (OWNER, id) per rep.
ALL_OWNERS = 731_102
OWNER = 731_103
TARGET_COLUMNS = ("sales_amount", "gross_profit", "collection_amount", "outlet_coverage", "new_outlets")
# What OwnerMonth adds up per rep and month (besides the running balance).
OWNER_SUMS = (
    *FLOW_FIELDS,
    "planned_sales_amount",
    "planned_gross_profit",
    *(f"target_{name}" for name in TARGET_COLUMNS),
)
ROLLUP_TABLES = (
    DistributorDay,
    DistributorMonth,
    CollectionAhead,
    TargetMonth,
    OutletChange,
    RollupState,
    OwnerMonth,
)
# A rebuild analyzes a table when it rewrote at least this share of its rows (autovacuum's default threshold; the
# benchmark servers run without autovacuum), or the table has never been analyzed.
ANALYZE_SHARE = 0.1
# The cache key that says "a drain is queued"; the drain deletes it when it starts (see wake_drain).
DRAIN_QUEUED_KEY = "reports:rollups:drain-queued"
DRAIN_QUEUED_TTL = 30  # seconds: a drain lost on the way frees the key; beat drains every minute anyway
DRAIN_BATCH = 500  # requests claimed per transaction
DRAIN_MAX_SECONDS = 20  # then the drain stops; writers meanwhile have queued the next one
# When the last drain started (wall-clock seconds; web hosts and workers read it): the next one waits for
# ``ROLLUP_DRAIN_INTERVAL_SECONDS`` after it (see wake_drain).
DRAIN_STARTED_KEY = "reports:rollups:drain-started"


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _month_of(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {expression}) AS date)"
    return f"date({expression}, 'start of month')"


# An invoice becomes collectible on the later of its issue and due dates, which is its due date: a check
# constraint keeps due_date >= issue_date (receivables.Invoice). Written as the column, the nightly run's
# "invoices collectible that day" is an index scan (invoice_due), not a read of every invoice.
COLLECTIBLE_ON = "i.due_date"


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _month_end(month: date) -> date:
    return _next_month(month) - timedelta(days=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


# A temporary table of (account, day) pairs after a rebuilt range whose day rows count rows dated in it (_spill).
SPILL = "rollup_spill"
# The day rows of every account's range computed aside, to write only those that changed (see _refresh_days_and_months).
FRESH_DAYS = "rollup_fresh_days"


class _Filter:
    """SQL conditions for a day range and a set of accounts, with their parameters; or, with ``spill``, for the
    (account, day) pairs of the temporary table SPILL (the range and accounts are then already in its rows)."""

    def __init__(self, start: date | None, end: date | None, distributor_ids: list[int] | None, *, spill: bool = False):
        self.start, self.end, self.ids, self.spill = start, end, distributor_ids, spill

    def where(self, day: str, distributor: str) -> tuple[str, list]:
        if self.spill:
            return f"({distributor}, {day}) IN (SELECT distributor_id, day FROM {SPILL})", []
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


@contextmanager
def _rewriting(table: str, where: str, params: list):
    """Delete the rows about to be computed again, for the block that inserts them.

    Everything at once (a full rebuild, PostgreSQL) is a TRUNCATE, many times faster than deleting millions of
    rows one by one (readers wait for the commit instead), and the table's indexes are dropped before the block
    and built again after it, as PostgreSQL's manual advises for a bulk load ("Populating a Database"): one sort
    per index instead of every B-tree kept up to date row by row (the day rows at the benchmark's size: the
    insert 122 → 70 s with the three indexes built). All of it in the rebuild's transaction: a failure rolls the
    DDL back with the rows.
    """
    if not (where == "1=1" and not params and connection.vendor == "postgresql"):
        _execute(f"DELETE FROM {table} WHERE {where}", params)
        yield
        return
    _execute(f"TRUNCATE {table}", [])
    build_again = _drop_indexes(table)
    yield
    _execute("SET LOCAL maintenance_work_mem = '256MB'", [])
    for sql in build_again:
        _execute(sql, [])


def _drop_indexes(table: str) -> list[str]:
    """Drop ``table``'s indexes, and the primary-key and unique constraints they back (unless another table's
    foreign key refers to it: then its constraints stay); returns the SQL that makes them again, as they were."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c WHERE c.conrelid = %s::regclass "
            "AND c.contype IN ('p', 'u') AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' "
            "AND f.confrelid = c.conrelid) ORDER BY c.contype, c.conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid) ORDER BY 1",
            [table],
        )
        indexes = cursor.fetchall()
    quote = connection.ops.quote_name
    for name, _definition in constraints:
        _execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}", [])
    for name, _definition in indexes:
        _execute(f"DROP INDEX {name}", [])  # regclass text: already quoted where it needs to be
    return [
        *(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}" for name, definition in constraints),
        *(definition for _name, definition in indexes),
    ]


def _day_sources(f: _Filter) -> tuple[str, list]:
    """UNION ALL of (distributor_id, day, <flow columns>) contributions of every source row in the filter."""
    order, visit, entry = _table(Order), _table(Visit), _table(ScheduleEntry)
    payment, invoice, allocation = (
        _table(Payment),
        _table(Invoice),
        _table(Allocation),
    )
    due = COLLECTIBLE_ON
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
    sources, source_params = _day_sources(f)
    columns = ", ".join(FLOW_FIELDS)
    sums = ", ".join(f"SUM({name})" for name in FLOW_FIELDS)
    with _rewriting(table, where, params):
        _execute(
            f"INSERT INTO {table} (distributor_id, day, {columns}) "
            f"SELECT distributor_id, day, {sums} FROM ({sources}) s GROUP BY distributor_id, day",
            source_params,
        )


def _refresh_days_and_months(f: _Filter, first_month: date | None, last_month: date | None) -> None:
    """Day rows of a range computed again, and their months corrected by the difference (PostgreSQL): the old
    day rows are taken out of their months as they are deleted, the new ones added as they are inserted, so a
    day's change costs that day's rows, not a re-sum of its month. Month rows left with no day row go."""
    day_table, month_table = _table(DistributorDay), _table(DistributorMonth)
    columns = ", ".join(FLOW_FIELDS)
    month = _month_of("day")
    add = ", ".join(f"{c} = {month_table}.{c} + EXCLUDED.{c}" for c in FLOW_FIELDS)

    def into_months(rows: str) -> str:
        return (
            f"INSERT INTO {month_table} (distributor_id, month, planned, {columns}) {_months_from(rows, '1=1')} "
            f"ON CONFLICT (distributor_id, month) DO UPDATE SET {add}"
        )

    where, params = f.where("day", "distributor_id")
    sums = ", ".join(f"SUM({c}) AS {c}" for c in FLOW_FIELDS)
    subtract = ", ".join(f"{c} = m.{c} - o.{c}" for c in FLOW_FIELDS)
    sources, source_params = _day_sources(f)
    computed = (
        f"distributor_id, day, {', '.join(f'SUM({c})' for c in FLOW_FIELDS)} FROM ({sources}) s "
        "GROUP BY distributor_id, day"
    )
    new_rows, unchanged = f"SELECT {computed}", ""
    if f.ids is None:
        # Every account (the nightly run): most day rows come out as they are (the drain computed them already).
        # Compute them aside and rewrite only the rows that differ: deleting and inserting thousands of equal rows
        # scattered over the table, and correcting their months twice, was most of the run's time.
        _execute(f"CREATE TEMP TABLE IF NOT EXISTS {FRESH_DAYS} (LIKE {day_table}) ON COMMIT DELETE ROWS", [])
        _execute(f"DELETE FROM {FRESH_DAYS}", [])  # a second rebuild in one transaction starts afresh
        _execute(f"INSERT INTO {FRESH_DAYS} (id, distributor_id, day, {columns}) SELECT 0, {computed}", source_params)
        _execute(f"ANALYZE {FRESH_DAYS}", [])
        same = " AND ".join(f"n.{c} = {day_table}.{c}" for c in FLOW_FIELDS)
        unchanged = (  # a day row equal to its fresh one stays
            f" AND NOT EXISTS (SELECT 1 FROM {FRESH_DAYS} n WHERE n.distributor_id = {day_table}.distributor_id"
            f" AND n.day = {day_table}.day AND {same})"
        )
        new_rows, source_params = (  # then the fresh rows whose day row is not there (new, or deleted as changed)
            f"SELECT n.distributor_id, n.day, {', '.join(f'n.{c}' for c in FLOW_FIELDS)} FROM {FRESH_DAYS} n "
            f"WHERE NOT EXISTS (SELECT 1 FROM {day_table} d"
            " WHERE d.distributor_id = n.distributor_id AND d.day = n.day)",
            [],
        )
    _execute(  # an UPDATE, not an upsert: a proposed row of negative counts would fail their CHECK constraints
        f"WITH old AS (DELETE FROM {day_table} WHERE {where}{unchanged} RETURNING distributor_id, day, {columns}), "
        f"o AS (SELECT distributor_id, {month} AS month, {sums} FROM old GROUP BY distributor_id, {month}) "
        f"UPDATE {month_table} m SET {subtract} FROM o WHERE m.distributor_id = o.distributor_id AND m.month = o.month",
        params,
    )
    _execute(
        f"WITH new AS (INSERT INTO {day_table} (distributor_id, day, {columns}) {new_rows} "
        f"RETURNING distributor_id, day, {columns}) " + into_months("new"),
        source_params,
    )
    where, params = _Filter(first_month, last_month, f.ids).where("m.month", "m.distributor_id")
    zero = " AND ".join(f"m.{c} = 0" for c in FLOW_FIELDS)
    _execute(
        f"DELETE FROM {month_table} m WHERE {where} AND {zero} AND NOT EXISTS (SELECT 1 FROM {day_table} d "
        "WHERE d.distributor_id = m.distributor_id AND d.day >= m.month "
        "AND d.day < CAST(m.month + interval '1 month' AS date))",
        params,
    )


def _rebuild_ahead(f: _Filter) -> None:
    """Allocations dated before their invoice became collectible, by (paid_on, due_on); ranged by paid_on."""
    table = _table(CollectionAhead)
    invoice, allocation = _table(Invoice), _table(Allocation)
    due = COLLECTIBLE_ON
    cleared, cleared_params = f.where("paid_on", "distributor_id")
    where, params = f.where("a.paid_on", "i.distributor_id")
    with _rewriting(table, cleared, cleared_params):
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
    cleared, cleared_params = _Filter(first_month, last_month, ids).where("month", "distributor_id")
    last_day = _month_end(last_month) if last_month else None
    where, params = _Filter(first_month, last_day, ids).where("day", "distributor_id")
    columns = ", ".join(FLOW_FIELDS)
    rows = _months_from(day_table, where)
    if first_month is None and last_month is None:
        # Every month of the accounts: their running balances written with them (see _rebuild_month_balances),
        # not in a second pass that rewrites every row (16-19 s of a full rebuild at the benchmark's size).
        rows = (
            f"SELECT m.*, SUM(m.became_due - m.settled) OVER (PARTITION BY m.distributor_id ORDER BY m.month) "
            f"FROM ({rows}) m"
        )
        columns += ", balance"
    with _rewriting(month_table, cleared, cleared_params):
        _execute(f"INSERT INTO {month_table} (distributor_id, month, planned, {columns}) {rows}", params)


def _months_from(day_rows: str, where: str) -> str:
    """SQL: (distributor_id, month, planned, <flow sums>) of the day rows ``day_rows`` (a table or CTE) that match
    ``where``, one row per account and month, with the month's planned flag."""
    sums = ", ".join(f"SUM({c}) AS {c}" for c in FLOW_FIELDS)
    month = _month_of("day")
    return (
        f"SELECT g.distributor_id, g.month, {_planned_sql('g.distributor_id', 'g.month')}, "
        f"{', '.join(f'g.{c}' for c in FLOW_FIELDS)} FROM (SELECT distributor_id, {month} AS month, {sums} "
        f"FROM {day_rows} WHERE {where} GROUP BY distributor_id, {month}) g"
    )


def _planned_sql(distributor: str, month: str) -> str:
    """SQL: whether the account has an approved, current plan for the month (its TargetMonth row without rep)."""
    return (
        f"EXISTS (SELECT 1 FROM {_table(TargetMonth)} t WHERE t.distributor_id = {distributor} "
        f"AND t.month = {month} AND t.rep_id IS NULL)"
    )


def _mark_planned_months(first_month: date | None, last_month: date | None, ids: list[int] | None) -> None:
    """``DistributorMonth.planned`` of the months [first_month, last_month] again, after their targets changed."""
    table = _table(DistributorMonth)
    where, params = _Filter(first_month, last_month, ids).where("month", "distributor_id")
    planned = _planned_sql(f"{table}.distributor_id", f"{table}.month")
    _execute(f"UPDATE {table} SET planned = {planned} WHERE {where} AND planned <> {planned}", params)


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
    cleared, cleared_params = f.where("month", "distributor_id")
    where, params = f.where("mp.month", "qp.distributor_id")
    columns = ", ".join(TARGET_COLUMNS)
    joins = f"{monthly} mp JOIN {quarterly} qp ON qp.id = mp.plan_id"
    approved = "qp.status = 'approved'"
    with _rewriting(table, cleared, cleared_params):
        _execute(
            f"INSERT INTO {table} (distributor_id, month, rep_id, {columns}) "
            f"SELECT qp.distributor_id, mp.month, NULL, {', '.join(f'SUM(mp.{c})' for c in TARGET_COLUMNS)} "
            f"FROM {joins} WHERE {where} AND {approved} GROUP BY qp.distributor_id, mp.month",
            params,
        )
        _execute(
            f"INSERT INTO {table} (distributor_id, month, rep_id, {columns}) "
            f"SELECT qp.distributor_id, mp.month, rs.rep_id, {', '.join(f'SUM(rs.{c})' for c in TARGET_COLUMNS)} "
            f"FROM {split} rs JOIN {monthly} mp ON mp.id = rs.monthly_plan_id "
            f"JOIN {quarterly} qp ON qp.id = mp.plan_id WHERE {where} AND {approved} "
            f"GROUP BY qp.distributor_id, mp.month, rs.rep_id",
            params,
        )


def owners_of(ids: Iterable[int]) -> list[int]:
    """The current owners of these accounts, in id order."""
    return sorted(set(Distributor.objects.filter(pk__in=list(ids)).values_list("owner_id", flat=True)))


def rebuild_owner_months(first_month: date | None, owners: list[int] | None) -> None:
    """``OwnerMonth`` of these reps (None: every rep) from ``first_month`` on (None: every month), summed again
    from the month rows and plan targets of the accounts each of them owns now, with the running balance (the
    balance of the rep's last row before ``first_month`` plus the running Σ (became_due − settled)).

    Called in the transaction that wrote the accounts' month rows or targets (their owners, from the first month
    written on: every later month's balance moves with it) and by a change of a card's owner (both reps, every
    month). Under the reps' locks (``ALL_OWNERS``/``OWNER``, as ``_lock`` does for accounts), taken after the
    accounts' own, so two writers never insert the same rep's month."""
    if owners is not None and not owners:
        return
    _lock(owners, everything=ALL_OWNERS, one=OWNER)
    table, months, targets, accounts = (
        _table(OwnerMonth),
        _table(DistributorMonth),
        _table(TargetMonth),
        _table(Distributor),
    )
    since, since_params = ("", []) if first_month is None else (" AND month >= %s", [first_month])
    owned, owned_params = "", []
    if owners is not None:
        owned = (
            f" AND distributor_id IN (SELECT id FROM {accounts} WHERE owner_id IN ({', '.join(['%s'] * len(owners))}))"
        )
        owned_params = list(owners)
    month_rows = (
        f"SELECT distributor_id, month, {', '.join(FLOW_FIELDS)}, "
        "CASE WHEN planned THEN sales_amount ELSE 0 END AS planned_sales_amount, "
        "CASE WHEN planned THEN gross_profit ELSE 0 END AS planned_gross_profit, "
        f"{', '.join(f'0 AS target_{name}' for name in TARGET_COLUMNS)} FROM {months} WHERE 1=1{since}{owned}"
    )
    target_rows = (
        f"SELECT distributor_id, month, {', '.join('0' for _name in FLOW_FIELDS)}, 0, 0, {', '.join(TARGET_COLUMNS)} "
        f"FROM {targets} WHERE rep_id IS NULL{since}{owned}"
    )
    grouped = (  # the columns are named by the first SELECT of the union
        f"SELECT d.owner_id, x.month, {', '.join(f'SUM(x.{name}) AS {name}' for name in OWNER_SUMS)}, "
        f"SUM(x.became_due - x.settled) AS net FROM ({month_rows} UNION ALL {target_rows}) x "
        f"JOIN {accounts} d ON d.id = x.distributor_id GROUP BY d.owner_id, x.month"
    )
    base, base_params = "0", []
    if first_month is not None:
        base = (
            f"COALESCE((SELECT p.balance FROM {table} p WHERE p.owner_id = g.owner_id AND p.month < %s "
            "ORDER BY p.month DESC LIMIT 1), 0)"
        )
        base_params = [first_month]
    cleared = "1=1" + since
    if owners is not None:
        cleared += f" AND owner_id IN ({', '.join(['%s'] * len(owners))})"
    with _rewriting(table, cleared, [*since_params, *owned_params]):
        _execute(
            f"INSERT INTO {table} (owner_id, month, {', '.join(OWNER_SUMS)}, balance) "
            f"SELECT g.owner_id, g.month, {', '.join(f'g.{name}' for name in OWNER_SUMS)}, "
            f"{base} + SUM(g.net) OVER (PARTITION BY g.owner_id ORDER BY g.month) FROM ({grouped}) g",
            [*base_params, *since_params, *owned_params, *since_params, *owned_params],
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
    """Now is when these accounts' rollups were computed (the accounts that still exist)."""
    table, accounts = _table(RollupState), _table(Distributor)
    where, params = ("1=1", []) if ids is None else (f"id IN ({', '.join(['%s'] * len(ids))})", list(ids))
    _execute(
        f"INSERT INTO {table} (distributor_id, computed_at) SELECT id, %s FROM {accounts} WHERE {where} "
        "ON CONFLICT (distributor_id) DO UPDATE SET computed_at = EXCLUDED.computed_at",
        [timezone.now(), *params],
    )
    generations.renew_accounts(ids)  # the dashboards kept in the cache for these accounts are not used again


def _lock(ids: list[int] | None, *, everything: int = ALL_ACCOUNTS, one: int = ACCOUNT) -> None:
    """Every account (``ids`` None) or these accounts, until the transaction ends; in ascending id order, so two
    writers of overlapping accounts never wait for each other in a circle. (The reps' month sums: the same with
    ``ALL_OWNERS`` and ``OWNER``.)"""
    if connection.vendor != "postgresql":
        return  # SQLite: every write transaction takes the one write lock when it begins (settings)
    if ids is None:
        _execute("SELECT pg_advisory_xact_lock(%s)", [everything])
        return
    _execute(
        "SELECT pg_advisory_xact_lock_shared(%s), "
        "(SELECT count(pg_advisory_xact_lock(%s, CAST(x %% 2147483647 AS integer))) FROM unnest(%s::bigint[]) x)",
        [everything, one, sorted(ids)],
    )


def _analyze(*, everything: bool) -> None:
    """ANALYZE the rollup tables this rebuild rewrote a good share of (all of them after a full rebuild), so the
    planner knows their new size at once: autovacuum may be off, and a TRUNCATEd table has no statistics."""
    if connection.vendor != "postgresql":
        return
    names = [model._meta.db_table for model in ROLLUP_TABLES]
    if everything:
        stale = names
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, c.reltuples, COALESCE(s.n_mod_since_analyze, 0) "
                "  + COALESCE(x.n_tup_ins + x.n_tup_upd + x.n_tup_del, 0) "
                "FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
                "LEFT JOIN pg_stat_xact_user_tables x ON x.relid = c.oid "
                "WHERE c.relname = ANY(%s) AND c.relnamespace = to_regnamespace(current_schema())",
                [names],
            )
            rows = cursor.fetchall()
        stale = [name for name, tuples, changed in rows if tuples < 0 or changed >= ANALYZE_SHARE * tuples]
    for name in stale:
        _execute(f"ANALYZE {connection.ops.quote_name(name)}", [])


# What a rebuild computes again: bits, so requests of one account merge with a plain OR.
FLOWS = 1  # day and month rows (orders, visits, schedules, payments, invoices, allocations)
AHEAD = 2  # allocations dated before their invoice became collectible
OUTLETS = 4  # outlet changes from the cards' audit trail
TARGETS = 8  # approved plans' monthly targets
EVERYTHING = FLOWS | AHEAD | OUTLETS | TARGETS


@transaction.atomic
def rebuild(
    *,
    start: date | None = None,
    end: date | None = None,
    distributor_ids: Iterable[int] | None = None,
    parts: int = EVERYTHING,
) -> None:
    """Compute the rollups again for the days [start, end] (open ends: all history) of the given accounts
    (None: every account). Month rows are summed again for the months touched, targets for those months;
    ``parts`` limits the work to what a change can have touched (see FLOWS … TARGETS).

    Idempotent: the range is deleted and inserted again in one transaction, under a lock of those accounts
    (every account when ``distributor_ids`` is None). A rebuild of every account ends with ANALYZE of the tables
    it rewrote a good share of.
    """
    ids = None if distributor_ids is None else sorted(set(distributor_ids))
    if ids is not None and not ids:
        return
    _lock(ids)
    _rebuild(start, end, ids, parts)
    if parts & (FLOWS | TARGETS):
        rebuild_owner_months(_first_of_month(start) if start else None, None if ids is None else owners_of(ids))
    if ids is None:
        _analyze(everything=start is None and end is None)


def _spill(f: _Filter) -> date | None:
    """Fill SPILL with the (account, day) pairs after the range ``f`` whose day rows count rows dated in it: an
    invoice issued in the range becomes collectible on its due date, and an allocation dated in the range before
    its invoice became collectible settles it on that date — also one since removed, as its stored
    CollectionAhead row (read before AHEAD computes them again) says. Returns the first day after the range
    when there is any such pair, else None (also for a range open at its end: nothing lies after it)."""
    if f.end is None:
        return None
    invoice, allocation, ahead = _table(Invoice), _table(Allocation), _table(CollectionAhead)
    if connection.vendor == "postgresql":
        _execute(f"CREATE TEMP TABLE IF NOT EXISTS {SPILL} (distributor_id bigint, day date) ON COMMIT DELETE ROWS", [])
    else:
        _execute(f"CREATE TEMP TABLE IF NOT EXISTS {SPILL} (distributor_id integer, day date)", [])
    _execute(f"DELETE FROM {SPILL}", [])  # a second rebuild in one transaction (savepoints) starts afresh
    after = f.end + timedelta(days=1)
    issued, issued_params = f.where("i.issue_date", "i.distributor_id")
    paid, paid_params = f.where("a.paid_on", "i.distributor_id")
    stored, stored_params = f.where("c.paid_on", "c.distributor_id")
    added = _execute(
        f"INSERT INTO {SPILL} (distributor_id, day) "
        f"SELECT i.distributor_id, {COLLECTIBLE_ON} FROM {invoice} i WHERE {issued} AND {COLLECTIBLE_ON} >= %s "
        f"UNION SELECT i.distributor_id, {COLLECTIBLE_ON} FROM {allocation} a JOIN {invoice} i ON i.id = a.invoice_id "
        f"WHERE {paid} AND {COLLECTIBLE_ON} >= %s "
        f"UNION SELECT c.distributor_id, c.due_on FROM {ahead} c WHERE {stored} AND c.due_on >= %s",
        [*issued_params, after, *paid_params, after, *stored_params, after],
    )
    if added <= 0:
        return None
    if connection.vendor == "postgresql":
        _execute(f"ANALYZE {SPILL}", [])  # the planner then reads the sources by (account, day), not all of them
    return after


def _rebuild(start: date | None, end: date | None, ids: list[int] | None, parts: int = EVERYTHING) -> None:
    f = _Filter(start, end, ids)
    first_month = _first_of_month(start) if start else None
    last_month = _first_of_month(end) if end else None
    # A range on PostgreSQL corrects the months by the difference; everything at once (or SQLite) re-sums them.
    by_difference = connection.vendor == "postgresql" and (start, end, ids) != (None, None, None)
    # Days after the range that rows dated in it count on (money becoming collectible later): computed too.
    spill_from = _spill(f) if parts & FLOWS else None
    spill = _Filter(None, None, ids, spill=True)
    if parts & FLOWS:
        if by_difference:
            _refresh_days_and_months(f, first_month, last_month)
            if spill_from:
                _refresh_days_and_months(spill, _first_of_month(spill_from), None)
        else:
            _rebuild_days(f)
            if spill_from:
                _rebuild_days(spill)
    if parts & AHEAD:
        _rebuild_ahead(f)
    if parts & OUTLETS:
        _rebuild_outlets(start, end, ids)
    months_rewritten = bool(parts & FLOWS) and not by_difference  # then with their planned flag, below
    if parts & TARGETS:
        _rebuild_targets(first_month, last_month, ids)
        if not months_rewritten:
            _mark_planned_months(first_month, last_month, ids)
    if months_rewritten:
        _rebuild_months(first_month, last_month, ids)
        if spill_from:
            _rebuild_months(_first_of_month(spill_from), None, ids)
    if parts & FLOWS and not (months_rewritten and start is None and end is None):  # else written with them
        _rebuild_month_balances(first_month, ids)
    _stamp(ids)


def rebuild_recent(*, today: date | None = None, days: int = 2) -> tuple[date, date]:
    """The nightly run: every account's rollups for the last ``days`` days up to today (yesterday, closed, and
    today so far). The incremental drain keeps the rest current; this catches what it missed. Returns the range.

    Targets are left out: they change only with a plan, whose refresh request is stored like any other and
    redone by beat's drain until it succeeds; ``rebuild_rollups`` recomputes them."""
    today = today or timezone.localdate()
    first = today - timedelta(days=days - 1)
    rebuild(start=first, end=today, parts=FLOWS | AHEAD | OUTLETS)
    return first, today


# --- Incremental: which accounts, days and parts changed in this transaction ----------------------------------

# An account's request: (first day, last day, parts); None at either end means "from the first day" / "to the
# last", so (None, None, EVERYTHING) is all of its history.
Request = tuple[date | None, date | None, int]
ALL_DAYS = (None, None)

_pending = threading.local()


def _merge(a: Request | None, b: Request) -> Request:
    if a is None:
        return b
    first = None if a[0] is None or b[0] is None else min(a[0], b[0])
    last = None if a[1] is None or b[1] is None else max(a[1], b[1])
    return first, last, a[2] | b[2]


def span(days: Iterable[date | None] | None) -> tuple[date | None, date | None]:
    """The range covering ``days`` (None, or any day None: all history)."""
    if days is None:
        return ALL_DAYS
    days = list(days)
    if not days or any(day is None for day in days):
        return ALL_DAYS
    return min(days), max(days)


def changed(
    distributor_ids: Iterable[int | None], days: Iterable[date | None] | None = None, parts: int = EVERYTHING
) -> None:
    """Mark accounts whose source rows changed on ``days`` (None: any day) in ``parts`` of the rollups; after the
    commit those days (and the months and targets around them) are refreshed, once however often they were marked.

    Marks of a transaction that rolls back stay and go out with the next commit (a harmless refresh).
    """
    ids = {pk for pk in distributor_ids if pk}
    if not ids or getattr(_pending, "suspended", False):
        return
    touched = (*span(days), parts)
    if not hasattr(_pending, "requests"):
        _pending.requests = {}
    for pk in ids:
        _pending.requests[pk] = _merge(_pending.requests.get(pk), touched)
    transaction.on_commit(_flush)


def owners_changed(owners: Iterable[int | None], accounts: Iterable[int]) -> None:
    """``accounts`` moved between these reps (or were deleted): the reps' month sums again, every month, at once
    (in the writer's transaction, which the sums commit or roll back with). Not inside ``suspended``: its rebuild
    does. Under the accounts' locks first, as a refresh takes them: a refresh of a moved account in flight commits
    before (and its rows are summed here) or waits for this one (and sums the account under its new rep)."""
    owners = sorted({pk for pk in owners if pk})
    if owners and not getattr(_pending, "suspended", False):
        with transaction.atomic():
            _lock(sorted(set(accounts)))
            rebuild_owner_months(None, owners)


def marks_pending() -> bool:
    """Whether this thread marked changes that no refresh has yet followed (its transaction is still open, or
    rolled back): what it reads of the rollups' consumers must not come from a cache."""
    return bool(getattr(_pending, "requests", None)) or getattr(_pending, "stored", False)


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
    requests, _pending.requests = getattr(_pending, "requests", {}), {}
    stored, _pending.stored = getattr(_pending, "stored", False), False
    if requests:
        # Stored first (one INSERT): the request survives a broker outage and a worker restart; beat drains every
        # minute whatever happens to the wake-up below.
        request(requests)
    if requests or stored:
        wake_drain()


def store_marked() -> None:
    """Store this transaction's marks now, inside it (call it as the transaction's last write): the requests
    commit or roll back with the change, and the commit is the request's only one (the drain is woken after it).
    """
    requests, _pending.requests = getattr(_pending, "requests", {}), {}
    if requests:
        request(requests)
        _pending.stored = True


def request(requests: dict[int, Request]) -> None:
    """Store refresh requests (account -> (first day, last day, parts)) for the drain."""
    PendingRefresh.objects.bulk_create(
        PendingRefresh(distributor_id=pk, start=first, end=last, parts=parts)
        for pk, (first, last, parts) in requests.items()
    )


def wake_drain() -> None:
    """Queue the drain task unless one is already queued and not started (the cache key, deleted by the drain as
    it starts, so a request stored after the drain read the table always queues the next one).

    Paced: a drain starts at least ``ROLLUP_DRAIN_INTERVAL_SECONDS`` after the one before. After a quiet spell it
    runs at once; under a stream of writes it runs every interval and refreshes what the interval's writes stored
    in one batch (an account refreshed once however many visits it got, the statements shared by the batch),
    instead of a small batch per drain: 50 reps posting, the worker's CPU per visit 2.8-3.4 -> 1.4-2.0 ms at the
    default 2 s (bench/README.md).
    """
    since = None
    try:
        # Kept past the countdown: a long interval must not let a second drain be queued behind the first.
        queue = cache.add(DRAIN_QUEUED_KEY, 1, timeout=DRAIN_QUEUED_TTL + settings.ROLLUP_DRAIN_INTERVAL_SECONDS)
        if queue:
            since = cache.get(DRAIN_STARTED_KEY)
    except Exception:  # the cache is down: queue anyway, a drain too many is harmless
        log.warning("Rollup drain: the cache cannot be reached", exc_info=True)
        queue = True
    if queue:
        outbox.enqueue(
            "reports.tasks.drain_rollup_refreshes",
            if_broker_down=outbox.IfBrokerDown.NEXT_RUN,
            countdown=drain_countdown(since, wall_clock()),
        )


def wall_clock() -> float:
    """Seconds since the epoch, as every host reads them: when a drain started and when a write wakes the next."""
    return clock.time()


def drain_countdown(last_start: float | None, now: float) -> float | None:
    """Seconds the next drain waits: until ``ROLLUP_DRAIN_INTERVAL_SECONDS`` after the last one started, never more
    than the interval (another host's clock may run ahead); None: at once."""
    interval = settings.ROLLUP_DRAIN_INTERVAL_SECONDS
    if not interval or last_start is None or last_start + interval <= now:
        return None
    return round(min(interval, last_start + interval - now), 3)


def _claim(batch: int) -> dict[int, Request]:
    """Take (delete) up to ``batch`` stored requests, skipping those another drain holds; merged per account."""
    table = _table(PendingRefresh)
    lock = " FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT %s{lock}) "
            'RETURNING distributor_id, start, "end", parts',
            [batch],
        )
        rows = cursor.fetchall()
    requests: dict[int, Request] = {}
    for distributor_id, first, last, parts in rows:
        if isinstance(first, str):  # SQLite returns dates as text here
            first, last = (date.fromisoformat(first) if first else None), (date.fromisoformat(last) if last else None)
        requests[distributor_id] = _merge(requests.get(distributor_id), (first, last, parts))
    return requests


def drain(*, batch: int = DRAIN_BATCH, max_seconds: float = DRAIN_MAX_SECONDS) -> int:
    """Refresh every account that has stored requests, each once over the days and parts its requests cover;
    returns the number of account refreshes. Accounts with the same request are rebuilt together (a busy day's
    requests are nearly all "today's visits"). A failure rolls the claimed requests back into the table for the
    next drain. Safe in parallel: requests are claimed with SKIP LOCKED, accounts locked in id order."""
    try:
        cache.delete(DRAIN_QUEUED_KEY)
        if settings.ROLLUP_DRAIN_INTERVAL_SECONDS:
            cache.set(DRAIN_STARTED_KEY, wall_clock(), timeout=max(60, 2 * settings.ROLLUP_DRAIN_INTERVAL_SECONDS))
    except Exception:
        log.warning("Rollup drain: the cache cannot be reached", exc_info=True)
    began, refreshed = clock.monotonic(), 0
    while clock.monotonic() - began < max_seconds:
        with transaction.atomic():
            requests = _claim(batch)
            if not requests:
                break
            groups: dict[Request, list[int]] = defaultdict(list)
            for pk, touched in requests.items():
                groups[touched].append(pk)
            _lock(sorted(requests))  # one statement for the batch, before any group is written
            for (first, last, parts), ids in groups.items():
                _rebuild(first, last, sorted(ids), parts)
            # The owners' month sums once for the batch (their locks in one statement too), from its first month.
            summed = [(first, ids) for (first, _last, parts), ids in groups.items() if parts & (FLOWS | TARGETS)]
            if summed:
                firsts = [first for first, _ids in summed]
                since = None if None in firsts else _first_of_month(min(firsts))
                rebuild_owner_months(since, owners_of(pk for _first, ids in summed for pk in ids))
            refreshed += len(requests)
    return refreshed


def refresh(*, distributor_ids: Iterable[int]) -> None:
    """All of these accounts' rollups, from their first day (what the incremental task runs)."""
    existing = list(Distributor.objects.filter(pk__in=list(distributor_ids)).values_list("pk", flat=True))
    rebuild(distributor_ids=existing)
