"""Pacing on the dashboards: the completion rate a scope should have reached by today (``expected_rate``).

The definition is :func:`distributors.plans.arithmetic.expected_rate`; this module only finds its inputs for a
dashboard scope and adds accounts up:

- today is ``timezone.localdate()`` (the configured TIME_ZONE) and counts as elapsed;
- a period that is closed (today after its end) or has not started has no expected rate (None);
- sales and gross profit follow the plan's own curve for an account whose current approved plan for the
  quarter uses a seasonal profile (its monthly targets, each spread evenly over the month's days), and days
  elapsed ÷ days in the period for every other account; a scope's expected rate is its accounts' expected
  rates weighted by their targets for the period (days elapsed ÷ days when none has a target);
- collection, market and visits have no seasonal curve: days elapsed ÷ days in the period.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from distributors.plans.arithmetic import expected_rate, month_end, quarter_of
from distributors.plans.models import Distribution, QuarterlyPlan
from kamcrm import prepared
from reports.analytics.models import TargetMonth

MONEY_RATES = {"sales": "sales_amount", "gross_profit": "gross_profit"}
DAY_RATES = ("collection", "market", "visit")
PLACES = Decimal("0.0001")


@dataclass
class AccountPace:
    """An account's targets for the period (the weights) and its expected rate, per money rate."""

    targets: dict = field(default_factory=dict)
    expected: dict = field(default_factory=dict)
    seasonal: bool = False


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = date.fromordinal(month_end(month).toordinal() + 1)
    return months


def account_paces(*, scope_q, start: date, end: date, today: date) -> dict[int, AccountPace]:
    """{distributor id: AccountPace} of the accounts (``scope_q`` on rows with ``distributor``) that have a target
    in the period [start, end]; empty when the period is not running on ``today``. Two queries."""
    if expected_rate(start=start, end=end, today=today) is None:
        return {}
    months = _months(start, end)
    quarters = {quarter_of(m) for m in months}
    years = {year for year, _quarter in quarters}
    plans = prepared.rows(
        "pacing.seasonal",
        lambda accounts, years: (
            QuarterlyPlan.objects.current()
            .filter(accounts, distribution=Distribution.PROFILE, year__in=years)
            .order_by()  # a set is made of them: no ordering (nor its join to the cards)
            .values_list("distributor_id", "year", "quarter")
        ),
        accounts=scope_q,
        years=years,
    )
    seasonal = {pk for pk, year, quarter in plans if (year, quarter) in quarters}
    if not seasonal:  # every account paces by days, so every group does: nothing to weigh (see blend)
        return {}
    rows = prepared.rows(
        "pacing.targets",
        lambda accounts, months: (
            TargetMonth.objects.filter(accounts, rep__isnull=True, month__in=months)
            .order_by()
            .values_list("distributor_id", "month", *MONEY_RATES.values())
        ),
        accounts=scope_q,
        months=months,
    )
    by_account: dict = {}
    for pk, month, *amounts in rows:
        weights = by_account.setdefault(pk, {name: {} for name in MONEY_RATES})
        for name, amount in zip(MONEY_RATES, amounts, strict=True):
            weights[name][month] = amount or Decimal(0)
    result = {}
    for pk, weights in by_account.items():
        pace = AccountPace(seasonal=pk in seasonal)
        for name, months_of in weights.items():
            pace.targets[name] = sum(
                (_in_period(Fraction(Decimal(amount)), month, start, end) for month, amount in months_of.items()),
                Fraction(0),
            )
            pace.expected[name] = expected_rate(
                start=start, end=end, today=today, month_weights=months_of if pk in seasonal else None
            )
        result[pk] = pace
    return result


def _in_period(amount: Fraction, month: date, start: date, end: date) -> Fraction:
    """The part of a month's target that falls in [start, end] (spread evenly over the month's days)."""
    last = month_end(month)
    days = (min(end, last) - max(start, month)).days + 1
    return amount * max(days, 0) / ((last - month).days + 1)


def blend(paces: Iterable[AccountPace | None], *, start: date, end: date, today: date) -> dict[str, Decimal | None]:
    """{rate name: expected rate} of a group of accounts (see the module docstring)."""
    days = expected_rate(start=start, end=end, today=today)
    result: dict[str, Decimal | None] = dict.fromkeys(DAY_RATES, days)
    paces = [p for p in paces if p is not None]
    if not any(p.seasonal for p in paces):
        # Accounts that all pace by days: their target-weighted mean is exactly days elapsed ÷ days.
        paces = []
    for name in MONEY_RATES:
        if days is None:
            result[name] = None
            continue
        weight = sum((p.targets.get(name, 0) for p in paces), Fraction(0))
        if weight <= 0:
            result[name] = days
            continue
        reached = sum((p.targets.get(name, 0) * Fraction(p.expected[name]) for p in paces), Fraction(0)) / weight
        result[name] = (Decimal(reached.numerator) / Decimal(reached.denominator)).quantize(
            PLACES, rounding=ROUND_HALF_UP
        )
    return result
