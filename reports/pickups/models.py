"""Shipments (发货跟蹤): when an order's goods left and arrived, by which carrier."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["Shipment"]


class Shipment(models.Model):
    order = models.ForeignKey(
        "reports.Order", on_delete=models.CASCADE, related_name="shipments", verbose_name=_("order")
    )
    shipped_on = models.DateField(_("shipped on"))
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    reference = models.CharField(_("waybill number"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-shipped_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(delivered_on__isnull=True) | Q(delivered_on__gte=F("shipped_on")),
                name="shipment_delivered_after_shipped",
            )
        ]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.order_id} {self.shipped_on}"
