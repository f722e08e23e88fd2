"""The beat schedules of the reports' tasks (django-celery-beat): the nightly rollups, the weekly and monthly
reports (daily; a run only creates the reports that are missing) and the monthly account tiers."""
from django.conf import settings
from django.db import migrations

SCHEDULES = [
    # (name, task, crontab (minute, hour, day of month))
    ("Reports: nightly rollups", "reports.tasks.rebuild_recent_rollups", ("30", "1", "*")),
    ("Reports: weekly and monthly reports", "reports.tasks.generate_period_reports", ("30", "5", "*")),
    ("Reports: account tiers", "reports.tasks.recompute_tiers", ("0", "3", "1")),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour, day_of_month) in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month=day_of_month, month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "enabled": True, "interval": None, "crontab": crontab}
        )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_rollups_and_period_reports"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
