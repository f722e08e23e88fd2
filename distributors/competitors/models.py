"""The competitor catalogue (竞品): competitors, their brands and products, kept by the admin beside our own brand
catalogue (``Brand``/``Product``). Reps pick competitor products in the market checks of their visits."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = ["Competitor", "CompetitorBrand", "CompetitorProduct"]


class Competitor(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    note = models.CharField(_("note"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("competitor")
        verbose_name_plural = _("competitors")

    def __str__(self) -> str:
        return self.name


class CompetitorBrand(models.Model):
    competitor = models.ForeignKey(
        Competitor, on_delete=models.PROTECT, related_name="brands", verbose_name=_("competitor")
    )
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["competitor__name", "name"]
        verbose_name = _("competitor brand")
        verbose_name_plural = _("competitor brands")
        constraints = [models.UniqueConstraint(fields=["competitor", "name"], name="competitor_brand_name_unique")]

    def __str__(self) -> str:
        return self.name


class CompetitorProduct(models.Model):
    brand = models.ForeignKey(
        CompetitorBrand, on_delete=models.PROTECT, related_name="products", verbose_name=_("brand")
    )
    name = models.CharField(_("name"), max_length=150)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    # The product of ours it competes with, when there is one: the market report puts their prices side by side.
    compares_with = models.ForeignKey(
        "distributors.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="competing_products",
        verbose_name=_("competes with"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["brand__competitor__name", "brand__name", "name"]
        verbose_name = _("competitor product")
        verbose_name_plural = _("competitor products")
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="competitor_product_name_unique")]

    def __str__(self) -> str:
        return f"{self.brand.name} {self.name}"
