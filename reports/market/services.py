"""Market-check lines of a visit: what the visit form and the API hand to ``save_visit`` (as a part, see
``reports.visit_entry.parts``), checked before anything is written (a bad line is a field error under
``market_checks``, nothing saved)."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from distributors.models import Brand, CompetitorProduct, Product
from reports.market.models import MarketCheck

FIELD = "market_checks"


@dataclass
class MarketLineInput:
    product: Product | None = None
    brand: Brand | None = None
    competitor_product: CompetitorProduct | None = None
    price: Decimal | None = None
    stock: int | None = None
    facings: int | None = None

    @property
    def key(self) -> str:
        if self.product is not None:
            return f"p:{self.product.pk}"
        if self.brand is not None:
            return f"b:{self.brand.pk}"
        return f"c:{self.competitor_product.pk if self.competitor_product else ''}"


def check_lines(lines: Sequence[MarketLineInput]) -> None:
    """Raise ValidationError({"market_checks": [...]}) for any bad line: not exactly one product or brand, a
    competitor's brand used as ours, a negative figure, no figure at all, or the same item twice."""
    problems: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        items = [x for x in (line.product, line.brand, line.competitor_product) if x is not None]
        if len(items) != 1:
            problems.append(_("Line %(n)s: choose one product or brand.") % {"n": number})
            continue
        if line.brand is not None and not line.brand.is_own:
            problems.append(
                _("Line %(n)s: a competitor's products come from the competitor catalogue.") % {"n": number}
            )
        if line.price is not None and line.price < 0:
            problems.append(_("Line %(n)s: the price cannot be negative.") % {"n": number})
        if any(v is not None and v < 0 for v in (line.stock, line.facings)):
            problems.append(_("Line %(n)s: stock and facings cannot be negative.") % {"n": number})
        if line.price is None and line.stock is None and line.facings is None:
            problems.append(_("Line %(n)s: enter a price, the stock or the facings.") % {"n": number})
        if line.key in seen:
            problems.append(_("Line %(n)s: each product once per visit, please.") % {"n": number})
        seen.add(line.key)
    if problems:
        raise ValidationError({FIELD: problems})


def save_lines(visit, lines: Sequence[MarketLineInput], *, replace: bool = True) -> list:
    """Replace the visit's market checks with ``lines`` (already checked); ``replace=False`` for a new visit.
    Returns the rows written."""
    if replace:
        visit.market_checks.all().delete()
    if not lines:
        return []
    return MarketCheck.objects.bulk_create(
        MarketCheck(
            visit=visit,
            product=line.product,
            brand=line.brand,
            competitor_product=line.competitor_product,
            price=line.price,
            stock=line.stock,
            facings=line.facings,
        )
        for line in lines
    )


def lines_of(visit) -> list[MarketLineInput]:
    """The visit's saved lines as inputs (an edit that does not touch them keeps them as they are)."""
    return [
        MarketLineInput(
            product=c.product,
            brand=c.brand,
            competitor_product=c.competitor_product,
            price=c.price,
            stock=c.stock,
            facings=c.facings,
        )
        for c in visit.market_checks.select_related("product", "brand", "competitor_product__brand")
    ]


class MarketCatalogue:
    """What a market-check line may name, for the visit form's one drop-down: our active products, our active
    brands, the active competitor products (grouped by competitor), plus whatever ``keep`` names (a saved line's
    item that was made inactive since). One query per kind, however many lines the form has."""

    def __init__(self, keep: Sequence[str] = ()):
        def ids(prefix: str) -> list[int]:
            return [int(k[2:]) for k in keep if k.startswith(prefix) and k[2:].isdigit()]

        products = Product.objects.filter(Q(is_active=True) | Q(pk__in=ids("p:"))).select_related("brand")
        brands = Brand.objects.filter(is_own=True).filter(Q(is_active=True) | Q(pk__in=ids("b:")))
        theirs = CompetitorProduct.objects.filter(
            Q(is_active=True, brand__is_active=True, brand__competitor__is_active=True) | Q(pk__in=ids("c:"))
        ).select_related("brand__competitor")
        self.items: dict[str, object] = {}
        ours = []
        for p in products.order_by("brand__name", "name"):
            self.items[f"p:{p.pk}"] = p
            ours.append((f"p:{p.pk}", p.name))
        own_brands = []
        for b in brands.order_by("name"):
            self.items[f"b:{b.pk}"] = b
            own_brands.append((f"b:{b.pk}", str(b)))
        groups: dict[str, list] = {}
        for c in theirs.order_by("brand__competitor__name", "brand__name", "name"):
            self.items[f"c:{c.pk}"] = c
            groups.setdefault(c.brand.competitor.name, []).append((f"c:{c.pk}", f"{c.brand.name} {c.name}"))
        self.choices = [("", _("Product or brand")), (_("Our products"), ours), (_("Our brands"), own_brands)]
        self.choices += [(_("Competitor: %(name)s") % {"name": name}, options) for name, options in groups.items()]

    def line(self, key: str, *, price=None, stock=None, facings=None) -> MarketLineInput:
        item = self.items[key]
        return MarketLineInput(
            product=item if key.startswith("p:") else None,
            brand=item if key.startswith("b:") else None,
            competitor_product=item if key.startswith("c:") else None,
            price=price,
            stock=stock,
            facings=facings,
        )
