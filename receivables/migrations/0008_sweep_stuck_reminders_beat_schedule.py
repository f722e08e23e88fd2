"""Beat sweeps reminder e-mails left "sending" by a dead process every five minutes (django-celery-beat)."""
from django.db import migrations

SCHEDULES = [
    # (name, task, every N seconds)
    ("Receivables: resend reminder e-mails stuck in sending", "receivables.tasks.sweep_stuck_reminder_messages", 300),
]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period="seconds")
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "enabled": True, "interval": interval, "crontab": None}
        )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0007_reminder_message_claimed_at"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
