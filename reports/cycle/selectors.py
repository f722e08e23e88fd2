"""Reads of the "135" cycle (monthly work plan, weekly schedule, weekly review, monthly summary), of the
service-strategy library and of the rep's day as the daily report shows it.

Scope: ``visible_to(user)`` of the models (a rep their own, a KAM the team, a regional manager the region,
the admin everything) — except finance, who has no business in the reps' plans and notes and sees none.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Role, Team, User
from distributors.models import RepSplit
from kamcrm.money import ZERO
from reports.cycle.models import Comment, MonthlyWorkPlan, Review, ScheduleEntry, ServiceStrategy, WeeklySchedule
from reports.visits import selectors
from reports.visits.models import DailyReport, Order, OrderLine, Visit

# The roles that take part in the cycle: reps write, their KAM and managers read and comment.
CYCLE_ROLES = (Role.REP, Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)
READER_ROLES = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)


# --- periods -------------------------------------------------------------------------------------


def week_start_of(day: date) -> date:
    """The Monday of ``day``'s week (weeks start on Monday)."""
    return day - timedelta(days=day.weekday())


def month_start_of(day: date) -> date:
    return day.replace(day=1)


def month_end_of(day: date) -> date:
    first_of_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_of_next - timedelta(days=1)


def weeks_of_month(month: date) -> list[date]:
    """The Mondays of the weeks that touch ``month`` (the first may start in the previous month)."""
    monday, end = week_start_of(month_start_of(month)), month_end_of(month)
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


# --- who may use the pages -----------------------------------------------------------------------


def takes_part(user: User) -> bool:
    """Whether ``user`` has any business in the 135 cycle (finance has none)."""
    return bool(getattr(user, "is_authenticated", False)) and user.is_active and user.effective_role in CYCLE_ROLES


def writes_own_cycle(user: User) -> bool:
    """Only a rep writes a work plan, schedule and reviews (their own)."""
    return takes_part(user) and user.effective_role == Role.REP


def reads_team_cycle(user: User) -> bool:
    return takes_part(user) and user.effective_role in READER_ROLES


# --- lists ---------------------------------------------------------------------------------------


def _scoped(queryset: QuerySet, for_user: User) -> QuerySet:
    return queryset.visible_to(for_user) if takes_part(for_user) else queryset.none()


def _with_comment_count(queryset: QuerySet) -> QuerySet:
    counts = (
        Comment.objects.filter(content_type=ContentType.objects.get_for_model(queryset.model), object_id=OuterRef("pk"))
        .order_by()
        .values("object_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(comment_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0))


def work_plan_list(*, for_user: User) -> QuerySet[MonthlyWorkPlan]:
    """Monthly work plans in scope, with ``comment_count``; focus accounts and brands prefetched."""
    return _with_comment_count(
        _scoped(MonthlyWorkPlan.objects, for_user)
        .select_related("rep", "rep__team")
        .prefetch_related("focus_accounts", "focus_brands")
    )


def schedule_list(*, for_user: User) -> QuerySet[WeeklySchedule]:
    """Weekly schedules in scope, with ``comment_count``; entries (and their distributors) prefetched in route order."""
    return _with_comment_count(
        _scoped(WeeklySchedule.objects, for_user)
        .select_related("rep", "rep__team")
        .prefetch_related(
            Prefetch(
                "entries", queryset=ScheduleEntry.objects.select_related("distributor").order_by("day", "sequence")
            )
        )
    )


def review_list(*, for_user: User, kind: str | None = None) -> QuerySet[Review]:
    """Weekly reviews and monthly summaries in scope (``kind`` narrows to one), with ``comment_count``."""
    queryset = _scoped(Review.objects, for_user).select_related("rep", "rep__team")
    if kind:
        queryset = queryset.filter(kind=kind)
    return _with_comment_count(queryset)


def comments_on(target) -> list[Comment]:
    """The comments on a plan, schedule or review, oldest first, with their authors."""
    return list(
        Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(type(target)), object_id=target.pk
        ).select_related("author")
    )


# --- the rep's week ------------------------------------------------------------------------------


def route_for(rep: User, day: date) -> list[ScheduleEntry]:
    """The rep's route for ``day``: the scheduled accounts of that day in visiting order (empty when unplanned)."""
    return list(
        ScheduleEntry.objects.filter(schedule__rep=rep, schedule__week_start=week_start_of(day), day=day)
        .select_related("distributor")
        .order_by("sequence", "pk")
    )


@dataclass
class Stop:
    entry: ScheduleEntry
    visited: bool


@dataclass
class WeekDay:
    date: date
    stops: list[Stop] = field(default_factory=list)
    is_today: bool = False
    is_past: bool = False

    @property
    def visited(self) -> int:
        return sum(1 for s in self.stops if s.visited)


def week_days(*, rep: User, week_start: date, schedule: WeeklySchedule | None) -> list[WeekDay]:
    """The seven days of the week with their stops in route order, each marked visited when the rep logged a
    visit to that account on that day. Two queries."""
    today = timezone.localdate()
    week_start = week_start_of(week_start)
    days = [
        WeekDay(date=d, is_today=d == today, is_past=d < today)
        for d in (week_start + timedelta(days=i) for i in range(7))
    ]
    if schedule is None or schedule.pk is None:
        return days
    visited = set(
        Visit.objects.filter(rep=rep, visit_date__range=(week_start, week_start + timedelta(days=6))).values_list(
            "visit_date", "distributor_id"
        )
    )
    by_date = {d.date: d for d in days}
    for entry in sorted(schedule.entries.all(), key=lambda e: (e.day, e.sequence, e.pk)):
        if entry.day in by_date:
            by_date[entry.day].stops.append(Stop(entry, (entry.day, entry.distributor_id) in visited))
    return days


# --- the KAM's view of the team ------------------------------------------------------------------


@dataclass
class TeamRow:
    """One rep's cycle for a month and a week; ``None`` where the rep has not written it yet."""

    rep: User
    plan: MonthlyWorkPlan | None = None
    summary: Review | None = None
    schedule: WeeklySchedule | None = None
    weekly_review: Review | None = None

    @property
    def missing(self) -> int:
        return sum(1 for x in (self.plan, self.summary, self.schedule, self.weekly_review) if x is None)


def reps_for_team_view(*, for_user: User, team: Team | None = None) -> QuerySet[User]:
    """The reps whose cycle ``for_user`` reads (none for a rep or finance), by team and name."""
    if not reads_team_cycle(for_user):
        return User.objects.none()
    reps = User.objects.reps_in_scope_of(for_user).filter(role=Role.REP)
    if team is not None:
        reps = reps.filter(team=team)
    return reps.select_related("team").order_by("team__name", "last_name", "first_name", "username")


def team_cycle(*, for_user: User, reps: list[User], month: date, week_start: date) -> list[TeamRow]:
    """Per rep of ``reps``: the work plan and monthly summary of ``month`` and the schedule and weekly review of
    the week starting ``week_start``. Four queries, whatever the number of reps."""
    month, week_start = month_start_of(month), week_start_of(week_start)
    rows = {rep.pk: TeamRow(rep=rep) for rep in reps}
    ids = list(rows)
    for plan in work_plan_list(for_user=for_user).filter(rep__in=ids, month=month):
        rows[plan.rep_id].plan = plan
    for schedule in schedule_list(for_user=for_user).filter(rep__in=ids, week_start=week_start):
        rows[schedule.rep_id].schedule = schedule
    for review in review_list(for_user=for_user).filter(rep__in=ids, kind=Review.Kind.MONTHLY, period_start=month):
        rows[review.rep_id].summary = review
    for review in review_list(for_user=for_user).filter(rep__in=ids, kind=Review.Kind.WEEKLY, period_start=week_start):
        rows[review.rep_id].weekly_review = review
    return list(rows.values())


# --- the rep's plan targets (the distributor-plans app, when installed) --------------------------

TARGET_FIELDS = ("volume", "sales_amount", "gross_profit", "collection_amount", "outlet_coverage", "new_outlets")


@dataclass
class RepTargets:
    """The rep's share of the approved monthly plans of their distributors for one month."""

    month: date
    totals: dict[str, Decimal | int]
    rows: list  # the rep splits, with monthly_plan__plan__distributor


def rep_targets(*, rep: User, month: date, for_user: User) -> RepTargets:
    """The rep's monthly targets from the approved distributor plans, read-only. Only splits of plans ``for_user``
    may read are counted."""
    splits = RepSplit.objects.visible_to(for_user).current().filter(rep=rep, monthly_plan__month=month_start_of(month))
    totals = splits.aggregate(**{name: Sum(name) for name in TARGET_FIELDS})
    rows = list(splits.select_related("monthly_plan__plan__distributor").order_by("monthly_plan__plan__distributor"))
    return RepTargets(month=month_start_of(month), totals=totals, rows=rows)


# --- the service-strategy library ----------------------------------------------------------------


def strategy_list(*, active_only: bool = False) -> QuerySet[ServiceStrategy]:
    """The library, by code (everyone may read it)."""
    queryset = ServiceStrategy.objects.all()
    return queryset.filter(is_active=True) if active_only else queryset


@dataclass(frozen=True)
class StrategyUsage:
    code: str
    name: str
    visits: int


def strategy_usage(for_user: User, start: date, end: date) -> list[StrategyUsage]:
    """How many visits in ``for_user``'s scope dated ``start``..``end`` (inclusive) applied each strategy, most
    used first; strategies not applied are left out. One query."""
    visits = Visit.objects.visible_to(for_user).filter(visit_date__range=(start, end))
    return [
        StrategyUsage(code=row["strategies__code"], name=row["strategies__name"], visits=row["n"])
        for row in selectors.strategy_counts(visits=visits)
    ]


# --- the rep's day, as the daily report shows it ---------------------------------------------------


@dataclass
class Day:
    """A rep's day as the daily report shows it: what was done, and the notes."""

    rep: User
    date: date
    report: DailyReport
    visits: list[Visit]
    orders: list[Order]
    sales_amount: Decimal = ZERO
    gross_profit: Decimal = ZERO
    orders_taken: Decimal = ZERO
    collected: Decimal = ZERO
    strategies: dict[str, int] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)


def day(*, rep: User, on: date, report: DailyReport | None = None) -> Day:
    """Everything of ``rep``'s day ``on``: visits, orders, money collected, strategies applied, comments."""
    report = report or DailyReport.objects.filter(rep=rep, date=on).first() or DailyReport(rep=rep, date=on)
    visits = list(
        Visit.objects.filter(rep=rep, visit_date=on)
        .select_related("distributor")
        .prefetch_related("strategies", "orders")
        .order_by("started_at")
    )
    orders = list(
        Order.objects.filter(rep=rep, order_date=on)
        .select_related("distributor")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product")))
        .order_by("pk")
    )
    result = Day(rep=rep, date=on, report=report, visits=visits, orders=orders)
    live = [o for o in orders if o.status != "cancelled"]
    result.orders_taken = sum((o.amount for o in live), ZERO)
    sales = [o for o in live if o.status in ("confirmed", "shipped")]
    result.sales_amount = sum((o.amount for o in sales), ZERO)
    result.gross_profit = sum((o.gross_profit for o in sales), ZERO)
    result.collected = sum((v.collected_amount for v in visits), ZERO)
    for visit in visits:
        for strategy in visit.strategies.all():
            result.strategies[str(strategy)] = result.strategies.get(str(strategy), 0) + 1
    if report.pk:
        result.comments = list(
            Comment.objects.filter(
                content_type=ContentType.objects.get_for_model(DailyReport), object_id=report.pk
            ).select_related("author")
        )
    return result
