"""Customer needs and their standard strategy combinations (服务需求 → 标准策略组合库).

- :class:`Need`: the admin's catalogue. Each need maps to a standard combination of service strategies (the coded
  strategy library, KZB codes) and may carry an indicator rule that flags it from the monthly indicators.
- :class:`AccountIndicator`: an account's state indicators for a month (sales, average order value, key-brand
  sales), read from the dashboards' figures by the monthly task; never typed in.
- :class:`AccountNeed`: a need recognised at an account, from an indicator or from the rep's observation, open
  until a rep or KAM closes it with what came of it.

Scope: an account need and an indicator reach the owning rep through ``distributor`` and are visible to whoever
sees the account (``Distributor.objects.visible_to``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kamcrm.bilingual import BilingualName
from kamcrm.money import MONEY
from kamcrm.validators import TextLengthValidator

__all__ = ["AccountIndicator", "AccountNeed", "Indicator", "Need"]

RATE = {"max_digits": 12, "decimal_places": 4}


class Indicator(models.TextChoices):
    """The state indicators a need's rule can watch (all of the month just closed)."""

    SALES_AMOUNT = "sales_amount", _("Sales amount")
    SALES_CHANGE = "sales_change", _("Sales change against the month before")
    AVERAGE_ORDER_VALUE = "average_order_value", _("Average order value")
    KEY_BRAND_SALES = "key_brand_sales", _("Key-brand sales")
    KEY_BRAND_SHARE = "key_brand_share", _("Key-brand share of sales")


RATE_INDICATORS = {Indicator.SALES_CHANGE, Indicator.KEY_BRAND_SHARE}


class Need(BilingualName):
    class Comparison(models.TextChoices):
        BELOW = "below", _("below")
        ABOVE = "above", _("above")

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True, validators=[TextLengthValidator()])
    strategies = models.ManyToManyField(
        "reports.ServiceStrategy", blank=True, related_name="needs", verbose_name=_("standard strategy combination")
    )
    # The rule that flags the need from an account's monthly indicators (none: recognised by observation only).
    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices, blank=True)
    comparison = models.CharField(
        _("flag when the indicator is"), max_length=10, choices=Comparison.choices, default=Comparison.BELOW
    )
    threshold = models.DecimalField(_("threshold"), max_digits=14, decimal_places=4, null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(indicator="") | Q(threshold__isnull=False), name="need_rule_has_threshold"
            ),
        ]
        verbose_name = _("customer need")
        verbose_name_plural = _("customer needs")


class AccountIndicator(models.Model):
    """An account's state indicators for one month, as the monthly task read them from the figures."""

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="indicators", verbose_name=_("distributor")
    )
    month = models.DateField(_("month"))
    sales_amount = models.DecimalField(_("sales amount"), **MONEY)
    previous_sales_amount = models.DecimalField(_("sales amount the month before"), **MONEY)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    key_brand_sales = models.DecimalField(_("key-brand sales"), **MONEY)
    sales_change = models.DecimalField(_("sales change"), **RATE, null=True, blank=True)
    average_order_value = models.DecimalField(_("average order value"), **MONEY, null=True, blank=True)
    key_brand_share = models.DecimalField(_("key-brand share"), **RATE, null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-month", "distributor_id"]
        constraints = [
            models.UniqueConstraint(fields=["distributor", "month"], name="indicator_once_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="indicator_month_is_first_day"),
        ]
        verbose_name = _("account indicators")
        verbose_name_plural = _("account indicators")

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.month:%Y-%m}"

    def value(self, indicator: str):
        return getattr(self, indicator)


class AccountNeed(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        INDICATOR = "indicator", _("Indicator")
        OBSERVATION = "observation", _("Rep's observation")

    class Outcome(models.TextChoices):
        NONE = "", _("—")
        MET = "met", _("Need met")
        NOT_MET = "not_met", _("Not met")
        NOT_A_NEED = "not_a_need", _("Not a real need")

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.PROTECT, related_name="needs", verbose_name=_("distributor")
    )
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="account_needs", verbose_name=_("need"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    opened_on = models.DateField(_("opened on"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("noted by"),
    )
    # The month and the value of the indicator that flagged it (source "indicator").
    indicator_month = models.DateField(_("indicator month"), null=True, blank=True)
    indicator_value = models.DecimalField(_("indicator value"), max_digits=14, decimal_places=4, null=True, blank=True)
    visit = models.ForeignKey(
        "reports.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="needs_opened",
        verbose_name=_("observed on visit"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True, default="")

    class Meta:
        ordering = ["-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["distributor", "need"], condition=Q(status="open"), name="account_need_open_once"
            ),
        ]
        indexes = [models.Index(fields=["distributor", "status"], name="account_need_status")]
        verbose_name = _("account need")
        verbose_name_plural = _("account needs")

    def __str__(self) -> str:
        return f"{self.distributor_id}: {self.need}"

    @property
    def indicator_text(self) -> str:
        """The value that flagged the need as people read it: rates in per cent, money with two places."""
        if self.indicator_value is None:
            return ""
        if self.need.indicator in RATE_INDICATORS:
            return f"{self.indicator_value * 100:.1f} %"
        return f"{self.indicator_value:,.2f}"
