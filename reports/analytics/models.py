"""Rollup tables: what the dashboards and the weekly/monthly reports read instead of the raw rows.

The grain is the account (distributor) × day, and the same figures per account × month. The issue asks for
rep × distributor × day; the rep of a figure is the account's *current owner* (../shared/API.md: "for the
scope's distributors by current owner"), so it is joined when the figures are read, not stored: a change of
owner moves the account's history with it and needs no rebuild.

Every column is a sum over source rows dated that day, so a period's figure is the sum of its days (or
months). The one figure that is not a plain sum — money due in a period — is put together from three
(see ``reports.analytics.dashboards.selectors``):

- ``became_due``: Σ amount of the invoices that became collectible that day (the later of issue and due date);
- ``settled``: Σ of every reduction of those invoices' open amounts (payments, credit notes, write-offs),
  dated the later of the allocation's date and the day the invoice became collectible;
- ``CollectionAhead``: allocations made *before* their invoice became collectible, by both dates.

The money collectible before a day and still open at its start is then Σ (became_due − settled) of every
earlier day: the month rows before its month plus the day rows of its month before it.

The foreign keys have no database constraint: rows are only ever inserted from existing source rows in bulk,
and checking millions of them one by one would double the rebuild's time; deleting an account still cascades.

Rows are written only by ``reports.analytics.rollups.services`` (the Celery tasks and ``manage.py rebuild_rollups``),
always by deleting and re-inserting a range, so running the same refresh twice gives the same tables.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scope import owned_by_scope
from accounts.selectors import teams_overseen_by
from kamcrm.money import ZERO

MONEY = {"max_digits": 16, "decimal_places": 2, "default": ZERO}
FLOW_FIELDS = (
    "sales_amount",
    "gross_profit",
    "orders",
    "visits",
    "visits_planned",
    "payments_received",
    "collected_on_time",
    "credited_on_time",
    "became_due",
    "settled",
)
MONEY_FLOWS = (
    "sales_amount",
    "gross_profit",
    "payments_received",
    "collected_on_time",
    "credited_on_time",
    "became_due",
    "settled",
)


class FlowSums(models.Model):
    """The flows summed per account and day or month (``RollupFlows``), or per owner and month (``OwnerMonth``)."""

    sales_amount = models.DecimalField(_("sales amount"), **MONEY)
    gross_profit = models.DecimalField(_("gross profit"), **MONEY)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    visits_planned = models.PositiveIntegerField(_("visits planned"), default=0)
    payments_received = models.DecimalField(_("payments received"), **MONEY)
    # Payment allocations dated that day to invoices already collectible on it.
    collected_on_time = models.DecimalField(_("collected"), **MONEY)
    # Credit notes and write-offs dated that day on invoices already collectible on it (they reduce what was due).
    credited_on_time = models.DecimalField(_("credited"), **MONEY)
    became_due = models.DecimalField(_("became collectible"), **MONEY)
    settled = models.DecimalField(_("settled"), **MONEY)

    class Meta:
        abstract = True


class RollupFlows(FlowSums):
    """The sums kept per account and day (or month)."""

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )

    class Meta:
        abstract = True


class DistributorDay(RollupFlows):
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("account day rollup")
        verbose_name_plural = _("account day rollups")
        constraints = [models.UniqueConstraint(fields=["distributor", "day"], name="rollup_day_unique")]
        # The nightly run rewrites a day of every account and sums the month from its days.
        indexes = [models.Index(fields=["day"], name="rollup_day_day")]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.day}"


class DistributorMonth(RollupFlows):
    month = models.DateField(_("month"))
    # Σ (became_due − settled) of the account's months up to this one: the money collectible by the month's end
    # and still open then. The money open at a period's start is the balance of the account's last month row
    # before it (one index probe per account instead of summing its whole history). Kept by
    # ``reports.analytics.rollups.services._rebuild_month_balances`` after the month rows are written.
    balance = models.DecimalField(
        _("open at the month's end"), max_digits=16, decimal_places=2, default=ZERO, db_default=ZERO
    )
    # Whether the account has an approved, current plan for the month (a TargetMonth row without rep): its sales
    # and gross profit then count as planned. Kept by the rollup writers with the targets, so dashboards read it
    # with the flows instead of probing the plans for every row.
    planned = models.BooleanField(_("planned"), default=False, db_default=False)

    class Meta:
        verbose_name = _("account month rollup")
        verbose_name_plural = _("account month rollups")
        constraints = [models.UniqueConstraint(fields=["distributor", "month"], name="rollup_month_unique")]
        # Dashboards read whole history here (the money open before a period): an index-only scan on PostgreSQL.
        # And every account's months from a month on: the running balances kept after a rebuild, the company's
        # flows of a month (a sequential scan of every row without it).
        indexes = [
            # ``balance`` too: the money open before a period is one index-only probe per account.
            models.Index(
                fields=["distributor", "month"],
                include=(*FLOW_FIELDS, "balance", "planned"),
                name="rollup_month_covering",
            ),
            # A region's or the company's months (their flows, the planned flag, the accounts' balances at a
            # month's end): an index-only range scan, not a heap page per account.
            models.Index(
                fields=["month"],
                include=("distributor", *FLOW_FIELDS, "balance", "planned"),
                name="rollup_month_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.month:%Y-%m}"


class OwnerMonth(FlowSums):
    """The month rows and plan targets of every account a rep currently owns, added up per rep and month.

    A team's, a region's or the company's dashboard groups its accounts by their current owner's team or region:
    read from here, a region's year is a row per rep and month (~1,200), not per account and month (~12,000), and
    the company's month ~2,000 rows instead of 20,000 month rows, 20,000 targets and 20,000 balances.

    Kept by ``reports.analytics.rollups.services`` in the transaction that writes the accounts' month rows or
    targets (the owners of the accounts refreshed, from the first month refreshed on), and when a card changes
    owner or is deleted (both owners, every month). A row's figures are exactly the sums of the month rows and
    plan targets of the accounts the rep owns *now*; ``tests/reports/test_rollup_refresh.py`` compares them with
    those sums after any changes.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField(_("month"))
    # Σ sales and gross profit of the accounts' months with an approved plan (``DistributorMonth.planned``).
    planned_sales_amount = models.DecimalField(_("planned sales amount"), **MONEY)
    planned_gross_profit = models.DecimalField(_("planned gross profit"), **MONEY)
    # Σ (became_due − settled) of the rep's accounts' months up to this one: Σ of their balances at its end.
    balance = models.DecimalField(_("open at the month's end"), **MONEY)
    # Σ of the accounts' plan targets (TargetMonth without rep: TARGET_COLUMNS).
    target_sales_amount = models.DecimalField(_("sales target"), **MONEY)
    target_gross_profit = models.DecimalField(_("gross profit target"), **MONEY)
    target_collection_amount = models.DecimalField(_("collection target"), **MONEY)
    target_outlet_coverage = models.IntegerField(_("outlet coverage target"), default=0)
    target_new_outlets = models.IntegerField(_("new outlets target"), default=0)

    class Meta:
        verbose_name = _("rep month rollup")
        verbose_name_plural = _("rep month rollups")
        constraints = [models.UniqueConstraint(fields=["owner", "month"], name="rollup_owner_month_unique")]
        # The company's month: every rep's row of one month.
        indexes = [models.Index(fields=["month"], name="rollup_owner_month_month")]

    def __str__(self) -> str:
        return f"{self.owner_id} {self.month:%Y-%m}"


class CollectionAhead(models.Model):
    """Allocations dated before their invoice became collectible, summed by both dates."""

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    paid_on = models.DateField(_("paid on"))
    due_on = models.DateField(_("collectible from"))
    amount = models.DecimalField(_("amount"), **MONEY)  # every source: payments, credit notes, write-offs
    collected = models.DecimalField(_("collected"), **MONEY)  # payments only

    class Meta:
        verbose_name = _("early allocation rollup")
        verbose_name_plural = _("early allocation rollups")
        constraints = [models.UniqueConstraint(fields=["distributor", "due_on", "paid_on"], name="rollup_ahead_unique")]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.paid_on} → {self.due_on}"


TARGET_COLUMNS = ("sales_amount", "gross_profit", "collection_amount", "outlet_coverage", "new_outlets")


class TargetMonth(models.Model):
    """Σ of the approved monthly plan targets of an account and month; with ``rep``, that rep's splits."""

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField(_("month"))
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    sales_amount = models.DecimalField(_("sales amount"), **MONEY)
    gross_profit = models.DecimalField(_("gross profit"), **MONEY)
    collection_amount = models.DecimalField(_("collection amount"), **MONEY)
    outlet_coverage = models.IntegerField(_("outlet coverage"), default=0)
    new_outlets = models.IntegerField(_("new outlets"), default=0)

    class Meta:
        verbose_name = _("monthly target rollup")
        verbose_name_plural = _("monthly target rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["distributor", "month"], condition=Q(rep__isnull=True), name="rollup_target_unique"
            ),
            models.UniqueConstraint(
                fields=["distributor", "month", "rep"], condition=Q(rep__isnull=False), name="rollup_rep_target_unique"
            ),
        ]
        # The dashboards read an account's month with its splits (rep null or not), and a refresh deletes an
        # account's rows: both need an index without the partial indexes' conditions (a scan of every row else).
        # A region's or the company's dashboard reads every account's plan of the period's months (issue 16).
        indexes = [
            # With the targets (INCLUDE): a team's or a region's accounts' months, and the reps' splits of them, are
            # read from the index alone, not a heap page per row. (Not on the unique constraints above: Django
            # leaves a unique constraint with INCLUDE out on the embedded SQLite.)
            models.Index(
                fields=["distributor", "month"],
                include=["rep", *TARGET_COLUMNS],
                name="rollup_target_account_month",
            ),
            models.Index(
                fields=["month"],
                include=["distributor", *TARGET_COLUMNS],
                condition=Q(rep__isnull=True),
                name="rollup_target_plan_month",
            ),
            # The accounts where a rep has a split in a span of months (the rep's dashboard and trend).
            models.Index(
                fields=["rep", "month"],
                include=["distributor"],
                condition=Q(rep__isnull=False),
                name="rollup_target_rep_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.month:%Y-%m} {self.rep_id or ''}"


class OutletChange(models.Model):
    """The change of an account's outlet network (city + county + town) on a day, from its card's audit trail."""

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    day = models.DateField(_("day"))
    change = models.IntegerField(_("change"))

    class Meta:
        verbose_name = _("outlet change")
        verbose_name_plural = _("outlet changes")
        constraints = [models.UniqueConstraint(fields=["distributor", "day"], name="rollup_outlet_unique")]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.day} {self.change:+d}"


class RollupState(models.Model):
    """When an account's rollups were last computed (the dashboards' "computed at")."""

    distributor = models.OneToOneField(
        "distributors.Distributor", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.computed_at}"


class PendingRefresh(models.Model):
    """An account whose source rows changed on the days [start, end] (None: from its first day / to its last): written
    after the commit of the change, read and deleted by the drain task (``reports.analytics.rollups.services.drain``),
    which refreshes each account once over the days of all its requests."""

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("to"), null=True, blank=True)
    parts = models.PositiveSmallIntegerField(
        _("parts"), default=15
    )  # reports.analytics.rollups.services.FLOWS | AHEAD | …
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending rollup refresh")
        verbose_name_plural = _("pending rollup refreshes")

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.start or '…'} – {self.end or '…'}"


class PeriodReportQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A rep's report: per accounts.scope by the rep; a team's: its KAM, the region's managers, finance, admin."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        rep_reports = Q(rep__isnull=False) & owned_by_scope(user, owner="rep")
        team_reports = Q(team__in=teams_overseen_by(user))
        return self.filter(rep_reports | team_reports)


class PeriodReport(models.Model):
    """A weekly or monthly report (周报 / 月报) of a rep or a team, generated once after its period closes.

    ``figures`` keeps the dashboard as it was computed then (API.md's shape); the rep's review or summary and the
    managers' comments are read live, so a comment made on Monday morning shows in the report and its PDF.
    """

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly report")
        MONTHLY = "monthly", _("Monthly report")

    class Level(models.TextChoices):
        REP = "rep", _("Rep")
        TEAM = "team", _("Team")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="period_reports",
        verbose_name=_("rep"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="period_reports",
        verbose_name=_("team"),
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    figures = models.JSONField(_("figures"), default=dict)
    generated_at = models.DateTimeField(_("generated at"))
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    emailed_to = models.CharField(_("e-mailed to"), max_length=500, blank=True)

    objects = PeriodReportQuerySet.as_manager()

    class Meta:
        ordering = ["-start", "kind", "level", "pk"]
        verbose_name = _("period report")
        verbose_name_plural = _("period reports")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "rep", "start"], condition=Q(rep__isnull=False), name="period_report_rep_once"
            ),
            models.UniqueConstraint(
                fields=["kind", "team", "start"], condition=Q(team__isnull=False), name="period_report_team_once"
            ),
            models.CheckConstraint(
                condition=Q(level="rep", rep__isnull=False, team__isnull=True)
                | Q(level="team", team__isnull=False, rep__isnull=True),
                name="period_report_one_subject",
            ),
        ]
        indexes = [models.Index(fields=["start", "kind"], name="period_report_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_label} {self.start}"

    @property
    def subject_label(self) -> str:
        return self.rep.display_name if self.rep_id else self.team.name
