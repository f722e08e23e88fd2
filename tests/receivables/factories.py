"""Receivables factories: they go through the services, so open amounts and allocations stay consistent."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from receivables import services
from receivables.models import CreditNote, Invoice, Payment
from tests import factories as f


def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    number = factory.Sequence(lambda n: f"INV-{n:05d}")
    distributor = factory.SubFactory(f.DistributorFactory)
    issue_date = factory.LazyFunction(lambda: days_ago(40))
    amount = Decimal("1000.00")

    @classmethod
    def _create(cls, model_class, *args, by=None, **kwargs):
        return services.record_invoice(by=by or f.FinanceFactory(), **kwargs)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    distributor = factory.SubFactory(f.DistributorFactory)
    paid_on = factory.LazyFunction(lambda: days_ago(1))
    amount = Decimal("100.00")
    method = "bank_transfer"

    @classmethod
    def _create(cls, model_class, *args, by=None, **kwargs):
        return services.record_payment(by=by or f.FinanceFactory(), **kwargs)


class CreditNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditNote

    number = factory.Sequence(lambda n: f"CN-{n:05d}")
    distributor = factory.SubFactory(f.DistributorFactory)
    issue_date = factory.LazyFunction(lambda: days_ago(1))
    amount = Decimal("50.00")

    @classmethod
    def _create(cls, model_class, *args, by=None, **kwargs):
        return services.record_credit_note(by=by or f.FinanceFactory(), **kwargs)
