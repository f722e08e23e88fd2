"""Outlet coverage is a level (API.md "Outlet coverage is a level", revised 2026-12-04).

Plans used to spread a quarter's outlet coverage over its months like money (about a third each). Now every
month of a quarter gets the quarter's value; a plan made by hand keeps the months where it set less (a ramp),
and its last month is the quarter's. The rep splits of each month follow, in proportion to what they had
(their percentage for percentage splits), to whole outlets by largest remainder, so they add up to the month.
"""

from decimal import Decimal
from fractions import Fraction
from math import floor

from django.db import migrations


def _largest_remainder(total: int, weights: list) -> list[int]:
    weights = [Fraction(w) for w in weights]
    if not weights:
        return []
    if sum(weights) == 0:
        weights = [Fraction(1)] + [Fraction(0)] * (len(weights) - 1)
    exact = [total * w / sum(weights) for w in weights]
    parts = [floor(e) for e in exact]
    for i in sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))[: total - sum(parts)]:
        parts[i] += 1
    return parts


def forwards(apps, schema_editor):
    QuarterlyPlan = apps.get_model("distributors", "QuarterlyPlan")
    RepSplit = apps.get_model("distributors", "RepSplit")
    for plan in QuarterlyPlan.objects.prefetch_related("monthly_plans__rep_splits").iterator(chunk_size=500):
        months = sorted(plan.monthly_plans.all(), key=lambda m: m.month)
        for n, month in enumerate(months):
            level = plan.outlet_coverage
            if plan.distribution == "manual" and n < len(months) - 1:
                level = min(month.outlet_coverage, plan.outlet_coverage)
            if month.outlet_coverage != level:
                month.outlet_coverage = level
                month.save(update_fields=["outlet_coverage"])
            splits = sorted(month.rep_splits.all(), key=lambda s: s.pk)
            if not splits:
                continue
            if plan.split_method == "percentage":
                weights = [s.share_pct or Decimal(0) for s in splits]
            else:
                weights = [s.outlet_coverage for s in splits]
                if not any(weights):
                    weights = [s.sales_amount for s in splits]
            for split, part in zip(splits, _largest_remainder(level, weights), strict=True):
                if split.outlet_coverage != part:
                    split.outlet_coverage = part
                    RepSplit.objects.filter(pk=split.pk).update(outlet_coverage=part)


class Migration(migrations.Migration):
    dependencies = [("distributors", "0006_distributor_suggested_attractiveness")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
