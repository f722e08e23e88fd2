"""The benchmark company: a whole synthetic KAM CRM of the target size, written in bulk SQL (PostgreSQL only).

``build(Size(...))`` migrates, deletes the earlier benchmark rows (everything with the ``bench`` prefix and
whatever hangs off it) and writes, with ``INSERT … SELECT generate_series`` and a fixed ``setseed``:

- the org: ``reps / 10`` teams (a KAM each), ``teams / 10`` regions (a regional manager each), a finance user
  and an administrator; usernames ``bench_rep_0000``, ``bench_kam_000``, ``bench_rm_00``, ``bench_finance``,
  ``bench_admin``, every one with the password ``bench-2026``;
- a small catalogue (our brands with their products, competitors' brands, product categories);
- the distributors, spread over the reps as owners (``distributors / reps`` each), with realistic statuses,
  tiers and evaluations, a primary contact, the brands they carry and their categories;
- five years (ending today, local time) of visits (``visit_date`` is the local date of ``started_at``; the rep
  is the owner, sometimes a teammate), orders with their lines (amounts exactly as ``reports.visits.services`` keeps
  them), weekly schedules with one stop per planned visit (plus the plans of the rest of this week and next
  week), approved quarterly plans with their months and the owner's split (targets close to the sales
  generated), and the receivables: invoices, payments, allocations and the reminders already sent, with open
  amounts and ``last_applied_on`` as the receivables services keep them.

Everything respects the models' constraints (checks, unique and partial unique indexes); ``ANALYZE`` (with
``VACUUM``, so index-only scans work at once and autovacuum does not run during a benchmark) ends the build.
At the target size (2,000 reps, 20,000 distributors, 5 M visits, 2 M orders, 1 M invoices) it takes 5–6
minutes on the shared 2-core machine.

How it stays fast: each step is one transaction that drops the secondary indexes and foreign keys of the tables
it fills and creates exactly the same ones again at its end (``_bulk_load``); ids are reserved up front where
rows must point at each other, so nothing is joined back. The deletion truncates tables that hold benchmark
rows only and deletes from the others; rows of any table pointing at benchmark rows (found from the models'
foreign keys: rollups, audit events, comments …) go too.

Used by ``manage.py seed_bench`` and ``bench/receivables.py seed``. Never on a database you care about: it
takes strong locks while it runs.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models, transaction
from django.utils import timezone

PREFIX = "bench"
PASSWORD = "bench-2026"
YEARS_DAYS = 1826  # five years of history, ending today
SEED = 0.2026

Say = Callable[[str], None]


@dataclass(frozen=True)
class Size:
    reps: int = 2_000
    distributors: int = 20_000
    visits: int = 5_000_000
    orders: int = 2_000_000
    invoices: int = 1_000_000

    def check(self) -> None:
        if self.reps < 1 or self.distributors < 1:
            raise CommandError("A benchmark company needs at least one rep and one distributor.")
        if min(self.visits, self.orders, self.invoices) < 0:
            raise CommandError("Counts cannot be negative.")


# --- Reference data -----------------------------------------------------------------------------------------

CITIES = [  # name, latitude, longitude: region n works in CITIES[n % len(CITIES)]
    ("上海", 31.2304, 121.4737),
    ("北京", 39.9042, 116.4074),
    ("广州", 23.1291, 113.2644),
    ("深圳", 22.5431, 114.0579),
    ("杭州", 30.2741, 120.1551),
    ("南京", 32.0603, 118.7969),
    ("成都", 30.5728, 104.0668),
    ("武汉", 30.5928, 114.3055),
    ("西安", 34.3416, 108.9398),
    ("重庆", 29.5630, 106.5516),
    ("苏州", 31.2989, 120.5853),
    ("天津", 39.3434, 117.3616),
    ("长沙", 28.2282, 112.9388),
    ("郑州", 34.7466, 113.6254),
    ("青岛", 36.0671, 120.3826),
    ("济南", 36.6512, 117.1201),
    ("合肥", 31.8206, 117.2272),
    ("福州", 26.0745, 119.2965),
    ("昆明", 24.8801, 102.8329),
    ("沈阳", 41.8057, 123.4315),
]
DISTRICTS = ["城东区", "城西区", "高新区", "经开区", "新城区", "老城区", "滨江区", "临港区"]
TOWNS = ["城关镇", "新集镇", "河口镇", "东坝镇", "石桥镇", "南湖镇"]
TRADE_NAMES = ["恒达", "鑫源", "宏图", "万家", "汇丰", "永盛", "华联", "金穗", "瑞丰", "嘉禾", "顺通", "益民"]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林"]
GIVEN_NAMES = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
]
OWN_BRANDS = [  # code suffix, name, manufacturer, products: (name, list price of a carton)
    (
        "qq",
        "清泉 Spring",
        "清泉饮品有限公司",
        [("矿泉水 550ml×24", 36), ("矿泉水 1.5L×12", 42), ("苏打水 350ml×24", 78)],
    ),
    ("hs", "禾穗 Harvest", "禾穗食品有限公司", [("燕麦片 1kg×12", 186), ("五谷粉 500g×20", 240), ("米饼 150g×30", 96)]),
    ("ml", "蜜乐 Honeyjoy", "蜜乐乳业有限公司", [("酸奶 200g×24", 88), ("纯牛奶 250ml×24", 72), ("奶粉 900g×6", 690)]),
    ("xy", "鲜悦 FreshJoy", "鲜悦日化有限公司", [("洗衣液 2kg×6", 132), ("洗洁精 1.5kg×8", 84), ("纸巾 10包×10", 118)]),
]
COMPETITOR_BRANDS = [("c-nf", "农夫源 Farmstream"), ("c-yl", "伊禾 Yihe"), ("c-lb", "蓝白 Bluewhite")]
CATEGORIES = ["饮料", "休闲食品", "乳制品", "日化用品", "粮油"]
OUTCOMES = {
    "order_taking": "下单补货，确认下周送货",
    "collection": "对账并催收货款",
    "display_check": "检查陈列，补充堆头",
    "relationship": "拜访老板，沟通下季度合作",
    "complaint": "处理客户投诉，已登记",
    "training": "培训门店店员新品知识",
    "other": "其他事务",
}

# Tables this module writes, counted at the end.
COUNTED = [
    "accounts_region",
    "accounts_team",
    "accounts_user",
    "distributors_distributor",
    "distributors_contact",
    "distributors_product",
    "reports_visit",
    "reports_order",
    "reports_orderline",
    "reports_weeklyschedule",
    "reports_scheduleentry",
    "distributors_quarterlyplan",
    "distributors_monthlyplan",
    "distributors_repsplit",
    "distributors_planstep",
    "receivables_invoice",
    "receivables_payment",
    "receivables_allocation",
    "receivables_remindersent",
    "receivables_opensummary",
]
TEMP_TABLES = [
    "bench_region",
    "bench_team",
    "bench_rep",
    "bench_product",
    "bench_d",
    "bench_oa",
    "bench_ob",
    "bench_order",
    "bench_line",
    "bench_stop",
    "bench_week",
    "bench_plan0",
    "bench_cust",
    "bench_active",
    "bench_plan",
    "bench_d2",
    "bench_inv",
]


# --- Small helpers ------------------------------------------------------------------------------------------


def pad(expression: str, width: int) -> str:
    """SQL: the integer ``expression`` zero-padded to ``width`` digits (never cut, unlike a bare ``lpad``)."""
    return f"lpad(({expression})::text, greatest({width}, length(({expression})::text)), '0')"


def _pick(array: str, index: str) -> str:
    """SQL: element ``index`` (0-based, taken modulo the length) of the text[] parameter ``array``."""
    return f"(%({array})s::text[])[1 + mod(({index})::int, cardinality(%({array})s::text[]))]"


def _sql(statement: str, params: dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _value(statement: str, params: dict | None = None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
        return row[0] if row else None


def _analyze(*tables: str) -> None:
    """Fresh statistics for tables just written (temporary ones get none otherwise) before they are joined."""
    _sql(f"ANALYZE {', '.join(tables)}")


def check_database() -> None:
    if connection.vendor != "postgresql":
        raise CommandError("The benchmark company needs PostgreSQL: set DATABASE_URL=postgres://…")


class _Clock:
    def __init__(self, say: Say) -> None:
        self.say = say
        self.started = self.last = time.monotonic()

    def step(self, message: str) -> None:
        now = time.monotonic()
        self.say(f"  {message:<66} {now - self.last:7.1f} s   (total {now - self.started:6.1f} s)")
        self.last = now


# --- Deleting the earlier benchmark rows -------------------------------------------------------------------

_D = "SELECT id FROM distributors_distributor WHERE code LIKE %(like)s"
_U = "SELECT id FROM accounts_user WHERE username LIKE %(like)s"
_INVOICES = f"SELECT id FROM receivables_invoice WHERE number LIKE %(like)s OR distributor_id IN ({_D})"
_PAYMENTS = f"SELECT id FROM receivables_payment WHERE reference LIKE %(like)s OR distributor_id IN ({_D})"
_ORDERS = f"SELECT id FROM reports_order WHERE distributor_id IN ({_D}) OR rep_id IN ({_U})"
_SCHEDULES = f"SELECT id FROM reports_weeklyschedule WHERE rep_id IN ({_U})"
_PLANS = f"SELECT id FROM distributors_quarterlyplan WHERE distributor_id IN ({_D})"
_MONTHS = f"SELECT id FROM distributors_monthlyplan WHERE plan_id IN ({_PLANS})"

# (table, rows of the benchmark) children first; the rows of other tables that point at these are found from
# the models' foreign keys (see _deletion_steps).
EXPLICIT = [
    (
        "receivables_remindersent_messages",
        f"remindersent_id IN (SELECT id FROM receivables_remindersent WHERE invoice_id IN ({_INVOICES})) "
        f"OR remindermessage_id IN (SELECT id FROM receivables_remindermessage WHERE distributor_id IN ({_D}))",
    ),
    ("receivables_remindersent", f"invoice_id IN ({_INVOICES})"),
    ("receivables_remindermessage", f"distributor_id IN ({_D})"),
    (
        "receivables_collectiontask_invoices",
        f"collectiontask_id IN (SELECT id FROM receivables_collectiontask WHERE distributor_id IN ({_D})) "
        f"OR invoice_id IN ({_INVOICES})",
    ),
    ("receivables_collectiontask", f"distributor_id IN ({_D})"),
    ("receivables_allocation", f"invoice_id IN ({_INVOICES}) OR payment_id IN ({_PAYMENTS})"),
    ("receivables_payment", f"id IN ({_PAYMENTS})"),
    ("receivables_invoice", f"id IN ({_INVOICES})"),
    ("reports_orderline", f"order_id IN ({_ORDERS})"),
    ("reports_order", f"id IN ({_ORDERS})"),
    ("reports_visit", f"distributor_id IN ({_D}) OR rep_id IN ({_U})"),
    ("reports_scheduleentry", f"schedule_id IN ({_SCHEDULES}) OR distributor_id IN ({_D})"),
    ("reports_weeklyschedule", f"id IN ({_SCHEDULES})"),
    ("distributors_repsplit", f"monthly_plan_id IN ({_MONTHS}) OR rep_id IN ({_U})"),
    ("distributors_monthlyplan", f"id IN ({_MONTHS})"),
    ("distributors_planstep", f"plan_id IN ({_PLANS}) OR by_id IN ({_U})"),
    ("distributors_quarterlyplan", f"id IN ({_PLANS})"),
    ("distributors_contact", f"distributor_id IN ({_D})"),
    (
        "distributors_distributorbrand",
        f"distributor_id IN ({_D}) OR brand_id IN (SELECT id FROM distributors_brand WHERE code LIKE %(like)s)",
    ),
    (
        "distributors_distributor_product_categories",
        f"distributor_id IN ({_D}) "
        "OR productcategory_id IN (SELECT id FROM distributors_productcategory WHERE name LIKE %(like)s)",
    ),
    ("distributors_distributor", "code LIKE %(like)s"),
    ("distributors_product", "sku LIKE %(like)s"),
    ("distributors_brand", "code LIKE %(like)s"),
    ("distributors_productcategory", "name LIKE %(like)s"),
    ("accounts_user", "username LIKE %(like)s"),
    ("accounts_team", "name LIKE %(like)s"),
    ("accounts_region", "name LIKE %(like)s"),
]
# Set to NULL first: a team (a benchmark one or not) led by a benchmark KAM.
EXPLICIT_NULLS = [("accounts_team", "kam_id", f"kam_id IN ({_U})")]


@dataclass
class _Step:
    action: str  # "delete" or "null"
    table: str
    where: str
    column: str = ""


def _foreign_keys() -> dict[str, list[tuple[str, str, str, bool, object]]]:
    """parent table -> [(child table, column, parent column, nullable, on_delete)] from the installed models."""
    children: dict[str, list] = defaultdict(list)
    seen = set()
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.swapped:
            continue
        for field in opts.concrete_fields:
            if not (field.many_to_one or field.one_to_one) or field.related_model is None:
                continue
            key = (opts.db_table, field.column)
            if key in seen:
                continue
            seen.add(key)
            children[field.related_model._meta.db_table].append(
                (opts.db_table, field.column, field.target_field.column, field.null, field.remote_field.on_delete)
            )
    return children


def _deletion_steps() -> list[_Step]:
    """Rows of other tables that point (directly or not) at benchmark rows, then the benchmark rows themselves."""
    children = _foreign_keys()
    explicit = {table for table, _where in EXPLICIT}
    steps: list[_Step] = []

    def sweep(parent: str, parent_where: str, path: frozenset) -> None:
        for child, column, target, nullable, on_delete in children.get(parent, []):
            if child in explicit:
                continue
            where = f"{column} IN (SELECT {target} FROM {parent} WHERE {parent_where})"
            if child in path or (nullable and on_delete is models.SET_NULL):
                if nullable:
                    steps.append(_Step("null", child, where, column))
                continue
            sweep(child, where, path | {child})
            steps.append(_Step("delete", child, where))

    for table, where in EXPLICIT:
        sweep(table, where, frozenset({table}))
    steps += [_Step("null", table, where, column) for table, column, where in EXPLICIT_NULLS]
    steps += [_Step("delete", table, where) for table, where in EXPLICIT]
    return steps


def _truncatable(steps: list[_Step], params: dict) -> list[str]:
    """The tables whose every row is a benchmark row, closed under "referenced by" (a table can only be truncated
    together with the tables that point at it, and those must be benchmark-only or empty themselves)."""
    where_by_table: dict[str, list[str]] = defaultdict(list)
    for step in steps:
        if step.action == "delete":
            where_by_table[step.table].append(f"({step.where})")
    candidates = set()
    for table, wheres in where_by_table.items():
        others = _value(
            f"SELECT EXISTS (SELECT 1 FROM {table} WHERE NOT coalesce({' OR '.join(wheres)}, false))", params
        )
        if not others:
            candidates.add(table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c WHERE c.contype = 'f'"
        )
        references = cursor.fetchall()
    referenced_by: dict[str, set[str]] = defaultdict(set)
    for child, parent in references:
        referenced_by[parent].add(child)
    empty: dict[str, bool] = {}

    def is_empty(table: str) -> bool:
        if table not in empty:
            empty[table] = not _value(f"SELECT EXISTS (SELECT 1 FROM {table})")
        return empty[table]

    chosen, blocked = set(candidates), set()
    changed = True
    while changed:
        changed = False
        for table in sorted(chosen):
            for child in sorted(referenced_by.get(table, ())):
                if child in chosen:
                    continue
                if child not in blocked and is_empty(child):
                    chosen.add(child)
                else:
                    chosen.discard(table)
                    blocked.add(table)
                changed = True
                break
            if changed:
                break
    # TRUNCATE wants every table that points at a truncated one in the same statement, empty or not.
    return sorted(chosen) if any(not is_empty(table) for table in chosen) else []


def delete_bench_rows(clock: _Clock | None = None) -> None:
    """Delete every benchmark row (``bench`` prefix) and every row pointing at one, in one transaction.

    Tables that hold benchmark rows only are truncated (instead of deleting millions of rows one by one); the
    others lose their benchmark rows with DELETE.
    """
    params = {"like": PREFIX + "%"}
    steps = _deletion_steps()
    with transaction.atomic():
        _sql("SET CONSTRAINTS ALL IMMEDIATE")
        truncate = _truncatable(steps, params)
        if truncate:
            _sql(f"TRUNCATE {', '.join(truncate)}")
        skip = set(truncate)
        for step in steps:
            if step.table in skip or not _value(f"SELECT EXISTS (SELECT 1 FROM {step.table})"):
                continue
            if step.action == "null":
                _sql(f"UPDATE {step.table} SET {step.column} = NULL WHERE {step.where}", params)
            else:
                _sql(f"DELETE FROM {step.table} WHERE {step.where}", params)
        _sql("SET CONSTRAINTS ALL DEFERRED")
    if clock:
        clock.step(f"old benchmark rows deleted ({len(truncate)} tables truncated)")


# --- The build ----------------------------------------------------------------------------------------------


def build(size: Size, say: Say = print) -> dict[str, int]:
    """Write the benchmark company of ``size``; returns the row counts of the main tables."""
    from receivables import defaults, summary

    size.check()
    check_database()
    clock = _Clock(say)
    call_command("migrate", verbosity=0, interactive=False)
    defaults.ensure()
    clock.step("migrate")

    now = timezone.now()
    today = timezone.localdate(now)
    tz = settings.TIME_ZONE
    teams = -(-size.reps // 10)
    params = {
        "like": PREFIX + "%",
        "now": now,
        "now_local": timezone.localtime(now).replace(tzinfo=None),
        "today": today,
        "start": today - timedelta(days=YEARS_DAYS),
        "tz": tz,
        "reps": size.reps,
        "teams": teams,
        "regions": -(-teams // 10),
        "distributors": size.distributors,
        "visits": size.visits,
        "orders": size.orders,
        "invoices": size.invoices,
        "password": make_password(PASSWORD),
        "surnames": SURNAMES,
        "given": GIVEN_NAMES,
        "cities": len(CITIES),
        "city_names": [c[0] for c in CITIES],
        "city_lats": [c[1] for c in CITIES],
        "city_lons": [c[2] for c in CITIES],
        "districts": DISTRICTS,
        "towns": TOWNS,
        "trade_names": TRADE_NAMES,
    }
    _session(on=True)  # also for the deletion: its checks need hashed subplans
    try:
        delete_bench_rows(clock)
        _sql("SELECT setseed(%(seed)s)", {"seed": SEED})
        with transaction.atomic():
            _org(params)
        clock.step(f"org: {params['regions']} regions, {params['teams']} teams, {size.reps} reps + managers")
        with transaction.atomic():
            _catalogue(params)
        clock.step("catalogue: brands, products, categories")
        with transaction.atomic():
            _distributors(params)
        clock.step(f"{size.distributors} distributors with contact, brands, categories")
        with transaction.atomic(), _bulk_load("reports_visit"):
            _visits(params)
        clock.step(f"{size.visits} visits")
        with transaction.atomic(), _bulk_load("reports_order", "reports_orderline"):
            made = _orders(params)
        clock.step(f"{size.orders} orders ({made['from_visits']} taken on visits), {made['lines']} lines")
        with transaction.atomic(), _bulk_load("reports_weeklyschedule", "reports_scheduleentry"):
            stops = _schedules(params)
        clock.step(f"weekly schedules with {stops} stops")
        plan_tables = ("distributors_quarterlyplan", "distributors_monthlyplan", "distributors_repsplit")
        with transaction.atomic(), _bulk_load(*plan_tables, "distributors_planstep"):
            plans = _plans(params)
        clock.step(f"{plans} approved quarterly plans with months, splits and steps")
        receivables = ("receivables_invoice", "receivables_payment", "receivables_allocation")
        with transaction.atomic(), _bulk_load(*receivables, "receivables_remindersent"):
            _receivables(params, clock)
        if size.invoices:
            clock.step("reminders already sent before today (and the tables' indexes and keys)")
            summary.refresh_all()  # what every writer of an open amount keeps (the worklist's ranking)
            clock.step("open money per account (receivables.summary)")
        with transaction.atomic():
            _sql(
                "UPDATE distributors_distributor d SET last_visited_on = v.last FROM "
                "(SELECT distributor_id, max(visit_date) AS last FROM reports_visit GROUP BY distributor_id) v "
                "WHERE v.distributor_id = d.id AND d.code LIKE %(like)s",
                params,
            )
        clock.step("distributors' last visit")
        _drop_temp_tables()
    finally:
        _session(on=False)
    _vacuum_analyze()
    clock.step("vacuum analyze" if not connection.in_atomic_block else "analyze")
    counts = {}
    for table in COUNTED:
        counts[table] = _value(f"SELECT count(*) FROM {table}")
    say("  rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()))
    say(f"  done in {time.monotonic() - clock.started:.1f} s")
    return counts


def _session(*, on: bool) -> None:
    """Bulk-load settings for this connection (and back to the defaults)."""
    names = {"work_mem": "256MB", "maintenance_work_mem": "512MB", "synchronous_commit": "off"}
    for name, value in names.items():
        _sql(f"SET {name} = '{value}'" if on else f"RESET {name}")


def _drop_temp_tables() -> None:
    _sql("DROP TABLE IF EXISTS " + ", ".join(f"pg_temp.{name}" for name in TEMP_TABLES))


def _vacuum_analyze() -> None:
    tables = ", ".join(COUNTED + ["distributors_distributorbrand", "distributors_distributor_product_categories"])
    if connection.in_atomic_block:  # e.g. in a test's transaction: VACUUM cannot run there
        _sql(f"ANALYZE {tables}")
    else:
        _sql(f"VACUUM (ANALYZE) {tables}")


# --- Org -----------------------------------------------------------------------------------------------------


def _org(p: dict) -> None:
    _drop_temp_tables()
    _sql(
        f"INSERT INTO accounts_region (name) SELECT 'bench region ' || {pad('r', 2)} "
        "FROM generate_series(0, %(regions)s - 1) r ORDER BY r",
        p,
    )
    _sql(
        f"""
        INSERT INTO accounts_team (name, region_id, kam_id)
        SELECT 'bench team ' || {pad("t / 10", 2)} || '-' || {pad("mod(t, 10)", 2)}, reg.id, NULL
        FROM generate_series(0, %(teams)s - 1) t
        JOIN accounts_region reg ON reg.name = 'bench region ' || {pad("t / 10", 2)}
        ORDER BY t
        """,
        p,
    )
    person = (
        "{u}, %(password)s, NULL, {superuser}, {given} , {surname}, {u} || '@bench.local', {staff}, true, "
        "%(now)s::timestamptz - interval '6 years', {role}, {language}, {region}, {team}, true"
    )
    columns = (
        "username, password, last_login, is_superuser, first_name, last_name, email, is_staff, is_active, "
        "date_joined, role, language, region_id, team_id, notify_by_email"
    )

    def insert_people(username: str, source: str, role: str, region: str, team: str, number: str) -> None:
        values = person.format(
            u=username,
            superuser="false",
            given=_pick("given", f"{number} * 7 + 3"),
            surname=_pick("surnames", f"{number} * 5 + 1"),
            staff="false",
            role=f"'{role}'",
            language="'zh-hans'",
            region=region,
            team=team,
        )
        _sql(f"INSERT INTO accounts_user ({columns}) SELECT {values} FROM {source} ORDER BY 1", p)

    insert_people(
        f"'bench_kam_' || {pad('t', 3)}",
        f"generate_series(0, %(teams)s - 1) t JOIN accounts_team tm ON tm.name = "
        f"'bench team ' || {pad('t / 10', 2)} || '-' || {pad('mod(t, 10)', 2)}",
        "kam",
        "NULL",
        "tm.id",
        "t + 1000",
    )
    insert_people(
        f"'bench_rep_' || {pad('i', 4)}",
        f"generate_series(0, %(reps)s - 1) i JOIN accounts_team tm ON tm.name = "
        f"'bench team ' || {pad('i / 100', 2)} || '-' || {pad('mod(i / 10, 10)', 2)}",
        "rep",
        "NULL",
        "tm.id",
        "i",
    )
    insert_people(
        f"'bench_rm_' || {pad('r', 2)}",
        "generate_series(0, %(regions)s - 1) r "
        f"JOIN accounts_region reg ON reg.name = 'bench region ' || {pad('r', 2)}",
        "regional_manager",
        "reg.id",
        "NULL",
        "r + 2000",
    )
    _sql(
        f"INSERT INTO accounts_user ({columns}) VALUES "
        "('bench_finance', %(password)s, NULL, false, '敏', '王', 'bench_finance@bench.local', false, true, "
        " %(now)s::timestamptz - interval '6 years', 'finance', 'zh-hans', NULL, NULL, true), "
        "('bench_admin', %(password)s, NULL, true, 'Admin', 'Bench', 'bench_admin@bench.local', true, true, "
        " %(now)s::timestamptz - interval '6 years', 'admin', 'en', NULL, NULL, true)",
        p,
    )
    _sql(
        f"""
        CREATE TEMP TABLE bench_region AS
        SELECT r AS region_no, reg.id, rm.id AS rm_id
        FROM generate_series(0, %(regions)s - 1) r
        JOIN accounts_region reg ON reg.name = 'bench region ' || {pad("r", 2)}
        JOIN accounts_user rm ON rm.username = 'bench_rm_' || {pad("r", 2)}
        """,
        p,
    )
    _sql(
        f"""
        CREATE TEMP TABLE bench_team AS
        SELECT t AS team_no, t / 10 AS region_no, tm.id, kam.id AS kam_id
        FROM generate_series(0, %(teams)s - 1) t
        JOIN accounts_team tm ON tm.name = 'bench team ' || {pad("t / 10", 2)} || '-' || {pad("mod(t, 10)", 2)}
        JOIN accounts_user kam ON kam.username = 'bench_kam_' || {pad("t", 3)}
        """,
        p,
    )
    _sql("UPDATE accounts_team tm SET kam_id = bt.kam_id FROM bench_team bt WHERE bt.id = tm.id")
    _sql(
        f"""
        CREATE TEMP TABLE bench_rep AS
        SELECT i AS rep_no, u.id, i / 10 AS team_no, (i / 10) * 10 AS team_first,
               least(10, %(reps)s - (i / 10) * 10) AS team_size
        FROM generate_series(0, %(reps)s - 1) i
        JOIN accounts_user u ON u.username = 'bench_rep_' || {pad("i", 4)}
        """,
        p,
    )
    _sql("ALTER TABLE bench_rep ADD PRIMARY KEY (rep_no)")
    _analyze("bench_region", "bench_team", "bench_rep", "accounts_user")


# --- Catalogue -----------------------------------------------------------------------------------------------


def _catalogue(p: dict) -> None:
    from distributors.models import Brand, Product, ProductCategory

    brands = Brand.objects.bulk_create(
        [Brand(code=f"{PREFIX}-{code}", name=name, manufacturer=maker) for code, name, maker, _ in OWN_BRANDS]
        + [Brand(code=f"{PREFIX}-{code}", name=name, is_own=False) for code, name in COMPETITOR_BRANDS]
    )
    products = []
    for brand, (code, _name, _maker, items) in zip(brands, OWN_BRANDS, strict=False):
        for n, (name, price) in enumerate(items, start=1):
            for size_no, factor in enumerate((1, 2), start=1):  # a single case and a double pack
                list_price = price * factor
                cost = (Decimal(list_price) * (Decimal("0.62") + Decimal("0.04") * ((n + size_no) % 4))).quantize(
                    Decimal("0.01")
                )
                products.append(
                    Product(
                        sku=f"{PREFIX}-{code}-{n:02d}{size_no}",
                        name=f"{name}" + (" 双箱装" if factor == 2 else ""),
                        brand=brand,
                        unit="carton" if factor == 1 else "pack",
                        unit_price=Decimal(list_price),
                        unit_cost=cost,
                    )
                )
    Product.objects.bulk_create(products)
    ProductCategory.objects.bulk_create(ProductCategory(name=f"{PREFIX} {name}") for name in CATEGORIES)
    _sql(
        "CREATE TEMP TABLE bench_product AS SELECT (row_number() OVER (ORDER BY sku) - 1)::int AS p_no, id, "
        "unit_price, unit_cost FROM distributors_product WHERE sku LIKE %(like)s",
        p,
    )
    _sql("ALTER TABLE bench_product ADD PRIMARY KEY (p_no)")
    _analyze("bench_product")
    p["products"] = len(products)


# --- Distributors --------------------------------------------------------------------------------------------

CUSTOMER = "('key', 'qualified', 'unqualified', 'terminated')"


def _distributors(p: dict) -> None:
    _sql(
        f"""
        INSERT INTO distributors_distributor (code, name, short_name, address, city, county, town, phone, website,
            founded_year, staff_size, annual_turnover, direct_stores, direct_store_turnover, franchised_stores,
            franchised_store_turnover, counters, outlets_city, outlets_county, outlets_town, logistics_name,
            logistics_address, logistics_contact, logistics_price, logistics_turnaround_days, logistics_reliability,
            payment_terms_days, credit_limit, status, terminated_reason, terminated_on, tier, attractiveness,
            relationship_stage, relationship_type, assessment, last_visited_on, created_at, updated_at, owner_id,
            latitude, longitude, visit_frequency_days)
        SELECT 'bench' || {pad("i", 6)},
               city || {_pick("trade_names", "i * 7 + i / 12")} || '商贸有限公司' || {pad("i", 6)},
               {_pick("trade_names", "i * 7 + i / 12")} || {pad("mod(i, 1000)", 3)},
               city || {_pick("districts", "i * 3")} || (10 + mod(i * 37, 890)) || '号',
               city, {_pick("districts", "i * 3")}, {_pick("towns", "i * 5")},
               '0' || (100000000 + mod(i::bigint * 7919, 899999999)),
               '',
               1990 + mod(i * 13, 29), 5 + floor(r_size * 20 * tier_scale)::int,
               round((tier_scale * (2000000 + r_size * 8000000))::numeric, -4),
               floor(tier_scale * r_store * 8)::int, NULL, floor(tier_scale * r_store * 20)::int, NULL,
               floor(tier_scale * r_out * 30)::int,
               floor(tier_scale * (5 + r_out * 25))::int, floor(tier_scale * (10 + r_out * 60))::int,
               floor(tier_scale * (15 + r_out * 150))::int,
               CASE WHEN r_log < 0.5 THEN '顺丰物流' ELSE '德邦物流' END, '', '', NULL,
               CASE WHEN r_log < 0.5 THEN 2 ELSE 3 END,
               CASE WHEN r_log < 0.8 THEN 'high' ELSE 'medium' END,
               30,
               CASE WHEN status IN ('intent_near', 'intent_long', 'potential') THEN 0
                    WHEN tier = 'A' THEN 1000000 WHEN tier = 'B' THEN 500000 ELSE 200000 END,
               status,
               CASE WHEN status = 'terminated' THEN '长期未进货，合作终止' ELSE '' END,
               CASE WHEN status = 'terminated' THEN %(today)s::date - (20 + floor(r_term * 700)::int) END,
               tier,
               CASE WHEN tier = 'A' THEN (CASE WHEN r_eval < 0.7 THEN 'very' ELSE 'medium' END)
                    WHEN tier = 'B' THEN 'medium' ELSE (CASE WHEN r_eval < 0.5 THEN 'medium' ELSE 'low' END) END,
               CASE WHEN status = 'key' THEN (CASE WHEN r_eval < 0.6 THEN 'very_strong' ELSE 'good' END)
                    WHEN status = 'qualified' THEN (CASE WHEN r_eval < 0.6 THEN 'good' ELSE 'developing' END)
                    WHEN status = 'unqualified' THEN (CASE WHEN r_eval < 0.5 THEN 'developing' ELSE 'limited' END)
                    WHEN status = 'terminated' THEN 'declining' ELSE 'developing' END,
               CASE WHEN status = 'key' THEN (CASE WHEN r_eval < 0.5 THEN 'strategic_alliance' ELSE 'partnership' END)
                    WHEN status = 'qualified' THEN (CASE WHEN r_eval < 0.5 THEN 'preferred_supplier'
                                                         ELSE 'partnership' END)
                    ELSE 'transactional' END,
               '',
               NULL,
               created_at,
               created_at + (%(now)s::timestamptz - created_at) * r_upd,
               owner_id,
               round((lat + (r_lat - 0.5) * 0.3)::numeric, 6), round((lon + (r_lon - 0.5) * 0.3)::numeric, 6),
               NULL
        FROM (
            SELECT s.*, CASE tier WHEN 'A' THEN 4 WHEN 'B' THEN 2 ELSE 1 END AS tier_scale,
                   CASE WHEN status IN ('intent_near', 'intent_long', 'potential')
                        THEN %(now)s::timestamptz - make_interval(days => 1 + floor(r_created * 700)::int)
                        ELSE %(now)s::timestamptz - make_interval(days => {YEARS_DAYS} + floor(r_created * 1500)::int)
                   END AS created_at
            FROM (
                SELECT s.*,
                       CASE WHEN status = 'key' THEN 'A'
                            WHEN status = 'qualified' THEN (CASE WHEN r_tier < 0.3 THEN 'A' WHEN r_tier < 0.8 THEN 'B'
                                                                 ELSE 'C' END)
                            WHEN status IN ('unqualified', 'terminated') THEN (CASE WHEN r_tier < 0.3 THEN 'B'
                                                                                    ELSE 'C' END)
                            ELSE (CASE WHEN r_tier < 0.2 THEN 'B' ELSE 'C' END) END AS tier
                FROM (
                    SELECT s.*,
                           CASE WHEN r_status < 0.10 THEN 'key' WHEN r_status < 0.50 THEN 'qualified'
                                WHEN r_status < 0.65 THEN 'unqualified' WHEN r_status < 0.75 THEN 'intent_near'
                                WHEN r_status < 0.82 THEN 'intent_long' WHEN r_status < 0.92 THEN 'potential'
                                ELSE 'terminated' END AS status
                    FROM (
                        SELECT i, rep.id AS owner_id,
                               (%(city_names)s::text[])[city_no] AS city, (%(city_lats)s::float8[])[city_no] AS lat,
                               (%(city_lons)s::float8[])[city_no] AS lon,
                               -- every rep's first account is an active customer
                               CASE WHEN i < %(reps)s THEN random() * 0.65 ELSE random() END AS r_status,
                               random() AS r_tier, random() AS r_eval, random() AS r_size, random() AS r_store,
                               random() AS r_out, random() AS r_log, random() AS r_term, random() AS r_created,
                               random() AS r_upd, random() AS r_lat, random() AS r_lon
                        FROM generate_series(0, %(distributors)s - 1) i
                        JOIN bench_rep rep ON rep.rep_no = mod(i, %(reps)s)
                        CROSS JOIN LATERAL (SELECT 1 + mod(rep.team_no / 10, %(cities)s) AS city_no) c
                    ) s
                ) s
            ) s
        ) s
        ORDER BY i
        """,
        p,
    )
    _sql(
        f"""
        INSERT INTO distributors_contact (name, position, is_primary, phone, mobile, email, wechat, birthday, family,
            hobbies, personality, notes, created_at, updated_at, distributor_id)
        SELECT {_pick("surnames", "n * 11 + 2")} || {_pick("given", "n * 3 + 5")}, '采购经理', true, d.phone,
               '13' || {pad("mod(n::bigint * 104729, 1000000000)", 9)}, 'ap' || d.code || '@bench.local', '', NULL,
               '', '', '', '', d.created_at, d.created_at, d.id
        FROM (SELECT substr(code, 6)::int AS n, * FROM distributors_distributor WHERE code LIKE %(like)s) d
        ORDER BY d.id
        """,
        p,
    )
    # The benchmark's view of every account: numbers, owner and team, the window in which it is active (a
    # prospect since its card was made, a terminated account until it ended), its weights for visits and orders.
    _sql(
        """
        CREATE TEMP TABLE bench_d AS
        SELECT s.*, (s.win_to - s.win_from + 1) * s.visit_weight AS vw,
               (s.win_to - s.win_from + 1) * s.order_weight AS ow
        FROM (
            SELECT substr(d.code, 6)::int AS dist_no, d.id, d.owner_id, r.rep_no AS owner_no, r.team_no,
                   r.team_first, r.team_size, t.kam_id, reg.rm_id, c.id AS contact_id, c.name AS contact_name,
                   d.status, d.tier,
                   d.latitude::float8 AS lat, d.longitude::float8 AS lon,
                   d.outlets_city + d.outlets_county + d.outlets_town AS outlets,
                   d.status IN ('key', 'qualified', 'unqualified', 'terminated') AS customer,
                   CASE WHEN d.status IN ('key', 'qualified', 'unqualified', 'terminated') THEN %(start)s::date
                        ELSE greatest(%(start)s::date, (d.created_at AT TIME ZONE %(tz)s)::date) END AS win_from,
                   coalesce(d.terminated_on, %(today)s::date) AS win_to,
                   CASE d.tier WHEN 'A' THEN 8 WHEN 'B' THEN 4 ELSE 2 END
                       / CASE WHEN d.status IN ('intent_near', 'intent_long', 'potential') THEN 2 ELSE 1 END
                       AS visit_weight,
                   CASE WHEN d.status NOT IN ('key', 'qualified', 'unqualified', 'terminated') THEN 0
                        WHEN d.tier = 'A' THEN 8 WHEN d.tier = 'B' THEN 4 ELSE 2 END AS order_weight
            FROM distributors_distributor d
            JOIN bench_rep r ON r.id = d.owner_id
            JOIN bench_team t ON t.team_no = r.team_no
            JOIN bench_region reg ON reg.region_no = t.region_no
            JOIN distributors_contact c ON c.distributor_id = d.id AND c.is_primary
            WHERE d.code LIKE %(like)s
        ) s
        """,
        p,
    )
    # Cumulative weights: account d gets floor(N * cum_d / total) - floor(N * cum_(d-1) / total) rows, which adds
    # up to exactly N.
    _sql(
        """
        CREATE TEMP TABLE bench_d2 AS
        SELECT d.*, sum(vw) OVER w AS v_cum, sum(vw) OVER () AS v_total,
               sum(ow) OVER w AS o_cum, sum(ow) OVER () AS o_total
        FROM bench_d d WINDOW w AS (ORDER BY dist_no)
        """
    )
    _sql("DROP TABLE bench_d")
    _sql("ALTER TABLE bench_d2 RENAME TO bench_d")
    _sql("ALTER TABLE bench_d ADD PRIMARY KEY (id)")
    _analyze("bench_d", "distributors_distributor", "distributors_brand", "distributors_productcategory")
    _sql(
        f"""
        INSERT INTO distributors_distributorbrand (share_pct, brand_id, distributor_id)
        SELECT share, b.id, d.id
        FROM (
            SELECT d.id, d.dist_no, d.customer, d.tier,
                   (ARRAY['{PREFIX}-qq', '{PREFIX}-hs', '{PREFIX}-ml', '{PREFIX}-xy'])[1 + mod(d.dist_no, 4)] AS main,
                   (ARRAY['{PREFIX}-hs', '{PREFIX}-ml', '{PREFIX}-xy', '{PREFIX}-qq'])[1 + mod(d.dist_no, 4)] AS second,
                   (ARRAY['{PREFIX}-c-nf', '{PREFIX}-c-yl', '{PREFIX}-c-lb'])[1 + mod(d.dist_no, 3)] AS rival
            FROM bench_d d
        ) d
        CROSS JOIN LATERAL (VALUES
            (d.main, CASE WHEN d.customer THEN 40 + mod(d.dist_no * 7, 30) END),
            (d.second, CASE WHEN d.customer AND d.tier <> 'C' THEN 10 + mod(d.dist_no * 3, 15) END),
            (d.rival, 5 + mod(d.dist_no * 11, 25))
        ) AS carried(code, share)
        JOIN distributors_brand b ON b.code = carried.code
        WHERE share IS NOT NULL
        ORDER BY d.id, b.id
        """,
        p,
    )
    _sql(
        """
        INSERT INTO distributors_distributor_product_categories (distributor_id, productcategory_id)
        SELECT d.id, c.id
        FROM bench_d d
        JOIN (SELECT (row_number() OVER (ORDER BY name) - 1)::int AS c_no, id
              FROM distributors_productcategory WHERE name LIKE %(like)s) c
          ON c.c_no = mod(d.dist_no, 5) OR (d.tier <> 'C' AND c.c_no = mod(d.dist_no + 2, 5))
        ORDER BY d.id, c.id
        """,
        p,
    )


def _count_for(total: str, cum: str, weight: str, all_: str) -> str:
    """SQL: an account's share of ``total`` rows by cumulative weights (exact total, see bench_d)."""
    return (
        f"(CASE WHEN {all_} > 0 THEN ({total}::bigint * {cum}::bigint) / {all_}::bigint "
        f"- ({total}::bigint * ({cum} - {weight})::bigint) / {all_}::bigint ELSE 0 END)"
    )


# --- Visits --------------------------------------------------------------------------------------------------


def _visits(p: dict) -> None:
    if not p["visits"]:
        return
    outcome = "CASE purpose " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in OUTCOMES.items()) + " END"
    count = _count_for("%(visits)s", "d.v_cum", "d.vw", "d.v_total")
    _sql(
        f"""
        INSERT INTO reports_visit (kind, started_at, ended_at, visit_date, purpose, purpose_note, outcome,
            collected_amount, collection_method, payment_claim_id, follow_up_action, follow_up_due, latitude,
            longitude, location_accuracy_m, distance_from_account_m, client_ref, created_at, updated_at,
            distributor_id, rep_id)
        SELECT kind, started_at, CASE WHEN ended_at <= %(now)s THEN ended_at END, day, purpose, '', {outcome},
               0, '', NULL,
               CASE WHEN r_follow < 0.08 THEN '跟进订单发货和回款' ELSE '' END,
               CASE WHEN r_follow < 0.08 THEN day + 7 END,
               vlat, vlon, accuracy,
               CASE WHEN vlat IS NOT NULL THEN round(2 * 6371000 * asin(sqrt(
                   power(sin(radians(lat - vlat::float8) / 2), 2)
                   + cos(radians(vlat::float8)) * cos(radians(lat)) * power(sin(radians(lon - vlon::float8) / 2), 2)
               )))::int END,
               NULL,
               LEAST(%(now)s::timestamptz, ended_at + interval '3 minutes'),
               LEAST(%(now)s::timestamptz, ended_at + interval '3 minutes'),
               distributor_id, rep_id
        FROM (
            SELECT s.*, r.id AS rep_id,
                   (s.day + make_interval(mins => s.minute)) AT TIME ZONE %(tz)s AS started_at,
                   ((s.day + make_interval(mins => s.minute)) AT TIME ZONE %(tz)s)
                       + make_interval(mins => 15 + floor(s.r_duration * 100)::int) AS ended_at,
                   CASE WHEN s.kind = 'in_person'
                        THEN round((s.lat + (s.r_lat - 0.5) * CASE WHEN s.r_far < 0.03 THEN 0.06 ELSE 0.004 END)
                                   ::numeric, 6) END AS vlat,
                   CASE WHEN s.kind = 'in_person'
                        THEN round((s.lon + (s.r_lon - 0.5) * CASE WHEN s.r_far < 0.03 THEN 0.06 ELSE 0.004 END)
                                   ::numeric, 6) END AS vlon,
                   CASE WHEN s.kind = 'in_person' THEN 5 + floor(s.r_accuracy * 60)::int END AS accuracy
            FROM (
                SELECT s.*,
                       CASE WHEN day1 + make_interval(mins => minute) > %(now_local)s THEN day1 - 1 ELSE day1 END
                           AS day,
                       CASE WHEN r_kind < 0.8 THEN 'in_person' WHEN r_kind < 0.95 THEN 'phone' ELSE 'online' END
                           AS kind,
                       CASE WHEN NOT customer THEN (CASE WHEN r_purpose < 0.6 THEN 'relationship'
                                                         WHEN r_purpose < 0.7 THEN 'training' ELSE 'other' END)
                            WHEN r_purpose < 0.45 THEN 'order_taking' WHEN r_purpose < 0.57 THEN 'collection'
                            WHEN r_purpose < 0.72 THEN 'display_check' WHEN r_purpose < 0.82 THEN 'relationship'
                            WHEN r_purpose < 0.86 THEN 'complaint' WHEN r_purpose < 0.92 THEN 'training'
                            ELSE 'other' END AS purpose
                FROM (
                    SELECT s.*,
                           CASE WHEN extract(isodow FROM day0) = 7 AND r_sunday < 0.85 THEN day0 - 1 ELSE day0 END
                               AS day1
                    FROM (
                        SELECT d.id AS distributor_id, d.customer, d.lat, d.lon, d.owner_no, d.team_first,
                               d.team_size,
                               d.win_from + floor(random() * (d.win_to - d.win_from + 1))::int AS day0,
                               480 + floor(random() * 600)::int AS minute,
                               random() AS r_sunday, random() AS r_rep, random() AS r_mate, random() AS r_kind,
                               random() AS r_purpose, random() AS r_duration, random() AS r_lat, random() AS r_lon,
                               random() AS r_far, random() AS r_accuracy, random() AS r_follow
                        FROM bench_d d CROSS JOIN LATERAL generate_series(1, {count}) g
                    ) s
                ) s
            ) s
            JOIN bench_rep r ON r.rep_no = CASE WHEN s.r_rep < 0.9 THEN s.owner_no
                                                ELSE s.team_first + floor(s.r_mate * s.team_size)::int END
        ) v
        ORDER BY started_at, distributor_id
        """,
        p,
    )
    _analyze("reports_visit")


# --- Orders --------------------------------------------------------------------------------------------------


@contextmanager
def _bulk_load(*tables: str) -> Iterator[None]:
    """Drop the secondary indexes and the foreign keys of ``tables`` while they are filled, then create exactly
    the same again (from ``pg_get_indexdef`` / ``pg_get_constraintdef``). Must run inside the transaction that
    fills them, so a failure leaves the schema as it was.

    Building an index once is much faster than growing it row by row, and one anti-join validates a foreign key
    faster than millions of per-row checks at commit. Primary keys, unique constraints (joins use them) and
    partial indexes (few and small; PostgreSQL would deparse some predicates differently) stay.
    """
    assert connection.in_atomic_block
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Run the foreign-key checks still pending in this transaction (ALTER TABLE refuses a table with pending
        # trigger events); a no-op when each step has its own transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[]) AND i.indpred IS NULL
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                              WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                                AND c.contype IN ('p', 'u', 'x'))
            ORDER BY 1
            """,
            [list(tables)],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [list(tables)],
        )
        foreign_keys = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")


def _reserve_ids(table: str, count: int) -> int:
    """The first of ``count`` consecutive ids taken from ``table``'s identity (the table is locked meanwhile)."""
    _sql(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    sequence = _value("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    first = _value("SELECT nextval(%s)", [sequence])
    highest = _value(f"SELECT coalesce(max(id), 0) FROM {table}")
    first = max(first, highest + 1)
    _sql("SELECT setval(%s, %s)", [sequence, first + max(count, 1) - 1])
    return first


def _orders(p: dict) -> dict[str, int]:
    if not p["orders"]:
        return {"from_visits": 0, "lines": 0}
    # Orders taken on visits: about 60 % of all orders, from visits made to take orders.
    order_visits = _value(
        "SELECT count(*) FROM reports_visit v JOIN bench_d d ON d.id = v.distributor_id "
        "WHERE v.purpose = 'order_taking'"
    )
    p["p_visit"] = min(1.0, 0.6 * p["orders"] / order_visits) if order_visits else 0.0
    _sql(
        """
        CREATE TEMP TABLE bench_oa AS
        SELECT v.id AS visit_id, v.distributor_id, v.rep_id, v.visit_date AS order_date, v.rep_id AS created_by_id,
               LEAST(%(now)s::timestamptz, coalesce(v.ended_at, v.started_at) + interval '1 minute') AS created_at,
               'visit'::text AS source
        FROM reports_visit v JOIN bench_d d ON d.id = v.distributor_id
        WHERE v.purpose = 'order_taking' AND random() < %(p_visit)s
        """,
        p,
    )
    _analyze("bench_oa")
    from_visits = _value("SELECT count(*) FROM bench_oa")
    if from_visits > p["orders"]:
        _sql(
            "DELETE FROM bench_oa WHERE visit_id IN (SELECT visit_id FROM bench_oa ORDER BY random() LIMIT %(n)s)",
            {"n": from_visits - p["orders"]},
        )
        from_visits = p["orders"]
    p["orders_b"] = p["orders"] - from_visits
    # The rest: entered by the KAM or imported from the ERP, over the customers by their weights.
    count = _count_for("%(orders_b)s", "d.o_cum", "d.ow", "d.o_total")
    _sql(
        f"""
        CREATE TEMP TABLE bench_ob AS
        SELECT NULL::bigint AS visit_id, s.distributor_id, r.id AS rep_id, s.day AS order_date,
               s.kam_id AS created_by_id,
               (s.day + make_interval(mins => s.minute)) AT TIME ZONE %(tz)s AS created_at,
               CASE WHEN s.r_source < 0.35 THEN 'manual' ELSE 'import' END AS source
        FROM (
            SELECT s.*,
                   CASE WHEN day0 + make_interval(mins => minute) > %(now_local)s THEN day0 - 1 ELSE day0 END AS day
            FROM (
                SELECT d.id AS distributor_id, d.kam_id, d.owner_no, d.team_first, d.team_size,
                       d.win_from + floor(random() * (d.win_to - d.win_from + 1))::int AS day0,
                       480 + floor(random() * 600)::int AS minute, random() AS r_rep, random() AS r_mate,
                       random() AS r_source
                FROM bench_d d CROSS JOIN LATERAL generate_series(1, {count}) g
                WHERE d.customer
            ) s
        ) s
        JOIN bench_rep r ON r.rep_no = CASE WHEN s.r_rep < 0.95 THEN s.owner_no
                                            ELSE s.team_first + floor(s.r_mate * s.team_size)::int END
        """,
        p,
    )
    total = _value("SELECT (SELECT count(*) FROM bench_oa) + (SELECT count(*) FROM bench_ob)")
    p["first_order"] = _reserve_ids("reports_order", total)
    _sql(
        """
        CREATE TEMP TABLE bench_order AS
        SELECT s.*,
               CASE WHEN age <= 2 THEN (CASE WHEN r_status < 0.55 THEN 'taken' WHEN r_status < 0.93 THEN 'confirmed'
                                             WHEN r_status < 0.97 THEN 'shipped' ELSE 'cancelled' END)
                    WHEN age <= 14 THEN (CASE WHEN r_status < 0.10 THEN 'taken' WHEN r_status < 0.45 THEN 'confirmed'
                                              WHEN r_status < 0.95 THEN 'shipped' ELSE 'cancelled' END)
                    ELSE (CASE WHEN r_status < 0.03 THEN 'taken' WHEN r_status < 0.11 THEN 'confirmed'
                               WHEN r_status < 0.95 THEN 'shipped' ELSE 'cancelled' END) END AS status
        FROM (
            SELECT %(first_order)s - 1 + row_number() OVER (ORDER BY x.order_date, x.created_at, x.distributor_id)
                       AS id,
                   x.*, %(today)s::date - x.order_date AS age,
                   1 + floor(random() * 5)::int AS n_lines, floor(random() * %(products)s)::int AS p_base,
                   random() AS r_status
            FROM (SELECT * FROM bench_oa UNION ALL SELECT * FROM bench_ob) x
        ) s
        """,
        p,
    )
    _sql("ALTER TABLE bench_order ADD PRIMARY KEY (id)")
    _analyze("bench_order")
    # Lines exactly as reports.visits.services builds them: amount = quantity × unit price to the cent; the unit cost is
    # the product's. Whole cartons, so quantity × unit cost needs no rounding either.
    _sql(
        """
        CREATE TEMP TABLE bench_line AS
        SELECT s.order_id, s.k, s.product_id, s.quantity, s.unit_price, s.unit_cost,
               round(s.quantity * s.unit_price, 2) AS amount,
               round(s.quantity * s.unit_price, 2) - round(s.quantity * s.unit_cost, 2) AS gross_profit
        FROM (
            SELECT l.order_id, l.k, pr.id AS product_id, l.quantity, pr.unit_cost,
                   CASE WHEN l.r_discount < 0.2 THEN round(pr.unit_price * (0.90 + l.r_rate * 0.08)::numeric, 2)
                        ELSE pr.unit_price END AS unit_price
            FROM (
                SELECT o.id AS order_id, k, mod(o.p_base + k * 7, %(products)s) AS p_no,
                       (1 + floor(random() * 80))::numeric(12, 2) AS quantity,
                       random() AS r_discount, random() AS r_rate
                FROM bench_order o CROSS JOIN LATERAL generate_series(1, o.n_lines) k
            ) l
            JOIN bench_product pr ON pr.p_no = l.p_no
        ) s
        """,
        p,
    )
    _analyze("bench_line")
    _sql(
        f"""
        INSERT INTO reports_order (id, order_date, status, source, erp_number, amount, gross_profit, note, created_at,
            updated_at, created_by_id, distributor_id, rep_id, visit_id)
        SELECT o.id, o.order_date, o.status, o.source,
               CASE WHEN o.source = 'import' THEN 'bench-ERP-' || {pad("o.id - %(first_order)s + 1", 8)} ELSE '' END,
               t.amount, t.gross_profit, '', LEAST(%(now)s::timestamptz, o.created_at),
               LEAST(%(now)s::timestamptz,
                     o.created_at + CASE WHEN o.status = 'shipped' THEN interval '2 days' ELSE interval '0' END),
               o.created_by_id, o.distributor_id, o.rep_id, o.visit_id
        FROM bench_order o
        JOIN (SELECT order_id, sum(amount) AS amount, sum(gross_profit) AS gross_profit
              FROM bench_line GROUP BY order_id) t ON t.order_id = o.id
        ORDER BY o.id
        """,
        p,
    )
    lines = _sql(
        "INSERT INTO reports_orderline (quantity, unit_price, unit_cost, amount, order_id, product_id) "
        "SELECT quantity, unit_price, unit_cost, amount, order_id, product_id FROM bench_line ORDER BY order_id, k"
    )
    return {"from_visits": from_visits, "lines": lines}


# --- Weekly schedules ----------------------------------------------------------------------------------------


def _schedules(p: dict) -> int:
    # A stop per planned visit: most in-person visits were on the week's route. Plus the plan of the rest of this
    # week and of next week (Monday to Saturday), for the accounts that are due, by their rate of visits.
    _sql(
        """
        CREATE TEMP TABLE bench_stop AS
        SELECT v.rep_id, v.visit_date - (extract(isodow FROM v.visit_date)::int - 1) AS week_start,
               v.visit_date AS day, v.distributor_id, min(v.started_at) AS at
        FROM reports_visit v JOIN bench_d d ON d.id = v.distributor_id
        WHERE v.kind = 'in_person' AND random() < 0.85
        GROUP BY 1, 2, 3, 4
        """,
        p,
    )
    if p["visits"]:
        count = _count_for("%(visits)s", "d.v_cum", "d.vw", "d.v_total")
        _sql(
            f"""
            INSERT INTO bench_stop (rep_id, week_start, day, distributor_id, at)
            SELECT d.owner_id, day - (extract(isodow FROM day)::int - 1), day, d.id, NULL
            FROM bench_d d
            CROSS JOIN generate_series(%(today)s::date + 1,
                                       %(today)s::date - extract(isodow FROM %(today)s::date)::int + 13,
                                       interval '1 day') AS g(day_ts)
            CROSS JOIN LATERAL (SELECT g.day_ts::date AS day) x
            WHERE extract(isodow FROM day) < 7 AND d.status <> 'terminated'
              AND random() < 0.85 * {count}::float8 / (d.win_to - d.win_from + 1) * 7 / 6
            """,
            p,
        )
    p["weeks"] = _value("SELECT count(*) FROM (SELECT DISTINCT rep_id, week_start FROM bench_stop) w")
    p["first_week"] = _reserve_ids("reports_weeklyschedule", p["weeks"])
    _sql(
        """
        CREATE TEMP TABLE bench_week AS
        SELECT %(first_week)s - 1 + row_number() OVER (ORDER BY week_start, rep_id) AS id, rep_id, week_start
        FROM bench_stop GROUP BY week_start, rep_id
        """,
        p,
    )
    _analyze("bench_stop", "bench_week")
    _sql(
        """
        INSERT INTO reports_weeklyschedule (id, week_start, notes, updated_at, rep_id)
        SELECT id, week_start, '', LEAST(%(now)s::timestamptz, (week_start - 2 + time '18:00') AT TIME ZONE %(tz)s),
               rep_id
        FROM bench_week ORDER BY id
        """,
        p,
    )
    return _sql(
        """
        INSERT INTO reports_scheduleentry (day, sequence, note, distributor_id, schedule_id)
        SELECT s.day, row_number() OVER (PARTITION BY w.id, s.day ORDER BY s.at, s.distributor_id), '',
               s.distributor_id, w.id
        FROM bench_stop s JOIN bench_week w ON w.rep_id = s.rep_id AND w.week_start = s.week_start
        ORDER BY w.id, s.day, 2
        """,
        p,
    )


# --- Plans ---------------------------------------------------------------------------------------------------


def _third(units: str, k: str) -> str:
    """SQL: part ``k`` (0, 1, 2) of a whole number of ``units`` split evenly with the largest remainder method
    (distributors.plan_arithmetic: the units left over go to the earlier months)."""
    return f"(({units}) / 3 + CASE WHEN {k} < mod(({units}), 3) THEN 1 ELSE 0 END)"


def _plans(p: dict) -> int:
    if not p["orders"]:
        return 0
    # Targets: a full quarter's actual sales (confirmed and shipped orders) × 0.90–1.15, rounded to hundreds; a
    # quarter not over yet (or cut short) at the account's average rate. Months and the owner's split even.
    full = "q.q_start >= d.win_from AND q.q_next <= d.win_to AND q.q_next <= %(today)s::date"
    rate = "(q.q_next - q.q_start)::numeric / (d.win_to - d.win_from + 1)"
    _sql(
        f"""
        CREATE TEMP TABLE bench_plan0 AS
        WITH quarters AS (
            SELECT q::date AS q_start, (q + interval '3 months')::date AS q_next
            FROM generate_series(date_trunc('quarter', %(start)s::date), date_trunc('quarter', %(today)s::date),
                                 interval '3 months') q
        ), actual AS (
            SELECT o.distributor_id, date_trunc('quarter', o.order_date)::date AS q_start,
                   sum(l.amount) AS sales, sum(l.gross_profit) AS gp, sum(l.quantity) AS volume
            FROM bench_line l JOIN bench_order o ON o.id = l.order_id
            WHERE o.status IN ('confirmed', 'shipped')
            GROUP BY 1, 2
        ), totals AS (
            SELECT distributor_id, sum(sales) AS sales, sum(gp) AS gp, sum(volume) AS volume FROM actual GROUP BY 1
        )
        SELECT s.*,
               round(base_sales * f, -2) AS sales_amount, round(base_gp * f, -2) AS gross_profit,
               round(base_volume * f)::int AS volume, round(base_sales * f * 0.97, -2) AS collection_amount
        FROM (
            SELECT d.id AS distributor_id, d.owner_id, d.kam_id, d.rm_id, d.contact_id, d.contact_name,
                   d.outlets AS outlet_coverage, q.q_start, extract(year FROM q.q_start)::int AS year,
                   extract(quarter FROM q.q_start)::int AS quarter,
                   CASE WHEN {full} THEN coalesce(a.sales, 0) ELSE coalesce(t.sales, 0) * {rate} END AS base_sales,
                   CASE WHEN {full} THEN coalesce(a.gp, 0) ELSE coalesce(t.gp, 0) * {rate} END AS base_gp,
                   CASE WHEN {full} THEN coalesce(a.volume, 0) ELSE coalesce(t.volume, 0) * {rate} END AS base_volume,
                   (0.90 + random() * 0.25)::numeric(6, 4) AS f, floor(random() * 4)::int AS new_outlets,
                   random() AS r_confirm
            FROM bench_d d
            JOIN quarters q ON q.q_start <= d.win_to AND q.q_next > d.win_from
            LEFT JOIN actual a ON a.distributor_id = d.id AND a.q_start = q.q_start
            LEFT JOIN totals t ON t.distributor_id = d.id
            WHERE d.customer
        ) s
        """,
        p,
    )
    plans = _value("SELECT count(*) FROM bench_plan0")
    p["first_plan"] = _reserve_ids("distributors_quarterlyplan", plans)
    p["first_month"] = _reserve_ids("distributors_monthlyplan", 3 * plans)
    # Ids known in advance: plan n (0, 1, …) has id first_plan + n and months first_month + 3n + k.
    _sql(
        """
        CREATE TEMP TABLE bench_plan AS
        SELECT n + %(first_plan)s AS id, %(first_month)s + 3 * n AS first_month_id, b.*,
               (b.sales_amount * 100)::bigint AS sales_c, (b.gross_profit * 100)::bigint AS gp_c,
               (b.collection_amount * 100)::bigint AS collection_c
        FROM (SELECT row_number() OVER (ORDER BY q_start, distributor_id) - 1 AS n, * FROM bench_plan0) b
        """,
        p,
    )
    _sql("DROP TABLE bench_plan0")
    _analyze("bench_plan")
    # Drafted by the KAM 20 days before the quarter, submitted 5 days later, approved by the regional manager
    # 10 days before it starts; most were also confirmed by the distributor's contact.
    _sql(
        """
        INSERT INTO distributors_quarterlyplan (id, volume, sales_amount, gross_profit, collection_amount,
            outlet_coverage, new_outlets, year, quarter, revision, status, distribution, split_method, notes,
            confirmed_on, signed_copy, created_at, updated_at, submitted_at, approved_at, returned_at, return_comment,
            superseded_at, approved_by_id, confirmed_by_id, created_by_id, distributor_id, previous_revision_id,
            returned_by_id, submitted_by_id, seasonal_profile_id)
        SELECT id, volume, sales_amount, gross_profit, collection_amount, outlet_coverage, new_outlets, year, quarter,
               1, 'approved', 'even', 'percentage', '',
               CASE WHEN r_confirm < 0.7 THEN q_start - 7 END, '',
               (q_start - 20 + time '10:00') AT TIME ZONE %(tz)s,
               (q_start - CASE WHEN r_confirm < 0.7 THEN 7 ELSE 10 END + time '16:00') AT TIME ZONE %(tz)s,
               (q_start - 15 + time '15:00') AT TIME ZONE %(tz)s,
               (q_start - 10 + time '11:00') AT TIME ZONE %(tz)s,
               NULL, '', NULL,
               rm_id, CASE WHEN r_confirm < 0.7 THEN contact_id END, kam_id, distributor_id, NULL, NULL, kam_id, NULL
        FROM bench_plan
        ORDER BY id
        """,
        p,
    )
    month_values = (
        f"{_third('volume', 'k')}, ({_third('sales_c', 'k')})::numeric / 100, ({_third('gp_c', 'k')})::numeric / 100,"
        f" ({_third('collection_c', 'k')})::numeric / 100, {_third('outlet_coverage', 'k')},"
        f" {_third('new_outlets', 'k')}"
    )
    _sql(
        f"""
        INSERT INTO distributors_monthlyplan (id, volume, sales_amount, gross_profit, collection_amount,
            outlet_coverage, new_outlets, month, plan_id)
        SELECT first_month_id + k, {month_values}, (q_start + make_interval(months => k))::date, id
        FROM bench_plan CROSS JOIN generate_series(0, 2) k
        ORDER BY 1
        """
    )
    # One split a month, to the owner, 100 %: the same targets as the month.
    _sql(
        f"""
        INSERT INTO distributors_repsplit (volume, sales_amount, gross_profit, collection_amount, outlet_coverage,
            new_outlets, share_pct, monthly_plan_id, rep_id)
        SELECT {month_values}, 100, first_month_id + k, owner_id
        FROM bench_plan CROSS JOIN generate_series(0, 2) k
        ORDER BY first_month_id + k
        """
    )
    _sql(
        """
        INSERT INTO distributors_planstep (action, at, comment, by_id, plan_id)
        SELECT step.action, step.at, step.comment, step.by_id, q.id
        FROM bench_plan q
        CROSS JOIN LATERAL (VALUES
            (1, 'created', (q.q_start - 20 + time '10:00') AT TIME ZONE %(tz)s, '', q.kam_id),
            (2, 'submitted', (q.q_start - 15 + time '15:00') AT TIME ZONE %(tz)s, '', q.kam_id),
            (3, 'approved', (q.q_start - 10 + time '11:00') AT TIME ZONE %(tz)s, '', q.rm_id),
            (4, CASE WHEN q.r_confirm < 0.7 THEN 'confirmed' END, (q.q_start - 7 + time '16:00') AT TIME ZONE %(tz)s,
             q.contact_name || ' on ' || (q.q_start - 7)::text, q.kam_id)
        ) AS step(n, action, at, comment, by_id)
        WHERE step.action IS NOT NULL
        ORDER BY q.id, step.n
        """,
        p,
    )
    return plans


# --- Receivables ---------------------------------------------------------------------------------------------


def _receivables(p: dict, clock: _Clock) -> None:
    """Five years of invoices over the customers, with their payments and allocations (open amounts,
    ``last_applied_on`` and unallocated amounts exactly as the services keep them) and the reminder levels that
    fell before today recorded as already sent, so the next daily run is the steady-state one."""
    if not p["invoices"]:
        return
    _sql(
        "CREATE TEMP TABLE bench_cust AS SELECT (row_number() OVER (ORDER BY dist_no) - 1)::int AS c_no, id, "
        "CASE WHEN status = 'terminated' THEN win_to END AS ended_on FROM bench_d WHERE customer"
    )
    _sql(
        "CREATE TEMP TABLE bench_active AS SELECT (row_number() OVER (ORDER BY dist_no) - 1)::int AS a_no, id "
        "FROM bench_d WHERE customer AND status <> 'terminated'"
    )
    _sql("ALTER TABLE bench_cust ADD PRIMARY KEY (c_no)")
    _sql("ALTER TABLE bench_active ADD PRIMARY KEY (a_no)")
    p["customers"] = _value("SELECT count(*) FROM bench_cust")
    p["active"] = _value("SELECT count(*) FROM bench_active")
    p["by"] = _value("SELECT id FROM accounts_user WHERE username = 'bench_finance'")
    # The plan of every invoice: its dates and amount, and how it was paid (one or two payments, or not yet).
    # An account that ended is invoiced until it ended; later invoices go to an active account.
    _sql(
        """
        CREATE TEMP TABLE bench_inv AS
        SELECT s.n, CASE WHEN c.ended_on < s.issue_date THEN a.id ELSE c.id END AS distributor_id, s.issue_date,
               s.amount, s.r, s.r2, s.late
        FROM (
            SELECT g AS n, %(today)s::date - (1826 - (g::bigint * 1826 / %(invoices)s))::int AS issue_date,
                   round((500 + random() * 99500)::numeric, 2) AS amount,
                   random() AS r, random() AS r2, (random() * 50)::int - 10 AS late
            FROM generate_series(1, %(invoices)s) AS g
        ) s
        JOIN bench_cust c ON c.c_no = mod(s.n, %(customers)s)
        JOIN bench_active a ON a.a_no = mod(s.n, %(active)s)
        """,
        p,
    )
    _sql(
        """
        ALTER TABLE bench_inv ADD COLUMN due_date date, ADD COLUMN state text,
            ADD COLUMN pay1 numeric(14, 2), ADD COLUMN pay1_on date, ADD COLUMN pay2 numeric(14, 2),
            ADD COLUMN pay2_on date
        """
    )
    # Recent invoices are mostly open; older ones mostly paid, a few late payers partly or not at all.
    _sql(
        """
        UPDATE bench_inv SET due_date = issue_date + 30,
            state = CASE WHEN %(today)s::date - issue_date < 45 THEN (CASE WHEN r < 0.8 THEN 'open' ELSE 'paid' END)
                         WHEN r < 0.95 THEN 'paid' WHEN r < 0.98 THEN 'partial' ELSE 'open' END
        """,
        p,
    )
    _sql(
        """
        UPDATE bench_inv SET
            pay1_on = LEAST(%(today)s::date, GREATEST(issue_date, due_date + late)),
            pay1 = CASE WHEN state = 'paid' AND r2 < 0.25 THEN round(amount * 0.6, 2)
                        WHEN state = 'paid' THEN amount
                        WHEN state = 'partial' THEN round(amount * 0.5, 2) END
        WHERE state <> 'open'
        """,
        p,
    )
    _sql(
        """
        UPDATE bench_inv SET pay2 = amount - pay1, pay2_on = LEAST(%(today)s::date, pay1_on + 20)
        WHERE state = 'paid' AND pay1 < amount
        """,
        p,
    )
    _analyze("bench_inv")
    clock.step("plan of the invoices")
    _sql(
        """
        INSERT INTO receivables_invoice (number, distributor_id, issue_date, payment_terms_days, due_date, currency,
            amount, open_amount, last_applied_on, status, order_refs, notes, created_by_id, created_at, updated_at)
        SELECT 'bench' || lpad(n::text, 8, '0'), distributor_id, issue_date, 30, due_date, 'CNY', amount,
               amount - coalesce(pay1, 0) - coalesce(pay2, 0), coalesce(pay2_on, pay1_on),
               CASE WHEN state = 'paid' THEN 'paid'
                    WHEN %(today)s::date - due_date > 180 THEN 'doubtful'
                    WHEN state = 'partial' THEN 'partially_paid' ELSE 'open' END,
               '', '', %(by)s, now(), now()
        FROM bench_inv ORDER BY n
        """,
        p,
    )
    _analyze("receivables_invoice")
    clock.step(f"{p['invoices']} invoices")
    for which in ("1", "2"):
        _sql(
            f"""
            INSERT INTO receivables_payment (distributor_id, paid_on, amount, currency, method, reference, notes,
                unallocated_amount, reverses_id, created_by_id, created_at, updated_at)
            SELECT distributor_id, pay{which}_on, pay{which}, 'CNY', 'bank_transfer',
                   'bench' || lpad(n::text, 8, '0') || '-{which}', '', 0, NULL, %(by)s, now(), now()
            FROM bench_inv WHERE pay{which} IS NOT NULL ORDER BY pay{which}_on
            """,
            p,
        )
        _sql(
            f"""
            INSERT INTO receivables_allocation (invoice_id, payment_id, credit_note_id, write_off_id, amount,
                paid_on, created_by_id, created_at)
            SELECT i.id, p.id, NULL, NULL, p.amount, p.paid_on, %(by)s, now()
            FROM receivables_payment p
            JOIN receivables_invoice i ON i.number = left(p.reference, 13)
            WHERE p.reference LIKE %(like)s AND right(p.reference, 2) = '-{which}'
            """,
            p,
        )
    # Some money paid in advance and not yet applied (the "unapplied" column).
    _sql(
        """
        INSERT INTO receivables_payment (distributor_id, paid_on, amount, currency, method, reference, notes,
            unallocated_amount, reverses_id, created_by_id, created_at, updated_at)
        SELECT a.id, %(today)s::date - mod(g, 90), 5000, 'CNY', 'cash', 'bench-advance-' || g, '', 5000,
               NULL, %(by)s, now(), now()
        FROM generate_series(0, %(active)s / 7 - 1) AS g JOIN bench_active a ON a.a_no = g * 7
        """,
        p,
    )
    clock.step("payments and allocations")
    # Steady state of the reminders: every level whose day came before today was already dealt with.
    _sql(
        """
        INSERT INTO receivables_remindersent (invoice_id, level_id, run_date, outcome, claim, created_at)
        SELECT i.id, l.id, i.due_date + l.days_from_due, 'sent', 'bench', now()
        FROM receivables_invoice i JOIN receivables_reminderlevel l ON l.is_active
        WHERE i.number LIKE %(like)s AND i.open_amount > 0 AND i.due_date + l.days_from_due < %(today)s::date
        """,
        p,
    )
    _sql("DROP TABLE bench_inv")
