"""Sales contests (竞赛激励): reps of a team or a region compete on one figure of the dashboards over a month or a
quarter; the leaderboard is live while the period runs and frozen, once, when it has closed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Team
from kamcrm.validators import TextLengthValidator

__all__ = ["Contest", "ContestResult"]


class Contest(models.Model):
    class Kind(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    class Metric(models.TextChoices):
        SALES_RATE = "sales_rate", _("Sales amount completion rate")
        GROSS_PROFIT_RATE = "gross_profit_rate", _("Gross profit completion rate")
        COLLECTION_RATE = "collection_rate", _("Collection rate")
        MARKET_RATE = "market_rate", _("Market target completion rate")
        VISIT_RATE = "visit_rate", _("Visits made against planned")
        SALES_AMOUNT = "sales_amount", _("Sales amount")
        GROSS_PROFIT = "gross_profit", _("Gross profit")
        COLLECTED = "collected", _("Money collected")
        NEW_OUTLETS = "new_outlets", _("New outlets")

    name = models.CharField(_("name"), max_length=120)
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices)
    kind = models.CharField(_("period"), max_length=10, choices=Kind.choices, default=Kind.MONTH)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="contests", verbose_name=_("team")
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="contests", verbose_name=_("region")
    )
    prize = models.TextField(_("prize"), blank=True, validators=[TextLengthValidator()])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    frozen_at = models.DateTimeField(_("results frozen at"), null=True, blank=True)

    class Meta:
        ordering = ["-start", "name", "pk"]
        constraints = [
            # Exactly one scope: a team or a region.
            models.CheckConstraint(
                condition=(Q(team__isnull=False) & Q(region__isnull=True))
                | (Q(team__isnull=True) & Q(region__isnull=False)),
                name="contest_has_one_scope",
            ),
        ]
        indexes = [models.Index(fields=["end"], name="contest_open_by_end", condition=Q(frozen_at__isnull=True))]
        verbose_name = _("contest")
        verbose_name_plural = _("contests")

    def __str__(self) -> str:
        return self.name

    @property
    def scope_label(self) -> str:
        return self.team.name if self.team_id else self.region.name


class ContestResult(models.Model):
    """A participant's final place and value, written once when the contest is frozen."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="results", verbose_name=_("contest"))
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contest_results", verbose_name=_("rep")
    )
    position = models.PositiveIntegerField(_("position"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4, null=True, blank=True)

    class Meta:
        # Placed reps first, then those without a place, on every database (SQLite sorts NULL first).
        ordering = ["contest", models.F("position").asc(nulls_last=True), "rep_id"]
        constraints = [models.UniqueConstraint(fields=["contest", "rep"], name="one_result_per_rep")]
        verbose_name = _("contest result")
        verbose_name_plural = _("contest results")

    def __str__(self) -> str:
        return f"{self.contest_id}: {self.rep_id} #{self.position}"
