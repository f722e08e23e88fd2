"""The aging of today reads only open invoices: a partial index on them that also carries the columns the
aging sums and groups by, so PostgreSQL answers from the index alone (SQLite has no INCLUDE: a plain partial
index there)."""
from django.db import migrations

NAME = "invoice_open_due"


def create(apps, schema_editor):
    include = " INCLUDE (distributor_id, issue_date, open_amount)" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON receivables_invoice (due_date){include} WHERE open_amount > 0"
    )


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ('receivables', '0003_allocation_covering_index'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='invoice',
            name='invoice_open_due',
        ),
        migrations.RunPython(create, drop),
    ]
