"""Factories for the reports app's "135" cycle and strategy tests (the shared ones are in tests/factories.py)."""

from datetime import datetime, time

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tests import factories as f


class ServiceStrategyFactory(DjangoModelFactory):
    class Meta:
        model = "reports.ServiceStrategy"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n:03d}")
    name = factory.Sequence(lambda n: f"Strategy {n}")
    description = "Standard action."


class VisitFactory(DjangoModelFactory):
    """A visit on ``visit_date`` (default today) at 10:00 local time, by the account's owner."""

    class Meta:
        model = "reports.Visit"
        skip_postgeneration_save = True

    distributor = factory.SubFactory(f.DistributorFactory)
    rep = factory.LazyAttribute(lambda v: v.distributor.owner)
    visit_date = factory.LazyFunction(timezone.localdate)
    started_at = factory.LazyAttribute(
        lambda v: timezone.make_aware(datetime.combine(v.visit_date, time(10, 0)), timezone.get_current_timezone())
    )

    @factory.post_generation
    def strategies(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.strategies.set(extracted)
