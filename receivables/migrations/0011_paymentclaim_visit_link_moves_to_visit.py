"""A claim no longer stores its visit: the visit holds the foreign key (reports 0007 copied the links first)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0010_invoice_issue_date_index_for_dso"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="paymentclaim", name="one_claim_per_visit"),
        migrations.RemoveField(model_name="paymentclaim", name="visit_id"),
    ]
