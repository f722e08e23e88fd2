from django.contrib.sessions.models import Session
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from accounts import tasks as account_tasks
from kamcrm.celery import app


def test_fresh_install_has_the_beat_schedules(migration_data):
    schedules = {t.name: t for t in PeriodicTask.objects.all()}
    assert schedules["Worker heartbeat"].interval.every == 60
    assert schedules["Send tasks kept while the broker was down"].interval.every == 60
    assert schedules["Forget old idempotency keys"].interval.every == 3600
    assert schedules["Receivables: resend reminder e-mails stuck in sending"].interval.every == 300
    sessions = schedules["Clear expired sessions"]
    assert (sessions.crontab.hour, sessions.crontab.minute, str(sessions.crontab.timezone)) == (
        "3",
        "30",
        "Asia/Shanghai",
    )
    assert schedules["Purge unconfirmed import files"].crontab.hour == "3"
    # Every scheduled task is one the worker knows.
    app.loader.import_default_modules()
    for task in schedules.values():
        assert task.task in app.tasks, task.task


def test_clear_expired_sessions_task(db):
    Session.objects.create(session_key="old", session_data="x", expire_date=timezone.now() - timezone.timedelta(1))
    Session.objects.create(session_key="new", session_data="x", expire_date=timezone.now() + timezone.timedelta(1))
    account_tasks.clear_expired_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]
