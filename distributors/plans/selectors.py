"""Reads of distributor plans and account plans, always through ``visible_to``; targets and actuals.

Two figures other apps build on:

- :func:`targets` — Σ of the approved monthly plan targets (rep splits at rep level) for the months of a
  period: what the dashboards call the targets;
- :func:`actuals` — what really happened in a period: sales amount, gross profit and volume from the sales
  ledger (``reports.Order``), money collected from receivables, outlets from the customer cards. It reads
  whatever of those exists: a ledger that is not installed reads as zero, and as soon as it is installed the
  same function computes from its rows.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from kamcrm.money import ZERO

from ..cards.models import Distributor
from .arithmetic import (
    LEVEL_TARGETS,
    TARGET_FIELDS,
    PlannedPart,
    Targets,
    month_end,
    quarter_bounds,
    quarter_months,
    rate,
)
from .models import AccountPlan, ActionItem, MonthlyPlan, Objective, PlanStatus, QuarterlyPlan, RepSplit

OUTLET_FIELDS = ("outlets_city", "outlets_county", "outlets_town")


# --- Plans ------------------------------------------------------------------------------------------------


def plan_list(*, for_user: User) -> QuerySet[QuarterlyPlan]:
    """Plans the user may see, with distributor → owner → team loaded for list columns."""
    return QuarterlyPlan.objects.visible_to(for_user).select_related(
        "distributor__owner__team__region", "created_by", "submitted_by", "approved_by", "seasonal_profile"
    )


def plan_detail(*, for_user: User, pk: int) -> QuarterlyPlan:
    """One plan with its months and rep splits. Raises QuarterlyPlan.DoesNotExist outside the user's scope."""
    return (
        plan_list(for_user=for_user)
        .select_related("confirmed_by", "returned_by", "previous_revision")
        .prefetch_related(
            Prefetch(
                "monthly_plans",
                queryset=MonthlyPlan.objects.order_by("month").prefetch_related(
                    Prefetch("rep_splits", queryset=RepSplit.objects.select_related("rep").order_by("rep__username"))
                ),
            ),
            "steps__by",
        )
        .get(pk=pk)
    )


def revision_history(*, plan: QuarterlyPlan) -> list[QuarterlyPlan]:
    """Every revision of the plan's distributor and quarter, oldest first (the previous versions are kept)."""
    return list(
        QuarterlyPlan.objects.filter(distributor=plan.distributor_id, year=plan.year, quarter=plan.quarter)
        .select_related("created_by", "approved_by")
        .order_by("revision")
    )


def _months_between(start: date, end: date) -> tuple[date, date]:
    """First days of the first and last month that the period [start, end] touches."""
    return start.replace(day=1), end.replace(day=1)


def targets(
    *,
    start: date,
    end: date,
    distributors: Iterable[Distributor] | QuerySet | None = None,
    reps: Iterable[User] | QuerySet | None = None,
) -> Targets:
    """Σ of the approved monthly plan targets for the months the period [start, end] touches.

    With ``reps``, the reps' splits of those months (rep level); otherwise the monthly plans themselves.
    ``distributors`` limits the plans to those accounts (the caller passes a scoped queryset).
    """
    first, last = _months_between(start, end)
    month_field = "monthly_plan__month" if reps is not None else "month"
    if reps is not None:
        rows = RepSplit.objects.current().filter(
            monthly_plan__month__gte=first, monthly_plan__month__lte=last, rep__in=reps
        )
        if distributors is not None:
            rows = rows.filter(monthly_plan__plan__distributor__in=distributors)
    else:
        rows = MonthlyPlan.objects.current().filter(month__gte=first, month__lte=last)
        if distributors is not None:
            rows = rows.filter(plan__distributor__in=distributors)
    # Flows add up over the months; a level (outlet coverage) is the period's last month's.
    sums = rows.aggregate(
        **{
            name: Sum(name, filter=Q(**{month_field: last}) if name in LEVEL_TARGETS else None)
            for name in TARGET_FIELDS
        }
    )
    return Targets.of(sums)


# --- Actuals ----------------------------------------------------------------------------------------------


@dataclass
class Actuals(PlannedPart):
    """What happened in a period, to compare with the targets. ``sources`` says what it was read from.

    ``planned_sales_amount`` / ``planned_gross_profit``: the part of the accounts with an approved plan for the
    month; with ``compare_planned`` the rates compare those with the targets (like with like)."""

    volume: Decimal = ZERO
    sales_amount: Decimal = ZERO
    gross_profit: Decimal = ZERO
    collection_amount: Decimal = ZERO
    outlet_coverage: int = 0
    new_outlets: int = 0
    planned_sales_amount: Decimal = ZERO
    planned_gross_profit: Decimal = ZERO
    compare_planned: bool = False
    sources: set = field(default_factory=set)

    def rates(self, target: Targets) -> dict[str, Decimal | None]:
        """Completion rates against ``target``: every target's, plus the market rate (outlets at the end ÷ the
        outlet coverage to reach, a level)."""
        rates = {name: rate(getattr(self, name), getattr(target, name)) for name in TARGET_FIELDS}
        if self.compare_planned:
            rates["sales_amount"] = rate(self.planned_sales_amount, target.sales_amount)
            rates["gross_profit"] = rate(self.planned_gross_profit, target.gross_profit)
        rates["market"] = rate(self.outlet_coverage, target.outlet_coverage)
        return rates


# Where the actuals come from: the reports app registers the dashboards' definitions on startup
# (``reports.dashboard.plan_actuals``), so a figure on the plans pages is the same as on the dashboards. This app
# does not import reports (layers point one way); until a source is registered the actuals read as zero.
_actuals_source = None


def register_actuals_source(source) -> None:
    """``source(distributor_ids=, start=, end=, rep_ids=, group_by=)`` → {key: {figure: value}}."""
    global _actuals_source
    _actuals_source = source


def outlet_total(values: dict | None) -> int:
    """Outlets of a card's values (an audit snapshot): city + county + town."""
    if not values:
        return 0
    return sum(int(values.get(name) or 0) for name in OUTLET_FIELDS)


def actuals(
    *,
    distributors: Iterable[Distributor] | QuerySet,
    start: date,
    end: date,
    reps: Iterable[User] | QuerySet | None = None,
    group_by: str | None = None,
) -> "Actuals | dict[int, Actuals]":
    """Plan vs actual's actual side for ``distributors`` in the period [start, end] (API.md "Dashboards").

    Without ``reps`` each account whole; with ``reps`` those reps' shares of the accounts (a rep's share follows
    the plan's split of each month). Sales amount, gross profit (and their planned part), volume, collection
    amount (money collected: payments only), outlet coverage (active outlets at the end), new outlets.

    Returns one ``Actuals``; with ``group_by="distributor"`` a dict {distributor id: Actuals} for every
    distributor given, with ``group_by="rep"`` {rep id: Actuals} for every rep in ``reps``. The caller passes
    distributors already limited to its user's scope.
    """
    if group_by not in (None, "distributor", "rep"):
        raise ValueError(f"group_by must be None, 'distributor' or 'rep', not {group_by!r}")
    if group_by == "rep" and reps is None:
        raise ValueError("group_by='rep' needs the reps")
    if isinstance(distributors, QuerySet):
        ids = list(distributors.values_list("pk", flat=True))
    else:
        ids = [getattr(d, "pk", d) for d in distributors]
    rep_ids = None if reps is None else [getattr(r, "pk", r) for r in reps]
    keys = {"distributor": ids, "rep": rep_ids}.get(group_by, [None])
    results = {key: Actuals() for key in keys}
    if ids and _actuals_source is not None and (rep_ids is None or rep_ids):
        found = _actuals_source(distributor_ids=ids, start=start, end=end, rep_ids=rep_ids, group_by=group_by)
        for key, actual in results.items():
            actual.sources |= {"orders", "receivables", "outlets"}
            for name, value in found.get(key, {}).items():
                setattr(actual, name, value)
    return results if group_by else results[None]


# --- Plan vs actual ---------------------------------------------------------------------------------------


@dataclass
class PlanVsActual:
    """One line of plan vs actual: a plan (quarter or month), or a rep's split of it."""

    plan: QuarterlyPlan
    label: str
    start: date
    end: date
    target: Targets
    actual: Actuals
    rep: User | None = None

    @property
    def rates(self) -> dict[str, Decimal | None]:
        return self.actual.rates(self.target)


def plan_months_vs_actual(*, plan: QuarterlyPlan) -> list[PlanVsActual]:
    """The plan's three months and the quarter, target against actual (the plan's page and PDF)."""
    rows = []
    for monthly in plan.monthly_plans.all():
        end = month_end(monthly.month)
        rows.append(
            PlanVsActual(
                plan,
                f"{monthly.month:%Y-%m}",
                monthly.month,
                end,
                Targets.of(monthly),
                actuals(distributors=[plan.distributor_id], start=monthly.month, end=end),
            )
        )
    start, end = quarter_bounds(plan.year, plan.quarter)
    rows.append(
        PlanVsActual(
            plan,
            plan.period_label,
            start,
            end,
            Targets.of(plan),
            actuals(distributors=[plan.distributor_id], start=start, end=end),
        )
    )
    return rows


def quarter_vs_actual(*, plans: Iterable[QuarterlyPlan], year: int, quarter: int, month: date | None = None):
    """Each plan's targets (the quarter, or one month of it) against the distributor's actuals; one query set."""
    plans = list(plans)
    start, end = (month, month_end(month)) if month else quarter_bounds(year, quarter)
    found = actuals(distributors=[p.distributor_id for p in plans], start=start, end=end, group_by="distributor")
    rows = []
    for plan in plans:
        if month:
            monthly = next((m for m in plan.monthly_plans.all() if m.month == month), None)
            target = Targets.of(monthly) if monthly else Targets()
        else:
            target = Targets.of(plan)
        rows.append(PlanVsActual(plan, plan.period_label, start, end, target, found[plan.distributor_id]))
    return rows


def rep_targets_vs_actual(*, rep: User, for_user: User, year: int, quarter: int) -> list[PlanVsActual]:
    """A rep's own monthly targets across their distributors for a quarter, each against the rep's own orders.

    Only plans ``for_user`` may see; approved plans (and ones in the making, marked by their status).
    """
    months = quarter_months(year, quarter)
    splits = (
        RepSplit.objects.filter(rep=rep, monthly_plan__month__in=months)
        .filter(monthly_plan__plan__in=QuarterlyPlan.objects.visible_to(for_user))
        .exclude(monthly_plan__plan__status=PlanStatus.SUPERSEDED)
        .select_related("monthly_plan__plan__distributor")
        .order_by("monthly_plan__plan__distributor__code", "monthly_plan__month")
    )
    rows = []
    by_month: dict[date, list[RepSplit]] = defaultdict(list)
    for split in splits:
        by_month[split.monthly_plan.month].append(split)
    for month, month_splits in sorted(by_month.items()):
        end = month_end(month)
        found = actuals(
            distributors=[s.monthly_plan.plan.distributor_id for s in month_splits],
            reps=[rep],
            start=month,
            end=end,
            group_by="distributor",
        )
        for split in month_splits:
            plan = split.monthly_plan.plan
            rows.append(
                PlanVsActual(plan, f"{month:%Y-%m}", month, end, Targets.of(split), found[plan.distributor_id], rep=rep)
            )
    rows.sort(key=lambda r: (r.plan.distributor.code, r.start))
    return rows


def reps_vs_actual(*, for_user: User, year: int, quarter: int) -> list[PlanVsActual]:
    """Per rep of the user's scope: Σ of their approved splits for the quarter against the sales of the planned
    distributors they own (a handful of queries, whatever the number of reps)."""
    start, end = quarter_bounds(year, quarter)
    months = quarter_months(year, quarter)
    visible = QuarterlyPlan.objects.visible_to(for_user).filter(year=year, quarter=quarter, status=PlanStatus.APPROVED)
    sums = (
        RepSplit.objects.filter(monthly_plan__plan__in=visible, monthly_plan__month__in=months)
        .values("rep")
        .annotate(**{f"t_{name}": Sum(name) for name in TARGET_FIELDS})
        .order_by()
    )
    sums = list(sums)
    reps = {u.pk: u for u in User.objects.filter(pk__in=[r["rep"] for r in sums]).select_related("team")}
    found = actuals(
        distributors=Distributor.objects.filter(pk__in=visible.values("distributor")),
        reps=list(reps),
        start=start,
        end=end,
        group_by="rep",
    )
    rows = []
    for row in sums:
        rep = reps[row["rep"]]
        target = Targets.of({name: row[f"t_{name}"] for name in TARGET_FIELDS})
        actual = found[rep.pk]
        actual.compare_planned = True  # a rep's sales of accounts without a plan show apart, as "unplanned"
        rows.append(PlanVsActual(None, rep.display_name, start, end, target, actual, rep=rep))
    rows.sort(key=lambda r: (r.rep.team.name if r.rep.team_id else "", r.label))
    return rows


# --- Account plans ----------------------------------------------------------------------------------------


def account_plan_list(*, for_user: User) -> QuerySet[AccountPlan]:
    return AccountPlan.objects.visible_to(for_user).select_related("distributor__owner__team", "created_by")


def account_plan_detail(*, for_user: User, pk: int) -> AccountPlan:
    """One account plan with objectives and action items. Raises AccountPlan.DoesNotExist outside scope."""
    return (
        account_plan_list(for_user=for_user)
        .prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.order_by("due_on", "pk")),
            Prefetch("action_items", queryset=ActionItem.objects.select_related("owner", "objective")),
        )
        .get(pk=pk)
    )


def action_item_list(*, for_user: User) -> QuerySet[ActionItem]:
    return ActionItem.objects.visible_to(for_user).select_related("account_plan__distributor", "owner", "objective")


def overdue_action_items(*, user: User, today: date | None = None) -> QuerySet[ActionItem]:
    """The user's own open action items past their due date, oldest due first (the home page's list)."""
    today = today or timezone.localdate()
    return (
        ActionItem.objects.filter(owner=user, account_plan__in=AccountPlan.objects.visible_to(user))
        .overdue_as_of(today)
        .select_related("account_plan__distributor")
        .order_by("due_on", "pk")
    )
