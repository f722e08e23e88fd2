"""Pickup policy (提货政策): what an account agreed to pick up per month, with rebate tiers, for a span of months."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kamcrm.money import MONEY
from kamcrm.validators import TextLengthValidator

__all__ = ["PickupPolicy", "PickupTier"]


class PickupPolicy(models.Model):
    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        related_name="pickup_policies",
        verbose_name=_("distributor"),
    )
    valid_from = models.DateField(_("from month"))
    valid_to = models.DateField(_("to month"), null=True, blank=True, help_text=_("Blank: until further notice."))
    min_monthly_pickup = models.DecimalField(
        _("minimum monthly pickup"), validators=[MinValueValidator(Decimal("0"))], **MONEY
    )
    terms = models.TextField(_("terms"), blank=True, validators=[TextLengthValidator()])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["distributor", "-valid_from"]
        verbose_name = _("pickup policy")
        verbose_name_plural = _("pickup policies")

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.valid_from:%Y-%m}"


class PickupTier(models.Model):
    """A rebate tier: a month's pickup from ``from_amount`` (included) up to ``to_amount`` (excluded; blank: no
    upper end) earns ``rebate_pct``."""

    policy = models.ForeignKey(PickupPolicy, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("policy"))
    from_amount = models.DecimalField(_("from"), validators=[MinValueValidator(Decimal("0"))], **MONEY)
    to_amount = models.DecimalField(_("up to"), null=True, blank=True, **MONEY)
    rebate_pct = models.DecimalField(
        _("rebate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["policy", "from_amount"]
        verbose_name = _("rebate tier")
        verbose_name_plural = _("rebate tiers")

    def __str__(self) -> str:
        return f"{self.from_amount}–{self.to_amount or '∞'}: {self.rebate_pct} %"
