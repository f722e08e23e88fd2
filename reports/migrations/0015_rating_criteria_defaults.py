"""The handbook's three rated criteria of a rep's review (专业知识, 团队合作, 工作态度) on a 1–5 scale; the admin
may rename, reweigh or rescale them, or add others."""

from decimal import Decimal

from django.db import migrations

CRITERIA = [
    ("knowledge", "Professional knowledge", "专业知识", Decimal("0.40"), 1),
    ("teamwork", "Teamwork", "团队合作", Decimal("0.30"), 2),
    ("attitude", "Attitude", "工作态度", Decimal("0.30"), 3),
]


def create(apps, schema_editor):
    RatingCriterion = apps.get_model("reports", "RatingCriterion")
    for code, name, name_zh, weight, position in CRITERIA:
        RatingCriterion.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_zh": name_zh,
                "weight": weight,
                "position": position,
                "scale_min": Decimal("1"),
                "scale_max": Decimal("5"),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0014_scorecards")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
