"""The progress table's default stages (the admin may rename, reorder or add to them)."""

from decimal import Decimal

from django.db import migrations

STAGES = [
    ("contact", "First contact", "初次接触", 1, Decimal("10"), False),
    ("needs", "Needs confirmed", "需求确认", 2, Decimal("25"), False),
    ("proposal", "Proposal", "方案洽谈", 3, Decimal("50"), False),
    ("negotiation", "Negotiation", "商务谈判", 4, Decimal("75"), False),
    ("signed", "Signed", "签约", 5, Decimal("100"), True),
]


def create(apps, schema_editor):
    ProgressStage = apps.get_model("distributors", "ProgressStage")
    for code, name, name_zh, position, probability, is_signed in STAGES:
        ProgressStage.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "position": position,
                "probability": probability,
                "is_signed": is_signed,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("distributors", "0008_customer_progress")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
