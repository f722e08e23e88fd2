"""The distribution arithmetic: a quarter over its months and a month over its reps always adds up exactly."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from distributors.models import SeasonalProfile
from distributors.plans.arithmetic import (
    TARGET_FIELDS,
    SplitError,
    Targets,
    largest_remainder,
    mismatches,
    over_months,
    quarter_bounds,
    quarter_months,
    quarter_of,
    rate,
    split_targets,
)
from distributors.plans.models import Distribution, SplitMethod
from distributors.plans.services import SplitInput, monthly_targets, rep_targets
from tests.plans.factories import SEASON

money = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False)
units = st.integers(min_value=0, max_value=2_000_000_000)
weights = st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12).filter(any)
percentages = st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=1, max_size=8)


@given(total=money, weights=weights)
def test_money_parts_add_up_to_the_cent_and_stay_within_a_cent_of_the_exact_share(total, weights):
    parts = largest_remainder(total, weights, places=2)
    assert sum(parts) == total
    assert all(p.as_tuple().exponent == -2 for p in parts)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total) * weight / sum(weights)
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
        if weight == 0:
            assert part == 0


@given(total=units, weights=weights)
def test_unit_parts_are_whole_numbers_that_add_up(total, weights):
    parts = largest_remainder(total, weights, places=0)
    assert sum(parts) == total and all(isinstance(p, int) for p in parts)
    assert all(abs(p - Fraction(total * w, sum(weights))) < 1 for p, w in zip(parts, weights, strict=True))


@given(total=money)
def test_an_even_split_differs_by_at_most_a_cent_and_gives_the_extra_cents_to_the_first_months(total):
    parts = largest_remainder(total, [1, 1, 1], places=2)
    assert sum(parts) == total
    assert max(parts) - min(parts) <= Decimal("0.01")
    assert parts == sorted(parts, reverse=True)


def test_worked_examples():
    assert largest_remainder(Decimal("100.00"), [1, 1, 1], places=2) == [
        Decimal("33.34"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    assert largest_remainder(Decimal("0.02"), [1, 1, 1], places=2) == [Decimal("0.01"), Decimal("0.01"), Decimal("0")]
    assert largest_remainder(10, [1, 1, 1], places=0) == [4, 3, 3]
    # 12 / 4 / 8 % of the year: the quarter's months weigh 12 : 4 : 8.
    assert largest_remainder(Decimal("1000.00"), [12, 4, 8], places=2) == [
        Decimal("500.00"),
        Decimal("166.67"),
        Decimal("333.33"),
    ]
    assert largest_remainder(Decimal("-10.00"), [1, 2], places=2) == [Decimal("-3.33"), Decimal("-6.67")]


@pytest.mark.parametrize(
    ("total", "weights", "places"),
    [(Decimal("1.005"), [1, 1], 2), (Decimal("1.5"), [1], 0), (10, [0, 0], 0), (10, [1, -1], 0), (10, [], 0)],
)
def test_what_cannot_be_split_is_refused(total, weights, places):
    with pytest.raises(SplitError):
        largest_remainder(total, weights, places=places)


targets_strategy = st.builds(
    Targets,
    volume=units,
    sales_amount=money,
    gross_profit=money,
    collection_amount=money,
    outlet_coverage=st.integers(min_value=0, max_value=100_000),
    new_outlets=st.integers(min_value=0, max_value=10_000),
)


@given(targets=targets_strategy, weights=weights)
def test_every_target_adds_up(targets, weights):
    parts = split_targets(targets, weights)
    assert len(parts) == len(weights)
    assert mismatches(targets, parts) == {}
    assert Targets.total(parts) == targets


@given(targets=targets_strategy, quarter=st.integers(1, 4), profile_months=st.lists(money, min_size=12, max_size=12))
@settings(max_examples=60)
def test_a_quarter_spread_evenly_or_by_any_profile_adds_up(targets, quarter, profile_months):
    even = monthly_targets(targets=targets, quarter=quarter, distribution=Distribution.EVEN)
    assert over_months(even) == targets  # flows add up; outlet coverage is a level: every month the quarter's
    assert {m.outlet_coverage for m in even} == {targets.outlet_coverage}
    profile = SeasonalProfile(name="p", **dict(zip(SeasonalProfile.MONTHS, profile_months, strict=True)))
    if any(profile.weights_for_quarter(quarter)):
        seasonal = monthly_targets(
            targets=targets, quarter=quarter, distribution=Distribution.PROFILE, seasonal_profile=profile
        )
        assert over_months(seasonal) == targets
        assert {m.outlet_coverage for m in seasonal} == {targets.outlet_coverage}
    else:
        with pytest.raises(ValidationError) as caught:
            monthly_targets(
                targets=targets, quarter=quarter, distribution=Distribution.PROFILE, seasonal_profile=profile
            )
        assert "seasonal_profile" in caught.value.message_dict


def test_the_seasonal_profile_weighs_the_quarters_months():
    profile = SeasonalProfile(name="Spring festival", **{m: Decimal(v) for m, v in SEASON.items()})
    months = monthly_targets(
        targets=Targets(sales_amount=Decimal("240000.00"), volume=2400),
        quarter=1,
        distribution=Distribution.PROFILE,
        seasonal_profile=profile,
    )
    # January 12 %, February 4 %, March 8 % of the year -> 1/2, 1/6, 1/3 of the quarter.
    assert [m.sales_amount for m in months] == [Decimal("120000.00"), Decimal("40000.00"), Decimal("80000.00")]
    assert [m.volume for m in months] == [1200, 400, 800]


def test_months_by_hand_must_add_up_to_the_quarter_to_the_cent():
    quarter = Targets(sales_amount=Decimal("300.00"), volume=30)
    good = [Targets(sales_amount=Decimal("100.00"), volume=10)] * 3
    assert monthly_targets(targets=quarter, quarter=1, distribution=Distribution.MANUAL, months=good) == good
    off_by_a_cent = [*good[:2], Targets(sales_amount=Decimal("99.99"), volume=10)]
    with pytest.raises(ValidationError) as caught:
        monthly_targets(targets=quarter, quarter=1, distribution=Distribution.MANUAL, months=off_by_a_cent)
    assert "299.99" in str(caught.value.message_dict["monthly_plans"])
    off_by_a_unit = [*good[:2], Targets(sales_amount=Decimal("100.00"), volume=11)]
    with pytest.raises(ValidationError):
        monthly_targets(targets=quarter, quarter=1, distribution=Distribution.MANUAL, months=off_by_a_unit)
    with pytest.raises(ValidationError):
        monthly_targets(targets=quarter, quarter=1, distribution=Distribution.MANUAL, months=good[:2])


class _Rep:
    def __init__(self, pk):
        self.pk = pk
        self.display_name = f"rep {pk}"


@given(month=targets_strategy, shares=percentages)
def test_a_split_by_percentage_adds_up_when_the_shares_make_100(month, shares):
    reps = [_Rep(i) for i in range(len(shares))]
    splits = [SplitInput(rep=r, share_pct=s) for r, s in zip(reps, shares, strict=True)]
    kwargs = {"month": month, "split_method": SplitMethod.PERCENTAGE, "allowed_reps": {r.pk for r in reps}}
    if sum(shares) == 100:
        rows = rep_targets(splits=splits, month_label="m", **kwargs)
        assert Targets.total(t for _rep, _share, t in rows) == month
    else:
        with pytest.raises(ValidationError) as caught:
            rep_targets(splits=splits, month_label="m", **kwargs)
        assert "rep_splits" in caught.value.message_dict


@given(
    month=targets_strategy, cut=st.lists(st.integers(1, 1000), min_size=1, max_size=5), extra=st.sampled_from([0, 1])
)
@settings(max_examples=60)
def test_a_split_by_amount_must_add_up_exactly(month, cut, extra):
    reps = [_Rep(i) for i in range(len(cut))]
    parts = split_targets(month, cut)
    if extra:  # one unit or cent too many for the first rep
        first = parts[0]
        parts[0] = Targets(**{**first.as_dict(), "volume": first.volume + 1})
    splits = [SplitInput(rep=r, targets=t) for r, t in zip(reps, parts, strict=True)]
    kwargs = {"month": month, "split_method": SplitMethod.AMOUNT, "allowed_reps": {r.pk for r in reps}}
    if extra:
        with pytest.raises(ValidationError):
            rep_targets(splits=splits, month_label="m", **kwargs)
    else:
        rows = rep_targets(splits=splits, month_label="m", **kwargs)
        assert [t for _r, _s, t in rows] == parts


def test_a_rep_outside_the_team_or_listed_twice_is_refused():
    rep, outsider = _Rep(1), _Rep(2)
    month = Targets(sales_amount=Decimal("10.00"))
    for splits in (
        [SplitInput(rep=outsider, share_pct=Decimal("100"))],
        [SplitInput(rep=rep, share_pct=Decimal("50")), SplitInput(rep=rep, share_pct=Decimal("50"))],
        [],
    ):
        with pytest.raises(ValidationError):
            rep_targets(
                month=month, split_method=SplitMethod.PERCENTAGE, splits=splits, allowed_reps={1}, month_label="m"
            )


def test_quarters_and_rates():
    assert quarter_of(date(2027, 3, 31)) == (2027, 1) and quarter_of(date(2027, 10, 1)) == (2027, 4)
    assert quarter_months(2027, 4) == [date(2027, 10, 1), date(2027, 11, 1), date(2027, 12, 1)]
    assert quarter_bounds(2028, 1) == (date(2028, 1, 1), date(2028, 3, 31))
    assert rate(Decimal("87.5"), Decimal("100")) == Decimal("0.8750")
    assert rate(Decimal("5"), 0) is None
    assert set(TARGET_FIELDS) == set(Targets.__dataclass_fields__)
