"""Distributor plans (同分销商共同制定季度计划和月度计划) and account plans.

- A **quarterly plan** (``QuarterlyPlan``) holds a distributor's targets for one quarter and is broken
  into three **monthly plans** (``MonthlyPlan``), each **split to the reps** (``RepSplit``) who serve
  the distributor. Months add up to the quarter and splits to their month, exactly, for every target.
- Workflow: draft → submitted (KAM) → approved or returned (regional manager). An approved plan is
  read-only; a **revision** is a new plan row (``revision`` + 1, ``previous_revision``) that replaces the
  approved one only when it is approved itself — the previous version stays, ``superseded``.
- An **account plan** (``AccountPlan``) for a key account: vision, SMART objectives and action items.

Scope: a plan is visible when its distributor's owner is in the user's scope
(``accounts.scope.owned_by_scope``); a rep sees the plans of the distributors they own and the plans
in which they have a split. Dashboards read the targets of approved plans only.

``distributors/models.py`` imports these models so Django registers them.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.scope import owned_by_scope
from kamcrm.money import MONEY, ZERO
from kamcrm.validators import TextLengthValidator

from .arithmetic import quarter_label, quarter_months

NOT_NEGATIVE = [MinValueValidator(ZERO)]

__all__ = [
    "AccountPlan",
    "ActionItem",
    "Distribution",
    "MonthlyPlan",
    "Objective",
    "PlanStatus",
    "PlanStep",
    "QuarterlyPlan",
    "RepSplit",
    "SeasonalProfile",
    "SplitMethod",
]


def _is_rep(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and user.effective_role == Role.REP


class SeasonalProfile(models.Model):
    """Named monthly percentages of a year (like ERPNext's monthly distribution), kept by the admin.

    A quarter is spread over its months in proportion to the profile's three percentages for them.
    """

    MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    jan = models.DecimalField(_("January %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    feb = models.DecimalField(_("February %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    mar = models.DecimalField(_("March %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    apr = models.DecimalField(_("April %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    may = models.DecimalField(_("May %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    jun = models.DecimalField(_("June %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    jul = models.DecimalField(_("July %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    aug = models.DecimalField(_("August %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    sep = models.DecimalField(_("September %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    oct = models.DecimalField(_("October %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    nov = models.DecimalField(_("November %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)
    dec = models.DecimalField(_("December %"), max_digits=5, decimal_places=2, default=ZERO, validators=NOT_NEGATIVE)

    class Meta:
        ordering = ["name"]
        verbose_name = _("seasonal profile")
        verbose_name_plural = _("seasonal profiles")

    def __str__(self) -> str:
        return self.name

    @property
    def percentages(self) -> list[Decimal]:
        return [getattr(self, name) for name in self.MONTHS]

    def weights_for_quarter(self, quarter: int) -> list[Decimal]:
        """The percentages of the quarter's three months (they need not add up to anything)."""
        return self.percentages[3 * (quarter - 1) : 3 * quarter]

    def clean(self) -> None:
        total = sum(self.percentages, ZERO)
        if total != 100:
            raise ValidationError(
                _("The twelve monthly percentages must add up to 100 %%; they add up to %(total)s %%.")
                % {"total": total}
            )


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


# A plan the KAM is still working on: at most one per distributor and quarter.
OPEN_STATUSES = (PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.RETURNED)
EDITABLE_STATUSES = (PlanStatus.DRAFT, PlanStatus.RETURNED)


class Distribution(models.TextChoices):
    EVEN = "even", _("Evenly")
    PROFILE = "profile", _("By seasonal profile")
    MANUAL = "manual", _("By hand")


class SplitMethod(models.TextChoices):
    PERCENTAGE = "percentage", _("By percentage")
    AMOUNT = "amount", _("By amount")


class PlanTargets(models.Model):
    """The six targets: volume (units), sales amount, gross profit, collection amount, outlet coverage, new outlets."""

    volume = models.PositiveIntegerField(_("volume (units)"), default=0)
    sales_amount = models.DecimalField(_("sales amount"), **MONEY, default=ZERO, validators=NOT_NEGATIVE)
    gross_profit = models.DecimalField(_("gross profit"), **MONEY, default=ZERO, validators=NOT_NEGATIVE)
    collection_amount = models.DecimalField(_("collection amount"), **MONEY, default=ZERO, validators=NOT_NEGATIVE)
    outlet_coverage = models.PositiveIntegerField(
        _("outlet coverage"), default=0, help_text=_("Number of active outlets.")
    )
    new_outlets = models.PositiveIntegerField(_("new outlets"), default=0)

    class Meta:
        abstract = True


def _rep_has_split(user, plan_path: str) -> Exists:
    return Exists(RepSplit.objects.filter(monthly_plan__plan=OuterRef(plan_path), rep=user))


class QuarterlyPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Plans the user may read: per accounts.scope by the distributor's owner; a rep also their splits."""
        scope = owned_by_scope(user, owner="distributor__owner")
        if _is_rep(user):
            return self.filter(scope | Q(_rep_has_split(user, "pk")))
        return self.filter(scope)

    def editable_by(self, user):
        """Plans the user may draft, change, submit and revise: a KAM the team's, the admin all."""
        if not getattr(user, "is_authenticated", False) or user.effective_role not in (Role.KAM, Role.ADMIN):
            return self.none()
        return self.filter(owned_by_scope(user, owner="distributor__owner"))

    def decidable_by(self, user):
        """Plans the user may approve or return: a regional manager the region's, the admin all."""
        role = getattr(user, "effective_role", None) if getattr(user, "is_authenticated", False) else None
        if role not in (Role.REGIONAL_MANAGER, Role.ADMIN):
            return self.none()
        return self.filter(owned_by_scope(user, owner="distributor__owner"))

    def current(self):
        """The plans that count: approved and not superseded by a later revision."""
        return self.filter(status=PlanStatus.APPROVED)

    def for_quarter(self, year: int, quarter: int):
        return self.filter(year=year, quarter=quarter)


def signed_copy_path(plan: "QuarterlyPlan", filename: str) -> str:
    return f"plans/signed/{plan.year}-Q{plan.quarter}/{plan.distributor_id}-r{plan.revision}-{filename}"


class QuarterlyPlan(PlanTargets):
    """A distributor's plan for one quarter (one revision of it), with who did what and when."""

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.PROTECT, related_name="plans", verbose_name=_("distributor")
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), choices=[(q, f"Q{q}") for q in range(1, 5)], validators=[MinValueValidator(1)]
    )
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    previous_revision = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_revision",
        verbose_name=_("previous revision"),
    )
    status = models.CharField(_("status"), max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    distribution = models.CharField(_("months"), max_length=10, choices=Distribution.choices, default=Distribution.EVEN)
    seasonal_profile = models.ForeignKey(
        SeasonalProfile,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("seasonal profile"),
    )
    split_method = models.CharField(
        _("split to reps"), max_length=12, choices=SplitMethod.choices, default=SplitMethod.PERCENTAGE
    )
    notes = models.TextField(_("notes"), blank=True, validators=[TextLengthValidator()])
    # Agreed with the distributor: who confirmed it, when, and the signed copy (PDF or photo).
    confirmed_by = models.ForeignKey(
        "distributors.Contact",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans_confirmed",
        verbose_name=_("confirmed by (distributor contact)"),
    )
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    signed_copy = models.FileField(_("signed copy"), upload_to=signed_copy_path, blank=True, max_length=255)
    # Workflow: who and when, for the latest of each step (every step is also a PlanStep and an audit event).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("drafted by")
    )
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returned by"),
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_comment = models.TextField(_("reason for return"), blank=True, validators=[TextLengthValidator()])
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    objects = QuarterlyPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter", "distributor__code", "-revision"]
        verbose_name = _("quarterly plan")
        verbose_name_plural = _("quarterly plans")
        constraints = [
            models.UniqueConstraint(fields=["distributor", "year", "quarter", "revision"], name="plan_revision_unique"),
            models.UniqueConstraint(
                fields=["distributor", "year", "quarter"],
                condition=Q(status__in=["draft", "submitted", "returned"]),
                name="one_open_plan_per_distributor_quarter",
            ),
            models.UniqueConstraint(
                fields=["distributor", "year", "quarter"],
                condition=Q(status="approved"),
                name="one_approved_plan_per_distributor_quarter",
            ),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="plan_quarter_1_to_4"),
        ]
        indexes = [
            models.Index(fields=["year", "quarter", "status"], name="plan_quarter_status"),
            # The dashboards' pacing asks which current plans of a year follow a seasonal profile (most follow
            # none): a read of this small index instead of every approved plan of the year.
            models.Index(
                fields=["year", "quarter"],
                condition=Q(distribution="profile", status="approved"),
                name="plan_seasonal_current",
            ),
        ]

    def __str__(self) -> str:
        revision = f" r{self.revision}" if self.revision > 1 else ""
        return f"{self.distributor} {self.period_label}{revision}"

    @property
    def period_label(self) -> str:
        return quarter_label(self.year, self.quarter)

    @property
    def months(self):
        return quarter_months(self.year, self.quarter)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class MonthlyPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(plan__in=QuarterlyPlan.objects.visible_to(user))

    def current(self):
        return self.filter(plan__status=PlanStatus.APPROVED)


class MonthlyPlan(PlanTargets):
    plan = models.ForeignKey(
        QuarterlyPlan, on_delete=models.CASCADE, related_name="monthly_plans", verbose_name=_("quarterly plan")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))

    objects = MonthlyPlanQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "month"]
        verbose_name = _("monthly plan")
        verbose_name_plural = _("monthly plans")
        constraints = [models.UniqueConstraint(fields=["plan", "month"], name="monthly_plan_unique_month")]
        indexes = [models.Index(fields=["month", "plan"], name="monthly_plan_month")]

    def __str__(self) -> str:
        return f"{self.plan.distributor} {self.month:%Y-%m}"


class RepSplitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(monthly_plan__plan__in=QuarterlyPlan.objects.visible_to(user))

    def current(self):
        return self.filter(monthly_plan__plan__status=PlanStatus.APPROVED)


class RepSplit(PlanTargets):
    """A rep's share of a monthly plan (分解部署给各销售代表)."""

    monthly_plan = models.ForeignKey(
        MonthlyPlan, on_delete=models.CASCADE, related_name="rep_splits", verbose_name=_("monthly plan")
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_splits", verbose_name=_("rep")
    )
    share_pct = models.DecimalField(
        _("share %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
        help_text=_("Set when the month is split by percentage."),
    )

    objects = RepSplitQuerySet.as_manager()

    class Meta:
        ordering = ["monthly_plan", "rep__username"]
        verbose_name = _("rep split")
        verbose_name_plural = _("rep splits")
        constraints = [models.UniqueConstraint(fields=["monthly_plan", "rep"], name="rep_split_unique_rep")]
        indexes = [models.Index(fields=["rep", "monthly_plan"], name="rep_split_rep")]

    def __str__(self) -> str:
        return f"{self.monthly_plan} {self.rep}"


class PlanStep(models.Model):
    """One step of a plan's life: who did what, when, and why (a return's comment)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Drafted")
        CHANGED = "changed", _("Changed")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        REVISED = "revised", _("Revision started")
        SUPERSEDED = "superseded", _("Superseded")
        CONFIRMED = "confirmed", _("Confirmed by the distributor")

    plan = models.ForeignKey(QuarterlyPlan, on_delete=models.CASCADE, related_name="steps", verbose_name=_("plan"))
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True, validators=[TextLengthValidator()])

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")

    def __str__(self) -> str:
        return f"{self.plan} {self.action} {self.by}"


# --- Account plans ----------------------------------------------------------------------------------------


class AccountPlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Per accounts.scope by the distributor's owner; a rep also the plans with an action item of theirs."""
        scope = owned_by_scope(user, owner="distributor__owner")
        if _is_rep(user):
            return self.filter(scope | Q(Exists(ActionItem.objects.filter(account_plan=OuterRef("pk"), owner=user))))
        return self.filter(scope)

    def editable_by(self, user):
        """Account plans the user may change: a KAM the team's, the admin all."""
        if not getattr(user, "is_authenticated", False) or user.effective_role not in (Role.KAM, Role.ADMIN):
            return self.none()
        return self.filter(owned_by_scope(user, owner="distributor__owner"))


class AccountPlan(models.Model):
    """A key account's plan for a year: the vision, SMART objectives and the action items that get there."""

    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.PROTECT,
        related_name="account_plans",
        verbose_name=_("distributor"),
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    vision = models.TextField(_("vision"), validators=[TextLengthValidator()])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AccountPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "distributor__code"]
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        constraints = [
            models.UniqueConstraint(fields=["distributor", "year"], name="one_account_plan_per_distributor_year")
        ]

    def __str__(self) -> str:
        return f"{self.distributor} {self.year}"


class Objective(models.Model):
    """A SMART objective: specific (the statement), measurable (measure and target), time-bound (due date)."""

    account_plan = models.ForeignKey(
        AccountPlan, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("account plan")
    )
    statement = models.CharField(_("objective"), max_length=255)
    measure = models.CharField(
        _("measure"), max_length=120, help_text=_("What is counted, e.g. sales amount, outlets.")
    )
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    due_on = models.DateField(_("due date"))
    rationale = models.TextField(_("why it is achievable and relevant"), blank=True, validators=[TextLengthValidator()])

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.statement


class ActionItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(account_plan__in=AccountPlan.objects.visible_to(user))

    def open(self):
        return self.filter(status__in=[ActionItem.State.TODO, ActionItem.State.DOING])

    def overdue_as_of(self, day):
        return self.open().filter(due_on__lt=day)


class ActionItem(models.Model):
    class State(models.TextChoices):
        TODO = "todo", _("To do")
        DOING = "doing", _("Doing")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    account_plan = models.ForeignKey(
        AccountPlan, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("account plan")
    )
    objective = models.ForeignKey(
        Objective,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action_items",
        verbose_name=_("objective"),
    )
    task = models.CharField(_("task"), max_length=255)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items", verbose_name=_("owner")
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.TODO)
    completion_note = models.TextField(_("completion note"), blank=True, validators=[TextLengthValidator()])
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")
        indexes = [models.Index(fields=["owner", "status", "due_on"], name="action_item_owner_open")]

    def __str__(self) -> str:
        return self.task

    @property
    def is_open(self) -> bool:
        return self.status in (self.State.TODO, self.State.DOING)

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())
