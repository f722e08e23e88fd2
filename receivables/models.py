"""Receivables (应收账款): invoices, credit notes, payments and their allocations, write-offs, collection work,
reminders and statements.

Money never disappears: records are not deleted and their amounts, distributor and dates do not change once
saved. Every reduction of an invoice's open amount is an :class:`Allocation` row dated ``paid_on`` (from a
payment, a credit note or an approved write-off); a payment reversal is a new negative :class:`Payment` whose
allocations undo the original's. Aging "as of D" is therefore computed from dated rows, while ``open_amount``
on the invoice (and ``unallocated_amount`` on payments and credit notes) is the current figure, kept in the
same transaction as the allocations (see ../shared/PERF-NOTES.md).

Scope: a receivable is visible when its distributor's owning rep is in the user's scope — the narrow rule of
``accounts.scope.owned_by_scope`` (a rep sees only their own accounts' money, not their team's).
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.scope import owned_by_scope
from distributors.models import Distributor
from kamcrm.money import MONEY, ZERO
from kamcrm.validators import TextLengthValidator

DEFAULT_CURRENCY = "CNY"
currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter currency code such as CNY."))


class PaymentMethod(models.TextChoices):
    """One list: money collected on visits (reports) and payments."""

    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    CHEQUE = "cheque", _("Cheque")
    ACCEPTANCE_BILL = "acceptance_bill", _("Acceptance bill")


def money_scope(user, *, distributor: str = "distributor") -> Q:
    """The money rule: rows whose distributor (reached through ``distributor``) is owned within ``user``'s scope.

    Rep: own accounts; KAM: the team's; regional manager: the region's; finance: company or own region; admin: all.
    """
    return owned_by_scope(user, owner=f"{distributor}__owner" if distributor else "owner")


def distributors_with_money_visible_to(user):
    """Distributors whose receivables ``user`` may see (narrower than the card rule for reps)."""
    return Distributor.objects.filter(money_scope(user, distributor=""))


class ScopedByDistributor(models.QuerySet):
    def visible_to(self, user):
        return self.filter(money_scope(user))


class ScopedByInvoice(models.QuerySet):
    def visible_to(self, user):
        return self.filter(money_scope(user, distributor="invoice__distributor"))


# --- Settings, reference data ------------------------------------------------------------------------------


class ReceivablesSettings(models.Model):
    """One row of admin settings for receivables (``ReceivablesSettings.load()``)."""

    contact_language = models.CharField(
        _("language of reminders to distributors"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty to write to a distributor's contact in the language of the account's owner."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("receivables settings")
        verbose_name_plural = _("receivables settings")

    def __str__(self) -> str:
        return str(_("Receivables settings"))

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "ReceivablesSettings":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


def validate_thresholds(value) -> None:
    if not isinstance(value, list) or not value or len(value) > 9:
        raise ValidationError(_("Give between 1 and 9 thresholds (days past due)."))
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 3650 for v in value):
        raise ValidationError(_("Each threshold is a whole number of days between 1 and 3650."))
    if value != sorted(set(value)):
        raise ValidationError(_("Thresholds must go up, each once: e.g. 30, 60, 90, 180."))


class AgingBucketSet(models.Model):
    """A saved set of aging buckets: thresholds [30, 60, 90, 180] give not due, 1–30, 31–60, 61–90, 91–180, over 180."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    thresholds = models.JSONField(
        _("thresholds (days past due)"),
        validators=[validate_thresholds],
        help_text=_("Up to 9 ascending numbers of days, e.g. [15, 30, 45, 60, 90, 120, 180, 270, 365]."),
    )
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("aging bucket set")
        verbose_name_plural = _("aging bucket sets")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_bucket_set")
        ]

    def __str__(self) -> str:
        return self.name


class ReminderLevel(models.Model):
    """One step of the overdue escalation; sent at most once per invoice (see ``ReminderSent``)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    days_from_due = models.SmallIntegerField(
        _("days from the due date"),
        validators=[MinValueValidator(-60), MaxValueValidator(3650)],
        help_text=_("Negative: before the due date (−3 = three days before); positive: days past due."),
    )
    email_contact = models.BooleanField(_("e-mail the distributor's primary contact"), default=False)
    rep_task = models.BooleanField(_("give the owner rep a visit-to-collect task"), default=False)
    notify_rep = models.BooleanField(_("alert the owner rep"), default=False)
    notify_kam = models.BooleanField(_("alert the KAM"), default=False)
    notify_finance = models.BooleanField(_("alert finance"), default=False)
    notify_regional_manager = models.BooleanField(_("alert the regional manager"), default=False)
    stop_supply = models.BooleanField(_("stop-supply warning"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["days_from_due"]
        verbose_name = _("reminder level")
        verbose_name_plural = _("reminder levels")

    def __str__(self) -> str:
        return self.name


# --- Credit holds ------------------------------------------------------------------------------------------------


class HoldAction(models.TextChoices):
    HOLD = "hold", _("Hold new orders")
    WARN = "warn", _("Warn only")


class RuleCondition(models.TextChoices):
    OVERDUE = "overdue", _("Money past due")
    OVER_LIMIT = "over_limit", _("Over the credit limit")


class CreditHoldRule(models.Model):
    """An admin's rule: money more than ``over_days`` past due (up to ``up_to_days``), optionally only when that
    money is more than ``min_share`` of the balance, holds new orders (or warns) — for one tier or all. A rule
    with the condition "over the credit limit" decides whether an order that takes an account over its limit is
    held or only warned about (without such a rule: warned).

    Rules of the same tier (or of all tiers) may not cover overlapping ranges of days (receivables.holds)."""

    name = models.CharField(_("name"), max_length=100)
    condition = models.CharField(
        _("condition"), max_length=12, choices=RuleCondition.choices, default=RuleCondition.OVERDUE
    )
    tier = models.CharField(
        _("tier"),
        max_length=1,
        choices=Distributor._meta.get_field("tier").choices,
        blank=True,
        help_text=_("Leave empty for every tier."),
    )
    over_days = models.PositiveSmallIntegerField(
        _("more than … days past due"),
        default=0,
        validators=[MaxValueValidator(3650)],
        help_text=_("0: anything past due."),
    )
    up_to_days = models.PositiveSmallIntegerField(
        _("up to … days past due"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(3650)],
        help_text=_("Leave empty for no upper end."),
    )
    min_share = models.DecimalField(
        _("and above this share of the balance"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("E.g. 0.2 for 20 %; leave empty: any amount."),
    )
    action = models.CharField(_("action"), max_length=10, choices=HoldAction.choices, default=HoldAction.HOLD)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["tier", "over_days", "pk"]
        verbose_name = _("credit hold rule")
        verbose_name_plural = _("credit hold rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(up_to_days__isnull=True) | Q(up_to_days__gt=models.F("over_days")),
                name="credit_rule_range_goes_up",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CreditHoldKind(models.TextChoices):
    HOLD = "hold", _("Held by hand")
    RELEASE = "release", _("Released by hand")


class CreditHoldQuerySet(ScopedByDistributor):
    def active(self, on):
        """Manual holds not yet ended, and releases not ended that run until ``on`` or later."""
        return self.filter(ended_at__isnull=True).filter(
            Q(kind=CreditHoldKind.HOLD) | Q(kind=CreditHoldKind.RELEASE, until__gte=on)
        )


class CreditHold(models.Model):
    """Finance's hand on one account: a hold (until released) or a release of the rules' hold (until a date)."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="credit_holds", verbose_name=_("distributor")
    )
    kind = models.CharField(_("type"), max_length=10, choices=CreditHoldKind.choices)
    reason = models.CharField(_("reason"), max_length=255)
    until = models.DateField(_("until"), null=True, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    placed_at = models.DateTimeField(_("at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )
    end_reason = models.CharField(_("reason for ending"), max_length=255, blank=True)

    objects = CreditHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-pk"]
        verbose_name = _("credit hold")
        verbose_name_plural = _("credit holds")
        constraints = [
            models.UniqueConstraint(
                fields=["distributor"], condition=Q(ended_at__isnull=True), name="one_open_credit_hold_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distributor} {self.get_kind_display()}"


# --- Invoices ------------------------------------------------------------------------------------------------


class InvoiceStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("invoice status", "Open")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    WRITTEN_OFF = "written_off", _("Written off")
    DOUBTFUL = "doubtful", _("Doubtful")


DOUBTFUL_AFTER_DAYS = 180


class InvoiceQuerySet(ScopedByDistributor):
    def open(self):
        return self.filter(open_amount__gt=0)

    def overdue_as_of(self, as_of):
        """Invoices open today and past due on ``as_of`` (due before it)."""
        return self.open().filter(due_date__lt=as_of)


class Invoice(models.Model):
    number = models.CharField(_("invoice number"), max_length=40, unique=True)
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("distributor")
    )
    issue_date = models.DateField(_("issue date"))
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), validators=[MaxValueValidator(365)]
    )
    due_date = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY, validators=[currency_validator])
    amount = models.DecimalField(_("amount"), **MONEY)
    # Kept by receivables.services in the transaction that writes the allocations.
    open_amount = models.DecimalField(_("open amount"), **MONEY)
    last_applied_on = models.DateField(_("last applied on"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN)
    order_refs = models.CharField(
        _("orders"), max_length=255, blank=True, help_text=_("Order or ERP numbers this invoice bills.")
    )
    notes = models.TextField(_("notes"), blank=True, validators=[TextLengthValidator()])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_date", "-pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        indexes = [
            models.Index(fields=["distributor", "issue_date"], name="invoice_distributor_issued"),
            # By day, then account: the nightly reads a range of days, and a range's later (account, day) pairs.
            models.Index(fields=["due_date", "distributor"], name="invoice_due"),
            models.Index(fields=["last_applied_on"], name="invoice_last_applied"),
            # DSO's credit sales of the last 90 days for the whole company (receivables.selectors.credit_sales).
            models.Index(fields=["issue_date"], name="invoice_issued"),
            # The aging of today and the reminder scan only read open invoices: a small partial index.
            models.Index(
                fields=["distributor", "due_date"], condition=Q(open_amount__gt=0), name="invoice_open_by_account"
            ),
            # (due_date) INCLUDE (distributor_id, issue_date, open_amount) WHERE open_amount > 0: the aging of the
            # whole company reads only this index. Created by migration 0004 (SQLite has no INCLUDE).
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="invoice_amount_positive"),
            models.CheckConstraint(
                condition=Q(open_amount__gte=0, open_amount__lte=models.F("amount")), name="invoice_open_within_amount"
            ),
            models.CheckConstraint(condition=Q(due_date__gte=models.F("issue_date")), name="invoice_due_after_issue"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def paid_amount(self) -> Decimal:
        return self.amount - self.open_amount

    def days_past_due(self, as_of) -> int:
        return (as_of - self.due_date).days


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines", verbose_name=_("invoice"))
    product = models.ForeignKey(
        "distributors.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self) -> str:
        return self.description or str(self.product or "")


class CreditNote(models.Model):
    """Reduces what a distributor owes: applied to its invoice at once, or kept as unapplied credit."""

    number = models.CharField(_("credit note number"), max_length=40, unique=True)
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="credit_notes", verbose_name=_("distributor")
    )
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("invoice"),
    )
    issue_date = models.DateField(_("issue date"))
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY, validators=[currency_validator])
    amount = models.DecimalField(_("amount"), **MONEY)
    unapplied_amount = models.DecimalField(_("unapplied amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedByDistributor.as_manager()

    class Meta:
        ordering = ["-issue_date", "-pk"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        indexes = [
            models.Index(fields=["distributor", "issue_date"], name="creditnote_distributor_issued"),
            models.Index(fields=["issue_date"], name="creditnote_issued"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="creditnote_amount_positive"),
            models.CheckConstraint(
                condition=Q(unapplied_amount__gte=0, unapplied_amount__lte=models.F("amount")),
                name="creditnote_unapplied_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.number


# --- Payments -----------------------------------------------------------------------------------------------


class Payment(models.Model):
    """Money received from a distributor; a reversal is another Payment with the negative amount (``reverses``)."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="payments", verbose_name=_("distributor")
    )
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY, validators=[currency_validator])
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=80, blank=True)
    notes = models.TextField(_("notes"), blank=True, validators=[TextLengthValidator()])
    # Kept by receivables.services: amount minus the allocations (negative on a reversal).
    unallocated_amount = models.DecimalField(_("unallocated amount"), **MONEY)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name=_("reverses"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedByDistributor.as_manager()

    class Meta:
        ordering = ["-paid_on", "-pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["distributor", "paid_on"], name="payment_distributor_paid"),
            models.Index(fields=["paid_on"], name="payment_paid_on"),
            models.Index(fields=["distributor"], condition=~Q(unallocated_amount=0), name="payment_unallocated"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="payment_amount_not_zero"),
            # A double submit of the same bank reference is the same payment, never a second one.
            models.UniqueConstraint(
                fields=["distributor", "reference"],
                condition=Q(reverses__isnull=True) & ~Q(reference=""),
                name="payment_reference_unique_per_account",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0, reverses__isnull=True) | Q(amount__lt=0, reverses__isnull=False),
                name="payment_negative_only_as_reversal",
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0, unallocated_amount__gte=0, unallocated_amount__lte=models.F("amount"))
                | Q(amount__lt=0, unallocated_amount__lte=0, unallocated_amount__gte=models.F("amount")),
                name="payment_unallocated_within_amount",
            ),
        ]

    def __str__(self) -> str:
        label = self.reference or f"#{self.pk}"
        return f"{label} {self.paid_on:%Y-%m-%d}" if self.paid_on else label

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class WriteOffStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class WriteOff(models.Model):
    """Writing off bad debt (坏帐): proposed by finance, approved by the regional manager of the region or an admin."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="write_offs", verbose_name=_("invoice"))
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.TextField(_("reason"), validators=[TextLengthValidator()])
    status = models.CharField(
        _("status"), max_length=10, choices=WriteOffStatus.choices, default=WriteOffStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, validators=[TextLengthValidator()])

    objects = ScopedByInvoice.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        verbose_name = _("write-off")
        verbose_name_plural = _("write-offs")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="writeoff_amount_positive"),
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(status="proposed"), name="one_pending_writeoff_per_invoice"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount}"


class Allocation(models.Model):
    """One reduction of an invoice's open amount, dated ``paid_on``: money of a payment, a credit note or a write-off.

    ``paid_on`` is the date it counts from in aging "as of": the payment's date (or the credit note's, or the
    write-off's approval), but never before the invoice's issue date (money paid in advance counts once the
    invoice exists). A reversal's allocations are negative and dated on the reversal.
    """

    # Indexed by (invoice, paid_on) INCLUDE (amount) (migration 0003), which serves every lookup by invoice.
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("invoice"), db_index=False
    )
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("payment"),
    )
    credit_note = models.ForeignKey(
        CreditNote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("credit note"),
    )
    write_off = models.ForeignKey(
        WriteOff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
        verbose_name=_("write-off"),
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("counts from"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedByInvoice.as_manager()

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [
            # (invoice, paid_on) INCLUDE (amount), for "open on date D": created by migration 0003 (a covering
            # index on PostgreSQL, a plain one on SQLite, which has no INCLUDE).
            models.Index(fields=["paid_on"], name="allocation_paid_on"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="allocation_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(payment__isnull=False, credit_note__isnull=True, write_off__isnull=True)
                | Q(payment__isnull=True, credit_note__isnull=False, write_off__isnull=True)
                | Q(payment__isnull=True, credit_note__isnull=True, write_off__isnull=False),
                name="allocation_has_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} {self.amount}"

    @property
    def source(self):
        return self.payment or self.credit_note or self.write_off


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for finance")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class PaymentClaim(models.Model):
    """A rep's "money collected" (e.g. from a visit), waiting for finance to confirm it into a Payment.

    A claim from a visit is linked from the visit (``reports.Visit.payment_claim``, reverse accessor ``visit``):
    the layer above points down, this app knows nothing of visits.
    """

    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="payment_claims", verbose_name=_("distributor")
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_claims", verbose_name=_("rep")
    )
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    collected_on = models.DateField(_("collected on"))
    notes = models.TextField(_("notes"), blank=True, validators=[TextLengthValidator()])
    status = models.CharField(_("status"), max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.PENDING)
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="claim", verbose_name=_("payment")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reject_reason = models.CharField(_("reason for rejecting"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedByDistributor.as_manager()

    class Meta:
        ordering = ["-collected_on", "-pk"]
        verbose_name = _("payment claim")
        verbose_name_plural = _("payment claims")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="claim_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.distributor} {self.amount} {self.collected_on}"


# --- Collection work ----------------------------------------------------------------------------------------


class ActivityKind(models.TextChoices):
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    PROMISE = "promise", _("Promise to pay")
    EXTENSION = "extension", _("Extension granted")
    DISPUTE = "dispute", _("Dispute")


class CollectionActivity(models.Model):
    """One step of collection work (催收) on an account, optionally about one invoice."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="collection_activities", verbose_name=_("distributor")
    )
    invoice = models.ForeignKey(
        Invoice,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collection_activities",
        verbose_name=_("invoice"),
        help_text=_("Leave empty when it is about the whole account."),
    )
    kind = models.CharField(_("type"), max_length=12, choices=ActivityKind.choices)
    occurred_on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True, validators=[TextLengthValidator()])
    promised_on = models.DateField(_("promised payment date"), null=True, blank=True)
    promised_amount = models.DecimalField(_("promised amount"), **MONEY, null=True, blank=True)
    extended_to = models.DateField(_("extended to"), null=True, blank=True)
    dispute_reason = models.CharField(_("dispute reason"), max_length=255, blank=True)
    resolved_on = models.DateField(_("dispute resolved on"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=255, blank=True)
    # A promise to pay: who at the customer promised, and the invoices it covers (``invoice`` is the first one).
    promised_by = models.CharField(
        _("promised by"), max_length=100, blank=True, help_text=_("Who at the customer made the promise.")
    )
    promise_invoices = models.ManyToManyField(
        Invoice, blank=True, related_name="promises", verbose_name=_("invoices promised")
    )
    # Set once, by the escalation the day after a promise not kept (receivables.reminders.escalate_broken_promises).
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True, editable=False)
    escalation_task = models.ForeignKey(
        "CollectionTask",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("KAM task"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("logged by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedByDistributor.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("collection activity")
        verbose_name_plural = _("collection activities")
        indexes = [
            models.Index(fields=["distributor", "occurred_on"], name="activity_distributor_date"),
            models.Index(fields=["kind", "promised_on"], name="activity_kind_promised"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class TaskStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task status", "Open")
    DONE = "done", pgettext_lazy("task status", "Done")
    CANCELLED = "cancelled", _("Cancelled")


class CollectionTask(models.Model):
    """A "visit to collect" task for the owner rep, made by a reminder level; shows in the rep's overdue list."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="collection_tasks", verbose_name=_("distributor")
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="collection_tasks", verbose_name=_("rep")
    )
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("overdue amount"), **MONEY)
    invoices = models.ManyToManyField(Invoice, blank=True, related_name="collection_tasks", verbose_name=_("invoices"))
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    note = models.TextField(_("note"), blank=True, validators=[TextLengthValidator()])
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedByDistributor.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("collection task")
        verbose_name_plural = _("collection tasks")
        indexes = [models.Index(fields=["assigned_to", "status", "due_on"], name="task_rep_open")]

    def __str__(self) -> str:
        return f"{self.distributor} {self.due_on}"


class OpenSummary(models.Model):
    """One account's open money, for the worklist's ranking and today's dashboards: kept by ``receivables.summary``
    in the transaction of every write of an invoice's open amount (recording an invoice, every allocation:
    payments, claims, credit notes, write-offs, reversals) or of a credit note, and recomputed for the new day by
    the nightly task just after midnight.

    ``open_amount`` and ``open_invoices`` hold whatever the day; the overdue figures and the credit sales are
    those of ``as_of`` (``oldest_due`` is the oldest due date past due then, ``score`` Σ open × days past due). A
    row whose ``as_of`` is not the day asked for is not used (the worklist and the dashboards then read the
    invoices)."""

    distributor = models.OneToOneField(
        Distributor,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="open_summary",
        verbose_name=_("distributor"),
    )
    as_of = models.DateField(_("as of"))
    open_amount = models.DecimalField(_("open amount"), **MONEY)
    open_invoices = models.PositiveIntegerField(_("open invoices"), default=0)
    overdue_amount = models.DecimalField(_("overdue amount"), **MONEY)
    overdue_invoices = models.PositiveIntegerField(_("overdue invoices"), default=0)
    oldest_due = models.DateField(_("oldest due date past due"), null=True, blank=True)
    score = models.DecimalField(_("amount × days overdue"), max_digits=20, decimal_places=2)
    # Σ invoices − Σ credit notes issued in the DSO window ending on ``as_of`` (``summary.credit_sales``): with
    # ``open_amount``, a dashboard's DSO of today without reading the invoices.
    credit_sales = models.DecimalField(_("credit sales"), max_digits=18, decimal_places=2, default=ZERO)

    class Meta:
        verbose_name = _("open money of an account")
        verbose_name_plural = _("open money of the accounts")
        indexes = [
            # One index per worklist sort: the first page is an index-ordered read of ~25 rows.
            models.Index(
                models.F("score").desc(),
                models.F("overdue_amount").desc(),
                name="open_summary_score",
                condition=Q(open_invoices__gt=0),
            ),
            models.Index(
                models.F("overdue_amount").desc(), name="open_summary_overdue", condition=Q(open_invoices__gt=0)
            ),
            models.Index(fields=["oldest_due"], name="open_summary_days", condition=Q(open_invoices__gt=0)),
            models.Index(models.F("open_amount").desc(), name="open_summary_open", condition=Q(open_invoices__gt=0)),
            models.Index(fields=["as_of"], name="open_summary_as_of"),
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.as_of}"


class SavedWorklistView(models.Model):
    """A user's named worklist filters and sort (the page's query string), to come back to in one click."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="worklist_views", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("saved worklist view")
        verbose_name_plural = _("saved worklist views")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="one_worklist_view_name_per_user")]

    def __str__(self) -> str:
        return self.name


# --- Reminders ---------------------------------------------------------------------------------------------


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class ReminderMessage(models.Model):
    """The outbox: one e-mail to one recipient about one account, listing every overdue invoice of the account.

    Claimed for sending with a conditional update (pending → sending, ``claimed_at``) before the e-mail goes out,
    so two workers never send it twice; one left "sending" longer than ``REMINDER_STUCK_AFTER_MINUTES`` (its
    process died mid-send) is released and sent again by the sweeper (``reminders.sweep_stuck_messages``).
    """

    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="reminder_messages", verbose_name=_("distributor")
    )
    run_date = models.DateField(_("run date"))
    recipient_email = models.EmailField(_("recipient"))
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedByDistributor.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reminder message")
        verbose_name_plural = _("reminder messages")
        indexes = [models.Index(fields=["status"], condition=Q(status="pending"), name="reminder_message_pending")]

    def __str__(self) -> str:
        return self.subject


class ReminderSent(models.Model):
    """Invoice ``invoice`` got reminder level ``level`` — at most once (the unique constraint is the guarantee)."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped (a later level was due)")

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="reminders", verbose_name=_("invoice"))
    level = models.ForeignKey(ReminderLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("level"))
    run_date = models.DateField(_("run date"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SENT)
    claim = models.CharField(max_length=32, db_index=True, editable=False)
    messages = models.ManyToManyField(ReminderMessage, blank=True, related_name="reminders")
    task = models.ForeignKey(
        CollectionTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("task")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["run_date", "level__days_from_due"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [models.UniqueConstraint(fields=["invoice", "level"], name="one_reminder_per_invoice_level")]

    def __str__(self) -> str:
        return f"{self.invoice} {self.level}"


# --- Statements -----------------------------------------------------------------------------------------------


class ScheduleFrequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    WEEKLY = "weekly", _("Weekly")


class StatementSchedule(models.Model):
    """Statements of account that Celery generates and e-mails on a schedule, for chosen accounts, teams or regions.

    A monthly schedule sends on ``day`` (1–28) the statement of the previous calendar month; a weekly one on
    weekday ``day`` (1 = Monday … 7 = Sunday) the statement of the previous Monday–Sunday week.
    """

    name = models.CharField(_("name"), max_length=100)
    frequency = models.CharField(_("frequency"), max_length=10, choices=ScheduleFrequency.choices)
    day = models.PositiveSmallIntegerField(
        _("day"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Monthly: day of the month (1–28). Weekly: day of the week (1 = Monday … 7 = Sunday)."),
    )
    distributors = models.ManyToManyField(Distributor, blank=True, related_name="+", verbose_name=_("distributors"))
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+", verbose_name=_("teams"))
    regions = models.ManyToManyField("accounts.Region", blank=True, related_name="+", verbose_name=_("regions"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("statement schedule")
        verbose_name_plural = _("statement schedules")

    def __str__(self) -> str:
        return self.name


class StatementSent(models.Model):
    """A scheduled statement went to a distributor for a period — at most once per schedule, account and period."""

    schedule = models.ForeignKey(StatementSchedule, on_delete=models.CASCADE, related_name="sent")
    distributor = models.ForeignKey(Distributor, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    recipient_email = models.EmailField(_("recipient"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    error = models.TextField(_("error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = _("statement sent")
        verbose_name_plural = _("statements sent")
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "distributor", "period_start", "period_end"], name="one_statement_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.distributor} {self.period_start}–{self.period_end}"
