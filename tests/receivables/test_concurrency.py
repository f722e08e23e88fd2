"""Two payments on the same invoice at the same moment, on two real PostgreSQL connections: never over-allocated.

SQLite has one writer at a time and no row locks, so these run on PostgreSQL only (CI sets DATABASE_URL).
"""

import threading
import time
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum

from accounts.models import Notification
from receivables import reminders
from receivables.models import Allocation, CollectionTask, Invoice, ReminderMessage, ReminderSent
from tests.receivables.threads import in_thread

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and parallel connections"),
]


def test_a_payment_waits_for_the_other_and_sees_what_is_left(org, cards, money, day):
    invoice = money.invoice(cards.a1, D("100.00"), day(-30))
    holding, release = threading.Event(), threading.Event()
    results = {}

    def first():
        with transaction.atomic():
            payment = money.pay(cards.a1, D("60.00"), day(0), allocations=[(invoice, D("60.00"))])
            holding.set()
            release.wait(10)  # keep the invoice row locked while the second payment arrives
        return payment

    def second():
        holding.wait(10)
        started = time.monotonic()
        try:
            return money.pay(cards.a1, D("60.00"), day(0), allocations=[(invoice, D("60.00"))])
        finally:
            results["waited"] = time.monotonic() - started

    threads = [in_thread(first, results, "first"), in_thread(second, results, "second")]
    holding.wait(10)
    time.sleep(0.5)
    release.set()
    for thread in threads:
        thread.join(20)
    assert not isinstance(results["first"], Exception), results["first"]
    assert isinstance(results["second"], ValidationError), results["second"]
    assert "has 40.00 open" in str(results["second"])
    assert results["waited"] >= 0.4  # it really waited for the lock
    invoice.refresh_from_db()
    assert invoice.open_amount == D("40.00")
    assert Allocation.objects.filter(invoice=invoice).aggregate(s=Sum("amount"))["s"] == D("60.00")


def test_many_parallel_oldest_first_payments_allocate_exactly_what_is_open(org, cards, money, day):
    invoices = [money.invoice(cards.a1, D("100.00"), day(-30 + i)) for i in range(3)]
    start = threading.Barrier(6)
    results = {}

    def pay(i):
        def run():
            start.wait(10)
            return money.pay(cards.a1, D("70.01"), day(0), reference=f"P{i}")

        return run

    threads = [in_thread(pay(i), results, i) for i in range(6)]
    for thread in threads:
        thread.join(30)
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    allocated = Allocation.objects.aggregate(s=Sum("amount"))["s"]
    assert allocated == D("300.00")  # 6 × 70.01 = 420.06 received, only 300.00 owed
    assert all(inv.open_amount == 0 for inv in Invoice.objects.filter(pk__in=[i.pk for i in invoices]))
    assert sum(p.unallocated_amount for p in results.values()) == D("120.06")


def test_two_workers_running_the_reminders_at_once_send_each_level_once(org, cards, money, day, levels):
    for i in range(20):
        money.invoice(cards.a1 if i % 2 else cards.a2, D("10.00"), day(-31 - 2 * i), terms=30)
    start = threading.Barrier(2)
    results = {}

    def run():
        start.wait(10)
        return reminders.send_overdue_reminders(run_date=day(0))

    threads = [in_thread(run, results, k) for k in ("a", "b")]
    for thread in threads:
        thread.join(60)
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    assert results["a"].claimed + results["b"].claimed == 20
    assert ReminderSent.objects.filter(outcome="sent").count() == 20
    # One "visit to collect" task and one KAM alert (level 30) per account, whoever claimed what.
    assert CollectionTask.objects.count() == 2
    assert ReminderMessage.objects.filter(status="sent").count() == 2
    # The KAM alerts, and each owner's "task assigned" notification e-mailed once (issue 15).
    assert Notification.objects.filter(kind="task_assigned").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [org.kam_a1.email, org.kam_a2.email, cards.a1.owner.email, cards.a2.owner.email]
    )
