"""Demo market checks: about half of the in-person visits to existing accounts in the demo history carry a shelf
check — two to four of our products the account carries and one or two competitor products set against them, with
retail prices around the list price, stock that drifts month by month and facings — so the market report has price
ranges, stock trends and competitor presence in every region. Runs after the competitor catalogue and the visits;
safe to run again (visits that have checks are left alone)."""

import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from distributors.cards.models import Status
from distributors.models import CompetitorProduct, DistributorBrand, Product
from reports.market.models import MarketCheck
from reports.visits.models import Visit, VisitKind

CENT = Decimal("0.01")


def _price(base: Decimal, low: str, high: str, rng: random.Random) -> Decimal:
    factor = Decimal(str(round(rng.uniform(float(low), float(high)), 3)))
    return (base * factor).quantize(CENT, rounding=ROUND_HALF_UP)


def seed() -> None:
    products_by_brand: dict[int, list[Product]] = defaultdict(list)
    for product in Product.objects.filter(is_active=True, brand__is_own=True).order_by("sku"):
        products_by_brand[product.brand_id].append(product)
    rivals: dict[int, list[CompetitorProduct]] = defaultdict(list)
    for rival in CompetitorProduct.objects.filter(is_active=True, compares_with__isnull=False).order_by("pk"):
        rivals[rival.compares_with_id].append(rival)
    carried: dict[int, list[int]] = defaultdict(list)
    for distributor_id, brand_id in DistributorBrand.objects.filter(brand__is_own=True).values_list(
        "distributor_id", "brand_id"
    ):
        carried[distributor_id].append(brand_id)
    visits = (
        Visit.objects.filter(
            kind=VisitKind.IN_PERSON,
            distributor__status__in=[Status.KEY, Status.QUALIFIED],
            market_checks__isnull=True,
        )
        .select_related("distributor", "rep")
        .order_by("visit_date", "pk")
    )
    lines = []
    for visit in visits.iterator(chunk_size=2000):
        card = visit.distributor
        rng = random.Random(f"market:{card.code}:{visit.visit_date}:{visit.rep.username}")
        if rng.random() < 0.5:
            continue
        ours = [p for brand_id in sorted(carried.get(card.pk, [])) for p in products_by_brand[brand_id]]
        if not ours:
            continue
        # An account's stock of a product: its own level, drifting with the months since January.
        months = (visit.visit_date.year - 2026) * 12 + visit.visit_date.month
        for product in rng.sample(ours, min(len(ours), rng.randint(2, 4))):
            shelf = random.Random(f"level:{card.code}:{product.sku}")
            level, drift = shelf.randint(20, 200), shelf.uniform(-0.12, 0.15)
            stock = max(0, int(level * (1 + drift) ** (months % 12) * rng.uniform(0.8, 1.2)))
            lines.append(
                MarketCheck(
                    visit=visit,
                    product=product,
                    price=_price(product.unit_price, "1.12", "1.38", rng),
                    stock=stock,
                    facings=rng.randint(2, 12),
                )
            )
            for rival in rivals.get(product.pk, [])[:1]:
                if rng.random() < 0.6:
                    lines.append(
                        MarketCheck(
                            visit=visit,
                            competitor_product=rival,
                            price=_price(product.unit_price, "1.02", "1.30", rng),
                            stock=max(0, int(stock * rng.uniform(0.2, 0.9))),
                            facings=rng.randint(1, 8),
                        )
                    )
    MarketCheck.objects.bulk_create(lines, batch_size=2000)
