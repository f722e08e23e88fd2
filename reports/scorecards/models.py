"""Rep scorecards (推销人员绩效考核): the manager's ratings and the training needs noted for a rep's month or quarter.

The results and relationship figures of a scorecard are never stored: they are read from the dashboards' figures
(``reports.analytics.dashboards.selectors``) when the scorecard is shown. What is stored is what a manager adds: a
score per rating criterion (尺度考核, on the scale the admin sets for it) and the training needs found in the review.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from kamcrm.bilingual import BilingualName
from kamcrm.validators import TextLengthValidator

__all__ = ["RatingCriterion", "Scorecard", "ScorecardRating"]

SCORE = {"max_digits": 5, "decimal_places": 1}


class RatingCriterion(BilingualName):
    """Something a manager rates a rep on (professional knowledge, teamwork, attitude ...), on a scale from
    ``scale_min`` to ``scale_max``, weighted against the other criteria in the overall rating."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    scale_min = models.DecimalField(_("lowest score"), default=Decimal("1"), **SCORE)
    scale_max = models.DecimalField(_("highest score"), default=Decimal("5"), **SCORE)
    weight = models.DecimalField(
        _("weight"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(scale_max__gt=F("scale_min")), name="rating_scale_ordered"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="rating_weight_positive"),
        ]
        verbose_name = _("rating criterion")
        verbose_name_plural = _("rating criteria")


class Scorecard(models.Model):
    """A rep's review for a month or a quarter: training needs noted, and (in ``ratings``) the manager's scores."""

    class Kind(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("rep")
    )
    kind = models.CharField(_("period"), max_length=10, choices=Kind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    training_needs = models.TextField(_("training needs"), blank=True, validators=[TextLengthValidator()])
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewed by")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-start", "rep_id"]
        constraints = [models.UniqueConstraint(fields=["rep", "kind", "start"], name="scorecard_once_per_period")]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")

    def __str__(self) -> str:
        return f"{self.rep} {self.kind} {self.start}"


class ScorecardRating(models.Model):
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("scorecard")
    )
    criterion = models.ForeignKey(
        RatingCriterion, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("criterion")
    )
    score = models.DecimalField(_("score"), **SCORE)

    class Meta:
        ordering = ["criterion__position", "criterion__code"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "criterion"], name="one_rating_per_criterion")]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"
