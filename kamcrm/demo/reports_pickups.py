"""Demo pickup policies (key and qualified accounts: a minimum near their usual month, three rebate tiers) and the
shipments of the demo's shipped orders, so the card's pickups, shipments and stock read as a real account's."""

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils import timezone

from distributors.cards.models import Status
from distributors.models import Distributor, PickupPolicy, PickupTier
from reports.pickups.models import Shipment
from reports.visits.models import Order, OrderStatus

CARRIERS = ["顺丰速运", "德邦物流", "中通快运", "自提 · picked up"]
HUNDRED = Decimal("100")


def _round(value: Decimal) -> Decimal:
    return (value / 1000).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * 1000


def seed() -> None:
    today = timezone.localdate()
    month = today.replace(day=1)
    since = (month - timedelta(days=92)).replace(day=1)
    cards = Distributor.objects.filter(status__in=[Status.KEY, Status.QUALIFIED]).select_related("owner__team__kam")
    sold = dict(
        Order.objects.filter(order_date__gte=since, order_date__lt=month, status__in=["confirmed", "shipped"])
        .values_list("distributor_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    for card in cards.order_by("code"):
        monthly = (sold.get(card.pk) or Decimal(0)) / 3
        if monthly <= 0 or card.owner.team is None or card.owner.team.kam is None:
            continue
        minimum = max(_round(monthly * Decimal("0.9")), Decimal("1000"))
        policy, _created = PickupPolicy.objects.update_or_create(
            distributor=card,
            valid_from=since,
            defaults={
                "valid_to": None,
                "min_monthly_pickup": minimum,
                "terms": "月度最低提货额，季度按档位返利 · monthly minimum, quarterly rebate by tier",
                "created_by": card.owner.team.kam,
            },
        )
        policy.tiers.all().delete()
        PickupTier.objects.bulk_create(
            [
                PickupTier(policy=policy, from_amount=Decimal(0), to_amount=minimum, rebate_pct=Decimal(0)),
                PickupTier(policy=policy, from_amount=minimum, to_amount=minimum * 2, rebate_pct=Decimal("1.5")),
                PickupTier(policy=policy, from_amount=minimum * 2, to_amount=None, rebate_pct=Decimal("3")),
            ]
        )
    shipped = Order.objects.filter(status=OrderStatus.SHIPPED, order_date__gte=since).exclude(shipments__isnull=False)
    for order in shipped.order_by("pk"):
        rng = random.Random(f"shipment:{order.pk}")
        shipped_on = min(today, order.order_date + timedelta(days=rng.randint(0, 2)))
        delivered = shipped_on + timedelta(days=rng.randint(1, 4))
        Shipment.objects.create(
            order=order,
            shipped_on=shipped_on,
            delivered_on=delivered if delivered <= today else None,
            carrier=rng.choice(CARRIERS),
            reference=f"SF{order.pk:08d}" if rng.random() < 0.7 else "",
            created_by=order.rep,
        )
