"""Beat schedules for the foundation's housekeeping, so a fresh install has them (django-celery-beat)."""
from django.conf import settings
from django.db import migrations

SCHEDULES = [
    # (name, task, every N seconds or a crontab (minute, hour))
    ("Worker heartbeat", "kamcrm.tasks.heartbeat", 60, None),
    ("Clear expired sessions", "accounts.tasks.clear_expired_sessions", None, ("30", "3")),
]


def create_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every, crontab in SCHEDULES:
        defaults = {"task": task, "enabled": True, "interval": None, "crontab": None}
        if every:
            defaults["interval"], _ = IntervalSchedule.objects.get_or_create(every=every, period="seconds")
        else:
            minute, hour = crontab
            defaults["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
                timezone=settings.TIME_ZONE,
            )
        PeriodicTask.objects.update_or_create(name=name, defaults=defaults)


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
