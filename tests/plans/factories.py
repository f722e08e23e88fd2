"""Factories for plans. Plans are made through the services, so every test plan obeys the rules."""

from datetime import date
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from distributors.models import AccountPlan, ActionItem, Objective, SeasonalProfile
from distributors.plans import services
from distributors.plans.arithmetic import Targets

# A year with a busy spring festival and year end; the months add up to 100 %.
SEASON = {
    "jan": "12.00", "feb": "4.00", "mar": "8.00", "apr": "7.00", "may": "7.50", "jun": "8.50",
    "jul": "6.00", "aug": "6.00", "sep": "9.00", "oct": "9.00", "nov": "10.00", "dec": "13.00",
}  # fmt: skip


class SeasonalProfileFactory(DjangoModelFactory):
    class Meta:
        model = SeasonalProfile
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Season {n}")
    jan, feb, mar, apr, may, jun, jul, aug, sep, oct, nov, dec = (Decimal(SEASON[m]) for m in SeasonalProfile.MONTHS)


def targets(**overrides) -> Targets:
    values = {
        "volume": 3000,
        "sales_amount": Decimal("300000.00"),
        "gross_profit": Decimal("60000.00"),
        "collection_amount": Decimal("280000.00"),
        "outlet_coverage": 120,
        "new_outlets": 9,
    }
    values.update(overrides)
    return Targets(**values)


def make_plan(*, by, distributor, year=2027, quarter=1, **kwargs):
    """A draft plan through ``plan_services.draft_plan`` (evenly spread, all to the owner unless told)."""
    kwargs.setdefault("targets", targets())
    content = services.PlanContent(**kwargs)
    return services.draft_plan(by=by, distributor=distributor, year=year, quarter=quarter, content=content)


def approved_plan(*, kam, manager, distributor, **kwargs):
    plan = make_plan(by=kam, distributor=distributor, **kwargs)
    services.submit_plan(plan=plan, by=kam)
    return services.approve_plan(plan=plan, by=manager)


class AccountPlanFactory(DjangoModelFactory):
    class Meta:
        model = AccountPlan

    year = 2027
    vision = "成为区域第一的合作伙伴 — the first partner in the region"
    created_by = factory.LazyAttribute(lambda o: o.distributor.owner)


class ObjectiveFactory(DjangoModelFactory):
    class Meta:
        model = Objective

    statement = "Grow sales of Xianyue drinks"
    measure = "sales amount"
    target_value = Decimal("500000.00")
    due_on = factory.LazyAttribute(lambda o: date(o.account_plan.year, 12, 31))


class ActionItemFactory(DjangoModelFactory):
    class Meta:
        model = ActionItem

    task = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.LazyAttribute(lambda o: o.account_plan.distributor.owner)
    created_by = factory.LazyAttribute(lambda o: o.account_plan.created_by)
    due_on = factory.LazyAttribute(lambda o: date(o.account_plan.year, 6, 30))
