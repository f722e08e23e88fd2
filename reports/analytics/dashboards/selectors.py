"""Dashboard figures (../shared/API.md "Dashboards"), read from the rollup tables, never from the raw rows.

A dashboard is a *scope* (a rep, a team, a region or the company), a *period* (the day, week, month, quarter or
year containing a date; weeks start on Monday) and its figures: plan vs actual with the four completion
rates, visits made vs planned, overdue visits and money, the scope's children (ranked), top and bottom
accounts, and trends over the last periods with the same periods a year earlier.

Every figure is for the scope's distributors by their *current* owner. Definitions (the tests recompute them
from the source rows):

- sales amount / gross profit: orders in a sales state (confirmed, shipped) dated in the period;
- collection due: invoices issued and due by the period's end — what was still open at its start (those issued
  inside it in full); collected: payment allocations to those invoices dated in the period; payments received:
  payments dated in the period, however allocated;
- targets: Σ approved monthly targets of the months in the period (at rep level the rep's splits); a period
  shorter than its month (a day, a week) gets the month's money and new-outlet targets in proportion to its
  days. Outlet coverage is a number of outlets at the period's end, so its target is the last month's;
- active outlets: the cards' outlet network at the period's end; new outlets: its growth in the period;
- market rate = active outlets ÷ outlet target; a rate is None when its denominator is zero;
- expected rate (pacing) beside each rate of a running period: ``reports.analytics.dashboards.pacing`` /
  ``distributors.plan_arithmetic.expected_rate``; DSO on the period's end (today while it runs):
  ``receivables.selectors.days_sales_outstanding``. Neither is a sum: both are set on the figures shown.
"""

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, DateField, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Region, Role, Team, User
from accounts.scope import oversees_company, owned_by_scope
from accounts.selectors import regions_overseen_by, teams_overseen_by
from distributors.cards.models import TIER_VISIT_FREQUENCY_DAYS
from distributors.models import Distributor
from distributors.plans.arithmetic import PlannedPart, largest_remainder, pace, rate
from kamcrm import prepared
from kamcrm.money import CENT, ZERO, cents
from kamcrm.parallel import together
from receivables.selectors import OVERDUE, DsoParts, overdue_and_dso_parts
from reports.analytics.dashboards import pacing
from reports.analytics.models import (
    FLOW_FIELDS,
    MONEY_FLOWS,
    TARGET_COLUMNS,
    CollectionAhead,
    DistributorDay,
    DistributorMonth,
    OutletChange,
    OwnerMonth,
    RollupState,
    TargetMonth,
)
from reports.visits.models import SALES_STATUSES, OrderLine
from reports.visits.selectors import next_visit_due

PERIODS = ("day", "week", "month", "quarter", "year")
PERIOD_LABELS = {
    "day": _("Day"),
    "week": _("Week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
}
LEVELS = ("rep", "team", "region", "company")
LEVEL_LABELS = {
    "rep": _("Rep"),
    "team": _("Team"),
    "region": _("Region"),
    "company": _("Company"),
    "distributor": _("Account"),
}
# From a rollup row (which has ``distributor``) to the key of each level; accounts by their current owner.
GROUP_PATHS = {
    "distributor": "distributor_id",
    "rep": "distributor__owner_id",
    "team": "distributor__owner__team_id",
    "region": "distributor__owner__team__region_id",
    "company": None,
}
# The same keys from a customer card.
CARD_PATHS = {
    None: None,
    "company": None,
    "distributor": "pk",
    "rep": "owner_id",
    "team": "owner__team_id",
    "region": "owner__team__region_id",
}
CHILD_LEVEL = {"company": "region", "region": "team", "team": "rep", "rep": "distributor"}
ORDER = ("distributor", "rep", "team", "region", "company")


# --- Periods ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date

    @property
    def month_aligned(self) -> bool:
        return self.start.day == 1 and self.end == _month_end(self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            year, week, _day = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    def shifted(self, steps: int) -> "Period":
        """The period ``steps`` periods later (negative: earlier)."""
        if self.kind == "day":
            return period_containing("day", self.start + timedelta(days=steps))
        if self.kind == "week":
            return period_containing("week", self.start + timedelta(weeks=steps))
        months = {"month": 1, "quarter": 3, "year": 12}[self.kind] * steps
        return period_containing(self.kind, _add_months(self.start, months))

    def year_earlier(self) -> "Period":
        """The same period a year earlier (a week: the ISO week with the same number)."""
        if self.kind == "week":
            return self.shifted(-52)
        if self.kind == "day":
            try:
                return period_containing("day", self.start.replace(year=self.start.year - 1))
            except ValueError:  # 29 February
                return period_containing("day", self.start.replace(year=self.start.year - 1, day=28))
        return period_containing(self.kind, self.start.replace(year=self.start.year - 1))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(kind: str, day: date | None) -> Period:
    """The day, week (Monday–Sunday), month, quarter or year containing ``day`` (default: today)."""
    day = day or timezone.localdate()
    if kind == "day":
        return Period(kind, day, day)
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=6))
    if kind == "month":
        return Period(kind, day.replace(day=1), _month_end(day))
    if kind == "quarter":
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return Period(kind, first, _month_end(_add_months(first, 2)))
    if kind == "year":
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError(kind)


def last_periods(period: Period, count: int = 12) -> list[Period]:
    """The ``count`` periods ending with ``period``, oldest first."""
    return [period.shifted(-steps) for steps in range(count - 1, -1, -1)]


# --- Scopes ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    level: str
    obj: object | None  # User, Team, Region or None (company)

    @property
    def id(self) -> int | None:
        return getattr(self.obj, "pk", None)

    @property
    def label(self) -> str:
        if self.obj is None:
            return str(_("Company"))
        return self.obj.display_name if isinstance(self.obj, User) else self.obj.name

    def q(self) -> Q:
        """Rollup rows (or anything with ``distributor``) of the scope's accounts."""
        return scope_q(self.level, self.id)


def scope_q(level: str, pk: int | None, prefix: str = "distributor__") -> Q:
    if level == "company":
        return Q()
    if level == "distributor":
        return Q(**{f"{prefix}pk" if prefix else "pk": pk})
    path = {"rep": "owner_id", "team": "owner__team_id", "region": "owner__team__region_id"}[level]
    return Q(**{f"{prefix}{path}": pk})


class ScopeNotFound(Exception):
    """The level and id name nothing the user may see (the API answers 404, as for a missing object)."""


def reps_visible_to(user: User):
    """People whose accounts the user may see on a dashboard (themselves included)."""
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    return User.objects.filter(owned_by_scope(user, owner="")).select_related("team")


def resolve_scope(*, for_user: User, level: str, pk: int | None) -> Scope:
    """The scope named by level and id, if ``for_user`` may see it; raises ScopeNotFound otherwise."""
    if level == "company":
        if oversees_company(for_user):
            return Scope("company", None)
        raise ScopeNotFound
    source = {"rep": reps_visible_to, "team": teams_overseen_by, "region": regions_overseen_by}.get(level)
    if source is None or pk is None:
        raise ScopeNotFound
    obj = source(for_user).filter(pk=pk).first()
    if obj is None:
        raise ScopeNotFound
    return Scope(level, obj)


def default_scope(user: User) -> Scope:
    """Where a user's dashboard opens: a rep their own, a KAM their team, a manager their region, the company."""
    role = user.effective_role
    if oversees_company(user):
        return Scope("company", None)
    if role in (Role.REGIONAL_MANAGER, Role.FINANCE) and user.region_id:
        return Scope("region", user.region)
    if role == Role.KAM:
        team = Team.objects.filter(kam=user).first()
        if team:
            return Scope("team", team)
    return Scope("rep", user)


def children_of(scope: Scope, level: str) -> list[tuple[int, str]]:
    """[(id, label)] of the scope's members at ``level`` (every one, with or without figures)."""
    if level == "distributor":
        rows = Distributor.objects.filter(scope_q(scope.level, scope.id, prefix="")).order_by("code")
        return [(d.pk, d.display_name) for d in rows.only("pk", "code", "name", "short_name")]
    if level == "rep":

        def people(within: Q):
            owns = Exists(Distributor.objects.filter(owner_id=OuterRef("pk")))  # a semi-join: no row per account
            found = User.objects.filter(Q(role__in=[Role.REP, Role.KAM]) | owns).filter(within)
            found = found.filter(Q(is_active=True) | owns).order_by("username")
            return found.values_list("pk", "username", "first_name", "last_name")

        within = {"team": Q(team_id=scope.id), "region": Q(team__region_id=scope.id), "rep": Q(pk=scope.id)}
        rows = prepared.rows("dashboards.children_reps", people, within=within.get(scope.level, Q()))
        return [
            (pk, User(pk=pk, username=username, first_name=first, last_name=last).display_name)
            for pk, username, first, last in rows
        ]
    if level == "team":
        if scope.level not in ("region", "company"):
            return []
        within = Q(region_id=scope.id) if scope.level == "region" else Q()
        return prepared.rows(
            "dashboards.children_teams",
            lambda within: Team.objects.filter(within).order_by("name").values_list("pk", "name"),
            within=within,
        )
    if level == "region":
        return [(r.pk, r.name) for r in Region.objects.order_by("name")] if scope.level == "company" else []
    raise ValueError(level)


def child_levels(level: str) -> list[str]:
    """The levels a scope can be broken down into (its children first)."""
    below = ORDER[: ORDER.index(level)]
    return list(reversed(below))


# --- Figures ---------------------------------------------------------------------------------------------------


@dataclass
class Figures(PlannedPart):
    sales_amount: Decimal = ZERO
    sales_target: Decimal = ZERO
    gross_profit: Decimal = ZERO
    gross_profit_target: Decimal = ZERO
    collection_due: Decimal = ZERO
    collected: Decimal = ZERO
    collection_target: Decimal = ZERO
    payments_received: Decimal = ZERO
    active_outlets: int = 0
    outlet_target: int = 0
    new_outlets: int = 0
    new_outlet_target: int = 0
    visits: int = 0
    visits_planned: int = 0
    orders: int = 0
    overdue_amount: Decimal | None = None
    overdue_visits: int | None = None
    # The part of sales, gross profit and active outlets of the accounts that have an approved plan for the month
    # (for outlets: for the period's last month). The rates compare these with the targets (like with like).
    planned_sales_amount: Decimal = ZERO
    planned_gross_profit: Decimal = ZERO
    planned_active_outlets: int = 0

    @property
    def sales_rate(self):
        return rate(self.planned_sales_amount, self.sales_target)

    @property
    def gross_profit_rate(self):
        return rate(self.planned_gross_profit, self.gross_profit_target)

    @property
    def collection_rate(self):
        return rate(self.collected, self.collection_due)

    @property
    def market_rate(self):
        return rate(self.planned_active_outlets, self.outlet_target)

    @property
    def visit_rate(self):
        return rate(self.visits, self.visits_planned)

    def rate(self, name: str):
        return getattr(self, f"{name}_rate")

    # Pacing and DSO are set by ``dashboard()`` (``_add_pacing_and_dso``) on the figures it shows: they are not
    # sums, so they stay out of the dataclass fields that ``_summed`` adds up.
    def expected_rate(self, name: str) -> Decimal | None:
        """The rate expected by today in a running period (``reports.analytics.dashboards.pacing``); None for a
        closed or future one."""
        return getattr(self, "expected_rates", {}).get(name)

    def pace(self, name: str) -> str | None:
        """ "ahead" or "behind" the expected rate; None when there is nothing to compare."""
        return pace(self.rate(name), self.expected_rate(name))

    @property
    def dso(self) -> Decimal | None:
        """Days sales outstanding at the period's end (or today), ``receivables.selectors.days_sales_outstanding``."""
        parts = getattr(self, "dso_parts", None)
        return parts.dso if parts is not None else None

    def as_api(self) -> dict:
        """API.md's figures: money as strings with 2 places, rates with 4 (null without a denominator)."""
        values = self.__dict__  # the fields, read directly (a dashboard shows a few dozen figures)
        result = {}
        for name in FIGURE_NAMES:
            value = values[name]
            result[name] = f"{value:.2f}" if isinstance(value, Decimal) else value
        for name in ("unplanned_sales_amount", "unplanned_gross_profit"):
            result[name] = f"{getattr(self, name):.2f}"
        for name in RATES:
            value, expected = self.rate(name), self.expected_rate(name)
            result[f"{name}_rate"] = None if value is None else f"{value:.4f}"
            result[f"{name}_expected_rate"] = None if expected is None else f"{expected:.4f}"
            result[f"{name}_pace"] = pace(value, expected)
        result["dso"] = None if self.dso is None else f"{self.dso:.1f}"
        return result


RATES = ("sales", "gross_profit", "collection", "market", "visit")
FIGURE_NAMES = tuple(f.name for f in fields(Figures))
# The money a rep's share of an account is taken of (API.md "A rep's share follows the plan").
SHARED = ("sales_amount", "gross_profit", "collection_due", "collected", "payments_received")
RATE_LABELS = {  # completion rates: distinct from the amounts' labels ("销售额" is the amount, not its rate)
    "sales": pgettext_lazy("rate", "Sales"),
    "gross_profit": pgettext_lazy("rate", "Gross profit"),
    "collection": pgettext_lazy("rate", "Collection"),
    "market": pgettext_lazy("rate", "Market"),
    "visit": pgettext_lazy("rate", "Visits"),
}


def _grouped(queryset, group_path: str | None, aggregates: dict) -> dict:
    """{group key: {name: value}}; the key is None for the whole scope."""
    queryset = queryset.order_by()
    if not aggregates:
        return {}
    if group_path is None:
        return {None: queryset.aggregate(**aggregates)}
    return {row.pop("_key"): row for row in queryset.values(_key=F(group_path)).annotate(**aggregates)}


def _in(period: Period, field_name: str) -> Q:
    return Q(**{f"{field_name}__gte": period.start, f"{field_name}__lte": period.end})


def _planned(month_ref: str) -> Exists:
    """Whether the row's account has an approved, current plan for the row's month."""
    return Exists(
        TargetMonth.objects.filter(distributor_id=OuterRef("distributor_id"), month=OuterRef(month_ref), rep=None)
    )


def _cells(accounts: Q, periods: Sequence[Period], path: str | None, owners: "Scope | None" = None) -> dict:
    """{(key, period index, month): Figures} — the money flows of each period, split by the month they fall in.
    With ``owners`` (the scope whose accounts ``accounts`` are, :func:`_by_owner`) the month rows are read as its
    reps' month sums.

    A period's figure is the sum of its months' cells; a rep's share is taken per account and month (the plan's
    split of that month). What each part of a figure is dated by, so it falls in a month:

    - sales, gross profit, orders, visits, payments received: their day;
    - collection due: the money open at the period's start in the period's first month; an invoice becoming
      collectible in the period in the month it does; what credit notes and write-offs take off in the period
      in the month they do so (less); collected: in the month of the payment's allocation.
    """
    key_of = {"_key": F(path)} if path else {}
    cells: dict = defaultdict(Figures)
    # Flows: month rows for whole months, day rows otherwise.
    for table, unit, chosen in (
        (DistributorMonth, "month", [i for i, p in enumerate(periods) if p.month_aligned]),
        (DistributorDay, "day", [i for i, p in enumerate(periods) if not p.month_aligned]),
    ):
        if not chosen:
            continue
        low = min(periods[i].start for i in chosen)
        high = max(periods[i].end for i in chosen)
        if unit == "month" and owners is not None:  # the reps' sums carry the planned part summed
            rows = prepared.rows(
                f"dashboards.owner_flows:{owners.level}:{path}",
                lambda low, high, scope_id: _owner_rows(
                    owners.level, scope_id, path, month__gte=low, month__lte=high
                ).annotate(**{f"s_{n}": Sum(n) for n in (*FLOW_FIELDS, *PLANNED_SUMS)}),
                low=low,
                high=high,
                scope_id=owners.id,
            )
        else:
            rows = prepared.rows(
                f"dashboards.flows:{unit}:{path}",
                lambda accounts, low, high, unit=unit, table=table: _flow_rows(
                    table, unit, accounts, low, high, key_of
                ),
                accounts=accounts,
                low=low,
                high=high,
            )
        for row in rows:
            key, day = row.get("_key"), row[unit]
            values = {n: cents(row[f"s_{n}"]) if n in MONEY_FLOWS else row[f"s_{n}"] or 0 for n in FLOW_FIELDS}
            if "_planned" not in row:
                planned = [cents(row[f"s_{n}"]) for n in PLANNED_SUMS]
            else:  # an account's row: its sales are planned or not
                planned = [values["sales_amount"], values["gross_profit"]] if row["_planned"] else [ZERO, ZERO]
            for i in chosen:
                if not periods[i].start <= day <= periods[i].end:
                    continue
                cell = cells[(key, i, day.replace(day=1))]
                cell.sales_amount += values["sales_amount"]
                cell.gross_profit += values["gross_profit"]
                cell.planned_sales_amount += planned[0]
                cell.planned_gross_profit += planned[1]
                cell.orders += values["orders"]
                cell.visits += values["visits"]
                cell.visits_planned += values["visits_planned"]
                cell.payments_received += values["payments_received"]
                cell.collected += values["collected_on_time"]
                cell.collection_due += values["became_due"] - values["credited_on_time"]

    # Money collectible before each period and still open at its start: every earlier month, then the days of
    # the period's first month before it. It falls in the period's first month.
    net = F("became_due") - F("settled")
    for key, row in _open_before_months(accounts, periods, path, owners).items():
        for i, p in enumerate(periods):
            cells[(key, i, p.start.replace(day=1))].collection_due += cents(row[f"b_{i}"])
    partial = [i for i, p in enumerate(periods) if p.start.day != 1]
    if partial:
        day_rows = DistributorDay.objects.filter(
            accounts,
            day__gte=min(periods[i].start.replace(day=1) for i in partial),
            day__lt=max(periods[i].start for i in partial),
        )
        aggregates = {
            f"b_{i}": Sum(net, filter=Q(day__gte=periods[i].start.replace(day=1), day__lt=periods[i].start))
            for i in partial
        }
        for key, row in _grouped(day_rows, path, aggregates).items():
            for i in partial:
                cells[(key, i, periods[i].start.replace(day=1))].collection_due += cents(row[f"b_{i}"])

    # Allocations made before their invoice became collectible: paid before the period on an invoice that
    # became collectible in it (not open at its start); paid in the period on one collectible by its end: a
    # payment is collected, a credit note or write-off reduces what was due.
    # For periods of whole months only the months of the two dates matter (a period starts on a 1st and ends on a
    # month's last day): summed per month in SQL, a region's year is ~230 rows instead of ~1,600.
    earliest = min(p.start for p in periods)
    aligned = all(p.month_aligned for p in periods)
    if aligned:
        dates = {"_paid": TruncMonth("paid_on", output_field=DateField()), "_due": TruncMonth("due_on")}
    else:
        dates = {"_paid": F("paid_on"), "_due": F("due_on")}
    ahead = prepared.rows(
        f"dashboards.ahead:{path}:{aligned}",
        lambda accounts, low, high: (
            CollectionAhead.objects.filter(accounts, due_on__gte=low, due_on__lte=high)
            .order_by()
            .values(**dates, **key_of)
            .annotate(a=Sum("amount"), c=Sum("collected"))
        ),
        accounts=accounts,
        low=earliest,
        high=max(p.end for p in periods),
    )
    for row in ahead:
        key, paid_on, due_on = row.get("_key"), row["_paid"], row["_due"]
        amount, collected = cents(row["a"]), cents(row["c"])
        for i, p in enumerate(periods):
            if p.start <= due_on <= p.end and paid_on < p.start:
                cells[(key, i, due_on.replace(day=1))].collection_due -= amount
            elif p.start <= paid_on <= p.end and due_on <= p.end:
                cell = cells[(key, i, paid_on.replace(day=1))]
                cell.collected += collected
                cell.collection_due -= amount - collected
    return cells


def _flow_rows(table, unit: str, accounts: Q, low: date, high: date, key_of: dict):
    """The accounts' day or month rows from ``low`` to ``high``, summed per day or month, planned flag and key."""
    rows = table.objects.filter(accounts, **{f"{unit}__gte": low, f"{unit}__lte": high}).order_by()
    if unit == "day":
        rows = rows.annotate(_month=TruncMonth("day", output_field=DateField()), _planned=_planned("_month"))
    else:  # the month rows carry their planned flag (kept by the rollups with the targets)
        rows = rows.annotate(_planned=F("planned"))
    return rows.values(unit, "_planned", **key_of).annotate(**{f"s_{n}": Sum(n) for n in FLOW_FIELDS})


def _open_before_months(accounts: Q, periods: Sequence[Period], path: str | None, owners=None) -> dict:
    """{key: {"b_<i>": Σ (became_due − settled) of the months before period i's first month}} of the accounts
    with a month row before the latest period's start.

    For one or two periods: the balance of each account's last month row before the month
    (``DistributorMonth.balance``), added up per key: the row of the month just before when there is one (those
    rows read at once, by the month index), else one index probe for the account's last row. For more (trends),
    one pass over the month rows, summed per key and month, then added up before each period in Python (one sum
    per row, not one per row and period: the company's 24 periods took two seconds). With ``owners`` (see
    :func:`_cells`): the same from the reps' month sums, their running balances for one or two periods.
    """
    if len(periods) > 2:
        before = max(p.start for p in periods)
        if owners is not None:
            month_rows = _owner_rows(owners.level, owners.id, path, month__lt=before)
        else:
            month_rows = (
                DistributorMonth.objects.filter(accounts, month__lt=before)
                .order_by()
                .values("month", **({"_key": F(path)} if path else {}))
            )
        nets: dict = defaultdict(list)
        for row in month_rows.annotate(net=Sum(F("became_due") - F("settled"))):
            nets[row.get("_key")].append((row["month"], row["net"] or ZERO))
        firsts = [p.start.replace(day=1) for p in periods]
        return {
            key: {f"b_{i}": sum((n for month, n in months if month < first), ZERO) for i, first in enumerate(firsts)}
            for key, months in nets.items()
        }
    card_path = _card_path(path)
    table, owner_column = DistributorMonth._meta.db_table, "distributor_id"
    try:
        if owners is not None:  # the reps (of the scope's team, region or company), their running balances
            table, owner_column, user_path = OwnerMonth._meta.db_table, "owner_id", _rep_path(CARD_PATHS[owners.level])
            key_path = _rep_path(card_path)
            cards_sql, params = _named_sql(
                f"dashboards.balance_reps:{user_path}:{key_path}",
                lambda pk: (
                    User.objects.filter(**({user_path: pk} if user_path else {}))
                    .order_by()
                    .values("pk", **({"_key": F(key_path)} if key_path else {}))
                ),
                pk=owners.id,
            )
        else:
            cards_sql, params = _named_sql(
                f"dashboards.balance_cards:{card_path}",
                lambda accounts: (
                    Distributor.objects.filter(_card_q(accounts))
                    .order_by()
                    .values("pk", **({"_key": F(card_path)} if card_path not in (None, "pk") else {}))
                ),
                accounts=accounts,
            )
    except EmptyResultSet:  # no account (an empty list of ids)
        return {}
    # Most accounts have a row in the month just before: read those months' rows once (an index-only range scan)
    # and joined by hash; an account without one is probed for its last row before (PostgreSQL evaluates
    # COALESCE's second argument only where the first is NULL).
    joins, balances = [], []
    for i, p in enumerate(periods):
        first = p.start.replace(day=1)
        params[f"first_{i}"], params[f"before_{i}"] = first, _add_months(first, -1)
        joins.append(f"LEFT JOIN {table} m{i} ON m{i}.{owner_column} = c.pk AND m{i}.month = %(before_{i})s")
        balances.append(
            f"COALESCE(m{i}.balance, (SELECT u.balance FROM {table} u WHERE u.{owner_column} = c.pk"
            f" AND u.month < %(first_{i})s ORDER BY u.month DESC LIMIT 1))"
        )
    grouped = card_path not in (None, "pk")
    if grouped:
        # By rep, team or region: the balances added up in SQL (20,000 rows not sent to Python for the company). A
        # key none of whose accounts has a month row before is left out, as below (SUM of nothing but NULLs).
        select = ", ".join(["c._key", *(f"SUM({b})" for b in balances)])
        tail = "GROUP BY c._key"
    else:
        select = ", ".join([*balances, "c.pk"])
        tail = ""
    sql = f"SELECT {select} FROM ({cards_sql}) c {' '.join(joins)} {tail}"
    names = [f"b_{i}" for i in range(len(periods))]
    result: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            key, values = (row[0], row[1:]) if grouped else (row[-1], row[:-1])
            values = [_db_money(value) for value in values]
            if grouped:
                if any(value is not None for value in values):
                    result[key] = {name: value or ZERO for name, value in zip(names, values, strict=True)}
                continue
            if all(value is None for value in values):
                continue  # no month row before: as when summing them
            sums = result.setdefault(key if card_path else None, dict.fromkeys(names, ZERO))
            for name, value in zip(names, values, strict=True):
                if value is not None:
                    sums[name] += value
    return result


def _db_money(value) -> Decimal | None:
    """An amount read by raw SQL as a Decimal to the cent: PostgreSQL gives a Decimal, the embedded SQLite a float
    (read back by its shortest representation, as Django's own converter does to 15 digits)."""
    if value is None or isinstance(value, Decimal):
        return value
    return cents(Decimal(repr(value)) if isinstance(value, float) else value)


def _card_path(path: str | None) -> str | None:
    """A rollup row's path to a level (``GROUP_PATHS``) as the same path from the card."""
    if path is None:
        return None
    return "pk" if path == "distributor_id" else path.removeprefix("distributor__")


def _fold(cells: dict) -> dict:
    """{(key, period index): Figures} — the cells of each key and period added up."""
    result: dict = defaultdict(Figures)
    for (key, i, _month), cell in cells.items():
        _add_into(result[(key, i)], cell)
    return result


def _add_into(total: Figures, part: Figures) -> None:
    sums, values = total.__dict__, part.__dict__
    for name in FIGURE_NAMES:
        value = values[name]
        if value:
            sums[name] = (sums[name] or 0) + value


@dataclass(frozen=True)
class _Plan:
    """An account's approved plan for a month: its sales target and the reps' splits of it."""

    sales: Decimal
    splits: tuple  # ((rep id, split sales target), …), lower user id first


def _plans(accounts: Q, periods: Sequence[Period]) -> dict:
    """{(account id, month): _Plan} for the months the periods touch."""
    return _plans_of(_target_rows(accounts, periods))


def _target_rows(accounts: Q, periods: Sequence[Period]) -> list[tuple]:
    """[(account id, month, rep id or None, *TARGET_COLUMNS)] of the accounts' TargetMonth rows in the months the
    periods touch, the plans' months and the reps' splits alike (one read for everything a team's dashboard takes
    from the plans)."""
    low = min(p.start for p in periods).replace(day=1)
    return prepared.rows(
        "dashboards.target_rows",
        lambda accounts, low, high: (
            TargetMonth.objects.filter(accounts, month__gte=low, month__lte=high)
            .order_by("rep_id")
            .values_list("distributor_id", "month", "rep_id", *TARGET_COLUMNS)
        ),
        accounts=accounts,
        low=low,
        high=max(p.end for p in periods),
    )


def _plans_of(rows: Sequence[tuple]) -> dict:
    """{(account id, month): _Plan} of :func:`_target_rows`' rows."""
    month_sales, splits = {}, defaultdict(list)
    for distributor_id, month, rep_id, sales, *_rest in rows:
        if rep_id is None:
            month_sales[(distributor_id, month)] = sales
        else:
            splits[(distributor_id, month)].append((rep_id, sales))
    return {key: _Plan(sales, tuple(splits.get(key, ()))) for key, sales in month_sales.items()}


def rep_shares(plan: "_Plan | None", owner_id: int | None) -> list[tuple[int | None, Decimal]]:
    """[(rep id, weight)] of an account's month: the plan's splits by their sales targets (lower user id first)
    when the month has a sales target above zero, otherwise the current owner's whole."""
    if plan is not None and plan.sales > 0 and any(weight > 0 for _rep, weight in plan.splits):
        return list(plan.splits)
    return [(owner_id, Decimal(1))]


def _shares(cells: dict, owners: dict, plans: dict) -> dict:
    """{(rep id, account id, period index): Figures} — each account-month cell shared among its reps.

    The money in SHARED is apportioned to the cent by largest remainder (so the reps add up to the account);
    visits, planned visits, orders follow the current owner.
    """
    result: dict = defaultdict(Figures)
    for (account, i, month), cell in cells.items():
        plan = plans.get((account, month))
        shares = rep_shares(plan, owners.get(account))
        weights = [weight for _rep, weight in shares]
        if len(shares) == 1:  # one rep takes the whole (what largest remainder gives, without the fractions)
            parts = {name: [getattr(cell, name)] for name in SHARED}
        else:
            parts = {name: largest_remainder(getattr(cell, name), weights, places=2) for name in SHARED}
        for j, (rep, _weight) in enumerate(shares):
            share = result[(rep, account, i)]
            for name in SHARED:
                setattr(share, name, getattr(share, name) + parts[name][j])
            if plan is not None:
                share.planned_sales_amount += parts["sales_amount"][j]
                share.planned_gross_profit += parts["gross_profit"][j]
        owned = result[(owners.get(account), account, i)]
        owned.visits += cell.visits
        owned.visits_planned += cell.visits_planned
        owned.orders += cell.orders
    return result


def _months_of(periods: Sequence[Period]) -> Q:
    low = min(p.start for p in periods).replace(day=1)
    return Q(month__gte=low, month__lte=max(p.end for p in periods))


# A team's, a region's or the company's accounts are every account of their reps: their month rows and plan
# targets are read as the reps' month sums (``OwnerMonth``, a row per rep and month), grouped by the rep's team or
# region, wherever they are added up by rep or above (not per account, nor as reps' shares of accounts).
SUMMED_BY_OWNER = ("team", "region", "company")
PLANNED_SUMS = ("planned_sales_amount", "planned_gross_profit")


def _rep_path(card_path: str | None) -> str | None:
    """A card's path to its owner's team or region (``CARD_PATHS``) as the same path from the rep."""
    return card_path.removeprefix("owner__") if card_path else None


def _by_owner(scope: "Scope", path: str | None) -> "Scope | None":
    """``scope`` when its month rows and targets grouped at ``path`` are read from the reps' month sums."""
    summed = scope.level in SUMMED_BY_OWNER and path in (None, GROUP_PATHS["team"], GROUP_PATHS["region"])
    return scope if summed else None


def _owner_rows(level: str, pk: int | None, path: str | None, **filters):
    """The reps' month sums (``OwnerMonth``) of the reps of the team, region (``pk``) or company at ``level``, as
    ``values()`` keyed at ``path`` (``_key``)."""
    rows = OwnerMonth.objects.filter(scope_q(level, pk, prefix=""), **filters).order_by()
    return rows.values("month", **({"_key": F(_card_path(path))} if path else {}))


def rep_accounts(rep_id: int, periods: Sequence[Period], prefix: str = "distributor__") -> Q:
    """The accounts a rep has a part in: those the rep owns and those where the rep has a split in the periods.

    Read first, as a list of ids: "owned by the rep, or split to the rep" written as one filter (an OR with a
    subquery) could use no index, and a rep's dashboard or trend read every account's month rows (~300 ms of a
    rep's month, a second for its trend, at the benchmark's size)."""

    def accounts(rep_id: int, months: Q):
        owned = Distributor.objects.filter(owner_id=rep_id).order_by().values_list("pk", flat=True)
        split = TargetMonth.objects.filter(months, rep_id=rep_id).order_by().values_list("distributor_id")
        return owned.union(split)  # one query; each side by its index

    ids = sorted(prepared.rows("dashboards.rep_accounts", accounts, rep_id=rep_id, months=_months_of(periods)))
    return Q(**{"distributor_id__in" if prefix == "distributor__" else f"{prefix}pk__in": ids})


def compute(*, scope: Scope, periods: Sequence[Period], group: str | None = None) -> dict:
    """{(group key, period index): Figures} for the scope's accounts, grouped at ``group`` (None: the scope).

    Team, region and company take each account whole, by its current owner. A rep (the scope, or ``group="rep"``)
    takes its share of each account and month (:func:`rep_shares`), and its own splits as targets.
    """
    if scope.level == "rep" or group == "rep":
        return shared_figures(
            accounts=rep_accounts(scope.id, periods) if scope.level == "rep" else scope.q(),
            owned=scope.q(),
            periods=periods,
            group=group,
            reps=[scope.id] if scope.level == "rep" else None,
        )
    path = GROUP_PATHS[group] if group else None
    cells, targets, outlets = together(  # side by side (``kamcrm.parallel``)
        lambda: _cells(scope.q(), periods, path, _by_owner(scope, path)),
        lambda: _plan_target_sums(scope, periods, path),
        lambda: _outlet_reads(scope.q(), periods, CARD_PATHS[group]),
    )
    result = _fold(cells)
    _set_period_targets(result, targets, periods)
    _apply_outlets(result, periods, *outlets)
    return result


def shared_figures(
    *, accounts: Q, owned: Q, periods: Sequence[Period], group: str | None, reps: Sequence[int] | None = None
) -> dict:
    """{(key, period index): Figures} of reps' shares in ``accounts``; key: the rep (``group="rep"``), the
    account (``"distributor"``) or None (all of ``reps``' shares). ``reps`` limits to those reps (None: all).
    Outlets and visits follow the current owner, of the accounts in ``owned``."""
    cells = _cells(accounts, periods, "distributor_id")
    plans = _plans(accounts, periods)
    ids = {account for account, _i, _month in cells} | {account for account, _month in plans}
    owners = dict(
        prepared.rows(
            "dashboards.owners",
            lambda ids: Distributor.objects.filter(pk__in=ids).order_by().values_list("pk", "owner_id"),
            ids=sorted(ids),
        )
    )
    result = _shared_sums(cells, owners, plans, group, reps)
    _add_split_targets(result, accounts, periods, group, reps)
    owned_q = owned if reps is None else owned & Q(distributor__owner_id__in=reps)
    _add_outlets(result, owned_q, periods, {"rep": "owner_id", "distributor": "pk"}.get(group))
    return result


def _shared_sums(cells: dict, owners: dict, plans: dict, group: str | None, reps: Sequence[int] | None) -> dict:
    """The shares of the account-month ``cells`` (:func:`_shares`) added up per rep, account or all."""
    result: dict = defaultdict(Figures)
    for (rep, account, i), share in _shares(cells, owners, plans).items():
        if reps is not None and rep not in reps:
            continue
        key = {"rep": rep, "distributor": account}.get(group)
        _add_into(result[(key, i)], share)
    return result


def _add_split_targets(result: dict, accounts: Q, periods: Sequence[Period], group, reps) -> None:
    splits = accounts & Q(rep__isnull=False)
    if reps is not None:
        splits &= Q(rep_id__in=list(reps))
    _add_targets(result, splits, periods, {"rep": "rep_id", "distributor": "distributor_id"}.get(group))


def whole_and_rep_figures(
    *, scope: Scope, periods: Sequence[Period], owners: dict, outlets: dict | None = None
) -> tuple[dict, dict]:
    """``compute(group="distributor")`` and ``compute(group="rep")`` of a team, region or company at once:
    ({(account, i): Figures}, {(rep, i): Figures}) from one read of the account-month cells and of the outlets.

    ``owners`` is {account id: current owner id} of every account of the scope; ``outlets`` {account id: its
    card's outlets today}, when the caller has read the cards. A rep's outlets are those of the accounts the rep
    owns (as in :func:`shared_figures`), so they are the accounts' outlets added up. The plans' months and the
    reps' splits are read once, for the targets, the shares and the planned outlets.
    """
    cells = _cells(scope.q(), periods, "distributor_id")
    whole = _fold(cells)
    targets = _target_rows(scope.q(), periods)
    _set_period_targets(whole, _month_targets(targets, lambda row: row[0] if row[2] is None else _SKIP), periods)
    planned = {(row[0], row[1]) for row in targets if row[2] is None}
    _add_outlets(whole, scope.q(), periods, "pk", outlets=outlets, planned=planned)
    shares = _shared_sums(cells, owners, _plans_of(targets), "rep", None)
    _set_period_targets(shares, _month_targets(targets, lambda row: _SKIP if row[2] is None else row[2]), periods)
    for (account, i), figures in list(whole.items()):
        if account not in owners:
            continue
        share = shares[(owners[account], i)]
        share.active_outlets += figures.active_outlets
        share.new_outlets += figures.new_outlets
        share.planned_active_outlets += figures.planned_active_outlets
    return whole, shares


def _month_share(period: Period, month: date) -> Fraction:
    """How much of ``month`` the period covers (1 for a whole month inside it)."""
    end = _month_end(month)
    days = (min(period.end, end) - max(period.start, month)).days + 1
    if days <= 0:
        return Fraction(0)
    return Fraction(days, (end - month).days + 1)


def _add_targets(result: dict, rows: Q, periods: Sequence[Period], path: str | None) -> None:
    """Targets from the TargetMonth rows ``rows`` selects (plans' months, or reps' splits), grouped at ``path``:
    summed per key and month in SQL, then made the periods' targets (:func:`_set_period_targets`)."""
    _set_period_targets(result, _target_month_sums(rows, periods, path), periods)


def _target_month_sums(rows: Q, periods: Sequence[Period], path: str | None) -> dict:
    """{(key, month): TARGET_COLUMNS sums} of the TargetMonth rows ``rows`` selects in the months the periods
    touch, grouped at ``path`` (key None without)."""
    keys = [path, "month"] if path else ["month"]
    sums = prepared.rows(
        f"dashboards.target_sums:{path}",
        lambda rows, months: (
            TargetMonth.objects.filter(rows, months)
            .order_by()
            .values(*keys)
            .annotate(**{f"t_{name}": Sum(name) for name in TARGET_COLUMNS})
            .values_list(*keys, *(f"t_{name}" for name in TARGET_COLUMNS))
        ),
        rows=rows,
        months=_months_of(periods),
    )
    return {(row[0], row[1]) if path else (None, row[0]): row[len(keys) :] for row in sums}


def _plan_target_sums(scope: Scope, periods: Sequence[Period], path: str | None) -> dict:
    """:func:`_target_month_sums` of the scope's plans (TargetMonth without rep), from the reps' month sums where
    they apply (:func:`_by_owner`)."""
    owners = _by_owner(scope, path)
    if owners is None:
        return _target_month_sums(scope.q() & Q(rep=None), periods, path)
    sums = prepared.rows(
        f"dashboards.owner_targets:{owners.level}:{path}",
        lambda scope_id, months: (
            _owner_rows(owners.level, scope_id, path)
            .filter(months)
            .annotate(**{f"t_{name}": Sum(f"target_{name}") for name in TARGET_COLUMNS})
        ),
        scope_id=owners.id,
        months=_months_of(periods),
    )
    return {(row.get("_key"), row["month"]): tuple(row[f"t_{name}"] for name in TARGET_COLUMNS) for row in sums}


def _month_targets(rows: Sequence[tuple], key_of) -> dict:
    """{(key, month): TARGET_COLUMNS sums} of :func:`_target_rows`' ``rows`` kept by ``key_of(row)`` (``_SKIP``:
    left out), added up per key and month as :func:`_add_targets` does in SQL."""
    sums: dict = {}
    for row in rows:
        key = key_of(row)
        if key is _SKIP:
            continue
        values = row[3:]
        found = sums.get((key, row[1]))
        sums[(key, row[1])] = values if found is None else tuple(a + b for a, b in zip(found, values, strict=True))
    return sums


_SKIP = object()


def _set_period_targets(result: dict, by_month: dict, periods: Sequence[Period]) -> None:
    """The periods' targets from {(key, month): TARGET_COLUMNS sums}: the one definition of a period's targets.

    A period's money and new-outlet targets are the sums of the months it covers whole, plus a month it only
    partly covers (a day, a week) in proportion to its days, exactly (fractions), rounded once at the end.
    Outlet coverage is a level: the target of the period's last month. Every key with a month in the periods'
    span gets every period's targets (zero where its months have none).
    """
    money = (0, 1, 2, 4)  # TARGET_COLUMNS: sales, gross profit, collection, (outlet coverage), new outlets
    months_of_key: dict = defaultdict(dict)
    for (key, month), values in by_month.items():
        months_of_key[key][month] = values
    spans = []
    for p in periods:
        first_whole = p.start if p.start.day == 1 else _add_months(p.start, 1)
        last_whole = p.end.replace(day=1) if p.end == _month_end(p.end) else _add_months(p.end.replace(day=1), -1)
        spans.append((first_whole, last_whole, p.end.replace(day=1)))
    for key, months in months_of_key.items():
        for i, (p, (first_whole, last_whole, last_month)) in enumerate(zip(periods, spans, strict=True)):
            parts = [ZERO] * 4
            for month, values in months.items():
                if first_whole <= month <= last_whole:
                    for j, column in enumerate(money):
                        parts[j] += values[column] or 0
            for month, values in months.items():
                if month < first_whole or month > last_whole:
                    share = _month_share(p, month)
                    if share and share != 1:
                        for j, column in enumerate(money):
                            parts[j] = Fraction(parts[j]) + Fraction(values[column] or 0) * share
            figures = result[(key, i)]
            coverage = months.get(last_month)
            figures.outlet_target = (coverage[3] or 0) if coverage is not None else 0
            _set_targets(figures, parts)


def _fraction_money(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def _add_outlets(
    result: dict,
    accounts: Q,
    periods: Sequence[Period],
    key_path: str | None,
    *,
    outlets: dict | None = None,
    planned: set | None = None,
) -> None:
    """Active outlets at each period's end and new ones in it: today's card numbers minus the changes since.
    Those of accounts with an approved plan for the period's last month are also counted as planned.

    A caller that has read them passes the cards' outlets today (``outlets``: {account id: outlets}, keyed by
    account) and the accounts' planned months (``planned``: {(account id, month)}, a superset will do)."""
    _apply_outlets(result, periods, *_outlet_reads(accounts, periods, key_path, outlets=outlets, planned=planned))


def _outlet_reads(
    accounts: Q, periods: Sequence[Period], key_path: str | None, *, outlets: dict | None = None, planned=None
) -> tuple[dict, dict, set, dict | None]:
    """What :func:`_add_outlets` reads: ({account id: (outlets today, key)}, {account id: [(day, change)]} since the
    earliest period's start, {(account id, month)} planned in the periods' last months, and None.

    Unless ``planned`` is given, the planned part of the cards with no change since (most of them) is summed in
    SQL instead, per key and month: ({…}, {…}, the planned months of the cards with changes only, {(key, month):
    Σ their outlets}). The company's trend read ~350,000 (account, month) pairs into Python for it."""
    now = {}
    if outlets is not None and key_path == "pk":
        now = {pk: (total, pk) for pk, total in outlets.items()}
    else:
        values = ["pk", *OUTLET_FIELDS] + ([key_path] if key_path and key_path != "pk" else [])
        cards = prepared.rows(
            f"dashboards.outlets_now:{key_path}",
            lambda cards: Distributor.objects.filter(cards).order_by().values(*values),
            cards=_card_q(accounts),
        )
        for row in cards:
            now[row["pk"]] = (_outlets_of(row), row.get(key_path) if key_path else None)
    earliest = min(p.start for p in periods)
    changes: dict = defaultdict(list)
    found = prepared.rows(
        "dashboards.outlet_changes",
        lambda accounts, low: (
            OutletChange.objects.filter(accounts, day__gte=low)
            .order_by()
            .values_list("distributor_id", "day", "change")
        ),
        accounts=accounts,
        low=earliest,
    )
    for pk, day, change in found:
        changes[pk].append((day, change))
    if planned is not None:
        return now, changes, planned, None
    months = sorted({p.end.replace(day=1) for p in periods})

    def plans(accounts: Q, months: list, low: date):
        changed_ids = OutletChange.objects.filter(accounts, day__gte=low).order_by().values("distributor_id")
        return TargetMonth.objects.filter(accounts, rep=None, month__in=months), changed_ids

    def planned_changed(accounts: Q, months: list, low: date):
        found, changed_ids = plans(accounts, months, low)
        return found.filter(distributor_id__in=changed_ids).values_list("distributor_id", "month")

    key = {None: {}, "pk": {"_key": F("distributor_id")}}.get(key_path, {"_key": F(f"distributor__{key_path}")})
    outlets_now = sum((F(f"distributor__{name}") for name in OUTLET_FIELDS[1:]), F(f"distributor__{OUTLET_FIELDS[0]}"))

    def planned_steady(accounts: Q, months: list, low: date):
        found, changed_ids = plans(accounts, months, low)
        return (
            found.exclude(distributor_id__in=changed_ids)
            .order_by()
            .values("month", **key)
            .annotate(total=Sum(Greatest(outlets_now, Value(0))))
        )

    values = {"accounts": accounts, "months": months, "low": earliest}
    planned = set(prepared.rows("dashboards.planned_changed", planned_changed, **values))
    steady = prepared.rows(f"dashboards.planned_steady:{key_path}", planned_steady, **values)
    return now, changes, planned, {(row.get("_key"), row["month"]): int(row["total"] or 0) for row in steady}


def _apply_outlets(
    result: dict, periods: Sequence[Period], now: dict, changes: dict, planned: set, planned_steady: dict | None
) -> None:
    """Active outlets at each period's end, new ones in it and the planned part, from :func:`_outlet_reads`."""
    last_months = [p.end.replace(day=1) for p in periods]
    # A card without a change since the earliest period's start has the same outlets at every period's end (its
    # changes since are none): added up per key once, not once per period (the company's trend: 20,000 cards ×
    # 24 periods).
    steady: dict = {}  # {account id: (outlets at every period's end, key)}
    steady_sums: dict = defaultdict(lambda: [0, 0])  # {key: [active outlets, new outlets]}
    for pk, (today_total, key) in now.items():
        history = changes.get(pk)
        if not history:
            at_end = max(today_total, 0)
            steady[pk] = (at_end, key)
            sums = steady_sums[key]
            sums[0] += at_end
            sums[1] += max(at_end - today_total, 0)
            continue
        for i, p in enumerate(periods):
            after_end = sum(c for d, c in history if d > p.end)
            from_start = sum(c for d, c in history if d >= p.start)
            at_end = max(today_total - after_end, 0)
            gained = max(at_end - (today_total - from_start), 0)
            figures = result[(key, i)]
            figures.active_outlets += at_end
            figures.new_outlets += gained
            if (pk, last_months[i]) in planned:
                figures.planned_active_outlets += at_end
    planned_in: dict = defaultdict(list)  # {month: [(key, planned outlets of steady cards)]}
    if planned_steady is not None:  # summed in SQL
        for (key, month), total in planned_steady.items():
            planned_in[month].append((key, total))
    else:
        for pk, month in planned:
            if pk in steady:
                at_end, key = steady[pk]
                planned_in[month].append((key, at_end))
    for i in range(len(periods)):
        for key, (active, new) in steady_sums.items():
            figures = result[(key, i)]
            figures.active_outlets += active
            figures.new_outlets += new
        for key, at_end in planned_in.get(last_months[i], ()):
            result[(key, i)].planned_active_outlets += at_end


OUTLET_FIELDS = ("outlets_city", "outlets_county", "outlets_town")


def _outlets_of(card: dict) -> int:
    """A card's outlet network today (city + county + town), from its values."""
    return card["outlets_city"] + card["outlets_county"] + card["outlets_town"]


def _card_q(accounts: Q) -> Q:
    """A filter on rollup rows (``distributor__…``) as a filter on the cards themselves."""

    def strip(node):
        if isinstance(node, Q):
            clone = Q(*[strip(child) for child in node.children], _connector=node.connector, _negated=node.negated)
            return clone
        name, value = node
        name = name.removeprefix("distributor__")
        if name in ("distributor_id", "distributor"):
            name = "pk"
        elif name.startswith("distributor_id__"):
            name = "pk__" + name.removeprefix("distributor_id__")
        return (name, value)

    return strip(accounts)


def computed_at(scope: Scope) -> datetime | None:
    """When the figures shown were computed: the latest refresh of the scope's accounts' rollups — the one that
    produced the current sums. (The oldest refresh, shown before, stood still while accounts were refreshed one
    by one and the figures changed.)"""
    latest = prepared.rows(
        "dashboards.computed_at",
        lambda accounts: (
            RollupState.objects.filter(accounts)
            .order_by(F("computed_at").desc(nulls_last=True))
            .values_list("computed_at", flat=True)[:1]
        ),
        accounts=scope.q(),
    )
    return latest[0] if latest else None


# --- Plan vs actual (the plans pages read their actuals here, through distributors.plan_selectors) -----------


def plan_actuals(
    *, distributor_ids: Sequence[int], start: date, end: date, rep_ids: Sequence[int] | None, group_by: str | None
) -> dict:
    """The actual side of plan vs actual for the plans pages, with the dashboards' definitions.

    Without ``rep_ids``: each account whole (``group_by`` "distributor" or None). With ``rep_ids``: those reps'
    shares of the accounts (per account, per rep, or all together). Returns {key: {figure: value}}: sales amount,
    gross profit and their planned part, volume (Σ quantity of the sales orders' lines, shared like sales),
    collection amount (= collected), outlet coverage (active outlets at the end) and new outlets.
    """
    period = Period("custom", start, end)
    accounts = Q(distributor_id__in=list(distributor_ids))
    if rep_ids is None:
        path = "distributor_id" if group_by == "distributor" else None
        found = _fold(_cells(accounts, [period], path))
        _add_outlets(found, accounts, [period], "pk" if group_by == "distributor" else None)
    else:
        found = shared_figures(accounts=accounts, owned=accounts, periods=[period], group=group_by, reps=rep_ids)
    result = {
        key: {
            "sales_amount": figures.sales_amount,
            "gross_profit": figures.gross_profit,
            "planned_sales_amount": figures.planned_sales_amount,
            "planned_gross_profit": figures.planned_gross_profit,
            "collection_amount": figures.collected,
            "outlet_coverage": figures.active_outlets,
            "new_outlets": figures.new_outlets,
            "volume": ZERO,
        }
        for (key, _i), figures in found.items()
    }
    for key, volume in _volumes(list(distributor_ids), period, rep_ids, group_by).items():
        result.setdefault(key, {"volume": ZERO})["volume"] = volume
    return result


def _volumes(ids: list[int], period: Period, rep_ids: Sequence[int] | None, group_by: str | None) -> dict:
    lines = (
        OrderLine.objects.filter(
            order__distributor_id__in=ids,
            order__order_date__gte=period.start,
            order__order_date__lte=period.end,
            order__status__in=list(SALES_STATUSES),
        )
        .order_by()
        .values(account=F("order__distributor_id"), month=TruncMonth("order__order_date", output_field=DateField()))
        .annotate(q=Sum("quantity"))
    )
    result: dict = defaultdict(lambda: ZERO)
    if rep_ids is None:
        for row in lines:
            result[row["account"] if group_by == "distributor" else None] += row["q"] or 0
        return result
    plans = _plans(Q(distributor_id__in=ids), [period])
    rows = list(lines)
    owners = dict(Distributor.objects.filter(pk__in={r["account"] for r in rows}).values_list("pk", "owner_id"))
    for row in rows:
        shares = rep_shares(plans.get((row["account"], row["month"])), owners.get(row["account"]))
        parts = largest_remainder(cents(row["q"]), [weight for _rep, weight in shares], places=2)
        for (rep, _weight), part in zip(shares, parts, strict=True):
            if rep in rep_ids:
                result[{"rep": rep, "distributor": row["account"]}.get(group_by)] += part
    return result


def brand_sales(*, scope: Scope, period: Period, brand_ids: Sequence[int], group: str | None = None) -> dict:
    """{key: Σ amount of the sales orders' lines of those brands} in the period, with the sales amount's definition
    (orders in a sales state, dated in the period; an order's amount is the sum of its lines), so a brand's part
    of an account's sales never exceeds the account's sales amount. ``group`` as in :func:`compute` ("distributor"
    or None; accounts whole, by their current owner). Keys without such sales are left out."""
    if not brand_ids:
        return {}
    path = {None: None, "distributor": "order__distributor_id"}[group]
    lines = OrderLine.objects.filter(
        scope_q(scope.level, scope.id, prefix="order__distributor__"),
        order__order_date__gte=period.start,
        order__order_date__lte=period.end,
        order__status__in=list(SALES_STATUSES),
        product__brand_id__in=list(brand_ids),
    )
    return {key: row["amount"] or ZERO for key, row in _grouped(lines, path, {"amount": Sum("amount")}).items()}


# --- Status figures (as of a day, not summed over the period) ----------------------------------------------------


def overdue_money(*, scope: Scope, as_of: date, group: str | None) -> dict:
    """{key: Σ open amount of invoices past due on ``as_of``} (the receivables' open amounts, as the aging)."""
    return overdue_money_and_dso(scope=scope, as_of=as_of, group=group)[0]


def overdue_money_and_dso(*, scope: Scope, as_of: date, group: str | None) -> tuple[dict, dict]:
    """(:func:`overdue_money`, {key: DsoParts} on ``as_of``) from one read of the open amounts
    (``receivables.selectors.open_sums_and_dso_parts``)."""
    path = GROUP_PATHS[group] if group else None
    cards = None if scope.level == "company" else scope_q(scope.level, scope.id, prefix="")
    sums, parts = overdue_and_dso_parts(as_of=as_of, group=path, cards=cards)
    overdue = {key if path else None: cents(row.get(OVERDUE)) for key, row in sums.items()}
    return overdue, {key if path else None: value for key, value in parts.items()}


def overdue_visits(*, scope: Scope, as_of: date, group: str | None) -> dict:
    """{key: number of the scope's accounts overdue for a visit on ``as_of``} (``selectors.next_visit_due``)."""
    return _overdue_visit_counts(scope_q(scope.level, scope.id, prefix=""), as_of, CARD_PATHS[group])


VISIT_DUE_FIELDS = ("status", "last_visited_on", "visit_frequency_days", "tier", "created_at")


def _overdue_visit_counts(cards: Q, as_of: date, key_path: str | None) -> dict:
    rows = prepared.rows(
        f"dashboards.visit_due:{key_path}",
        lambda cards: (
            Distributor.objects.filter(cards)
            .order_by()
            .values(*VISIT_DUE_FIELDS, **({"_key": F(key_path)} if key_path else {}))
        ),
        cards=cards,
    )
    return _count_overdue(rows, as_of)


def _count_overdue(cards, as_of: date) -> dict:
    """{card's ``_key`` (None without): how many of the ``cards`` (values of ``VISIT_DUE_FIELDS``) are overdue for a
    visit on ``as_of``}; terminated accounts are never overdue."""
    counts: dict = defaultdict(int)
    for card in cards:
        if card["status"] == "terminated":
            continue
        due = next_visit_due(card["last_visited_on"], card["created_at"], card["visit_frequency_days"], card["tier"])
        if due[1] < as_of:
            counts[card.get("_key")] += 1
    return dict(counts)


# --- The dashboard -----------------------------------------------------------------------------------------------


@dataclass
class Child:
    level: str
    id: int | None
    label: str
    figures: Figures


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    figures: Figures
    children_level: str
    children: list[Child]
    computed_at: datetime | None
    top_accounts: list[Child] = field(default_factory=list)
    bottom_accounts: list[Child] = field(default_factory=list)

    def ranking(self, rate: str) -> list[Child]:
        """Children best first on ``rate``; those without a rate (no target) last."""
        with_rate = [c for c in self.children if c.figures.rate(rate) is not None]
        without = [c for c in self.children if c.figures.rate(rate) is None]
        return sorted(with_rate, key=lambda c: (-c.figures.rate(rate), c.label)) + without


def _exact_sum(a, b):
    """Decimals stay Decimals (whole months); a share of a month is a Fraction, and then the sum is one too."""
    if isinstance(a, Fraction) or isinstance(b, Fraction):
        return Fraction(a) + Fraction(b)
    return a + b


def _summed(parts) -> Figures:
    """The sum of accounts' figures. Targets of part of a month are added exactly and rounded once, at the end."""
    total = Figures(overdue_amount=ZERO, overdue_visits=0)
    sums = total.__dict__  # the instance's fields, read and written directly (a region adds up 1,000 accounts)
    exact = [ZERO] * 4
    for figures in parts:
        values = figures.__dict__
        for name in FIGURE_NAMES:
            value = values[name]
            if value:
                sums[name] += value
        for j, part in enumerate(values.get("target_parts", ())):
            exact[j] = _exact_sum(exact[j], part)
    _set_targets(total, exact)
    return total


def _set_targets(figures: Figures, parts: list[Fraction]) -> None:
    figures.target_parts = parts
    figures.sales_target = _fraction_money(parts[0])
    figures.gross_profit_target = _fraction_money(parts[1])
    figures.collection_target = _fraction_money(parts[2])
    figures.new_outlet_target = int((parts[3] * 2 + 1) // 2)  # to the nearest outlet, halves up


def dashboard(*, scope: Scope, period: Period, children_level: str | None = None, accounts: int = 5) -> Dashboard:
    """The scope's figures for the period, its children's (every child, ranked on request), the top and bottom
    accounts by sales against plan, and when the figures were computed.

    Everything is computed once per account and added up in Python: the total, the children (by the account's
    current owner, the owner's team or its region) and the accounts all come from the same rows. Rep-level
    targets are the reps' splits, read separately.
    """
    children_level = children_level or CHILD_LEVEL[scope.level]
    # Grouped in SQL on PostgreSQL (its date arithmetic and time zones); the embedded SQLite adds up accounts.
    if children_level in ("team", "region") and period.month_aligned and connection.vendor == "postgresql":
        return _dashboard_by_group(scope=scope, period=period, children_level=children_level, accounts=accounts)
    card_q = scope_q(scope.level, scope.id, prefix="")
    if scope.level == "rep":  # and the accounts where a plan gives the rep a split
        card_q = rep_accounts(scope.id, [period], prefix="")
    # A team's, region's or the company's cards are its accounts: read once for the outlets and overdue visits too.
    whole_scope = scope.level != "rep"
    # The rep's accounts are those owned and those where a plan gives the rep a split: listed from the cards.
    listed = not (scope.level == "rep" and children_level == "distributor")
    today = timezone.localdate()

    def accounts_and_shares() -> tuple[dict, dict, dict | None]:
        found = prepared.rows(
            f"dashboards.cards:{whole_scope}",
            lambda cards: (
                Distributor.objects.filter(cards)
                .order_by()
                .values(
                    "pk",
                    "name",
                    "short_name",
                    "owner_id",
                    *((*OUTLET_FIELDS, *VISIT_DUE_FIELDS) if whole_scope else ()),
                    team_id=F("owner__team_id"),
                    region_id=F("owner__team__region_id"),
                )
            ),
            cards=card_q,
        )
        cards = {row["pk"]: row for row in found}
        if children_level == "rep" and whole_scope:
            # The accounts whole and the reps' shares of them, from one read of the rollups.
            whole, shares = whole_and_rep_figures(
                scope=scope,
                periods=[period],
                owners={pk: card["owner_id"] for pk, card in cards.items()},
                outlets={pk: _outlets_of(card) for pk, card in cards.items()},
            )
            return cards, whole, shares
        whole = compute(scope=scope, periods=[period], group="distributor")
        return cards, whole, compute(scope=scope, periods=[period], group="rep") if children_level == "rep" else None

    def status() -> tuple:
        return (
            None if whole_scope else overdue_visits(scope=scope, as_of=today, group="distributor"),
            children_of(scope, children_level) if listed else None,
            computed_at(scope),
            pacing.account_paces(scope_q=scope.q(), start=period.start, end=period.end, today=today),
        )

    # The reads below do not depend on one another: side by side (``kamcrm.parallel``).
    (cards, whole, shares), (money, dso), (late, members, computed, paces) = together(
        accounts_and_shares,
        lambda: overdue_money_and_dso(scope=scope, as_of=min(period.end, today), group="distributor"),
        status,
    )
    per_account = {key: figures for (key, _i), figures in whole.items()}
    if whole_scope:
        late = _count_overdue(({**card, "_key": pk} for pk, card in cards.items()), today)
    for pk in cards:
        figures = per_account.setdefault(pk, Figures())
        figures.overdue_amount = money.get(pk, ZERO)
        figures.overdue_visits = late.get(pk, 0)
    total = _summed(per_account.values())
    key_of = {"distributor": "pk", "rep": "owner_id", "team": "team_id", "region": "region_id"}[children_level]
    by_child: dict = defaultdict(list)
    for pk, card in cards.items():
        by_child[card[key_of]].append(per_account[pk])
    if children_level == "rep":
        # A rep's figures are the rep's shares of the accounts (and the rep's splits as targets); the overdue
        # money and visits (status figures) stay with the accounts' owner: only those are added up by owner.
        grouped = {key: figures for (key, _i), figures in shares.items()}
        for key, figures in grouped.items():
            owned = by_child.get(key, ())
            figures.overdue_amount = sum((part.overdue_amount for part in owned), ZERO)
            figures.overdue_visits = sum(part.overdue_visits for part in owned)
    else:
        grouped = {key: _summed(parts) for key, parts in by_child.items()}
    if not listed:
        members = sorted(((pk, card["short_name"] or card["name"]) for pk, card in cards.items()), key=lambda m: m[1])
    known = {pk for pk, _label in members}
    children = [Child(children_level, pk, label, grouped.get(pk) or _summed([])) for pk, label in members]
    if None in grouped and None not in known:
        children.append(Child(children_level, None, str(_("Unassigned")), grouped[None]))
    labels = {pk: card["short_name"] or card["name"] for pk, card in cards.items()}
    by_account = [Child("distributor", pk, labels[pk], figures) for pk, figures in per_account.items() if pk in labels]
    selling = [c for c in by_account if c.figures.sales_amount or c.figures.sales_target]
    top = sorted(selling, key=lambda c: (-c.figures.sales_amount, c.label, c.id))[:accounts]
    planned = [c for c in selling if c.figures.sales_rate is not None]
    bottom = sorted(planned, key=lambda c: (c.figures.sales_rate, c.label, c.id))[:accounts]
    _add_pacing_and_dso(period, today, paces, cards, key_of, per_account, total, children, dso)
    return Dashboard(scope, period, total, children_level, children, computed, top, bottom)


def _dashboard_by_group(*, scope: Scope, period: Period, children_level: str, accounts: int) -> Dashboard:
    """:func:`dashboard` of a region or the company broken down by region or team, for a period of whole months.

    The same figures as adding up every account, grouped in SQL by the child instead: a region or the company
    reads a row per child and month, not one per account. The top and bottom accounts are ranked in SQL
    (:func:`_ranked_accounts`); only the accounts shown are computed one by one.
    """
    today = timezone.localdate()
    path, card_path = GROUP_PATHS[children_level], CARD_PATHS[children_level]

    def flows() -> dict:
        return _fold(_cells(scope.q(), [period], path, _by_owner(scope, path)))

    def targets_and_outlets() -> tuple[dict, list]:
        targets = _plan_target_sums(scope, [period], path)
        return targets, _outlets_grouped(scope, period, card_path)

    def shown_accounts() -> tuple[list, list, dict]:
        top_ids, bottom_ids = _ranked_accounts(scope, period, accounts)
        return top_ids, bottom_ids, {c.id: c for c in _account_figures([*top_ids, *bottom_ids], period, today)}

    def status() -> tuple:
        late = _overdue_visits_grouped(scope, today, card_path)
        paces = pacing.account_paces(scope_q=scope.q(), start=period.start, end=period.end, today=today)
        return late, paces, children_of(scope, children_level), computed_at(scope)

    # The reads below do not depend on one another: side by side (``kamcrm.parallel``).
    found, (targets, outlets), (top_ids, bottom_ids, by_id), (money, dso), (late, paces, members, computed) = together(
        flows,
        targets_and_outlets,
        shown_accounts,
        lambda: overdue_money_and_dso(scope=scope, as_of=min(period.end, today), group=children_level),
        status,
    )
    _set_period_targets(found, targets, [period])
    _add_outlets_grouped(found, outlets)
    grouped = {key: figures for (key, _i), figures in found.items()}
    for key, figures in grouped.items():
        figures.overdue_amount = money.get(key, ZERO)
        figures.overdue_visits = late.get(key, 0)
    total = _summed(grouped.values())
    known = {pk for pk, _label in members}
    children = [Child(children_level, pk, label, grouped.get(pk) or _summed([])) for pk, label in members]
    if None in grouped and None not in known:
        children.append(Child(children_level, None, str(_("Unassigned")), grouped[None]))

    # The top and bottom accounts were ranked in SQL; only those shown are computed one by one, as the
    # per-account dashboard does.
    top = [by_id[pk] for pk in top_ids]
    bottom = [by_id[pk] for pk in bottom_ids]

    # Pacing (by the accounts' plans) and DSO (the groups' summed parts).
    same = None if paces else pacing.blend((), start=period.start, end=period.end, today=today)
    in_group: dict = defaultdict(list)
    if paces:
        path = CARD_PATHS[children_level]
        for pk, key in Distributor.objects.filter(pk__in=list(paces)).order_by().values_list("pk", path):
            in_group[key].append(paces[pk])
    for figures, group in [*((c.figures, in_group.get(c.id, ())) for c in children), (total, paces.values())]:
        figures.expected_rates = (
            dict(same) if same is not None else pacing.blend(group, start=period.start, end=period.end, today=today)
        )
    for child in children:
        child.figures.dso_parts = dso.get(child.id) or DsoParts(ZERO, ZERO)
    total.dso_parts = _dso_sum(dso, list(dso))
    return Dashboard(scope, period, total, children_level, children, computed, top, bottom)


def _add_outlets_grouped(result: dict, rows: list) -> None:
    """The outlets of :func:`_outlets_grouped` into the period's figures (period index 0)."""
    for key, active, new, planned in rows:
        figures = result[(key, 0)]
        figures.active_outlets += int(active or 0)  # SUM of bigints is a numeric in PostgreSQL
        figures.new_outlets += int(new or 0)
        figures.planned_active_outlets += int(planned or 0)


def _outlets_grouped(scope: Scope, period: Period, key_path: str) -> list[tuple]:
    """[(key, active outlets, new outlets, planned active outlets)]: :func:`_add_outlets` of one period, added up
    per ``key_path`` of the cards in SQL: a row per key, one for every key that has cards (as the per-account loop
    creates one).

    The outlet changes after the period's start and the accounts planned in its last month are each read once and
    joined by hash (a correlated subquery per card cost ~5 µs a card: 100 ms for the company)."""
    cards_sql, params = _named_sql(
        f"dashboards.outlet_cards:{key_path}",
        lambda cards: (
            Distributor.objects.filter(cards)
            .order_by()
            .values("pk", now=F("outlets_city") + F("outlets_county") + F("outlets_town"), _key=F(key_path))
        ),
        cards=scope_q(scope.level, scope.id, prefix=""),
    )
    sql = f"""
        WITH cards AS ({cards_sql}), changes AS (
            SELECT distributor_id, SUM(change) FILTER (WHERE day > %(end)s) AS after_end, SUM(change) AS from_start
              FROM {OutletChange._meta.db_table} WHERE day >= %(start)s GROUP BY distributor_id
        ), outlets AS (
            SELECT c._key, c.pk, GREATEST(c.now - COALESCE(ch.after_end, 0), 0) AS at_end,
                   c.now - COALESCE(ch.from_start, 0) AS at_start
              FROM cards c LEFT JOIN changes ch ON ch.distributor_id = c.pk
        )
        SELECT _key, SUM(at_end), SUM(GREATEST(at_end - at_start, 0)),
               SUM(at_end) FILTER (WHERE pk IN (
                   SELECT distributor_id FROM {TargetMonth._meta.db_table} WHERE rep_id IS NULL AND month = %(month)s))
          FROM outlets GROUP BY _key
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": period.start, "end": period.end, "month": period.end.replace(day=1), **params})
        return cursor.fetchall()


def _named_sql(key: str, build, /, **values) -> tuple[str, dict]:
    """The SQL of ``build(**values)`` (compiled once per shape, ``kamcrm.prepared``) with its positional
    placeholders named ``q0``, ``q1``…, to sit in raw SQL that names its own parameters."""
    sql, params = prepared.sql(key, build, **values)
    named = {f"q{j}": value for j, value in enumerate(params)}
    return sql % tuple(f"%({name})s" for name in named), named


def _overdue_visits_grouped(scope: Scope, as_of: date, key_path: str) -> dict:
    """:func:`overdue_visits` counted per ``key_path`` in SQL (``next_visit_due``: the last visit, or the card's
    creation day in the configured time zone, + the account's frequency, else its tier's)."""
    table = Distributor._meta.db_table
    tiers = " ".join(f"WHEN '{tier}' THEN {days}" for tier, days in TIER_VISIT_FREQUENCY_DAYS.items() if tier.isalnum())
    due = RawSQL(
        f'COALESCE("{table}"."last_visited_on", ("{table}"."created_at" AT TIME ZONE %s)::date)'
        f' + COALESCE(NULLIF("{table}"."visit_frequency_days", 0),'
        f' CASE "{table}"."tier" {tiers} ELSE {TIER_VISIT_FREQUENCY_DAYS["C"]} END)',
        [timezone.get_current_timezone_name()],
        output_field=DateField(),
    )
    rows = prepared.rows(
        f"dashboards.late_visits:{key_path}",
        lambda cards, as_of: (
            Distributor.objects.filter(cards)
            .exclude(status="terminated")
            .annotate(_due=due)
            .filter(_due__lt=as_of)
            .order_by()
            .values(_key=F(key_path))
            .annotate(n=Count("pk"))
        ),
        cards=scope_q(scope.level, scope.id, prefix=""),
        as_of=as_of,
    )
    return {row["_key"]: row["n"] for row in rows}


def _ranked_accounts(scope: Scope, period: Period, accounts: int) -> tuple[list[int], list[int]]:
    """The ids of the scope's ``accounts`` top accounts (by sales amount) and bottom accounts (by sales rate),
    ranked in SQL over the month rollups and the approved plans of a period of whole months, in the order the
    per-account :func:`dashboard` gives: selling accounts (sales or a sales target) by sales descending, and
    those with a target by their rate (planned sales ÷ target, 4 places, halves away from zero), each tie by
    label (the short name, else the name) in code-point order (``COLLATE "C"``, as Python compares strings),
    then by id.

    The rate is :func:`distributors.plans.arithmetic.rate` in SQL: the sums are exact (2 places), the division
    is carried to 20 places before rounding (a quotient of cents can only lie within 10⁻²⁰ of a rounding
    boundary without being on it when the target exceeds 10¹⁴ of currency), and ``ROUND`` rounds halves away
    from zero as ``ROUND_HALF_UP`` does.
    """
    if accounts <= 0:
        return [], []
    # From the scope's cards, each joined by hash to its sums of the period: for one month, its month row and its
    # plan's month (one row each, nothing to add up); for more, those rows added up per account first (of the
    # scope's accounts only, unless the scope is the company).
    try:
        cards_sql, named = _named_sql(
            "dashboards.ranked_cards",
            lambda cards: Distributor.objects.filter(cards).order_by().values("pk", "name", "short_name"),
            cards=scope_q(scope.level, scope.id, prefix=""),
        )
    except EmptyResultSet:  # a scope with no account
        return [], []
    months, plans = DistributorMonth._meta.db_table, TargetMonth._meta.db_table
    if period.start.replace(day=1) == period.end.replace(day=1):
        flows = f"{months} m ON m.distributor_id = d.pk AND m.month = %(start)s"
        sales, planned = "m.sales_amount", "CASE WHEN m.planned THEN m.sales_amount END"
        targets = f"{plans} p ON p.distributor_id = d.pk AND p.rep_id IS NULL AND p.month = %(start)s"
    else:
        only = "" if scope.level == "company" else "AND distributor_id IN (SELECT pk FROM cards)"
        flows = f"""(
            SELECT distributor_id, SUM(sales_amount) AS sales_amount,
                   SUM(sales_amount) FILTER (WHERE planned) AS planned_amount
              FROM {months} WHERE month >= %(start)s AND month <= %(end)s {only} GROUP BY distributor_id
        ) m ON m.distributor_id = d.pk"""
        sales, planned = "m.sales_amount", "m.planned_amount"
        targets = f"""(
            SELECT distributor_id, SUM(sales_amount) AS sales_amount FROM {plans}
             WHERE rep_id IS NULL AND month >= %(start)s AND month <= %(end)s {only} GROUP BY distributor_id
        ) p ON p.distributor_id = d.pk"""
    sql = f"""
        WITH cards AS ({cards_sql}), figures AS (
            SELECT d.pk AS id, COALESCE({sales}, 0) AS sales, COALESCE({planned}, 0) AS planned,
                   COALESCE(p.sales_amount, 0) AS target,
                   COALESCE(NULLIF(d.short_name, ''), d.name) COLLATE "C" AS label
              FROM cards d LEFT JOIN {flows} LEFT JOIN {targets}
        ), selling AS (
            SELECT * FROM figures WHERE sales <> 0 OR target <> 0
        )
        SELECT
          ARRAY(SELECT id FROM selling ORDER BY sales DESC, label, id LIMIT %(n)s),
          ARRAY(SELECT id FROM selling WHERE target <> 0
                 ORDER BY ROUND(CAST(planned AS numeric(40, 20)) / target, 4), label, id LIMIT %(n)s)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": period.start, "end": period.end, "n": accounts, **named})
        top, bottom = cursor.fetchone()
    return list(top), list(bottom)


def _account_figures(ids: list[int], period: Period, today: date) -> list[Child]:
    """Each of the accounts ``ids`` as one of the dashboard's accounts: its figures whole (flows, targets,
    outlets, overdue money and visits, pacing and DSO), labelled by its short name."""
    cards = prepared.rows(
        "dashboards.shown_cards",
        lambda ids: (
            Distributor.objects.filter(pk__in=ids).order_by().values("pk", "name", "short_name", *VISIT_DUE_FIELDS)
        ),
        ids=ids,
    )
    rows = Q(distributor_id__in=ids)
    found = _fold(_cells(rows, [period], "distributor_id"))
    _add_targets(found, rows & Q(rep=None), [period], "distributor_id")
    _add_outlets(found, rows, [period], "pk")
    as_of = min(period.end, today)
    sums, dso = overdue_and_dso_parts(as_of=as_of, group="distributor_id", cards=Q(pk__in=ids))
    overdue = {key: cents(row.get(OVERDUE)) for key, row in sums.items()}
    late = _count_overdue(({**card, "_key": card["pk"]} for card in cards), today)
    paces = pacing.account_paces(scope_q=rows, start=period.start, end=period.end, today=today)
    result = []
    for card in cards:
        pk, name, short_name = card["pk"], card["name"], card["short_name"]
        figures = found.get((pk, 0)) or Figures()
        figures.overdue_amount = overdue.get(pk, ZERO)
        figures.overdue_visits = late.get(pk, 0)
        figures.expected_rates = pacing.blend([paces.get(pk)], start=period.start, end=period.end, today=today)
        figures.dso_parts = _dso_sum(dso, [pk])
        result.append(Child("distributor", pk, short_name or name, figures))
    return result


def _add_pacing_and_dso(period, today, paces, cards, key_of, per_account, total, children, money) -> None:
    """Set the expected rates (``reports.analytics.dashboards.pacing``, from the scope's ``paces``) and DSO (on the
    period's end, or today while it runs: ``money``, the accounts' DsoParts) on the accounts', the children's and the
    total's figures; a group's DSO comes from its accounts' summed parts."""
    members: dict = defaultdict(list)
    for pk, card in cards.items():
        members[card[key_of]].append(pk)
    groups = [(per_account.get(pk), [pk]) for pk in cards] + [(c.figures, members.get(c.id, [])) for c in children]
    # No account of the scope paces by a seasonal plan: every group's expected rates are the same (days elapsed
    # over days); blend once.
    same = None if paces else pacing.blend((), start=period.start, end=period.end, today=today)
    for figures, pks in [*groups, (total, list(cards))]:
        if figures is None:
            continue
        if same is not None:
            figures.expected_rates = dict(same)
        else:
            figures.expected_rates = pacing.blend(
                (paces.get(pk) for pk in pks), start=period.start, end=period.end, today=today
            )
        figures.dso_parts = _dso_sum(money, pks)


def _dso_sum(money: dict, pks) -> DsoParts:
    """Σ of the accounts' DsoParts (the same as adding them up, without an object per addition)."""
    open_amount = credit_sales = ZERO
    for pk in pks:
        part = money.get(pk)
        if part is not None:
            open_amount += part.open_amount
            credit_sales += part.credit_sales
    return DsoParts(open_amount, credit_sales)


@dataclass
class TrendPoint:
    period: Period
    figures: Figures
    year_ago: Figures


def trend(*, scope: Scope, period: Period, count: int = 12) -> list[TrendPoint]:
    """The last ``count`` periods ending with ``period`` and the same periods a year earlier (纵向比较)."""
    recent = last_periods(period, count)
    earlier = [p.year_earlier() for p in recent]
    found = compute(scope=scope, periods=[*recent, *earlier])
    today = timezone.localdate()
    for i, p in enumerate(recent):
        if p.start <= today <= p.end:  # only the running period has an expected rate
            paces = pacing.account_paces(scope_q=scope.q(), start=p.start, end=p.end, today=today)
            found[(None, i)].expected_rates = pacing.blend(paces.values(), start=p.start, end=p.end, today=today)
    return [
        TrendPoint(p, found.get((None, i), Figures()), found.get((None, i + count), Figures()))
        for i, p in enumerate(recent)
    ]


# --- JSON (API.md's shape; the API, the period reports and the charts all use it) ------------------------------


def _child_json(child: Child) -> dict:
    return {"level": child.level, "id": child.id, "label": child.label, "figures": child.figures.as_api()}


def dashboard_json(board: Dashboard) -> dict:
    """API.md's dashboard: level, id, period, start, end, computed_at, figures, children (+ accounts)."""
    return {
        "level": board.scope.level,
        "id": board.scope.id,
        "label": board.scope.label,
        "period": board.period.kind,
        "start": board.period.start.isoformat(),
        "end": board.period.end.isoformat(),
        "computed_at": timezone.localtime(board.computed_at).replace(microsecond=0).isoformat()
        if board.computed_at
        else None,
        "figures": board.figures.as_api(),
        "children_level": board.children_level,
        "children": [_child_json(c) for c in board.children],
        "top_accounts": [_child_json(c) for c in board.top_accounts],
        "bottom_accounts": [_child_json(c) for c in board.bottom_accounts],
    }


def trend_json(points: list[TrendPoint]) -> list[dict]:
    return [
        {
            "period": p.period.kind,
            "label": p.period.label(),
            "start": p.period.start.isoformat(),
            "end": p.period.end.isoformat(),
            "figures": p.figures.as_api(),
            "year_ago": {
                "label": p.period.year_earlier().label(),
                "start": p.period.year_earlier().start.isoformat(),
                "figures": p.year_ago.as_api(),
            },
        }
        for p in points
    ]
