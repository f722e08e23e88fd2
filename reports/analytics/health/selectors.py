"""Account health: "on plan? visited on schedule? paying?" for one account, and for every account of a scope.

Nothing here is a new figure. Plan vs actual and pacing are the dashboards'
(``reports.analytics.dashboards.selectors.dashboard`` for the month and the quarter containing today, accounts taken
whole as on a team's dashboard); overdue money is the dashboard's (``overdue_money``), the buckets are the aging's
(``receivables.selectors.aging``), DSO is ``receivables.selectors.days_sales_outstanding`` through the dashboard's
figures, the visit schedule is ``reports.visits.selectors.next_visit_due``, promise reliability is
``receivables.selectors.promise_reliability``, the activities are the card's timeline. This module only puts them side
by side and sets a traffic light on each:

- plan: the worse of the month's and the quarter's sales rate against the rate expected by today (pacing):
  green at or above it, amber from 80 % of it, red below; none without an approved plan;
- visits: green while the next visit is not due, amber when it is overdue by up to one visit interval, red after;
- paying: green with nothing past due, amber when all that is past due is at most 30 days late, red otherwise.

The overall light is the worst of the three; the team table sorts worst first.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, Team, User
from distributors.cards import timeline
from distributors.models import Complaint, Distributor
from kamcrm.formatting import money as money_fmt
from receivables import holds as receivables_holds
from receivables import selectors as receivables_selectors
from reports.analytics.dashboards import selectors as dashboard
from reports.visits.selectors import next_visit_due

ZERO = Decimal("0.00")
GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
LIGHT_ORDER = {RED: 0, AMBER: 1, NONE: 2, GREEN: 3}
LIGHT_LABELS = {GREEN: _("Good"), AMBER: _("Watch"), RED: _("Act now"), NONE: _("No plan")}
AMBER_PACE = Decimal("0.8")
AMBER_LATE_DAYS = 30
OPEN_COMPLAINT = (Complaint.State.OPEN, Complaint.State.IN_PROGRESS)


@dataclass(frozen=True)
class CardFact:
    """One fact on the customer card's profile (balance, overdue amount, health light)."""

    key: str  # stable: "balance", "overdue", "health"
    label: str
    value: str
    light: str = ""  # "green", "amber", "red", "none" or "" (no light)
    url: str = ""


@dataclass
class AccountHealth:
    distributor: Distributor
    month: dashboard.Figures
    quarter: dashboard.Figures
    last_visited_on: date | None
    days_since_visit: int | None
    visit_frequency_days: int
    next_visit_due: date
    open_amount: Decimal | None  # None: the user may not see this account's money
    overdue_amount: Decimal | None
    buckets: list = field(default_factory=list)  # [(Bucket, Decimal)] from the aging
    open_complaints: int = 0
    promise_reliability: Decimal | None = None  # receivables.selectors.promise_reliability; None: no promise due
    activities: list = field(default_factory=list)  # the card's newest timeline entries (account screen only)
    credit: receivables_holds.CreditState | None = None  # the credit rule's state (hold / warn); None: no money scope
    plan_light: str = NONE
    visit_light: str = NONE
    money_light: str = NONE

    @property
    def dso(self) -> Decimal | None:
        return self.month.dso

    @property
    def month_expected(self) -> Decimal | None:
        """The sales rate expected by today this month (pacing)."""
        return self.month.expected_rate("sales")

    @property
    def quarter_expected(self) -> Decimal | None:
        return self.quarter.expected_rate("sales")

    @property
    def light(self) -> str:
        lights = [self.plan_light, self.visit_light, self.money_light]
        return min(lights, key=lambda value: LIGHT_ORDER[value])

    @property
    def labels(self) -> dict[str, str]:
        return {
            "plan": str(LIGHT_LABELS[self.plan_light]),
            "visit": str(LIGHT_LABELS[self.visit_light]),
            "money": str(LIGHT_LABELS[self.money_light]),
        }

    @property
    def light_label(self) -> str:
        return str(LIGHT_LABELS[self.light])

    @property
    def sort_key(self) -> tuple:
        return (LIGHT_ORDER[self.light], -(self.overdue_amount or ZERO), self.distributor.code)

    @property
    def links(self) -> dict[str, str]:
        """Where to act: log a visit, the collection (call) page, the account's plans."""
        pk = self.distributor.pk
        return {
            "visit": f"{reverse('reports:visit_new')}?distributor={pk}",
            "call": reverse("receivables:account", args=[pk]),
            "plan": f"{reverse('plans:list')}?distributor={pk}",
            "card": reverse("distributors:detail", args=[pk]),
            "health": reverse("reports:account_health", args=[pk]),
        }


def _pace_light(figures: dashboard.Figures) -> str:
    actual, expected = figures.sales_rate, figures.expected_rate("sales")
    if actual is None:
        return NONE
    if expected is None or expected <= 0 or actual >= expected:
        return GREEN
    return AMBER if actual >= expected * AMBER_PACE else RED


def plan_light(month: dashboard.Figures, quarter: dashboard.Figures) -> str:
    lights = [light for light in (_pace_light(month), _pace_light(quarter)) if light != NONE]
    return min(lights, key=lambda value: LIGHT_ORDER[value]) if lights else NONE


def visit_light(due: date, frequency_days: int, today: date) -> str:
    if due >= today:
        return GREEN
    return AMBER if (today - due).days <= frequency_days else RED


def money_light(overdue: Decimal | None, buckets: list, credit: str = receivables_holds.OK) -> str:
    """Red for money more than 30 days late or an account on credit hold; amber for any money past due or a credit
    warning; green when nothing is past due."""
    if overdue is None:
        return NONE
    if credit == receivables_holds.HOLD:
        return RED
    late = sum((amount for bucket, amount in buckets if bucket.low is not None and bucket.low > AMBER_LATE_DAYS), ZERO)
    if late > 0:
        return RED
    return AMBER if overdue or credit == receivables_holds.WARN else GREEN


def health_scope(user: User) -> dashboard.Scope:
    """Whose accounts the table shows by default: a rep's team (their own accounts of it), a KAM's team, a
    manager's region, the company for finance and the admin (``dashboard.default_scope`` except for reps)."""
    if user.effective_role == Role.REP and user.team_id:
        return dashboard.Scope("team", Team.objects.get(pk=user.team_id))
    return dashboard.default_scope(user)


def _boards(scope: dashboard.Scope, today: date) -> tuple[dict, dict]:
    month = dashboard.dashboard(
        scope=scope, period=dashboard.period_containing("month", today), children_level="distributor"
    )
    quarter = dashboard.dashboard(
        scope=scope, period=dashboard.period_containing("quarter", today), children_level="distributor"
    )
    return ({c.id: c.figures for c in month.children}, {c.id: c.figures for c in quarter.children})


def scope_health(
    *, for_user: User, scope: dashboard.Scope | None = None, today: date | None = None, activities: int = 0
) -> list[AccountHealth]:
    """Every account of ``scope`` (default :func:`health_scope`) the user may see, worst first."""
    today = today or timezone.localdate()
    scope = scope or health_scope(for_user)
    cards = list(
        Distributor.objects.visible_to(for_user)
        .filter(dashboard.scope_q(scope.level, scope.id, prefix=""))
        .exclude(status="terminated")
        .select_related("owner")
        .annotate(open_complaints=Count("complaints", filter=Q(complaints__status__in=OPEN_COMPLAINT)))
        .order_by("code")
    )
    if not cards:
        return []
    month, quarter = _boards(scope, today)
    money_ids = set(
        receivables_selectors.distributors_with_money_visible_to(for_user)
        .filter(pk__in=[c.pk for c in cards])
        .values_list("pk", flat=True)
    )
    aging = receivables_selectors.aging(
        for_user=for_user,
        as_of=today,
        group_by="distributor",
        distributors=Distributor.objects.filter(pk__in=money_ids),
    )
    rows = {row.key: row for row in aging.rows}
    reliability = receivables_selectors.promise_reliability(sorted(money_ids), as_of=today)
    credit = receivables_holds.credit_state(sorted(money_ids), as_of=today)
    result = []
    for card in cards:
        frequency, due = next_visit_due(card.last_visited_on, card.created_at, card.visit_frequency_days, card.tier)
        m, q = month.get(card.pk) or dashboard.Figures(), quarter.get(card.pk) or dashboard.Figures()
        sees_money = card.pk in money_ids
        row = rows.get(card.pk)
        buckets = row.cells if row else [(b, ZERO) for b in aging.buckets]
        health = AccountHealth(
            distributor=card,
            month=m,
            quarter=q,
            last_visited_on=card.last_visited_on,
            days_since_visit=(today - card.last_visited_on).days if card.last_visited_on else None,
            visit_frequency_days=frequency,
            next_visit_due=due,
            open_amount=(row.total if row else ZERO) if sees_money else None,
            overdue_amount=(m.overdue_amount or ZERO) if sees_money else None,
            buckets=buckets if sees_money else [],
            open_complaints=card.open_complaints,
            promise_reliability=reliability.get(card.pk),
            credit=credit.get(card.pk),
        )
        health.plan_light = plan_light(m, q)
        health.visit_light = visit_light(due, frequency, today)
        health.money_light = money_light(
            health.overdue_amount, health.buckets, health.credit.state if health.credit else receivables_holds.OK
        )
        if activities:
            health.activities = timeline.timeline(distributor=card, for_user=for_user, limit=activities)
        result.append(health)
    result.sort(key=lambda h: h.sort_key)
    return result


def account_health(*, for_user: User, distributor: Distributor, today: date | None = None) -> AccountHealth:
    """One account's health (the account screen and the card's profile), with its last three activities."""
    scope = dashboard.Scope("distributor", distributor)
    found = scope_health(for_user=for_user, scope=scope, today=today, activities=3)
    if not found:
        raise Distributor.DoesNotExist
    return found[0]


def _money_str(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _rate_str(value) -> str | None:
    return None if value is None else f"{value:.4f}"


def health_json(h: AccountHealth) -> dict:
    """The API's shape of one account's health (money as strings with 2 places, rates with 4)."""

    def period(figures: dashboard.Figures) -> dict:
        return {
            "sales_target": _money_str(figures.sales_target),
            "sales_amount": _money_str(figures.sales_amount),
            "sales_rate": _rate_str(figures.sales_rate),
            "sales_expected_rate": _rate_str(figures.expected_rate("sales")),
            "sales_pace": figures.pace("sales"),
        }

    return {
        "distributor": h.distributor.pk,
        "code": h.distributor.code,
        "name": h.distributor.display_name,
        "owner": h.distributor.owner_id,
        "light": h.light,
        "lights": {"plan": h.plan_light, "visit": h.visit_light, "money": h.money_light},
        "month": period(h.month),
        "quarter": period(h.quarter),
        "last_visited_on": h.last_visited_on.isoformat() if h.last_visited_on else None,
        "days_since_visit": h.days_since_visit,
        "visit_frequency_days": h.visit_frequency_days,
        "next_visit_due": h.next_visit_due.isoformat(),
        "open_amount": _money_str(h.open_amount),
        "overdue_amount": _money_str(h.overdue_amount),
        "buckets": {bucket.key: _money_str(amount) for bucket, amount in h.buckets},
        "dso": None if h.dso is None or h.overdue_amount is None else f"{h.dso:.1f}",
        "open_complaints": h.open_complaints,
        "promise_reliability": _rate_str(h.promise_reliability),
        "credit_state": h.credit.state if h.credit else None,
        "credit_message": h.credit.message if h.credit else None,
        "amount_to_pay": _money_str(h.credit.amount_to_pay) if h.credit else None,
        "activities": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "kind_label": str(e.kind_label),
                "title": str(e.title),
                "url": e.url,
                "amount": _money_str(e.amount),
            }
            for e in h.activities
        ],
        "links": h.links,
    }


def card_facts(*, distributor: Distributor, for_user: User) -> list:
    """The customer card's profile: balance and overdue amount (the receivables page's figures) and the health
    light with a link to the account's health screen. Money only for those who may see it."""
    facts = []
    if receivables_selectors.may_see_money(user=for_user, distributor=distributor):
        summary = receivables_selectors.account_summary(distributor=distributor)
        money_url = reverse("receivables:account", args=[distributor.pk])
        facts.append(CardFact("balance", str(_("Balance")), money_fmt(summary["balance"]), url=money_url))
        facts.append(CardFact("overdue", str(_("Overdue")), money_fmt(summary["overdue"]), url=money_url))
    h = account_health(for_user=for_user, distributor=distributor)
    facts.append(CardFact("health", str(_("Health")), h.light_label, light=h.light, url=h.links["health"]))
    return facts


def card_context(*, user: User, distributor: Distributor) -> dict:
    """What the customer card shows of the account's health (registered with ``distributors.card_context``):
    ``facts``, the profile's balance, overdue amount and health light."""
    return {"facts": card_facts(distributor=distributor, for_user=user)}
