"""Overdue reminders: each level at most once per invoice under double runs, crashes and retries; paused by
promises, extensions and disputes; one message per account and recipient, in the recipient's language."""

from datetime import timedelta
from decimal import Decimal as D
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django_celery_beat.models import PeriodicTask

from receivables import reminders, services, tasks
from receivables.models import CollectionTask, Invoice, ReminderMessage, ReminderSent
from tests import factories as f


@pytest.fixture
def contact(cards):
    return f.ContactFactory(distributor=cards.a1, is_primary=True, email="boss@acme.example", name="王总")


def _sent(invoice):
    return sorted(ReminderSent.objects.filter(invoice=invoice).values_list("level__code", "outcome"))


def test_levels_fire_on_their_day_and_only_once(org, cards, money, day, levels, contact):
    invoice = money.invoice(cards.a1, D("500.00"), day(-27), terms=30)  # due in 3 days
    due = invoice.due_date

    def run(offset):
        return reminders.send_overdue_reminders(run_date=due + timedelta(days=offset))

    assert run(-4).claimed == 0
    first = run(-3)
    assert (first.claimed, first.messages) == (1, 1)
    assert mail.outbox[-1].to == ["boss@acme.example"] and "500.00" in mail.outbox[-1].body
    assert run(-3).claimed == 0 and run(-2).claimed == 0 and len(mail.outbox) == 1
    run(1)
    task = CollectionTask.objects.get()
    assert (task.assigned_to, task.distributor, task.amount, list(task.invoices.all())) == (
        org.rep_a1,
        cards.a1,
        D("500.00"),
        [invoice],
    )
    assert len(mail.outbox) == 1  # the rep's level is a task, not an e-mail
    run(30)
    assert mail.outbox[-1].to == [org.kam_a1.email]
    run(60)
    assert {m.to[0] for m in mail.outbox[-3:]} == {org.kam_a1.email, org.finance.email, org.finance_a.email}
    assert "STOP-SUPPLY" in mail.outbox[-1].body
    run(180)
    assert mail.outbox[-1].to == [org.rm_a.email]
    assert _sent(invoice) == [
        ("before_due", "sent"),
        ("overdue_1", "sent"),
        ("overdue_180", "sent"),
        ("overdue_30", "sent"),
        ("overdue_60", "sent"),
    ]
    count = len(mail.outbox)
    for offset in (180, 200, 400):
        run(offset)
    assert len(mail.outbox) == count


def test_a_late_start_sends_only_the_latest_level_and_skips_the_earlier_ones(org, cards, money, day, levels):
    invoice = money.invoice(cards.a1, D("10.00"), day(-100), terms=30)  # 70 days past due
    run = reminders.send_overdue_reminders(run_date=day(0))
    assert (run.claimed, run.skipped) == (1, 3)
    assert _sent(invoice) == [
        ("before_due", "skipped"),
        ("overdue_1", "skipped"),
        ("overdue_30", "skipped"),
        ("overdue_60", "sent"),
    ]


def test_a_paid_invoice_gets_no_reminder(org, cards, money, day, levels):
    invoice = money.invoice(cards.a1, D("10.00"), day(-100), terms=30)
    money.pay(cards.a1, D("10.00"), day(0))
    assert reminders.send_overdue_reminders(run_date=day(0)).claimed == 0
    assert not ReminderSent.objects.filter(invoice=invoice).exists()


def test_a_crash_half_way_through_the_claim_is_retried_without_duplicates(org, cards, money, day, levels):
    for i in range(3):
        money.invoice(cards.a1, D("10.00"), day(-95 - i), terms=30)  # 65+ days past due
    with mock.patch.object(reminders, "_act", side_effect=RuntimeError("worker killed")), pytest.raises(RuntimeError):
        reminders.send_overdue_reminders(run_date=day(0))
    assert not ReminderSent.objects.exists() and not ReminderMessage.objects.exists()  # all rolled back
    retry = reminders.send_overdue_reminders(run_date=day(0))
    assert retry.claimed == 3 and ReminderSent.objects.filter(outcome="sent").count() == 3
    assert reminders.send_overdue_reminders(run_date=day(0)).claimed == 0
    # One message per recipient for the account, whatever the number of invoices.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([org.kam_a1.email, org.finance.email, org.finance_a.email])


def test_an_e_mail_that_failed_is_retried_and_one_being_sent_is_never_sent_again(org, cards, money, day, levels):
    money.invoice(cards.a1, D("10.00"), day(-61), terms=30)  # 31 days past due: KAM
    real_send = EmailMessage.send
    with mock.patch.object(EmailMessage, "send", side_effect=ConnectionRefusedError("SMTP down")):
        run = reminders.send_overdue_reminders(run_date=day(0))
    assert (run.claimed, run.sent, run.failed) == (1, 0, 1)
    message = ReminderMessage.objects.get()
    assert (message.status, message.attempts) == ("pending", 1) and "SMTP down" in message.error
    with mock.patch.object(EmailMessage, "send", autospec=True, side_effect=real_send):
        tasks.deliver_reminder_messages.delay()
        tasks.deliver_reminder_messages.delay()
    assert len(mail.outbox) == 1 and ReminderMessage.objects.get().status == "sent"
    # A message a worker is sending right now ("sending", claimed just now) is left alone by the next run;
    # only the sweeper sends it again, after REMINDER_STUCK_AFTER_MINUTES (test_reminder_sweeper.py).
    money.invoice(cards.a2, D("10.00"), day(-61), terms=30)
    with mock.patch.object(reminders, "deliver_pending_messages", return_value=(0, 0)):
        reminders.send_overdue_reminders(run_date=day(0))
    ReminderMessage.objects.filter(status="pending").update(status="sending")
    tasks.send_overdue_reminders.delay(day(0).isoformat())
    assert len(mail.outbox) == 1


def test_a_promise_an_extension_or_an_open_dispute_pauses_the_reminders(org, cards, money, day, levels):
    promised = money.invoice(cards.a1, D("10.00"), day(-40), terms=30)
    disputed = money.invoice(cards.a1, D("10.00"), day(-40), terms=30)
    whole_account = money.invoice(cards.a2, D("10.00"), day(-40), terms=30)
    services.log_collection_activity(
        distributor=cards.a1,
        invoice=promised,
        kind="promise",
        promised_on=day(5),
        promised_amount=D("10"),
        by=org.finance,
    )
    dispute = services.log_collection_activity(
        distributor=cards.a1, invoice=disputed, kind="dispute", dispute_reason="Wrong price", by=org.rep_a1
    )
    services.log_collection_activity(distributor=cards.a2, kind="extension", extended_to=day(3), by=org.finance)
    run = reminders.send_overdue_reminders(run_date=day(0))
    assert (run.claimed, run.paused) == (0, 3)
    services.resolve_dispute(activity=dispute, resolution="Price confirmed", by=org.finance)
    assert reminders.send_overdue_reminders(run_date=day(0)).claimed == 1
    assert reminders.send_overdue_reminders(run_date=day(4)).claimed == 1  # the extension is over
    assert reminders.send_overdue_reminders(run_date=day(6)).claimed == 1  # the promised date passed unpaid
    assert {i.pk for i in Invoice.objects.filter(reminders__outcome="sent")} == {
        promised.pk,
        disputed.pk,
        whole_account.pk,
    }


def test_one_message_per_account_lists_every_overdue_invoice_in_the_recipients_language(
    org, cards, money, day, levels, contact
):
    org.kam_a1.language = "zh-hans"
    org.kam_a1.save()
    org.rep_a1.language = "zh-hans"  # the contact is written to in the owner's language
    org.rep_a1.save()
    a = money.invoice(cards.a1, D("100.00"), day(-62), terms=30, number="ACME-1")  # 32 days past due
    b = money.invoice(cards.a1, D("200.00"), day(-61), terms=30, number="ACME-2")  # 31
    c = money.invoice(cards.a1, D("300.00"), day(-40), terms=30, number="ACME-3")  # 10
    money.invoice(cards.a1, D("400.00"), day(-25), terms=30, number="ACME-4")  # due in 5 days
    ReminderSent.objects.bulk_create(
        ReminderSent(invoice=c, level=levels[code], run_date=day(-1), claim="x") for code in ("before_due", "overdue_1")
    )
    reminders.send_overdue_reminders(run_date=day(0))
    kam_mail = [m for m in mail.outbox if m.to == [org.kam_a1.email]]
    assert len(kam_mail) == 1
    for number in ("ACME-1", "ACME-2", "ACME-3"):
        assert number in kam_mail[0].body
    assert "ACME-4" not in kam_mail[0].body
    message = ReminderMessage.objects.get(recipient_email=org.kam_a1.email)
    assert message.language == "zh-hans"
    assert {r.invoice_id for r in message.reminders.all()} == {a.pk, b.pk}
    # Every reminder sent is visible on the invoice, with its messages.
    assert [m.recipient_email for r in a.reminders.filter(outcome="sent") for m in r.messages.all()] == [
        org.kam_a1.email
    ]


def test_the_contacts_reminder_is_in_the_chosen_language(org, cards, money, day, levels, contact):
    org.rep_a1.language = "zh-hans"
    org.rep_a1.save()
    money.invoice(cards.a1, D("100.00"), day(-27), terms=30)
    reminders.send_overdue_reminders(run_date=day(0))
    assert mail.outbox[0].to == ["boss@acme.example"]
    assert "KAM 客户管理" in mail.outbox[0].subject


def test_fresh_install_schedules_the_daily_run(migration_data):
    task = PeriodicTask.objects.get(task="receivables.tasks.send_overdue_reminders")
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("7", "0", "Asia/Shanghai")
    assert PeriodicTask.objects.filter(task="receivables.tasks.refresh_doubtful").exists()


def test_the_card_warns_to_stop_supply_and_the_rep_sees_the_collection_task(
    org, cards, money, day, levels, contact, client_for
):
    invoice = money.invoice(cards.a1, D("800.00"), day(-100), terms=30)  # 70 days overdue today
    reminders.send_overdue_reminders(run_date=invoice.due_date + timedelta(days=1))
    rep_day = client_for(org.rep_a1).get("/reports/day/").content.decode()
    assert 'id="collection-tasks"' in rep_day and "800.00" in rep_day
    # The stop-supply warning is the credit rule's (more than 60 days past due), not a reminder having gone out.
    assert 'id="credit-banner"' in client_for(org.kam_a1).get(f"/distributors/{cards.a1.pk}/").content.decode()
    assert (
        'id="credit-banner"' not in client_for(org.kam_a1).get(f"/distributors/{cards.a1_second.pk}/").content.decode()
    )
