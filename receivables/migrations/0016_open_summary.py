"""Each account's open money in one row (receivables.summary), filled from the open invoices as of today, and the
nightly task that recomputes the rows for the new day just after midnight (django-celery-beat)."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

SCHEDULE = ("Receivables: open money per account for the new day", "receivables.tasks.refresh_open_summaries", ("5", "0"))


def fill(apps, schema_editor):
    Invoice = apps.get_model("receivables", "Invoice")
    OpenSummary = apps.get_model("receivables", "OpenSummary")
    today = timezone.localdate()
    rows = {}
    invoices = Invoice.objects.filter(open_amount__gt=0).values_list("distributor_id", "due_date", "open_amount")
    for distributor_id, due, amount in invoices.iterator(chunk_size=10_000):
        row = rows.get(distributor_id)
        if row is None:
            row = rows[distributor_id] = OpenSummary(
                distributor_id=distributor_id, as_of=today, open_amount=0, open_invoices=0, overdue_amount=0,
                overdue_invoices=0, oldest_due=None, score=0,
            )
        row.open_amount += amount
        row.open_invoices += 1
        if due < today:
            row.overdue_amount += amount
            row.overdue_invoices += 1
            row.score += amount * (today - due).days
            row.oldest_due = due if row.oldest_due is None else min(row.oldest_due, due)
    OpenSummary.objects.bulk_create(rows.values(), batch_size=2_000)


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task, (minute, hour) = SCHEDULE
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.update_or_create(
        name=name, defaults={"task": task, "enabled": True, "interval": None, "crontab": crontab}
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE[0]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('distributors', '0012_brand_is_key'),
        ('receivables', '0015_invoice_due_by_account'),
        ('django_celery_beat', '0019_alter_periodictasks_options'),
    ]

    operations = [
        migrations.CreateModel(
            name='OpenSummary',
            fields=[
                ('distributor', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='open_summary', serialize=False, to='distributors.distributor', verbose_name='distributor')),
                ('as_of', models.DateField(verbose_name='as of')),
                ('open_amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='open amount')),
                ('open_invoices', models.PositiveIntegerField(default=0, verbose_name='open invoices')),
                ('overdue_amount', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='overdue amount')),
                ('overdue_invoices', models.PositiveIntegerField(default=0, verbose_name='overdue invoices')),
                ('oldest_due', models.DateField(blank=True, null=True, verbose_name='oldest due date past due')),
                ('score', models.DecimalField(decimal_places=2, max_digits=20, verbose_name='amount × days overdue')),
            ],
            options={
                'verbose_name': 'open money of an account',
                'verbose_name_plural': 'open money of the accounts',
                'indexes': [models.Index(models.OrderBy(models.F('score'), descending=True), models.OrderBy(models.F('overdue_amount'), descending=True), condition=models.Q(('open_invoices__gt', 0)), name='open_summary_score'), models.Index(models.OrderBy(models.F('overdue_amount'), descending=True), condition=models.Q(('open_invoices__gt', 0)), name='open_summary_overdue'), models.Index(condition=models.Q(('open_invoices__gt', 0)), fields=['oldest_due'], name='open_summary_days'), models.Index(models.OrderBy(models.F('open_amount'), descending=True), condition=models.Q(('open_invoices__gt', 0)), name='open_summary_open'), models.Index(fields=['as_of'], name='open_summary_as_of')],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
