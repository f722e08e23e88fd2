"""Scheduled statements: generated and e-mailed by Celery once per account and period, within the scope of the
finance user who set them up; the statement lines and balances."""

from datetime import date, timedelta
from decimal import Decimal as D

from django.core import mail

from receivables import statements, tasks
from receivables.models import StatementSchedule, StatementSent
from tests import factories as f


def _schedule(org, **fields):
    schedule = StatementSchedule.objects.create(name="Monthly", frequency="monthly", day=3, created_by=org.finance_a)
    for name, values in fields.items():
        getattr(schedule, name).set(values)
    return schedule


def test_a_monthly_schedule_sends_last_months_statement_once(org, cards, money, day):
    today = day(0)
    last_month_end = today.replace(day=1) - timedelta(days=1)
    money.invoice(cards.a1, D("800.00"), last_month_end - timedelta(days=3), number="M-1")
    money.invoice(cards.a2, D("50.00"), last_month_end - timedelta(days=3), number="M-2")
    money.invoice(cards.b1, D("70.00"), last_month_end - timedelta(days=3), number="M-3")
    for card in (cards.a1, cards.a2, cards.b1, cards.a1b):
        f.ContactFactory(distributor=card, is_primary=True, email=f"ap-{card.code}@example.com")
    _schedule(org, regions=[org.region_a, org.region_b])
    run_on = date(today.year, today.month, 3)
    assert statements.run_schedules(on=run_on - timedelta(days=1)) == 0  # not its day
    tasks.send_scheduled_statements.delay(run_on.isoformat())
    # Region-A finance set it up: region B's account gets nothing; an account with nothing to report neither.
    assert sorted(m.to[0] for m in mail.outbox) == ["ap-A1-001@example.com", "ap-A2-001@example.com"]
    message = next(m for m in mail.outbox if m.to == ["ap-A1-001@example.com"])
    assert message.attachments[0][2] == "application/pdf"
    assert "800.00" in message.body and "1–30" in message.body
    tasks.send_scheduled_statements.delay(run_on.isoformat())
    assert len(mail.outbox) == 2
    sent = StatementSent.objects.get(distributor=cards.a1)
    assert (sent.period_start, sent.period_end, sent.status) == (last_month_end.replace(day=1), last_month_end, "sent")


def test_weekly_period_and_lines(org, cards, money, day):
    schedule = StatementSchedule(name="Weekly", frequency="weekly", day=1, created_by=org.finance)
    monday = date(2026, 11, 23)
    assert statements.period_for(schedule, monday) == (date(2026, 11, 16), date(2026, 11, 22))
    assert statements.period_for(schedule, monday + timedelta(days=1)) is None
    invoice = money.invoice(cards.a1, D("300.00"), day(-10), number="L-1")
    payment = money.pay(cards.a1, D("100.00"), day(-5), reference="L-PAY")
    money.credit(cards.a1, D("20.00"), day(-4), invoice=invoice, number="L-CN")
    from receivables import services

    services.reverse_payment(payment=payment, reason="bounced", reversed_on=day(-2), by=org.finance)
    data = statements.statement(distributor=cards.a1, start=day(-10), end=day(0))
    assert [(line.kind, line.debit, line.credit, line.balance) for line in data.lines] == [
        ("invoice", D("300.00"), D("0"), D("300.00")),
        ("payment", D("0"), D("100.00"), D("200.00")),
        ("credit_note", D("0"), D("20.00"), D("180.00")),
        ("reversal", D("100.00"), D("0"), D("280.00")),
    ]
    assert data.closing_balance == data.aging.totals["total"] + data.aging.totals["unapplied"] == D("280.00")
