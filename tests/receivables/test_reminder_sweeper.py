"""A reminder e-mail whose process died mid-send (left "sending") is sent again by the sweeper, exactly once."""

import threading
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receivables import reminders, tasks
from receivables.models import ReminderMessage, ReminderSent


def _died_mid_send(*, minutes_ago: float, attempts: int = 1) -> ReminderMessage:
    """The state a SIGKILL during the SMTP call leaves: claimed ("sending"), never marked sent."""
    ReminderMessage.objects.filter(status="pending").update(
        status="sending", attempts=attempts, claimed_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return ReminderMessage.objects.get()


@pytest.fixture
def one_message(org, cards, money, day, levels):
    """One overdue invoice whose KAM e-mail is in the outbox, not sent yet."""
    money.invoice(cards.a1, D("10.00"), day(-61), terms=30)  # 31 days past due: the KAM level
    reminders.claim_reminders(run_date=day(0))
    return ReminderMessage.objects.get()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.floats(min_value=11, max_value=60 * 24 * 30), sweeps=st.integers(min_value=1, max_value=3))
def test_a_message_stuck_longer_than_the_threshold_is_sent_once(one_message, minutes, sweeps):
    ReminderMessage.objects.update(status="pending", attempts=0, claimed_at=None, sent_at=None)
    mail.outbox.clear()
    _died_mid_send(minutes_ago=minutes)
    recorded = set(ReminderSent.objects.values_list("invoice_id", "level_id", "outcome"))
    for _ in range(sweeps):
        tasks.sweep_stuck_reminder_messages.delay()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [one_message.recipient_email]
    message = ReminderMessage.objects.get()
    assert (message.status, message.attempts) == ("sent", 2)
    # Still once per (invoice, level): no new record, no new message.
    assert set(ReminderSent.objects.values_list("invoice_id", "level_id", "outcome")) == recorded


@pytest.mark.parametrize("minutes", [0, 1, 9.5])
def test_a_message_being_sent_right_now_is_left_alone(one_message, minutes, settings):
    settings.REMINDER_STUCK_AFTER_MINUTES = 10
    _died_mid_send(minutes_ago=minutes)
    tasks.sweep_stuck_reminder_messages.delay()
    tasks.deliver_reminder_messages.delay()
    assert not mail.outbox and ReminderMessage.objects.get().status == "sending"


def test_the_threshold_is_a_setting(one_message, settings):
    settings.REMINDER_STUCK_AFTER_MINUTES = 3
    _died_mid_send(minutes_ago=4)
    tasks.sweep_stuck_reminder_messages.delay()
    assert len(mail.outbox) == 1


def test_a_message_that_used_up_its_attempts_is_marked_failed_not_sent(one_message):
    _died_mid_send(minutes_ago=30, attempts=reminders.MAX_ATTEMPTS)
    tasks.sweep_stuck_reminder_messages.delay()
    assert not mail.outbox and ReminderMessage.objects.get().status == "failed"


def test_the_admin_lists_stuck_messages(one_message, org, cards, money, day):
    money.invoice(cards.a2, D("10.00"), day(-61), terms=30, number="FRESH")
    reminders.claim_reminders(run_date=day(0))
    stuck, fresh = ReminderMessage.objects.order_by("pk")
    ReminderMessage.objects.filter(pk=stuck.pk).update(status="sending", claimed_at=timezone.now() - timedelta(hours=1))
    ReminderMessage.objects.filter(pk=fresh.pk).update(status="sending", claimed_at=timezone.now())
    admin = Client()
    admin.force_login(org.admin)
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    page = admin.get("/admin/receivables/remindermessage/?stuck=yes")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert list(page.context["cl"].result_list) == [stuck]
    assert "Stuck for more than" in page.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel PostgreSQL connections")
def test_two_sweepers_at_once_send_a_stuck_message_once(org, cards, money, day, levels):
    money.invoice(cards.a1, D("10.00"), day(-61), terms=30)
    reminders.claim_reminders(run_date=day(0))
    _died_mid_send(minutes_ago=60)
    start = threading.Barrier(3)
    errors = []

    def sweep():
        try:
            start.wait(5)
            reminders.sweep_stuck_messages()
        except Exception as exc:  # the assertion below shows it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len(mail.outbox) == 1
    assert ReminderMessage.objects.get().status == "sent"
