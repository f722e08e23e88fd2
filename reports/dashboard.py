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
- expected rate (pacing) beside each rate of a running period: ``reports.pacing`` /
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

from django.db.models import F, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Role, Team, User
from accounts.scope import oversees_company, owned_by_scope, regions_overseen_by, teams_overseen_by
from distributors.models import Distributor
from distributors.plan_arithmetic import pace, rate
from receivables.selectors import DsoParts, dso_parts

from . import pacing
from .rollup_models import (
    FLOW_FIELDS,
    CollectionAhead,
    DistributorDay,
    DistributorMonth,
    OutletChange,
    RollupState,
    TargetMonth,
)
from .selectors import next_visit_due

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
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
        people = User.objects.filter(Q(role__in=[Role.REP, Role.KAM]) | Q(distributors__isnull=False))
        if scope.level == "team":
            people = people.filter(team_id=scope.id)
        elif scope.level == "region":
            people = people.filter(team__region_id=scope.id)
        elif scope.level == "rep":
            people = people.filter(pk=scope.id)
        people = people.filter(Q(is_active=True) | Q(distributors__isnull=False)).distinct()
        return [(u.pk, u.display_name) for u in people.order_by("username")]
    if level == "team":
        teams = Team.objects.all()
        if scope.level == "region":
            teams = teams.filter(region_id=scope.id)
        elif scope.level != "company":
            teams = teams.none()
        return [(t.pk, t.name) for t in teams.order_by("name")]
    if level == "region":
        return [(r.pk, r.name) for r in Region.objects.order_by("name")] if scope.level == "company" else []
    raise ValueError(level)


def child_levels(level: str) -> list[str]:
    """The levels a scope can be broken down into (its children first)."""
    below = ORDER[: ORDER.index(level)]
    return list(reversed(below))


# --- Figures ---------------------------------------------------------------------------------------------------


@dataclass
class Figures:
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

    @property
    def sales_rate(self):
        return rate(self.sales_amount, self.sales_target)

    @property
    def gross_profit_rate(self):
        return rate(self.gross_profit, self.gross_profit_target)

    @property
    def collection_rate(self):
        return rate(self.collected, self.collection_due)

    @property
    def market_rate(self):
        return rate(self.active_outlets, self.outlet_target)

    @property
    def visit_rate(self):
        return rate(self.visits, self.visits_planned)

    def rate(self, name: str):
        return getattr(self, f"{name}_rate")

    # Pacing and DSO are set by ``dashboard()`` (``_add_pacing_and_dso``) on the figures it shows: they are not
    # sums, so they stay out of the dataclass fields that ``_summed`` adds up.
    def expected_rate(self, name: str) -> Decimal | None:
        """The rate expected by today in a running period (``reports.pacing``); None for a closed or future one."""
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
        result = {}
        for f in fields(self):
            value = getattr(self, f.name)
            result[f.name] = f"{value:.2f}" if isinstance(value, Decimal) else value
        for name in RATES:
            value = self.rate(name)
            result[f"{name}_rate"] = None if value is None else f"{value:.4f}"
            expected = self.expected_rate(name)
            result[f"{name}_expected_rate"] = None if expected is None else f"{expected:.4f}"
            result[f"{name}_pace"] = self.pace(name)
        result["dso"] = None if self.dso is None else f"{self.dso:.1f}"
        return result


RATES = ("sales", "gross_profit", "collection", "market", "visit")
FIGURE_NAMES = tuple(f.name for f in fields(Figures))
RATE_LABELS = {
    "sales": _("Sales amount"),
    "gross_profit": _("Gross profit"),
    "collection": _("Collection rate"),
    "market": _("Market target"),
    "visit": _("Visits"),
}


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


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


def compute(*, scope: Scope, periods: Sequence[Period], group: str | None = None) -> dict:
    """{(group key, period index): Figures} for the scope's accounts, grouped at ``group`` (None: the scope)."""
    path = GROUP_PATHS[group] if group else None
    scope_filter = scope.q()
    result: dict = defaultdict(Figures)

    # Flows: month rows for whole months, day rows otherwise; one conditional aggregate per period and column.
    for table, field_name, chosen in (
        (DistributorMonth, "month", [i for i, p in enumerate(periods) if p.month_aligned]),
        (DistributorDay, "day", [i for i, p in enumerate(periods) if not p.month_aligned]),
    ):
        if not chosen:
            continue
        low = min(periods[i].start for i in chosen)
        high = max(periods[i].end for i in chosen)
        rows = table.objects.filter(scope_filter, **{f"{field_name}__gte": low, f"{field_name}__lte": high})
        aggregates = {
            f"{name}_{i}": Sum(name, filter=_in(periods[i], field_name)) for i in chosen for name in FLOW_FIELDS
        }
        for key, row in _grouped(rows, path, aggregates).items():
            for i in chosen:
                figures = result[(key, i)]
                figures.sales_amount += _money(row[f"sales_amount_{i}"])
                figures.gross_profit += _money(row[f"gross_profit_{i}"])
                figures.orders += row[f"orders_{i}"] or 0
                figures.visits += row[f"visits_{i}"] or 0
                figures.visits_planned += row[f"visits_planned_{i}"] or 0
                figures.payments_received += _money(row[f"payments_received_{i}"])
                figures.collected += _money(row[f"collected_on_time_{i}"])
                figures.collection_due += _money(row[f"became_due_{i}"])

    # Money collectible before each period and still open at its start: every earlier month, then the days of
    # the period's first month before it.
    net = F("became_due") - F("settled")
    earliest = min(p.start for p in periods)
    month_rows = DistributorMonth.objects.filter(scope_filter, month__lt=max(p.start for p in periods))
    aggregates = {f"b_{i}": Sum(net, filter=Q(month__lt=p.start.replace(day=1))) for i, p in enumerate(periods)}
    for key, row in _grouped(month_rows, path, aggregates).items():
        for i in range(len(periods)):
            result[(key, i)].collection_due += _money(row[f"b_{i}"])
    partial = [i for i, p in enumerate(periods) if p.start.day != 1]
    if partial:
        day_rows = DistributorDay.objects.filter(
            scope_filter,
            day__gte=min(periods[i].start.replace(day=1) for i in partial),
            day__lt=max(periods[i].start for i in partial),
        )
        aggregates = {
            f"b_{i}": Sum(net, filter=Q(day__gte=periods[i].start.replace(day=1), day__lt=periods[i].start))
            for i in partial
        }
        for key, row in _grouped(day_rows, path, aggregates).items():
            for i in partial:
                result[(key, i)].collection_due += _money(row[f"b_{i}"])

    # Allocations made before their invoice became collectible: paid before the period on an invoice that
    # became collectible in it (not open at its start), or paid in the period on one collectible by its end.
    ahead = CollectionAhead.objects.filter(scope_filter, due_on__lte=max(p.end for p in periods))
    aggregates = {}
    for i, p in enumerate(periods):
        aggregates[f"before_{i}"] = Sum("amount", filter=Q(due_on__gte=p.start, due_on__lte=p.end, paid_on__lt=p.start))
        aggregates[f"in_{i}"] = Sum("collected", filter=Q(paid_on__gte=p.start, due_on__lte=p.end))
    for key, row in _grouped(ahead.filter(due_on__gte=earliest), path, aggregates).items():
        for i in range(len(periods)):
            figures = result[(key, i)]
            figures.collection_due -= _money(row[f"before_{i}"])
            figures.collected += _money(row[f"in_{i}"])

    _add_targets(result, scope, periods, group, path)
    _add_outlets(result, scope, periods, group)
    return result


def _month_share(period: Period, month: date) -> Fraction:
    """How much of ``month`` the period covers (1 for a whole month inside it)."""
    end = _month_end(month)
    days = (min(period.end, end) - max(period.start, month)).days + 1
    if days <= 0:
        return Fraction(0)
    return Fraction(days, (end - month).days + 1)


def _add_targets(result: dict, scope: Scope, periods: Sequence[Period], group: str | None, path: str | None) -> None:
    low = min(p.start for p in periods).replace(day=1)
    high = max(p.end for p in periods)
    rows = TargetMonth.objects.filter(scope.q(), month__gte=low, month__lte=high)
    rep_level = scope.level == "rep" or group == "rep"
    # Rep level: the reps' own splits on the accounts they own; above it the accounts' monthly plans.
    rows = rows.filter(rep_id=F("distributor__owner_id")) if rep_level else rows.filter(rep__isnull=True)
    names = {"s": "sales_amount", "g": "gross_profit", "c": "collection_amount", "n": "new_outlets"}
    # Whole months of a period add up in SQL; a month the period only partly covers (a day, a week) is read per
    # row and counts in proportion to its days, exactly (fractions), rounded once at the end.
    aggregates, partial_months = {}, set()
    for i, p in enumerate(periods):
        first_whole = p.start if p.start.day == 1 else _add_months(p.start, 1)
        last_whole = p.end.replace(day=1) if p.end == _month_end(p.end) else _add_months(p.end.replace(day=1), -1)
        whole = Q(month__gte=first_whole, month__lte=last_whole)
        for short, name in names.items():
            aggregates[f"{short}_{i}"] = Sum(name, filter=whole)
        aggregates[f"o_{i}"] = Sum("outlet_coverage", filter=Q(month=p.end.replace(day=1)))
        partial_months |= {
            m for m in (p.start.replace(day=1), p.end.replace(day=1)) if m < first_whole or m > last_whole
        }
    exact: dict = {}
    for key, row in _grouped(rows, path, aggregates).items():
        for i in range(len(periods)):
            exact[(key, i)] = [row[f"{short}_{i}"] or ZERO for short in names]
            result[(key, i)].outlet_target = row[f"o_{i}"] or 0
    if partial_months:
        keys = [path, "month"] if path else ["month"]
        sums = (
            rows.filter(month__in=partial_months)
            .order_by()
            .values(*keys)
            .annotate(**{short: Sum(name) for short, name in names.items()})
        )
        for row in sums:
            key = row[path] if path else None
            for i, p in enumerate(periods):
                share = _month_share(p, row["month"])
                if share and share != 1:
                    parts = exact.setdefault((key, i), [ZERO] * 4)
                    for j, short in enumerate(names):
                        parts[j] = Fraction(parts[j]) + Fraction(row[short] or 0) * share
    for (key, i), parts in exact.items():
        _set_targets(result[(key, i)], parts)


def _fraction_money(value: Fraction | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def _add_outlets(result: dict, scope: Scope, periods: Sequence[Period], group: str | None) -> None:
    """Active outlets at each period's end and new ones in it: today's card numbers minus the changes since."""
    key_path = CARD_PATHS[group]
    cards = Distributor.objects.filter(scope_q(scope.level, scope.id, prefix="")).order_by()
    values = ["pk", "outlets_city", "outlets_county", "outlets_town"] + (
        [key_path] if key_path and key_path != "pk" else []
    )
    now = {}
    for row in cards.values(*values):
        now[row["pk"]] = (
            row["outlets_city"] + row["outlets_county"] + row["outlets_town"],
            row.get(key_path) if key_path else None,
        )
    earliest = min(p.start for p in periods)
    changes: dict = defaultdict(list)
    for pk, day, change in OutletChange.objects.filter(scope.q(), day__gte=earliest).values_list(
        "distributor_id", "day", "change"
    ):
        changes[pk].append((day, change))
    for pk, (today_total, key) in now.items():
        history = changes.get(pk, ())
        for i, p in enumerate(periods):
            after_end = sum(c for d, c in history if d > p.end)
            from_start = sum(c for d, c in history if d >= p.start)
            at_end = max(today_total - after_end, 0)
            gained = max(at_end - (today_total - from_start), 0)
            figures = result[(key, i)]
            figures.active_outlets += at_end
            figures.new_outlets += gained


def computed_at(scope: Scope) -> datetime | None:
    """When the scope's figures were last computed: the oldest of its accounts' last refresh."""
    return RollupState.objects.filter(scope.q()).aggregate(at=Min("computed_at"))["at"]


# --- Status figures (as of a day, not summed over the period) ----------------------------------------------------


def overdue_money(*, scope: Scope, as_of: date, group: str | None) -> dict:
    """{key: Σ open amount of invoices past due on ``as_of``} (the receivables' open amounts, as the aging)."""
    from receivables.selectors import open_sums

    path = GROUP_PATHS[group] if group else None
    distributors = Distributor.objects.filter(scope_q(scope.level, scope.id, prefix=""))
    sums = open_sums(
        for_user=None,
        as_of=as_of,
        group=path,
        sums={"overdue": Q(due_date__lt=as_of)},
        distributors=None if scope.level == "company" else distributors,
    )
    return {key if path else None: _money(row.get("overdue")) for key, row in sums.items()}


def overdue_visits(*, scope: Scope, as_of: date, group: str | None) -> dict:
    """{key: number of the scope's accounts overdue for a visit on ``as_of``} (``selectors.next_visit_due``)."""
    key_path = CARD_PATHS[group]
    rows = (
        Distributor.objects.filter(scope_q(scope.level, scope.id, prefix=""))
        .exclude(status="terminated")
        .values_list(
            "pk", "last_visited_on", "visit_frequency_days", "tier", "created_at", *([key_path] if key_path else [])
        )
    )
    counts: dict = defaultdict(int)
    for row in rows.order_by():
        _pk, last_visited_on, frequency_days, tier, created_at = row[:5]
        if next_visit_due(last_visited_on, created_at, frequency_days, tier)[1] < as_of:
            counts[row[5] if key_path else None] += 1
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
    exact = [ZERO] * 4
    for figures in parts:
        for name in FIGURE_NAMES:
            value = getattr(figures, name)
            if value:
                setattr(total, name, getattr(total, name) + value)
        for j, part in enumerate(getattr(figures, "target_parts", ())):
            exact[j] = _exact_sum(exact[j], part)
    _set_targets(total, exact)
    return total


def _set_targets(figures: Figures, parts: list[Fraction]) -> None:
    figures.target_parts = parts
    figures.sales_target = _fraction_money(parts[0])
    figures.gross_profit_target = _fraction_money(parts[1])
    figures.collection_target = _fraction_money(parts[2])
    figures.new_outlet_target = int((parts[3] * 2 + 1) // 2)  # to the nearest outlet, halves up


def _rep_targets(result: dict, scope: Scope, period: Period) -> None:
    """Replace the targets of rep rows by the reps' own splits (rep level), in place: {(rep id, 0): Figures}."""
    splits: dict = defaultdict(Figures)
    _add_targets(splits, scope, [period], "rep", GROUP_PATHS["rep"])
    for (key, i), figures in result.items():
        found = splits.get((key, i), Figures())
        _set_targets(figures, getattr(found, "target_parts", [ZERO] * 4))
        figures.outlet_target = found.outlet_target


def dashboard(*, scope: Scope, period: Period, children_level: str | None = None, accounts: int = 5) -> Dashboard:
    """The scope's figures for the period, its children's (every child, ranked on request), the top and bottom
    accounts by sales against plan, and when the figures were computed.

    Everything is computed once per account and added up in Python: the total, the children (by the account's
    current owner, the owner's team or its region) and the accounts all come from the same rows. Rep-level
    targets are the reps' splits, read separately.
    """
    children_level = children_level or CHILD_LEVEL[scope.level]
    per_account = {
        key: figures for (key, _i), figures in compute(scope=scope, periods=[period], group="distributor").items()
    }
    cards = {
        row["pk"]: row
        for row in Distributor.objects.filter(scope_q(scope.level, scope.id, prefix=""))
        .order_by()
        .values(
            "pk", "name", "short_name", "owner_id", team_id=F("owner__team_id"), region_id=F("owner__team__region_id")
        )
    }
    today = timezone.localdate()
    money = overdue_money(scope=scope, as_of=min(period.end, today), group="distributor")
    late = overdue_visits(scope=scope, as_of=today, group="distributor")
    for pk in cards:
        figures = per_account.setdefault(pk, Figures())
        figures.overdue_amount = money.get(pk, ZERO)
        figures.overdue_visits = late.get(pk, 0)
    total = _summed(per_account.values())
    key_of = {"distributor": "pk", "rep": "owner_id", "team": "team_id", "region": "region_id"}[children_level]
    by_child: dict = defaultdict(list)
    for pk, card in cards.items():
        by_child[card[key_of]].append(per_account[pk])
    grouped = {key: _summed(parts) for key, parts in by_child.items()}
    if children_level == "rep":
        _rep_targets({(key, 0): figures for key, figures in grouped.items()}, scope, period)
    members = children_of(scope, children_level)
    known = {pk for pk, _label in members}
    children = [Child(children_level, pk, label, grouped.get(pk) or _summed([])) for pk, label in members]
    if None in grouped and None not in known:
        children.append(Child(children_level, None, str(_("Unassigned")), grouped[None]))
    labels = {pk: card["short_name"] or card["name"] for pk, card in cards.items()}
    by_account = [Child("distributor", pk, labels[pk], figures) for pk, figures in per_account.items() if pk in labels]
    selling = [c for c in by_account if c.figures.sales_amount or c.figures.sales_target]
    top = sorted(selling, key=lambda c: (-c.figures.sales_amount, c.label))[:accounts]
    planned = [c for c in selling if c.figures.sales_rate is not None]
    bottom = sorted(planned, key=lambda c: (c.figures.sales_rate, c.label))[:accounts]
    _add_pacing_and_dso(scope, period, today, cards, key_of, per_account, total, children)
    return Dashboard(scope, period, total, children_level, children, computed_at(scope), top, bottom)


def _add_pacing_and_dso(scope, period, today, cards, key_of, per_account, total, children) -> None:
    """Set the expected rates (``reports.pacing``) and DSO (on the period's end, or today while it runs) on the
    accounts', the children's and the total's figures; a group's DSO comes from its accounts' summed parts."""
    paces = pacing.account_paces(scope_q=scope.q(), start=period.start, end=period.end, today=today)
    accounts = None if scope.level == "company" else Distributor.objects.filter(scope_q(scope.level, scope.id, ""))
    money = dso_parts(as_of=min(period.end, today), group=GROUP_PATHS["distributor"], distributors=accounts)
    members: dict = defaultdict(list)
    for pk, card in cards.items():
        members[card[key_of]].append(pk)
    groups = [(per_account.get(pk), [pk]) for pk in cards] + [(c.figures, members.get(c.id, [])) for c in children]
    for figures, pks in [*groups, (total, list(cards))]:
        if figures is None:
            continue
        figures.expected_rates = pacing.blend(
            (paces.get(pk) for pk in pks), start=period.start, end=period.end, today=today
        )
        figures.dso_parts = sum((money.get(pk, DsoParts()) for pk in pks), DsoParts())


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
