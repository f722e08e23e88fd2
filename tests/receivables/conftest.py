from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from receivables import services


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def day(today):
    """day(-10) is ten days ago, day(5) five days ahead."""
    return lambda offset: today + timedelta(days=offset)


@pytest.fixture
def money(org):
    """Finance's writes with short names, for building hand-computed cases."""

    def invoice(distributor, amount, issued, *, due=None, number=None, terms=None):
        invoice.n += 1
        return services.record_invoice(
            distributor=distributor,
            number=number or f"T-{invoice.n:04d}",
            issue_date=issued,
            due_date=due,
            payment_terms_days=terms,
            amount=amount,
            by=org.finance,
        )

    invoice.n = 0

    def pay(distributor, amount, paid_on, *, allocations=None, reference="", method="bank_transfer"):
        return services.record_payment(
            distributor=distributor,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reference=reference,
            allocations=allocations,
            by=org.finance,
        )

    def credit(distributor, amount, issued, *, invoice=None, number=None):
        credit.n += 1
        return services.record_credit_note(
            distributor=distributor,
            number=number or f"C-{credit.n:04d}",
            issue_date=issued,
            amount=amount,
            invoice=invoice,
            by=org.finance,
        )

    credit.n = 0
    return SimpleNamespace(invoice=invoice, pay=pay, credit=credit)


@pytest.fixture
def levels(db):
    """The default reminder levels (a transactional test's flush removes what the migration wrote)."""
    from receivables import defaults
    from receivables.models import ReminderLevel

    defaults.ensure()
    return {level.code: level for level in ReminderLevel.objects.all()}
