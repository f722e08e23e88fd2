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


def _queue_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


def test_tasks_go_to_the_queue_of_their_kind_of_work():
    from django.conf import settings

    app.loader.import_default_modules()
    ours = [
        name
        for name in app.tasks
        if name.split(".")[0] in {"kamcrm", "accounts", "distributors", "receivables", "reports"}
    ]
    assert len(ours) >= 15
    # Every task lands on a queue some worker consumes.
    assert {_queue_of(name) for name in ours} <= set(settings.CELERY_TASK_QUEUES_BY_KIND)
    assert {
        name: _queue_of(name)
        for name in (
            "reports.tasks.drain_rollup_refreshes",
            "reports.tasks.rebuild_recent_rollups",
            "receivables.tasks.send_overdue_reminders",
            "receivables.tasks.deliver_reminder_messages",
            "reports.tasks.email_period_report",
            "receivables.tasks.email_statement",
            "distributors.tasks.purge_stale_imports",
            "kamcrm.tasks.heartbeat",
        )
    } == {
        "reports.tasks.drain_rollup_refreshes": "rollups",
        "reports.tasks.rebuild_recent_rollups": "rollups",
        "receivables.tasks.send_overdue_reminders": "mail",
        "receivables.tasks.deliver_reminder_messages": "mail",
        "reports.tasks.email_period_report": "reports",
        "receivables.tasks.email_statement": "reports",
        "distributors.tasks.purge_stale_imports": "imports",
        "kamcrm.tasks.heartbeat": "celery",
    }


def test_every_queue_has_a_worker_locally_and_in_docker_compose():
    """The Procfile's one worker consumes every queue; docker-compose has a worker service per queue."""
    import re
    from pathlib import Path

    import yaml
    from django.conf import settings

    root = Path(__file__).resolve().parent.parent
    queues = set(settings.CELERY_TASK_QUEUES_BY_KIND)
    procfile = (root / "Procfile").read_text()
    assert set(re.search(r"^worker: .*--queues (\S+)", procfile, re.M).group(1).split(",")) == queues
    services = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]
    consumed = [
        service["command"][service["command"].index("--queues") + 1]
        for service in services.values()
        if "worker" in service.get("command", [])
    ]
    assert sorted(consumed) == sorted(queues)  # one service per queue, so each scales on its own
