"""Reference data a fresh install needs: the default reminder levels and aging buckets, the settings row,
and the beat schedules of the receivables tasks (django-celery-beat)."""
from django.conf import settings
from django.db import migrations

LEVELS = [
    # code, name, days from due, flags
    ("before_due", "Friendly reminder, 3 days before due", -3, {"email_contact": True}),
    ("overdue_1", "1 day overdue: visit to collect", 1, {"rep_task": True}),
    ("overdue_30", "30 days overdue: KAM alerted", 30, {"notify_kam": True}),
    ("overdue_60", "60 days overdue: finance and KAM, stop-supply warning", 60,
     {"notify_kam": True, "notify_finance": True, "stop_supply": True}),
    ("overdue_180", "180 days overdue: doubtful, regional manager alerted", 180, {"notify_regional_manager": True}),
]

SCHEDULES = [
    # (name, task, every N seconds or a crontab (minute, hour))
    ("Receivables: mark doubtful invoices", "receivables.tasks.refresh_doubtful", None, ("10", "1")),
    ("Receivables: overdue reminders", "receivables.tasks.send_overdue_reminders", None, ("0", "7")),
    ("Receivables: retry reminder e-mails", "receivables.tasks.deliver_reminder_messages", 900, None),
    ("Receivables: scheduled statements", "receivables.tasks.send_scheduled_statements", None, ("30", "6")),
]


def create(apps, schema_editor):
    ReminderLevel = apps.get_model("receivables", "ReminderLevel")
    AgingBucketSet = apps.get_model("receivables", "AgingBucketSet")
    ReceivablesSettings = apps.get_model("receivables", "ReceivablesSettings")
    for code, name, days, flags in LEVELS:
        ReminderLevel.objects.get_or_create(code=code, defaults={"name": name, "days_from_due": days, **flags})
    AgingBucketSet.objects.get_or_create(
        name="Standard (30/60/90/180)", defaults={"thresholds": [30, 60, 90, 180], "is_default": True}
    )
    ReceivablesSettings.objects.get_or_create(pk=1)

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


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
