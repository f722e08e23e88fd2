"""Customer needs and strategy combinations (服务需求 → 标准策略组合库): the catalogue, the monthly indicators that
flag likely needs, the needs a rep observes, the combination suggested for an account, and how each strategy was
used and what came of it.

- Indicators of an account for a month (``compute_indicators``) are read from the dashboards' figures — the sales
  amount and orders of ``dashboard.compute`` and the key-brand part of the sales of ``dashboard.brand_sales`` —
  never recomputed here: sales change = sales ÷ the month before's − 1; average order value = sales ÷ orders;
  key-brand share = key-brand sales ÷ sales (each None without a denominator).
- A need's rule flags an account when its indicator is strictly below (or above) the threshold; an indicator
  without a value flags nothing. A flagged need opens once per account and month; it stays open until a rep or
  KAM closes it with an outcome.
- The suggestion for an account is the union of the standard combinations of its open needs, in catalogue order.
- A strategy's outcome (``strategy_outcomes``): the account needs it was applied to — a visit to the account
  applied the strategy while the need was open and the strategy is in the need's combination — and how many of
  those were closed as met.

Who may do what: everyone signed in reads the catalogue, the admin keeps it; an account's needs are visible to
whoever sees the account; anyone but finance who sees the account may note or close one.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from distributors.cards.models import Status
from distributors.models import Brand, Distributor
from kamcrm.audit import services as audit
from reports.analytics.dashboards import selectors as dashboard
from reports.cycle.models import ServiceStrategy
from reports.cycle.selectors import strategy_usage
from reports.needs.models import AccountIndicator, AccountNeed, Indicator, Need
from reports.visits.models import Visit

RATE_PLACES = Decimal("0.0001")
CUSTOMERS = (Status.KEY, Status.QUALIFIED, Status.UNQUALIFIED)


# --- The catalogue -------------------------------------------------------------------------------------------------


def catalogue(*, active_only: bool = False) -> QuerySet[Need]:
    """The needs, in order, with their strategy combinations."""
    needs = Need.objects.prefetch_related(Prefetch("strategies", queryset=ServiceStrategy.objects.order_by("code")))
    return needs.filter(is_active=True) if active_only else needs


def _check_admin(by: User) -> None:
    if by.effective_role != Role.ADMIN:
        raise PermissionDenied(_("Only an administrator keeps the need catalogue."))


@transaction.atomic
def save_need(*, need: Need, strategies, by: User) -> Need:
    """Add or change a need of the catalogue with its standard strategy combination (admin only). Raises
    ValidationError (a code in use, no strategy, a rule without a threshold) or PermissionDenied."""
    _check_admin(by)
    need.code = (need.code or "").strip()
    need.name = (need.name or "").strip()
    strategies = list(strategies or [])
    errors: dict = {}
    if not strategies:
        errors["strategies"] = [_("Choose the strategies that answer this need.")]
    if need.indicator and need.threshold is None:
        errors["threshold"] = [_("A need flagged by an indicator needs a threshold.")]
    if not need.indicator:
        need.threshold = None
    stored = Need.objects.filter(pk=need.pk).first() if need.pk else None
    before = audit.snapshot(stored) if stored else None
    try:
        need.full_clean()
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            need.save()
    except IntegrityError:  # the same code saved by a parallel request
        raise ValidationError({"code": _("A need with this code already exists.")}) from None
    need.strategies.set(strategies)
    audit.record(need, by=by, action="need_created" if before is None else "need_changed", before=before)
    return need


# --- Indicators ----------------------------------------------------------------------------------------------------


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (numerator / denominator).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def indicators_from(*, sales: Decimal, previous: Decimal, orders: int, key_brand_sales: Decimal) -> dict:
    """The derived indicators of a month from its figures (see the module's docstring)."""
    change = _ratio(sales - previous, previous)
    average = (sales / orders).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if orders else None
    return {
        "sales_change": change,
        "average_order_value": average,
        "key_brand_share": _ratio(key_brand_sales, sales),
    }


def crosses(need: Need, value: Decimal | None) -> bool:
    """Whether ``value`` of the need's indicator flags the need: strictly below or above its threshold."""
    if not need.indicator or need.threshold is None or value is None:
        return False
    if need.comparison == Need.Comparison.ABOVE:
        return value > need.threshold
    return value < need.threshold


def compute_indicators(*, month: date) -> int:
    """Store every customer account's indicators for ``month`` (any day of it) and open the needs their rules flag.
    Safe to run again: the month's rows are rewritten, a need flagged once for the account and month is not
    opened again (nor one still open). Returns how many needs were opened."""
    period = dashboard.period_containing("month", month)
    previous = period.shifted(-1)
    company = dashboard.Scope("company", None)
    found = dashboard.compute(scope=company, periods=[previous, period], group="distributor")
    key_brands = list(Brand.objects.filter(is_key=True).values_list("pk", flat=True))
    key_sales = dashboard.brand_sales(scope=company, period=period, brand_ids=key_brands, group="distributor")
    accounts = set(Distributor.objects.filter(status__in=CUSTOMERS).values_list("pk", flat=True))
    accounts |= {key for (key, _i) in found if key is not None}
    now = timezone.now()
    rows = []
    for account in sorted(accounts):
        this = found.get((account, 1), dashboard.Figures())
        before = found.get((account, 0), dashboard.Figures())
        key = key_sales.get(account, Decimal("0.00"))
        rows.append(
            AccountIndicator(
                distributor_id=account,
                month=period.start,
                sales_amount=this.sales_amount,
                previous_sales_amount=before.sales_amount,
                orders=this.orders,
                key_brand_sales=key,
                computed_at=now,
                **indicators_from(
                    sales=this.sales_amount, previous=before.sales_amount, orders=this.orders, key_brand_sales=key
                ),
            )
        )
    with transaction.atomic():
        AccountIndicator.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["distributor", "month"],
            update_fields=[
                "sales_amount",
                "previous_sales_amount",
                "orders",
                "key_brand_sales",
                "sales_change",
                "average_order_value",
                "key_brand_share",
                "computed_at",
            ],
        )
        # A need is flagged the day after the month closed (today when the month is still running).
        return _flag_needs(period.start, rows, min(timezone.localdate(), period.end + timedelta(days=1)))


def _flag_needs(month: date, rows: list[AccountIndicator], opened_on: date) -> int:
    needs = [n for n in Need.objects.filter(is_active=True).exclude(indicator="") if n.threshold is not None]
    if not needs:
        return 0
    taken = set(
        AccountNeed.objects.filter(need__in=needs)
        .filter(status=AccountNeed.Status.OPEN)
        .values_list("distributor_id", "need_id")
    )
    taken |= set(
        AccountNeed.objects.filter(need__in=needs, indicator_month=month).values_list("distributor_id", "need_id")
    )
    opened = [
        AccountNeed(
            distributor_id=row.distributor_id,
            need=need,
            source=AccountNeed.Source.INDICATOR,
            opened_on=opened_on,
            indicator_month=month,
            indicator_value=row.value(need.indicator),
        )
        for row in rows
        for need in needs
        if (row.distributor_id, need.pk) not in taken and crosses(need, row.value(need.indicator))
    ]
    AccountNeed.objects.bulk_create(opened, batch_size=2000, ignore_conflicts=True)
    return len(opened)


def indicators_visible_to(user: User) -> QuerySet[AccountIndicator]:
    return AccountIndicator.objects.filter(distributor__in=Distributor.objects.visible_to(user)).select_related(
        "distributor"
    )


def latest_indicators(distributor: Distributor) -> AccountIndicator | None:
    return AccountIndicator.objects.filter(distributor=distributor).order_by("-month").first()


# --- An account's needs --------------------------------------------------------------------------------------------


def account_needs_visible_to(user: User) -> QuerySet[AccountNeed]:
    """The account needs of the accounts ``user`` may see."""
    return AccountNeed.objects.filter(distributor__in=Distributor.objects.visible_to(user)).select_related(
        "distributor", "need", "opened_by", "closed_by"
    )


def _check_may_note(distributor: Distributor, by: User) -> None:
    if by.effective_role == Role.FINANCE or not Distributor.objects.visible_to(by).filter(pk=distributor.pk).exists():
        raise PermissionDenied(_("You cannot note needs for this account."))


def open_needs(*, distributor: Distributor, needs, by: User, visit: Visit | None = None, note: str = "") -> list:
    """Note needs the rep observed at the account (on a visit or by hand); a need already open is left as it is.
    Returns the account needs opened. Raises ValidationError (an inactive need, a note too long) or
    PermissionDenied (finance, or an account the user may not see; the visit's own check covers visits)."""
    if visit is None:
        _check_may_note(distributor, by)
    needs = list(needs)
    if any(not n.is_active for n in needs):
        raise ValidationError({"needs": [_("Choose needs from the catalogue.")]})
    if len(note or "") > 255:
        raise ValidationError({"note": [_("Keep this under 255 characters.")]})
    already = set(
        AccountNeed.objects.filter(distributor=distributor, status=AccountNeed.Status.OPEN).values_list(
            "need_id", flat=True
        )
    )
    opened = []
    for need in needs:
        if need.pk in already:
            continue
        try:
            with transaction.atomic():
                account_need = AccountNeed.objects.create(
                    distributor=distributor,
                    need=need,
                    source=AccountNeed.Source.OBSERVATION,
                    opened_on=visit.visit_date if visit is not None else timezone.localdate(),
                    opened_by=by,
                    visit=visit,
                    note=(note or "").strip(),
                )
        except IntegrityError:  # opened by a parallel request
            continue
        audit.record(account_need, by=by, action="need_noted")
        opened.append(account_need)
    return opened


@transaction.atomic
def close_need(*, account_need: AccountNeed, outcome: str, note: str, by: User) -> AccountNeed:
    """Close an open account need with what came of it (met, not met, not a real need). Raises ValidationError
    (already closed, no outcome, a note too long) or PermissionDenied."""
    _check_may_note(account_need.distributor, by)
    account_need = AccountNeed.objects.select_for_update().get(pk=account_need.pk)
    errors: dict = {}
    if account_need.status != AccountNeed.Status.OPEN:
        errors["status"] = [_("This need is already closed.")]
    if outcome not in {AccountNeed.Outcome.MET, AccountNeed.Outcome.NOT_MET, AccountNeed.Outcome.NOT_A_NEED}:
        errors["outcome"] = [_("Say what came of it.")]
    if len(note or "") > 255:
        errors["note"] = [_("Keep this under 255 characters.")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(account_need)
    account_need.status = AccountNeed.Status.CLOSED
    account_need.outcome = outcome
    account_need.closed_on = timezone.localdate()
    account_need.closed_by = by
    if note:
        account_need.note = note.strip()
    account_need.save()
    audit.record(account_need, by=by, action="need_closed", before=before)
    return account_need


# --- The suggestion on the visit form ------------------------------------------------------------------------------


@dataclass
class SuggestedStrategy:
    strategy: ServiceStrategy
    needs: list[Need] = field(default_factory=list)


@dataclass
class Suggestion:
    open_needs: list[AccountNeed]
    strategies: list[SuggestedStrategy]

    def as_json(self) -> dict:
        return {
            "open_needs": [
                {
                    "id": n.pk,
                    "need": n.need_id,
                    "code": n.need.code,
                    "label": n.need.label,
                    "source": n.source,
                    "opened_on": n.opened_on.isoformat(),
                    "indicator_month": n.indicator_month.isoformat() if n.indicator_month else None,
                    "indicator_value": None if n.indicator_value is None else f"{n.indicator_value:.4f}",
                }
                for n in self.open_needs
            ],
            "strategies": [
                {
                    "id": s.strategy.pk,
                    "code": s.strategy.code,
                    "name": s.strategy.name,
                    "needs": [n.code for n in s.needs],
                }
                for s in self.strategies
            ],
        }


def suggestion(*, distributor: Distributor) -> Suggestion:
    """The account's open needs (active ones of the catalogue) and the union of their standard combinations,
    each strategy once with the needs it answers; needs in catalogue order, strategies by code. The caller has
    checked that the user may see the account."""
    needs = list(
        AccountNeed.objects.filter(distributor=distributor, status=AccountNeed.Status.OPEN, need__is_active=True)
        .select_related("need")
        .prefetch_related(
            Prefetch("need__strategies", queryset=ServiceStrategy.objects.filter(is_active=True).order_by("code"))
        )
        .order_by("need__position", "need__code")
    )
    by_strategy: dict[int, SuggestedStrategy] = {}
    for account_need in needs:
        for strategy in account_need.need.strategies.all():
            by_strategy.setdefault(strategy.pk, SuggestedStrategy(strategy)).needs.append(account_need.need)
    return Suggestion(needs, sorted(by_strategy.values(), key=lambda s: s.strategy.code))


# --- Usage and outcome per strategy --------------------------------------------------------------------------------


@dataclass
class StrategyOutcome:
    strategy: ServiceStrategy
    visits: int = 0
    accounts: int = 0
    needs_addressed: int = 0
    needs_closed: int = 0
    needs_met: int = 0

    @property
    def met_rate(self) -> Decimal | None:
        return _ratio(Decimal(self.needs_met), Decimal(self.needs_closed))

    def as_json(self) -> dict:
        rate = self.met_rate
        return {
            "strategy": self.strategy.pk,
            "code": self.strategy.code,
            "name": self.strategy.name,
            "visits": self.visits,
            "accounts": self.accounts,
            "needs_addressed": self.needs_addressed,
            "needs_closed": self.needs_closed,
            "needs_met": self.needs_met,
            "met_rate": None if rate is None else f"{rate:.4f}",
        }


def strategy_outcomes(*, for_user: User, start: date, end: date) -> list[StrategyOutcome]:
    """Per strategy of the library: visits in ``for_user``'s scope dated ``start``..``end`` that applied it (the
    library's usage count), the accounts they went to, the account needs it was applied to in those visits, how
    many of those are closed and how many were met. Most used first."""
    usage = {u.code: u.visits for u in strategy_usage(for_user, start, end)}
    applied = (
        Visit.strategies.through.objects.filter(
            visit__in=Visit.objects.visible_to(for_user).filter(visit_date__range=(start, end))
        )
        .values_list("servicestrategy_id", "visit__distributor_id", "visit__visit_date")
        .order_by()
    )
    days: dict = defaultdict(list)  # (strategy, account) -> visit days
    for strategy_id, account, day in applied:
        days[(strategy_id, account)].append(day)
    accounts = {account for (_s, account) in days}
    combination: dict = defaultdict(set)  # need -> strategies
    for need_id, strategy_id in Need.strategies.through.objects.values_list("need_id", "servicestrategy_id"):
        combination[need_id].add(strategy_id)
    addressed: dict = defaultdict(list)
    for account_need in AccountNeed.objects.filter(distributor_id__in=accounts).order_by():
        for strategy_id in combination[account_need.need_id]:
            last = account_need.closed_on or end
            if any(
                account_need.opened_on <= day <= last
                for day in days.get((strategy_id, account_need.distributor_id), ())
            ):
                addressed[strategy_id].append(account_need)
    rows = []
    for strategy in ServiceStrategy.objects.order_by("code"):
        mine = addressed.get(strategy.pk, [])
        closed = [n for n in mine if n.status == AccountNeed.Status.CLOSED]
        row = StrategyOutcome(
            strategy=strategy,
            visits=usage.get(strategy.code, 0),
            accounts=len({a for (s, a) in days if s == strategy.pk}),
            needs_addressed=len(mine),
            needs_closed=len(closed),
            needs_met=sum(1 for n in closed if n.outcome == AccountNeed.Outcome.MET),
        )
        if row.visits or row.needs_addressed or strategy.is_active:
            rows.append(row)
    return sorted(rows, key=lambda r: (-r.visits, r.strategy.code))


INDICATOR_LABELS = dict(Indicator.choices)
