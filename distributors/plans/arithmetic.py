"""The arithmetic of distributor plans: targets, quarters and months, and splits that always add up.

Everything here is pure (no database): a quarter's targets are spread over its three months, and a
month's targets over the reps, with :func:`largest_remainder` — each part gets the floor of its exact
share in whole units (cents for money, units for counts), and the units left over go to the parts with
the largest remainders (ties: the earlier part). The parts therefore add up to the total exactly, and no
part is more than one unit away from its exact share.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import floor

# Target name -> decimal places: money to the cent, volume and outlets in whole units.
TARGET_PLACES: dict[str, int] = {
    "volume": 0,
    "sales_amount": 2,
    "gross_profit": 2,
    "collection_amount": 2,
    "outlet_coverage": 0,
    "new_outlets": 0,
}
TARGET_FIELDS: tuple[str, ...] = tuple(TARGET_PLACES)
# Targets that are a level to reach by a month's end, not a flow summed over months: a quarter's is its last
# month's, and each month of an evenly spread quarter gets the quarter's value.
LEVEL_TARGETS: tuple[str, ...] = ("outlet_coverage",)
MONEY_TARGETS = tuple(name for name, places in TARGET_PLACES.items() if places)


class SplitError(ValueError):
    """A total that cannot be split: not whole units, or weights that are negative or all zero."""


Number = int | Decimal


def largest_remainder(total: Number, weights: Sequence[Number | Fraction], *, places: int) -> list[Number]:
    """Split ``total`` into ``len(weights)`` parts in proportion to ``weights``, in units of ``10**-places``.

    The parts add up to ``total`` exactly. ``places=0`` gives ints, otherwise Decimals with ``places``
    decimals. Raises SplitError when ``total`` has more decimals than ``places`` or the weights are
    negative or all zero.
    """
    if not weights:
        raise SplitError("nothing to split into")
    weights = [Fraction(w) for w in weights]
    if any(w < 0 for w in weights):
        raise SplitError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise SplitError("weights must not all be zero")
    units = Fraction(Decimal(total)) * 10**places
    if units.denominator != 1:
        raise SplitError(f"{total} has more than {places} decimal places")
    sign = -1 if units < 0 else 1
    units = abs(int(units))
    exact = [units * w / weight_sum for w in weights]
    parts = [floor(e) for e in exact]
    left_over = units - sum(parts)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left_over]:
        parts[i] += 1
    if places == 0:
        return [sign * p for p in parts]
    return [Decimal(sign * p).scaleb(-places) for p in parts]


@dataclass(frozen=True)
class Targets:
    """The six targets of a plan, a month or a rep's split."""

    volume: int = 0
    sales_amount: Decimal = Decimal("0.00")
    gross_profit: Decimal = Decimal("0.00")
    collection_amount: Decimal = Decimal("0.00")
    outlet_coverage: int = 0
    new_outlets: int = 0

    @classmethod
    def of(cls, obj) -> "Targets":
        """The targets of a model instance (or anything with the six attributes), or of a dict."""
        get = obj.get if isinstance(obj, dict) else lambda name, default=None: getattr(obj, name, default)
        values = {}
        for name, places in TARGET_PLACES.items():
            value = get(name, None)
            values[name] = (0 if places == 0 else Decimal("0.00")) if value is None else value
        return cls(**values)

    @classmethod
    def total(cls, items: Iterable["Targets"]) -> "Targets":
        result = cls()
        for item in items:
            result = result + item
        return result

    def __add__(self, other: "Targets") -> "Targets":
        return replace(self, **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def as_dict(self) -> dict[str, Number]:
        return {name: getattr(self, name) for name in TARGET_FIELDS}

    def apply_to(self, obj) -> None:
        for name in TARGET_FIELDS:
            setattr(obj, name, getattr(self, name))

    def errors(self) -> dict[str, str]:
        """Problems with single values: negative, or finer than a cent / a unit. Empty when all are fine."""
        problems = {}
        for name, places in TARGET_PLACES.items():
            value = getattr(self, name)
            if value < 0:
                problems[name] = "negative"
            elif Fraction(Decimal(value)) * 10**places != int(Fraction(Decimal(value)) * 10**places):
                problems[name] = "precision"
        return problems


def split_targets(targets: Targets, weights: Sequence[Number | Fraction]) -> list[Targets]:
    """``targets`` spread over ``len(weights)`` parts in proportion to ``weights``; every target adds up exactly."""
    columns = {name: largest_remainder(getattr(targets, name), weights, places=p) for name, p in TARGET_PLACES.items()}
    return [Targets(**{name: columns[name][i] for name in TARGET_FIELDS}) for i in range(len(weights))]


def over_months(months: Sequence[Targets]) -> Targets:
    """A period's targets from its months in order: flows add up, levels (outlet coverage) are the last month's."""
    months = list(months)
    total = Targets.total(months)
    if not months:
        return total
    return replace(total, **{name: getattr(months[-1], name) for name in LEVEL_TARGETS})


def mismatches(total: Targets, parts: Iterable[Targets]) -> dict[str, tuple[Number, Number]]:
    """Targets whose parts do not add up to the total: {name: (sum of parts, total)}."""
    added = Targets.total(parts)
    return {
        name: (getattr(added, name), getattr(total, name))
        for name in TARGET_FIELDS
        if getattr(added, name) != getattr(total, name)
    }


# --- Quarters and months ----------------------------------------------------------------------------------


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter) of ``day``."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_months(year: int, quarter: int) -> list[date]:
    """The first days of the three months of the quarter."""
    first = 3 * (quarter - 1) + 1
    return [date(year, first + i, 1) for i in range(3)]


def month_end(month: date) -> date:
    nxt = date(month.year + 1, 1, 1) if month.month == 12 else date(month.year, month.month + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    """First and last day of the quarter."""
    months = quarter_months(year, quarter)
    return months[0], month_end(months[-1])


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


class PlannedPart:
    """Sales and gross profit split into the part of accounts with an approved plan for the month (``planned_*``,
    what completion rates compare with targets) and the rest: the one definition of "unplanned" for the plans
    page's actuals and the dashboards' figures."""

    sales_amount: Decimal
    gross_profit: Decimal
    planned_sales_amount: Decimal
    planned_gross_profit: Decimal

    @property
    def unplanned_sales_amount(self) -> Decimal:
        return self.sales_amount - self.planned_sales_amount

    @property
    def unplanned_gross_profit(self) -> Decimal:
        return self.gross_profit - self.planned_gross_profit


def rate(actual: Number | None, target: Number | None) -> Decimal | None:
    """A completion rate, ``actual / target`` to 4 places (halves up); None when there is no target to measure
    against. Every rate of the app (plans, dashboards, collection rate) is this one."""
    if actual is None or not target:
        return None
    return (Decimal(actual) / Decimal(target)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def expected_rate(*, start: date, end: date, today: date, month_weights: dict[date, Number] | None = None):
    """The completion rate a scope should have reached by ``today`` in the period [start, end] (pacing).

    ``today`` counts as elapsed (inclusive): on the first day of a 30-day month the expected rate is 1/30, on its
    last day 1. Without ``month_weights`` it is days elapsed ÷ days in the period. With ``month_weights``
    ({first day of a month: that month's target, e.g. a seasonal profile's share}) it is the part of the
    period's target that falls on the days up to ``today`` ÷ the period's target, each month's target spread
    evenly over its days — the plan's own cumulative curve. Weights that add up to nothing in the period fall
    back to days. None for a period that is closed (``today`` after its end) or has not started yet.
    4 places, halves up, like :func:`rate`.
    """
    if today < start or today > end:
        return None
    elapsed, whole = Fraction((today - start).days + 1), Fraction((end - start).days + 1)
    if month_weights:
        done = planned = Fraction(0)
        for month, weight in month_weights.items():
            first, last = max(start, month), min(end, month_end(month))
            if first > last or not weight:
                continue
            per_day = Fraction(Decimal(weight)) / ((month_end(month) - month).days + 1)
            planned += per_day * ((last - first).days + 1)
            if today >= first:
                done += per_day * ((min(today, last) - first).days + 1)
        if planned > 0:
            elapsed, whole = done, planned
    share = elapsed / whole
    return (Decimal(share.numerator) / Decimal(share.denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def pace(actual_rate: Decimal | None, expected: Decimal | None) -> str | None:
    """ "ahead" when a running period's rate is at or above its expected rate, "behind" below it; None when either
    is missing (closed or future period, no target)."""
    if actual_rate is None or expected is None:
        return None
    return "ahead" if actual_rate >= expected else "behind"
