"""Aging "as of D" sums each open invoice's allocations after D: (invoice, paid_on) INCLUDE (amount) answers it
from the index alone on PostgreSQL (../shared/PERF-NOTES.md). SQLite has no INCLUDE: a plain index there."""
from django.db import migrations

NAME = "allocation_invoice_paid"


def create(apps, schema_editor):
    include = " INCLUDE (amount)" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON receivables_allocation (invoice_id, paid_on){include}")


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("receivables", "0002_defaults_and_beat_schedules")]

    operations = [migrations.RunPython(create, drop)]
