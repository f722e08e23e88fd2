"""Account tiers A/B/C (the pyramid: few key accounts, most of the revenue), recomputed monthly from the rollups.

An account's weight is the mean of its share of the company's sales and its share of the gross profit over the
trailing twelve whole months. Accounts are ranked by weight; those that together make the first 70 % are A,
the next 20 % B, the rest (and every account without sales) C. A tier set by hand lasts until the next run.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from distributors.models import Distributor

from .rollup_models import DistributorMonth

A_SHARE = Decimal("0.70")
B_SHARE = Decimal("0.90")


@dataclass
class TierResult:
    start: date
    end: date
    changed: int
    counts: dict


def trailing_months(on: date) -> tuple[date, date]:
    """The twelve whole months before the month of ``on``: (first month, last month), first days."""
    index = on.year * 12 + on.month - 1
    first, last = index - 12, index - 1
    return date(first // 12, first % 12 + 1, 1), date(last // 12, last % 12 + 1, 1)


def tiers_for(*, on: date) -> tuple[dict[int, str], date, date]:
    """{distributor id: tier} for every account, and the months it was computed from."""
    first, last = trailing_months(on)
    sums = (
        DistributorMonth.objects.filter(month__gte=first, month__lte=last)
        .values("distributor_id")
        .annotate(s=Sum("sales_amount"), g=Sum("gross_profit"))
        .order_by()
    )
    rows = [(r["distributor_id"], r["s"] or Decimal(0), r["g"] or Decimal(0)) for r in sums]
    total_sales = sum(max(s, 0) for _pk, s, _g in rows)
    total_profit = sum(max(g, 0) for _pk, _s, g in rows)
    weights = []
    for pk, sales, profit in rows:
        parts = []
        if total_sales:
            parts.append(max(sales, 0) / total_sales)
        if total_profit:
            parts.append(max(profit, 0) / total_profit)
        weight = sum(parts) / len(parts) if parts else Decimal(0)
        if weight > 0:
            weights.append((weight, pk))
    weights.sort(key=lambda w: (-w[0], w[1]))
    tiers = dict.fromkeys(Distributor.objects.values_list("pk", flat=True), "C")
    cumulative = Decimal(0)
    for weight, pk in weights:
        # An account is A while the accounts before it have not yet made up 70 %, and so on.
        tiers[pk] = "A" if cumulative < A_SHARE else "B" if cumulative < B_SHARE else "C"
        cumulative += weight
    return tiers, first, last


@transaction.atomic
def recompute_tiers(*, on: date) -> TierResult:
    """Set every account's tier from the trailing twelve months (idempotent: the same months give the same tiers)."""
    tiers, first, last = tiers_for(on=on)
    current = dict(Distributor.objects.values_list("pk", "tier"))
    changed = [Distributor(pk=pk, tier=tier) for pk, tier in tiers.items() if current.get(pk) != tier]
    Distributor.objects.bulk_update(changed, ["tier"], batch_size=1000)
    counts = {tier: sum(1 for t in tiers.values() if t == tier) for tier in "ABC"}
    return TierResult(first, last, len(changed), counts)
