"""Reads of distributor plans and account plans, always through ``visible_to``; targets and actuals.

Two figures other apps build on:

- :func:`targets` — Σ of the approved monthly plan targets (rep splits at rep level) for the months of a
  period: what the dashboards call the targets;
- :func:`actuals` — what really happened in a period: sales amount, gross profit and volume from the sales
  ledger (``reports.Order``), money collected from receivables, outlets from the customer cards. It reads
  whatever of those exists: a ledger that is not installed reads as zero, and as soon as it is installed the
  same function computes from its rows.
"""

import inspect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone

from accounts.models import Role, User
from kamcrm.audit.models import AuditEvent

from .models import (
    AccountPlan,
    ActionItem,
    Distributor,
    MonthlyPlan,
    Objective,
    PlanStatus,
    QuarterlyPlan,
    RepSplit,
)
from .plan_arithmetic import TARGET_FIELDS, Targets, month_end, quarter_bounds, quarter_months, rate

ZERO = Decimal("0.00")
OUTLET_FIELDS = ("outlets_city", "outlets_county", "outlets_town")
# Order states that are sales, unless the sales ledger says otherwise (reports.models.SALES_STATUSES).
DEFAULT_SALES_STATUSES = ("confirmed", "shipped")


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
    sums = rows.aggregate(**{name: Sum(name) for name in TARGET_FIELDS})
    return Targets.of(sums)


# --- Actuals ----------------------------------------------------------------------------------------------


@dataclass
class Actuals:
    """What happened in a period, to compare with the targets. ``sources`` says what it was read from."""

    volume: Decimal = ZERO
    sales_amount: Decimal = ZERO
    gross_profit: Decimal = ZERO
    collection_amount: Decimal = ZERO
    outlet_coverage: int = 0
    new_outlets: int = 0
    sources: set = field(default_factory=set)

    def rates(self, target: Targets) -> dict[str, Decimal | None]:
        """Completion rates against ``target``: every target's, plus the market rate (outlets)."""
        rates = {name: rate(getattr(self, name), getattr(target, name)) for name in TARGET_FIELDS}
        rates["market"] = rate(self.outlet_coverage + self.new_outlets, target.outlet_coverage + target.new_outlets)
        return rates


def _model(app_label: str, name: str):
    if not apps.is_installed(app_label):
        return None
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def _sales(distributors, reps, start: date, end: date, group_by: str | None) -> dict | None:
    """Sales amount, gross profit and volume from the sales ledger, or None while it does not exist."""
    order_model = _model("reports", "Order")
    if order_model is None:
        return None
    module = inspect.getmodule(order_model)
    statuses = getattr(module, "SALES_STATUSES", DEFAULT_SALES_STATUSES)
    orders = order_model.objects.filter(
        distributor__in=distributors, order_date__gte=start, order_date__lte=end, status__in=list(statuses)
    )
    if reps is not None:
        # Sales count for the account's current owner, as on the dashboards (API.md), whoever took the order.
        orders = orders.filter(distributor__owner__in=reps)
    result: dict = defaultdict(lambda: {"sales_amount": ZERO, "gross_profit": ZERO, "volume": ZERO})
    group = {"rep": "distributor__owner"}.get(group_by, group_by)
    for key, row in _sums(orders, group, a=Sum("amount"), g=Sum("gross_profit")):
        result[key]["sales_amount"], result[key]["gross_profit"] = row["a"] or ZERO, row["g"] or ZERO
    line_model = _model("reports", "OrderLine")
    if line_model is not None and any(f.name == "quantity" for f in line_model._meta.fields):
        link = next(f.name for f in line_model._meta.fields if f.is_relation and f.related_model is order_model)
        lines = line_model.objects.filter(**{f"{link}__in": orders.values("pk")})
        for key, row in _sums(lines, f"{link}__{group}" if group else None, q=Sum("quantity")):
            result[key]["volume"] = Decimal(row["q"] or 0)
    return result


def _sums(queryset: QuerySet, group: str | None, **aggregates) -> list[tuple]:
    """[(group value, sums)] — one row per group, or [(None, sums)] for the whole queryset."""
    if group is None:
        return [(None, queryset.aggregate(**aggregates))]
    return [(row[group], row) for row in queryset.values(group).annotate(**aggregates).order_by()]


def _collected(owners: dict[int, int], start: date, end: date, group_by: str | None) -> dict | None:
    """Money collected in the period from ``receivables.selectors`` ({key: Decimal}), or None without receivables.

    ``owners`` maps each distributor to its current owner: money collected counts for the distributor and,
    at rep level, for its owner (the dashboards' rule).
    """
    if not apps.is_installed("receivables"):
        return None
    try:
        from receivables import selectors as receivables_selectors
    except ImportError:
        return None
    collected_in_period = getattr(receivables_selectors, "collected_in_period", None)
    if collected_in_period is None:
        return None
    figures = getattr(receivables_selectors, "collection_figures", None)
    scope = Distributor.objects.filter(pk__in=list(owners))
    if group_by and figures is not None and "group_by" in inspect.signature(figures).parameters:
        # One grouped query instead of one per distributor or rep.
        grouped = figures(distributors=scope, start=start, end=end, group_by=group_by)
        return {key: Decimal(getattr(value, "collected", 0) or 0) for key, value in grouped.items()}
    if group_by is None:
        return {None: Decimal(collected_in_period(distributors=scope, start=start, end=end) or 0)}
    keys = defaultdict(list)
    for pk, owner in owners.items():
        keys[pk if group_by == "distributor" else owner].append(pk)
    return {
        key: Decimal(collected_in_period(distributors=scope.filter(pk__in=pks), start=start, end=end) or 0)
        for key, pks in keys.items()
    }


def _outlets(owners: dict[int, int], start: date, end: date, group_by: str | None) -> dict:
    """Active outlets at the period's end and outlets gained in it, from the customer cards' outlet network.

    A card holds today's numbers; every change of a card is audited with the values before and after, so
    the number on any earlier day is today's minus the changes made since. Returns {key: (active, new)}.
    """
    now = {
        row["pk"]: sum(row[name] or 0 for name in OUTLET_FIELDS)
        for row in Distributor.objects.filter(pk__in=list(owners)).values("pk", *OUTLET_FIELDS)
    }
    tz = timezone.get_current_timezone()
    start_at = datetime.combine(start, time.min, tzinfo=tz)
    after_end = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    since_start, since_end = defaultdict(int), defaultdict(int)
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Distributor),
        object_id__in=[str(pk) for pk in now],
        at__gte=start_at,
    ).values_list("object_id", "at", "before", "after")
    for object_id, at, before, after in events.iterator():
        delta = outlet_total(after) - outlet_total(before)
        since_start[int(object_id)] += delta
        if at >= after_end:
            since_end[int(object_id)] += delta
    result: dict = defaultdict(lambda: (0, 0))
    for pk, today in now.items():
        at_end = max(today - since_end[pk], 0)
        gained = max(at_end - (today - since_start[pk]), 0)
        key = {"distributor": pk, "rep": owners[pk]}.get(group_by)
        active, new = result[key]
        result[key] = (active + at_end, new + gained)
    return result


def _cents(value) -> Decimal:
    # SQLite sums decimals with extra digits; every figure is reported to the cent.
    return Decimal(value or 0).quantize(Decimal("0.01"))


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
    """Plan vs actual's actual side for ``distributors`` in the period [start, end] (dates in the local time zone).

    - sales amount and gross profit: Σ ``amount`` / ``gross_profit`` of the period's orders in a sales state
      (``reports.Order``: confirmed or shipped); volume: Σ of their lines' ``quantity``. With ``reps``, only
      the orders of the accounts those reps own now (the dashboards' rule), whoever took them.
    - collection amount: money collected in the period per ``receivables.selectors`` (``collected_in_period``,
      or ``collection_figures`` grouped); it counts for the distributor and its current owner.
    - outlet coverage: the cards' outlet network (city + county + town) at the period's end; new outlets: its
      growth during the period; they count for the distributor and its current owner.
    With ``reps``, collection and outlets count only for the distributors those reps own.

    Until the sales ledger or receivables exist their figures read as zero (``sources`` says which were
    read), and as soon as they are installed this computes from their rows. Returns one ``Actuals``; with
    ``group_by="distributor"`` a dict {distributor id: Actuals} for every distributor given, with
    ``group_by="rep"`` {rep id: Actuals} for every rep in ``reps``. The caller passes distributors already
    limited to its user's scope.
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
    if ids:
        owners = dict(Distributor.objects.filter(pk__in=ids).values_list("pk", "owner_id"))
        if rep_ids is not None:
            owners = {pk: owner for pk, owner in owners.items() if owner in rep_ids}
        sales = _sales(ids, rep_ids, start, end, group_by)
        collected = _collected(owners, start, end, group_by) if owners else {}
        outlets = _outlets(owners, start, end, group_by) if owners else {}
        for key, actual in results.items():
            if sales is not None:
                actual.sources.add("orders")
                for name, value in sales.get(key, {}).items():
                    setattr(actual, name, _cents(value))
            if collected is not None:
                actual.sources.add("receivables")
                actual.collection_amount = _cents(collected.get(key))
            actual.sources.add("outlets")
            actual.outlet_coverage, actual.new_outlets = outlets.get(key, (0, 0))
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
        rows.append(PlanVsActual(None, rep.display_name, start, end, target, found[rep.pk], rep=rep))
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


def may_see_all_reps(user: User) -> bool:
    return user.effective_role in (Role.KAM, Role.REGIONAL_MANAGER, Role.FINANCE, Role.ADMIN)
