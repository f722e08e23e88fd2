"""Account tiers A/B/C and the measured attractiveness, recomputed monthly from measured data.

For the trailing twelve whole months before the run's month, every account that sold (confirmed or shipped orders,
from the rollups) is measured on four things:

- sales amount (higher is better);
- gross-profit % = gross profit ÷ sales (higher is better);
- DSO on the last day of those months (``receivables.selectors.days_sales_outstanding``; lower is better; an
  account with nothing open counts as 0 days, one with money open but no credit sales in the 90 days as the worst);
- overdue share = open receivables past due ÷ open receivables on that day (lower is better; 0 with nothing open).

Each measure becomes a percentile rank among the measured accounts (0 the worst, 1 the best; ties share the mean
rank), and the account's score is their mean weighted by ``settings.TIER_WEIGHTS``. A score of at least
``settings.TIER_THRESHOLDS["A"]`` is tier A, at least ``["B"]`` B, the rest C; accounts that did not sell are C.
The same score gives the measured attractiveness (A very attractive, B medium, C low), which the portfolio grid
offers as a suggestion where it differs from the card's. Every tier change is written to the card's evaluation
history by the system (``distributors.services.apply_measured_evaluation``); a run is idempotent.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Q, Sum

from distributors.cards import services as card_services
from distributors.cards.models import Attractiveness
from distributors.models import Distributor
from distributors.plans.arithmetic import month_end
from receivables.selectors import DsoParts, dso_parts, open_sums
from reports.analytics.models import DistributorMonth

MEASURED_ATTRACTIVENESS = {"A": Attractiveness.VERY, "B": Attractiveness.MEDIUM, "C": Attractiveness.LOW}
WORST = Fraction(10**12)


@dataclass
class TierResult:
    start: date
    end: date
    changed: int
    counts: dict


@dataclass
class Measures:
    sales: Decimal
    gross_profit_pct: Fraction
    dso: Fraction  # WORST when money is open but there were no credit sales to measure against
    overdue_share: Fraction


def trailing_months(on: date) -> tuple[date, date]:
    """The twelve whole months before the month of ``on``: (first month, last month), first days."""
    index = on.year * 12 + on.month - 1
    first, last = index - 12, index - 1
    return date(first // 12, first % 12 + 1, 1), date(last // 12, last % 12 + 1, 1)


def measures(*, on: date) -> tuple[dict[int, Measures], date, date]:
    """{distributor id: Measures} of the accounts that sold in the trailing twelve months, and those months."""
    first, last = trailing_months(on)
    as_of = month_end(last)
    sums = (
        DistributorMonth.objects.filter(month__gte=first, month__lte=last)
        .values("distributor_id")
        .annotate(s=Sum("sales_amount"), g=Sum("gross_profit"))
        .order_by()
    )
    sold = {r["distributor_id"]: (r["s"] or Decimal(0), r["g"] or Decimal(0)) for r in sums if (r["s"] or 0) > 0}
    money = dso_parts(as_of=as_of, group="distributor_id")
    overdue = open_sums(
        for_user=None, as_of=as_of, group="distributor_id", sums={"open": Q(), "overdue": Q(due_date__lt=as_of)}
    )
    result = {}
    for pk, (sales, profit) in sold.items():
        parts = money.get(pk, DsoParts())
        dso = parts.dso
        if dso is None:
            dso = WORST if parts.open_amount > 0 else Decimal(0)
        opened = overdue.get(pk, {})
        open_amount, late = opened.get("open") or Decimal(0), opened.get("overdue") or Decimal(0)
        result[pk] = Measures(
            sales=sales,
            gross_profit_pct=Fraction(profit) / Fraction(sales),
            dso=Fraction(dso),
            overdue_share=Fraction(late) / Fraction(open_amount) if open_amount > 0 else Fraction(0),
        )
    return result, first, last


def _percentiles(values: dict[int, Fraction | Decimal], *, higher_is_better: bool) -> dict[int, Fraction]:
    """{key: percentile rank in [0, 1]}: the share of the others it beats, ties counting half."""
    n = len(values)
    if n == 1:
        return dict.fromkeys(values, Fraction(1))
    sign = 1 if higher_is_better else -1
    ordered = sorted(sign * Fraction(v) for v in values.values())
    result = {}
    for key, value in values.items():
        v = sign * Fraction(value)
        below = sum(1 for o in ordered if o < v)
        ties = sum(1 for o in ordered if o == v) - 1
        result[key] = (below + Fraction(ties, 2)) / (n - 1)
    return result


def scores(measured: dict[int, Measures]) -> dict[int, Fraction]:
    """{distributor id: weighted mean of its percentile ranks} (``settings.TIER_WEIGHTS``)."""
    weights = {name: Fraction(str(w)) for name, w in settings.TIER_WEIGHTS.items()}
    total = sum(weights.values())
    better = {"sales": True, "gross_profit_pct": True, "dso": False, "overdue_share": False}
    ranks = {
        name: _percentiles({pk: getattr(m, name) for pk, m in measured.items()}, higher_is_better=better[name])
        for name in weights
    }
    return {pk: sum(weights[name] * ranks[name][pk] for name in weights) / total for pk in measured}


def tier_of(score: Fraction) -> str:
    thresholds = {k: Fraction(str(v)) for k, v in settings.TIER_THRESHOLDS.items()}
    return "A" if score >= thresholds["A"] else "B" if score >= thresholds["B"] else "C"


def tiers_for(*, on: date) -> tuple[dict[int, str], dict[int, str], date, date]:
    """({distributor id: tier} for every account, {id: measured attractiveness} for the measured ones, months)."""
    measured, first, last = measures(on=on)
    measured_tiers = {pk: tier_of(score) for pk, score in scores(measured).items()}
    tiers = {pk: measured_tiers.get(pk, "C") for pk in Distributor.objects.values_list("pk", flat=True)}
    suggestions = {pk: MEASURED_ATTRACTIVENESS[tier] for pk, tier in measured_tiers.items()}
    return tiers, suggestions, first, last


def recompute_tiers(*, on: date) -> TierResult:
    """Set every account's tier from the trailing twelve months and refresh the attractiveness suggestions.
    Idempotent: the same months give the same tiers, and a change is recorded once."""
    tiers, suggestions, first, last = tiers_for(on=on)
    changed = card_services.apply_measured_evaluation(tiers=tiers, suggestions=suggestions)
    counts = {tier: sum(1 for t in tiers.values() if t == tier) for tier in "ABC"}
    return TierResult(first, last, changed, counts)
