"""What a rep does every day: visits, orders (the sales ledger) and the daily report.

Scope: every row reaches an owning rep — a visit or order through its ``rep`` (the
person who did the work) and a report through its ``rep`` — and builds
``visible_to(user)`` from ``accounts.scope.owned_by_scope``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scope import owned_by_scope
from kamcrm.money import MONEY, ZERO
from kamcrm.validators import TextLengthValidator
from receivables.models import PaymentClaim, PaymentMethod

QUANTITY = {"max_digits": 12, "decimal_places": 2}


class RepScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(owned_by_scope(user, owner="rep"))


class VisitKind(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    ONLINE = "online", _("Online")


class Purpose(models.TextChoices):
    ORDER_TAKING = "order_taking", _("Order taking")
    COLLECTION = "collection", _("Collection")
    DISPLAY_CHECK = "display_check", _("Display check")
    COMPLAINT = "complaint", _("Complaint")
    TRAINING = "training", _("Training")
    RELATIONSHIP = "relationship", _("Relationship")
    OTHER = "other", _("Other")


class LateEntry(models.TextChoices):
    NONE = "", _("On time")
    PENDING = "pending", _("Late entry: waiting for the KAM")
    ACCEPTED = "accepted", _("Late entry: accepted")
    REJECTED = "rejected", _("Late entry: rejected")


class Visit(models.Model):
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.PROTECT, related_name="visits", verbose_name=_("distributor")
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits", verbose_name=_("rep")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=VisitKind.choices, default=VisitKind.IN_PERSON)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    visit_date = models.DateField(_("date"), editable=False, db_index=True)  # local date of started_at
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.ORDER_TAKING)
    purpose_note = models.CharField(_("purpose (details)"), max_length=255, blank=True)
    contacts_met = models.ManyToManyField(
        "distributors.Contact", blank=True, related_name="visits", verbose_name=_("contacts met")
    )
    outcome = models.TextField(_("outcome"), blank=True, validators=[TextLengthValidator()])
    brands_discussed = models.ManyToManyField(
        "distributors.Brand", blank=True, related_name="+", verbose_name=_("brands discussed")
    )
    strategies = models.ManyToManyField(
        "reports.ServiceStrategy", blank=True, related_name="visits", verbose_name=_("service strategies applied")
    )
    needs_observed = models.ManyToManyField(
        "reports.Need", blank=True, related_name="visits", verbose_name=_("customer needs observed")
    )
    collected_amount = models.DecimalField(
        _("money collected"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    collection_method = models.CharField(
        _("collection method"), max_length=20, choices=PaymentMethod.choices, blank=True
    )
    # The money collected went to finance as this claim (one claim per visit; money records are never deleted).
    payment_claim = models.OneToOneField(
        PaymentClaim,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="visit",
        verbose_name=_("payment claim"),
    )
    follow_up_action = models.CharField(_("follow-up action"), max_length=255, blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    location_accuracy_m = models.PositiveIntegerField(_("location accuracy (m)"), null=True, blank=True)
    distance_from_account_m = models.PositiveIntegerField(
        _("distance from the account (m)"), null=True, blank=True, editable=False
    )
    # Logged by the rep for a day already submitted: kept, and the KAM accepts or rejects it.
    late_entry = models.CharField(
        _("late entry"), max_length=10, choices=LateEntry.choices, blank=True, default=LateEntry.NONE, db_default=""
    )  # db_default: rows written in bulk by raw SQL (the bench data) need no value
    late_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("late entry decided by"),
    )
    late_decided_at = models.DateTimeField(_("late entry decided at"), null=True, blank=True, editable=False)
    late_note = models.CharField(
        _("KAM's note on the late entry"), max_length=255, blank=True, editable=False, default="", db_default=""
    )
    # The browser's id for this visit: a retried submit from a flaky connection saves it once.
    client_ref = models.UUIDField(_("client reference"), null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RepScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["rep", "visit_date"], name="visit_rep_date"),
            models.Index(fields=["distributor", "visit_date"], name="visit_distributor_date"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_date} {self.distributor}"

    @property
    def is_far_from_account(self) -> bool | None:
        if self.distance_from_account_m is None:
            return None
        return self.distance_from_account_m > settings.KAMCRM_FAR_FROM_ACCOUNT_M

    @property
    def check_in(self) -> str:
        """Check-in honesty of an in-person visit: "far", "no_location" (the phone sent none), "ok", or
        "unknown" (the account has no coordinates); "" for a phone or online contact."""
        if self.kind != VisitKind.IN_PERSON:
            return ""
        if self.latitude is None or self.longitude is None:
            return "no_location"
        if self.distance_from_account_m is None:
            return "unknown"
        return "far" if self.is_far_from_account else "ok"


class VisitStock(models.Model):
    """Stock seen at the distributor during a visit: brand -> units."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="stock_seen")
    brand = models.ForeignKey("distributors.Brand", on_delete=models.PROTECT, related_name="+", verbose_name=_("brand"))
    units = models.PositiveIntegerField(_("units"))

    class Meta:
        verbose_name = _("stock seen")
        verbose_name_plural = _("stock seen")
        constraints = [models.UniqueConstraint(fields=["visit", "brand"], name="visit_stock_brand_unique")]

    def __str__(self) -> str:
        return f"{self.brand}: {self.units}"


class VisitPhoto(models.Model):
    class Kind(models.TextChoices):
        DISPLAY = "display", _("Display")
        STOCK = "stock", _("Stock")
        DOCUMENT = "document", _("Signed document")

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DISPLAY)
    image = models.ImageField(_("photo"), upload_to="visits/%Y/%m/")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.image.name}"


class OrderStatus(models.TextChoices):
    TAKEN = "taken", _("Taken")
    CONFIRMED = "confirmed", _("Confirmed")
    SHIPPED = "shipped", _("Shipped")
    CANCELLED = "cancelled", _("Cancelled")


# Orders in these states are sales (the dashboards' sales_amount and gross_profit).
SALES_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.SHIPPED)


class OrderQuerySet(RepScopedQuerySet):
    def sales(self):
        return self.filter(status__in=SALES_STATUSES)


class Order(models.Model):
    """The sales ledger: orders taken on visits, entered by a KAM, or imported from the ERP."""

    class Source(models.TextChoices):
        VISIT = "visit", _("Visit")
        MANUAL = "manual", _("Entered by hand")
        IMPORT = "import", _("ERP import")

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.PROTECT, related_name="orders", verbose_name=_("distributor")
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders", verbose_name=_("rep")
    )
    order_date = models.DateField(_("order date"))
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.TAKEN)
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="orders", verbose_name=_("visit")
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    erp_number = models.CharField(_("ERP number"), max_length=40, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY, default=ZERO, editable=False)
    gross_profit = models.DecimalField(_("gross profit"), **MONEY, default=ZERO, editable=False)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-order_date", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["rep", "order_date"], name="order_rep_date"),
            models.Index(fields=["distributor", "order_date"], name="order_distributor_date"),
            # The nightly rollup reads one day of every account's orders.
            models.Index(fields=["order_date"], name="order_date"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["erp_number"], condition=~Q(erp_number=""), name="order_erp_number_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.distributor} {self.order_date}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "distributors.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("quantity"), **QUANTITY, validators=[MinValueValidator(Decimal("0.01"))])
    unit_price = models.DecimalField(_("unit price"), **MONEY, validators=[MinValueValidator(ZERO)])
    unit_cost = models.DecimalField(_("unit cost"), **MONEY, validators=[MinValueValidator(ZERO)])
    amount = models.DecimalField(_("amount"), **MONEY, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"

    @property
    def gross_profit(self) -> Decimal:
        return self.amount - (self.quantity * self.unit_cost).quantize(Decimal("0.01"))


class DailyReport(models.Model):
    """推销日报表: the rep's day, assembled from the day's visits and orders, plus the rep's notes."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        REOPENED = "reopened", _("Reopened")

    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="daily_reports", verbose_name=_("rep")
    )
    date = models.DateField(_("date"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    happenings = models.TextField(_("what happened"), blank=True, validators=[TextLengthValidator()])
    problems = models.TextField(_("problems"), blank=True, validators=[TextLengthValidator()])
    market_info = models.TextField(_("market information"), blank=True, validators=[TextLengthValidator()])
    competitor_activity = models.TextField(_("competitor activity"), blank=True, validators=[TextLengthValidator()])
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = RepScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "rep__username"]
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [models.UniqueConstraint(fields=["rep", "date"], name="daily_report_rep_date_unique")]

    def __str__(self) -> str:
        return f"{self.rep} {self.date}"

    @property
    def is_locked(self) -> bool:
        return self.state == self.State.SUBMITTED
