"""The "135" cycle's records: the service-strategy library, monthly work plans, weekly schedules, reviews, comments.

Scope: every row reaches an owning rep through its ``rep`` (a schedule entry through its schedule) and builds
``visible_to(user)`` from ``accounts.scope.owned_by_scope`` (``RepScopedQuerySet``).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kamcrm.validators import TextLengthValidator
from reports.visits.models import RepScopedQuerySet


class ServiceStrategy(models.Model):
    """The service-strategy library: a customer need and the standard action for it."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, validators=[TextLengthValidator()])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("service strategy")
        verbose_name_plural = _("service strategies")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MonthlyWorkPlan(models.Model):
    """The rep's monthly work plan (月计划): focus accounts, brands and market goals."""

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="work_plans", verbose_name=_("rep")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    focus_accounts = models.ManyToManyField(
        "distributors.Distributor", blank=True, related_name="+", verbose_name=_("focus accounts")
    )
    focus_brands = models.ManyToManyField(
        "distributors.Brand", blank=True, related_name="+", verbose_name=_("focus brands")
    )
    market_goals = models.TextField(_("market goals"), blank=True, validators=[TextLengthValidator()])
    notes = models.TextField(_("notes"), blank=True, validators=[TextLengthValidator()])
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RepScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "rep__username"]
        verbose_name = _("monthly work plan")
        verbose_name_plural = _("monthly work plans")
        constraints = [
            models.UniqueConstraint(fields=["rep", "month"], name="work_plan_rep_month_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="work_plan_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.rep} {self.month:%Y-%m}"


class WeeklySchedule(models.Model):
    """The weekly schedule (周计划): which accounts on which day, in route order."""

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="weekly_schedules", verbose_name=_("rep")
    )
    week_start = models.DateField(_("week of"), help_text=_("The Monday of the week."))
    notes = models.TextField(_("notes"), blank=True, validators=[TextLengthValidator()])
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RepScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-week_start", "rep__username"]
        verbose_name = _("weekly schedule")
        verbose_name_plural = _("weekly schedules")
        constraints = [models.UniqueConstraint(fields=["rep", "week_start"], name="schedule_rep_week_unique")]

    def __str__(self) -> str:
        return f"{self.rep} {self.week_start}"


class ScheduleEntry(models.Model):
    schedule = models.ForeignKey(WeeklySchedule, on_delete=models.CASCADE, related_name="entries")
    day = models.DateField(_("day"))
    sequence = models.PositiveSmallIntegerField(_("stop"), default=1)
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", verbose_name=_("distributor")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["day", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "day", "distributor"], name="schedule_entry_once_a_day"),
        ]
        # The nightly rollup reads one day of every account's scheduled visits, and given (account, day) pairs.
        indexes = [models.Index(fields=["day", "distributor"], name="schedule_entry_day")]
        verbose_name = _("scheduled visit")
        verbose_name_plural = _("scheduled visits")

    def __str__(self) -> str:
        return f"{self.day} #{self.sequence} {self.distributor}"


class Review(models.Model):
    """The rep's weekly review (周体会) or monthly summary (月总结)."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly review")
        MONTHLY = "monthly", _("Monthly summary")

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("rep")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    period_start = models.DateField(_("period start"))
    text = models.TextField(_("text"), validators=[TextLengthValidator()])
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RepScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "kind"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["rep", "kind", "period_start"], name="review_rep_kind_period_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.rep} {self.period_start}"


class Comment(models.Model):
    """A KAM's (or manager's) comment on a daily report, work plan, schedule or review."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    text = models.TextField(_("comment"), validators=[TextLengthValidator()])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="comment_target")]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.text[:60]
