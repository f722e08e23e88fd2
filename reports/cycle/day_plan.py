"""My day: one list, in route order, of what a rep should do today.

It merges four sources — the weekly schedule's stops for the day, the rep's accounts overdue for a visit,
the receivables app's "visit to collect" tasks and the rep's overdue or due action items — into one item per
account, each with every reason it is there. ``route_order`` is the pure ordering rule:

1. the day's scheduled stops first, in the weekly schedule's order;
2. then, repeatedly, the stop nearest to the previous one, among those with coordinates, while the previous
   stop has coordinates;
3. otherwise (no previous stop, or it has no coordinates) the most urgent one; stops without coordinates
   come after those with coordinates, most urgent first.

Urgency is the days the most late reason is late (overdue visit, collection task or action item past its due
date), then the money to collect, then the account code.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accounts.models import User
from distributors.models import Distributor
from distributors.plans.models import ActionItem
from receivables import selectors as receivables_selectors
from reports.cycle.selectors import route_for
from reports.visits import geo
from reports.visits.models import Purpose, Visit
from reports.visits.selectors import overdue_visits


class Reason:
    SCHEDULED = "scheduled"
    OVERDUE = "overdue"
    COLLECT = "collect"
    ACTION = "action"


@dataclass
class PlanReason:
    kind: str
    days_late: int = 0  # overdue N days / task or action item past due
    amount: Decimal | None = None  # money to collect
    sequence: int | None = None  # the schedule's stop number
    text: str = ""  # the action item's task, the schedule entry's note


@dataclass
class PlanItem:
    distributor: Distributor
    reasons: list[PlanReason] = field(default_factory=list)
    visited_today: bool = False

    @property
    def kinds(self) -> list[str]:
        return [r.kind for r in self.reasons]

    @property
    def sequence(self) -> int | None:
        numbers = [r.sequence for r in self.reasons if r.sequence is not None]
        return min(numbers) if numbers else None

    @property
    def days_late(self) -> int:
        return max((r.days_late for r in self.reasons), default=0)

    @property
    def to_collect(self) -> Decimal:
        return sum((r.amount or Decimal("0") for r in self.reasons), Decimal("0.00"))

    @property
    def purpose(self) -> str:
        """What "Log visit" pre-fills: collecting money comes first, else taking orders."""
        return Purpose.COLLECTION if Reason.COLLECT in self.kinds else Purpose.ORDER_TAKING

    @property
    def coordinates(self) -> tuple[Decimal, Decimal] | None:
        d = self.distributor
        return None if d.latitude is None or d.longitude is None else (d.latitude, d.longitude)


def merge(reasons: Iterable[tuple[Distributor, PlanReason]]) -> list[PlanItem]:
    """One item per account, its reasons in the order they came (schedule, overdue, collect, action)."""
    items: dict[int, PlanItem] = {}
    for distributor, reason in reasons:
        items.setdefault(distributor.pk, PlanItem(distributor)).reasons.append(reason)
    return list(items.values())


def _urgency(item: PlanItem) -> tuple:
    return (-item.days_late, -item.to_collect, item.distributor.code)


def route_order(items: Sequence[PlanItem]) -> list[PlanItem]:
    """The items in route order (see the module's docstring for the rule)."""
    scheduled = sorted((i for i in items if i.sequence is not None), key=lambda i: (i.sequence, i.distributor.code))
    rest = [i for i in items if i.sequence is None]
    route = list(scheduled)
    while rest:
        here = route[-1].coordinates if route else None
        placed = [i for i in rest if i.coordinates is not None]
        if here is not None and placed:
            nxt = min(placed, key=lambda i: (geo.distance_m(*here, *i.coordinates), _urgency(i)))
        else:
            nxt = min(rest, key=lambda i: (i.coordinates is None, _urgency(i)))
        route.append(nxt)
        rest.remove(nxt)
    return route


def day_plan(*, rep: User, on: date) -> list[PlanItem]:
    """``rep``'s plan for ``on`` in route order. The caller has checked that it may see ``rep``'s day."""
    reasons: list[tuple[Distributor, PlanReason]] = []
    for entry in route_for(rep, on):
        reasons.append((entry.distributor, PlanReason(Reason.SCHEDULED, sequence=entry.sequence, text=entry.note)))
    for row in overdue_visits(for_user=rep, as_of=on):
        if row.distributor.owner_id != rep.pk:  # a KAM's own day: their own accounts, not the whole team's
            continue
        reasons.append((row.distributor, PlanReason(Reason.OVERDUE, days_late=row.days_overdue)))
    for task in receivables_selectors.open_collection_tasks(rep=rep, on_or_before=on).order_by("due_on", "pk"):
        reasons.append(
            (task.distributor, PlanReason(Reason.COLLECT, days_late=(on - task.due_on).days, amount=task.amount))
        )
    actions = (
        ActionItem.objects.filter(owner=rep, due_on__lte=on)
        .open()
        .select_related("account_plan__distributor")
        .order_by("due_on", "pk")
    )
    for item in actions:
        reasons.append(
            (
                item.account_plan.distributor,
                PlanReason(Reason.ACTION, days_late=(on - item.due_on).days, text=item.task),
            )
        )
    items = merge(reasons)
    # One full load of the accounts (the overdue list reads only a few columns): coordinates, owner, tier.
    accounts = Distributor.objects.select_related("owner").in_bulk([i.distributor.pk for i in items])
    for item in items:
        item.distributor = accounts[item.distributor.pk]
    plan = route_order(items)
    visited = set(Visit.objects.filter(rep=rep, visit_date=on).values_list("distributor_id", flat=True))
    for item in plan:
        item.visited_today = item.distributor.pk in visited
    return plan
