"""The customer progress table (客户推进表): intent and potential accounts moving through stages toward signing.

Stages are reference data the admin names and orders; the last one (``is_signed``) turns the account into an
existing customer. Every move is kept (``ProgressMove``), so conversion per period reads from the history.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kamcrm.bilingual import BilingualName
from kamcrm.validators import TextLengthValidator

__all__ = ["ProgressStage", "Progress", "ProgressMove"]

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class ProgressStage(BilingualName):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    probability = models.DecimalField(
        _("default probability (%)"), max_digits=5, decimal_places=2, default=Decimal("10"), validators=PERCENT
    )
    is_signed = models.BooleanField(_("signing stage"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("progress stage")
        verbose_name_plural = _("progress stages")


class Progress(models.Model):
    """Where an intent or potential account stands: stage, next step, expected signing date and probability."""

    distributor = models.OneToOneField(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="progress", verbose_name=_("distributor")
    )
    stage = models.ForeignKey(ProgressStage, on_delete=models.PROTECT, related_name="+", verbose_name=_("stage"))
    next_step = models.CharField(_("next step"), max_length=255, blank=True)
    next_step_on = models.DateField(_("next step on"), null=True, blank=True)
    expected_signing_on = models.DateField(_("expected signing date"), null=True, blank=True)
    probability = models.DecimalField(_("probability (%)"), max_digits=5, decimal_places=2, validators=PERCENT)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("updated by")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["stage__position", "expected_signing_on", "distributor__code"]
        verbose_name = _("customer progress")
        verbose_name_plural = _("customer progress")

    def __str__(self) -> str:
        return f"{self.distributor_id}: {self.stage_id}"


class ProgressMove(models.Model):
    """One move of an account on the progress table (the first one puts it on the table)."""

    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        related_name="progress_moves",
        verbose_name=_("distributor"),
    )
    from_stage = models.ForeignKey(
        ProgressStage, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("from")
    )
    to_stage = models.ForeignKey(ProgressStage, on_delete=models.PROTECT, related_name="+", verbose_name=_("to"))
    reason = models.TextField(_("reason"), blank=True, validators=[TextLengthValidator()])
    moved_on = models.DateField(_("moved on"))
    moved_at = models.DateTimeField(_("moved at"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))

    class Meta:
        ordering = ["moved_at", "pk"]
        indexes = [models.Index(fields=["distributor", "moved_on"], name="progress_move_account_day")]
        verbose_name = _("progress move")
        verbose_name_plural = _("progress moves")

    def __str__(self) -> str:
        return f"{self.distributor_id}: {self.from_stage_id} -> {self.to_stage_id}"
