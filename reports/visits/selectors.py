"""Reads of visits, orders and daily reports — always through ``visible_to``."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Role, User
from distributors.cards.models import TIER_VISIT_FREQUENCY_DAYS
from distributors.models import Distributor
from kamcrm.money import ZERO
from receivables import selectors as receivables_selectors
from reports.visits.models import DailyReport, LateEntry, Order, OrderLine, Visit, VisitKind


def visit_list(*, for_user: User) -> QuerySet[Visit]:
    return Visit.objects.visible_to(for_user).select_related("distributor", "rep")


def check_in_flags(*, rep_ids: list[int], on: date) -> dict[int, dict[str, int]]:
    """Per rep, the day's in-person visits checked in far from the account (``far``, the setting's threshold)
    and without a location (``no_location``) — the same rule as ``Visit.check_in``. One query."""
    rows = (
        Visit.objects.filter(rep_id__in=rep_ids, visit_date=on, kind=VisitKind.IN_PERSON)
        .values("rep_id")
        .annotate(
            far=Count("pk", filter=Q(distance_from_account_m__gt=settings.KAMCRM_FAR_FROM_ACCOUNT_M)),
            no_location=Count("pk", filter=Q(latitude=None) | Q(longitude=None)),
        )
    )
    return {row["rep_id"]: {"far": row["far"], "no_location": row["no_location"]} for row in rows}


def late_visits_to_decide(*, for_user: User) -> QuerySet[Visit]:
    """Late entries (visits logged for a submitted day) of the reps ``for_user`` manages, waiting for a decision."""
    if for_user.effective_role not in (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN):
        return Visit.objects.none()
    return (
        visits_acted_for(for_user=for_user)
        .filter(late_entry=LateEntry.PENDING)
        .exclude(rep=for_user)
        .select_related("distributor", "rep")
        .order_by("visit_date", "started_at")
    )


def visits_acted_for(*, for_user: User) -> QuerySet[Visit]:
    """Visits whose rep ``for_user`` acts for (``services.acts_for``): own ones; a KAM's or manager's reps'."""
    reps = Q(rep=for_user)
    if for_user.effective_role in (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN):
        reps |= Q(rep__in=User.objects.reps_in_scope_of(for_user))
    return Visit.objects.filter(reps)


def order_list(*, for_user: User) -> QuerySet[Order]:
    return (
        Order.objects.visible_to(for_user)
        .select_related("distributor", "rep")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product")))
    )


def daily_report_list(*, for_user: User) -> QuerySet[DailyReport]:
    return DailyReport.objects.visible_to(for_user).select_related("rep", "reviewed_by")


@dataclass
class DayLinks:
    """A rep's day in ids: visits, orders, and the money collected on the visits (as ``day`` sums it)."""

    visits: list[int] = field(default_factory=list)
    orders: list[int] = field(default_factory=list)
    collected: Decimal = ZERO


def day_links(*, reports) -> dict[tuple[int, date], DayLinks]:
    """``DayLinks`` per (rep id, date) of the given daily reports: two queries however many reports."""
    links = {(r.rep_id, r.date): DayLinks() for r in reports}
    if not links:
        return links
    reps, dates = {rep for rep, _day in links}, {day for _rep, day in links}
    visits = Visit.objects.filter(rep__in=reps, visit_date__in=dates)
    for pk, rep, day, amount in visits.values_list("pk", "rep_id", "visit_date", "collected_amount"):
        if (rep, day) in links:
            links[rep, day].visits.append(pk)
            links[rep, day].collected += amount or ZERO
    for pk, rep, day in Order.objects.filter(rep__in=reps, order_date__in=dates).values_list(
        "pk", "rep_id", "order_date"
    ):
        if (rep, day) in links:
            links[rep, day].orders.append(pk)
    return links


@dataclass(frozen=True)
class OverdueVisit:
    distributor: Distributor
    last_visited_on: date | None
    due_on: date
    days_overdue: int
    frequency_days: int


def next_visit_due(last_visited_on, created_at, frequency_days, tier) -> tuple[int, date]:
    """(frequency in days, the day the next visit is due): the last visit (or, never visited, the day the card
    was created) + the account's own frequency, else its tier's. Overdue when that day is before today."""
    frequency = frequency_days or TIER_VISIT_FREQUENCY_DAYS.get(tier, TIER_VISIT_FREQUENCY_DAYS["C"])
    since = last_visited_on or timezone.localdate(created_at)
    return frequency, since + timedelta(days=frequency)


def overdue_visits(*, for_user: User, as_of: date) -> list[OverdueVisit]:
    """Accounts whose next visit is due before ``as_of``, most overdue first.

    Due = last visit (or, never visited, the day the card was created) + the account's
    frequency (its own, else the tier's: A 7, B 14, C 30 days). Terminated accounts
    are left out. A rep sees their own accounts; managers their scope.
    """
    accounts = (
        Distributor.objects.editable_by(for_user)
        if for_user.effective_role == Role.REP
        else (Distributor.objects.visible_to(for_user))
    )
    rows = []
    for d in (
        accounts.exclude(status="terminated")
        .select_related("owner")
        .only(
            "pk",
            "code",
            "name",
            "short_name",
            "tier",
            "status",
            "last_visited_on",
            "visit_frequency_days",
            "created_at",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
        )
    ):
        frequency, due = next_visit_due(d.last_visited_on, d.created_at, d.visit_frequency_days, d.tier)
        if due < as_of:
            rows.append(OverdueVisit(d, d.last_visited_on, due, (as_of - due).days, frequency))
    rows.sort(key=lambda r: (-r.days_overdue, r.distributor.code))
    return rows


def missing_daily_reports(*, for_user: User, on: date) -> list[User]:
    """Reps in the user's scope with no submitted report for ``on``."""
    submitted = DailyReport.objects.filter(date=on, state=DailyReport.State.SUBMITTED).values("rep")
    return list(
        User.objects.reps_in_scope_of(for_user)
        .filter(role=Role.REP)
        .exclude(pk__in=submitted)
        .select_related("team")
        .order_by("team__name", "username")
    )


def strategy_counts(*, visits: QuerySet[Visit]) -> list[dict]:
    """How often each service strategy was applied in ``visits``."""
    return list(
        visits.values("strategies__code", "strategies__name")
        .exclude(strategies__code=None)
        .annotate(n=Count("pk"))
        .order_by("-n", "strategies__code")
    )


def order_totals(*, orders: QuerySet[Order]) -> dict:
    return orders.aggregate(amount=Sum("amount", default=ZERO), gross_profit=Sum("gross_profit", default=ZERO))


def collection_tasks(*, rep: User, on_or_before: date) -> list:
    """The rep's open "visit to collect" tasks due by the day (from receivables)."""
    return list(receivables_selectors.open_collection_tasks(rep=rep, on_or_before=on_or_before).order_by("due_on"))
