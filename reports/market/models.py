"""Market checks on visits (采集价存信息): per line, the shelf price, the stock and the facings seen at the account
for one of our products, one of our brands (when the rep counts at brand level) or a competitor's product."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kamcrm.money import MONEY, ZERO

__all__ = ["MarketCheck"]

ONE_ITEM = (
    Q(product__isnull=False, brand__isnull=True, competitor_product__isnull=True)
    | Q(product__isnull=True, brand__isnull=False, competitor_product__isnull=True)
    | Q(product__isnull=True, brand__isnull=True, competitor_product__isnull=False)
)


class MarketCheck(models.Model):
    visit = models.ForeignKey(
        "reports.Visit", on_delete=models.CASCADE, related_name="market_checks", verbose_name=_("visit")
    )
    product = models.ForeignKey(
        "distributors.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("our product"),
    )
    brand = models.ForeignKey(
        "distributors.Brand",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("our brand"),
    )
    competitor_product = models.ForeignKey(
        "distributors.CompetitorProduct",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checks",
        verbose_name=_("competitor product"),
    )
    price = models.DecimalField(_("shelf price"), **MONEY, null=True, blank=True, validators=[MinValueValidator(ZERO)])
    stock = models.PositiveIntegerField(_("stock (units)"), null=True, blank=True)
    facings = models.PositiveIntegerField(_("facings"), null=True, blank=True)

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = _("market check")
        verbose_name_plural = _("market checks")
        constraints = [
            models.CheckConstraint(condition=ONE_ITEM, name="market_check_one_item"),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0), name="market_check_price_not_negative"
            ),
            models.UniqueConstraint(
                fields=["visit", "product"], condition=Q(product__isnull=False), name="market_check_product_once"
            ),
            models.UniqueConstraint(
                fields=["visit", "brand"], condition=Q(brand__isnull=False), name="market_check_brand_once"
            ),
            models.UniqueConstraint(
                fields=["visit", "competitor_product"],
                condition=Q(competitor_product__isnull=False),
                name="market_check_competitor_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.price} / {self.stock} / {self.facings}"

    @property
    def item(self):
        return self.product or self.brand or self.competitor_product

    @property
    def item_key(self) -> str:
        """``p:<id>``, ``b:<id>`` or ``c:<id>``: the visit form's choice value for the line's item."""
        if self.product_id:
            return f"p:{self.product_id}"
        if self.brand_id:
            return f"b:{self.brand_id}"
        return f"c:{self.competitor_product_id}"
