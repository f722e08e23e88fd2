"""Writes to receivables. Each is one atomic, validated, audited function with keyword-only arguments.

Callers pass the acting user as ``by``. A role that may never take the action raises ``PermissionDenied``;
bad data raises ``ValidationError`` with field errors, and nothing is saved. Objects outside ``by``'s scope
are the caller's to refuse (pages and the API look them up through ``visible_to``); the services check the
distributor's scope again so no path can write outside it.

Locks (Saleor style, in named helpers): the money source (payment, credit note, write-off, claim) first, then
the invoices in primary-key order, so two payments on the same invoice wait for each other and never
over-allocate, and two transactions never wait for each other in a cycle.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.notifications import notify
from distributors.models import Distributor
from kamcrm.audit import services as audit
from kamcrm.formatting import money
from kamcrm.money import CENT, ZERO
from kamcrm.validation import check_dates

from . import holds, summary
from .models import (
    DEFAULT_CURRENCY,
    DOUBTFUL_AFTER_DAYS,
    ActivityKind,
    Allocation,
    ClaimStatus,
    CollectionActivity,
    CollectionTask,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentClaim,
    PaymentMethod,
    TaskStatus,
    WriteOff,
    WriteOffStatus,
    distributors_with_money_visible_to,
)

MONEY_ROLES = (Role.FINANCE, Role.ADMIN)
MAX_AMOUNT = Decimal("999999999999.99")


# --- Who may do what ---------------------------------------------------------------------------------------


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_record_money(user: User) -> bool:
    """Finance and admin record invoices, credit notes and payments, confirm claims and propose write-offs."""
    return _active(user) and user.effective_role in MONEY_ROLES


def can_log_collection(user: User) -> bool:
    """Anyone working an account logs collection activities and payment claims (scope decides which accounts)."""
    return _active(user)


def can_decide_write_off(user: User) -> bool:
    """A regional manager (of the invoice's region: scope) or an admin approves or rejects write-offs."""
    return _active(user) and user.effective_role in (Role.REGIONAL_MANAGER, Role.ADMIN)


def _require_money_role(by: User) -> None:
    if not can_record_money(by):
        raise PermissionDenied(_("Only finance or an administrator can record money."))


def _check_distributor(distributor: Distributor | None, by: User) -> None:
    if distributor is None or not distributors_with_money_visible_to(by).filter(pk=distributor.pk).exists():
        raise ValidationError({"distributor": [_("Choose a distributor in your scope.")]})


def today() -> date:
    return timezone.localdate()


# --- Checks shared by the writes ----------------------------------------------------------------------------


def _positive(amount, field: str = "amount") -> Decimal:
    if amount is None:
        raise ValidationError({field: [_("Enter an amount.")]})
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({field: [_("The amount must be more than zero.")]})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: [_("Use at most two decimal places.")]})
    if amount > MAX_AMOUNT:
        raise ValidationError({field: [_("The amount is too large.")]})
    return amount


def _not_future(day: date | None, field: str) -> date:
    if day is None:
        raise ValidationError({field: [_("Enter a date.")]})
    check_dates(**{field: day})  # money records stay within the date window
    if day > today():
        raise ValidationError({field: [_("The date cannot be in the future.")]})
    return day


def _currency(value: str | None) -> str:
    value = (value or DEFAULT_CURRENCY).strip().upper()
    if len(value) != 3 or not value.isalpha():
        raise ValidationError({"currency": [_("Use a three-letter currency code such as CNY.")]})
    return value


def invoice_status(invoice: Invoice, *, on: date | None = None) -> str:
    """The status ``invoice`` should have on ``on`` (today) from its open amount, write-offs and due date."""
    on = on or today()
    if invoice.open_amount <= 0:
        written_off = invoice.pk and Allocation.objects.filter(invoice=invoice, write_off__isnull=False).exists()
        return InvoiceStatus.WRITTEN_OFF if written_off else InvoiceStatus.PAID
    if (on - invoice.due_date).days > DOUBTFUL_AFTER_DAYS:
        return InvoiceStatus.DOUBTFUL
    if invoice.open_amount < invoice.amount:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.OPEN


# --- Locks -------------------------------------------------------------------------------------------------------


def _lock_invoices(pks) -> dict[int, Invoice]:
    """Lock the invoices (primary-key order) and return them fresh from the database; their accounts' money first
    (``summary.lock_accounts``: every writer of an account takes it before its invoices)."""
    pks = list(pks)
    summary.lock_accounts(Invoice.objects.filter(pk__in=pks).values_list("distributor_id", flat=True).distinct())
    return {inv.pk: inv for inv in Invoice.objects.select_for_update().filter(pk__in=list(pks)).order_by("pk")}


def _lock_open_invoices(distributor: Distributor, currency: str) -> list[Invoice]:
    """Lock the account's open invoices and return them oldest due first (ties: issue date, then number)."""
    summary.lock_accounts([distributor.pk])
    invoices = list(
        Invoice.objects.select_for_update()
        .filter(distributor=distributor, currency=currency, open_amount__gt=0)
        .order_by("pk")
    )
    invoices.sort(key=lambda inv: (inv.due_date, inv.issue_date, inv.number))
    return invoices


def _lock(model, pk):
    return model.objects.select_for_update().get(pk=pk)


def _lock_in_scope(model, pk, by: User):
    """The row of ``model`` locked for update, once ``by`` is known to keep its distributor's money."""
    row = _lock(model, pk)
    _check_distributor(row.distributor, by)
    return row


# --- Applying money to invoices ---------------------------------------------------------------------------------


@dataclass
class _Plan:
    invoice: Invoice
    amount: Decimal


def _plan_allocations(
    *,
    distributor: Distributor,
    currency: str,
    available: Decimal,
    allocations: list[tuple[Invoice, Decimal]] | None,
    what: str,
) -> list[_Plan]:
    """Lock the invoices and decide how much of ``available`` goes to each. Raises ValidationError (allocations)."""
    if allocations is None:
        plans, remaining = [], available
        for invoice in _lock_open_invoices(distributor, currency):
            if remaining <= 0:
                break
            take = min(remaining, invoice.open_amount)
            plans.append(_Plan(invoice, take))
            remaining -= take
        return plans
    errors, seen, total = [], set(), ZERO
    for invoice, amount in allocations:
        if invoice.pk in seen:
            errors.append(_("Invoice %(number)s is listed twice.") % {"number": invoice.number})
        seen.add(invoice.pk)
        if invoice.distributor_id != distributor.pk:
            errors.append(_("Invoice %(number)s belongs to another distributor.") % {"number": invoice.number})
        elif invoice.currency != currency:
            errors.append(
                _("Invoice %(number)s is in %(currency)s.") % {"number": invoice.number, "currency": invoice.currency}
            )
        if amount is None or amount <= 0:
            errors.append(_("Each allocation must be more than zero."))
        elif amount != Decimal(amount).quantize(CENT):
            errors.append(_("Use at most two decimal places."))
        else:
            total += amount
    if errors:
        raise ValidationError({"allocations": errors})
    if total > available:
        raise ValidationError(
            {
                "allocations": [
                    _("The allocations add up to %(total)s, more than the %(available)s of this %(what)s.")
                    % {"total": money(total), "available": money(available), "what": what}
                ]
            }
        )
    locked = _lock_invoices(invoice.pk for invoice, _amount in allocations)
    plans = []
    for invoice, amount in allocations:
        fresh = locked[invoice.pk]
        if amount > fresh.open_amount:
            errors.append(
                _("Invoice %(number)s has %(open)s open; %(amount)s cannot be allocated to it.")
                % {"number": fresh.number, "open": money(fresh.open_amount), "amount": money(amount)}
            )
        plans.append(_Plan(fresh, amount))
    if errors:
        raise ValidationError({"allocations": errors})
    return plans


def _apply(invoice: Invoice, *, amount: Decimal, paid_on: date, by: User, **source) -> Allocation:
    """Write one allocation and bring the (locked) invoice's open amount, last date and status up to date."""
    allocation = Allocation.objects.create(invoice=invoice, amount=amount, paid_on=paid_on, created_by=by, **source)
    invoice.open_amount -= amount
    invoice.last_applied_on = max(filter(None, (invoice.last_applied_on, paid_on)))
    invoice.status = invoice_status(invoice)
    invoice.save(update_fields=["open_amount", "last_applied_on", "status", "updated_at"])
    summary.refresh([invoice.distributor_id])
    return allocation


def _counts_from(source_date: date, invoice: Invoice) -> date:
    # Money paid before the invoice existed counts from the invoice's issue date (see Allocation).
    return max(source_date, invoice.issue_date)


def _allocations_snapshot(source) -> list[list]:
    return [[a.invoice_id, f"{a.amount:.2f}", a.paid_on.isoformat()] for a in source.allocations.order_by("pk")]


def _money_snapshot(source) -> dict:
    data = audit.snapshot(source)
    data["allocations"] = _allocations_snapshot(source)
    return data


# --- Invoices ----------------------------------------------------------------------------------------------------


def _check_number(model, number: str, field: str = "number") -> str:
    number = (number or "").strip()
    if not number:
        raise ValidationError({field: [_("Enter a number.")]})
    if len(number) > model._meta.get_field("number").max_length:
        raise ValidationError({field: [_("The number is too long.")]})
    if model.objects.filter(number__iexact=number).exists():
        raise ValidationError(
            {field: [_("%(model)s %(number)s already exists.") % {"model": model._meta.verbose_name, "number": number}]}
        )
    return number


def _line_amounts(lines: list[dict]) -> list[InvoiceLine]:
    built, errors = [], []
    for index, line in enumerate(lines, start=1):
        quantity, price = line.get("quantity"), line.get("unit_price")
        if quantity is None or Decimal(quantity) <= 0:
            errors.append(_("Line %(n)s: the quantity must be more than zero.") % {"n": index})
            continue
        if price is None or Decimal(price) < 0:
            errors.append(_("Line %(n)s: the unit price cannot be negative.") % {"n": index})
            continue
        if not (line.get("description") or line.get("product")):
            errors.append(_("Line %(n)s: give a product or a description.") % {"n": index})
            continue
        amount = (Decimal(quantity) * Decimal(price)).quantize(CENT)
        built.append(
            InvoiceLine(
                product=line.get("product"),
                description=(line.get("description") or "")[:200],
                quantity=Decimal(quantity),
                unit_price=Decimal(price),
                amount=amount,
            )
        )
    if errors:
        raise ValidationError({"lines": errors})
    return built


@transaction.atomic
def record_invoice(
    *,
    distributor: Distributor,
    number: str,
    issue_date: date,
    by: User,
    amount: Decimal | None = None,
    lines: list[dict] | None = None,
    payment_terms_days: int | None = None,
    due_date: date | None = None,
    currency: str = DEFAULT_CURRENCY,
    order_refs: str = "",
    notes: str = "",
) -> Invoice:
    """Record an invoice: a total, or lines whose amounts make the total. Returns it with ``credit_check`` set.

    Terms default to the account's; the due date to issue date + terms. Raises ValidationError (number taken,
    amount not positive, dates) or PermissionDenied (only finance and admin record invoices). A credit hold
    refuses new orders, not the invoice of a sale already made: ``credit_check`` carries its warning.
    """
    _require_money_role(by)
    _check_distributor(distributor, by)
    number = _check_number(Invoice, number)
    _not_future(issue_date, "issue_date")
    line_objects = _line_amounts(lines) if lines else []
    if line_objects:
        total = sum((line.amount for line in line_objects), ZERO)
        if amount is not None and Decimal(amount) != total:
            raise ValidationError(
                {"amount": [_("The lines add up to %(total)s, not %(amount)s.") % {"total": total, "amount": amount}]}
            )
        amount = total
    amount = _positive(amount)
    terms = distributor.payment_terms_days if payment_terms_days is None else int(payment_terms_days)
    if not 0 <= terms <= 365:
        raise ValidationError({"payment_terms_days": [_("Payment terms are between 0 and 365 days.")]})
    due_date = due_date or issue_date + timedelta(days=terms)
    check_dates(due_date=due_date)
    if due_date < issue_date:
        raise ValidationError({"due_date": [_("The due date cannot be before the issue date.")]})
    check = holds.credit_check(distributor=distributor, extra_amount=amount, as_of=today())
    invoice = Invoice(
        number=number,
        distributor=distributor,
        issue_date=issue_date,
        payment_terms_days=terms,
        due_date=due_date,
        currency=_currency(currency),
        amount=amount,
        open_amount=amount,
        order_refs=(order_refs or "").strip()[:255],
        notes=notes or "",
        created_by=by,
    )
    invoice.status = invoice_status(invoice)
    summary.lock_accounts([distributor.pk])
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError:  # the same number saved by someone else a moment ago
        raise ValidationError({"number": [_("This invoice number is already used.")]}) from None
    for line in line_objects:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(line_objects)
    summary.refresh([distributor.pk])
    after = audit.snapshot(invoice)
    after["lines"] = [
        [line.description, str(line.quantity), str(line.unit_price), str(line.amount)] for line in line_objects
    ]
    audit.record(invoice, by=by, action="invoice_recorded", after=after)
    invoice.credit_check = check
    return invoice


EDITABLE_INVOICE_FIELDS = ("notes", "order_refs")
EDITABLE_PAYMENT_FIELDS = ("notes", "reference")


@transaction.atomic
def update_notes(*, obj: Invoice | Payment | CreditNote, by: User, **changes) -> Invoice | Payment | CreditNote:
    """Change the free-text fields of a money record (notes, order references, a payment's reference); audited.

    Amounts, distributor, dates and allocations never change: corrections are reversals or credit notes.
    """
    _require_money_role(by)
    allowed = {Invoice: EDITABLE_INVOICE_FIELDS, Payment: EDITABLE_PAYMENT_FIELDS, CreditNote: ("reason",)}[type(obj)]
    bad = sorted(set(changes) - set(allowed))
    if bad:
        raise ValidationError(
            {name: [_("This cannot be changed once saved; record a correction instead.")] for name in bad}
        )
    stored = _lock(type(obj), obj.pk)
    before = audit.snapshot(stored)
    for name, value in changes.items():
        setattr(stored, name, (value or "").strip() if name != "notes" else value or "")
    if isinstance(stored, Payment) and "reference" in changes and stored.reference:
        clash = Payment.objects.filter(
            distributor_id=stored.distributor_id, reference=stored.reference, reverses__isnull=True
        ).exclude(pk=stored.pk)
        if clash.exists():
            raise ValidationError({"reference": [_("Another payment of this account has this reference.")]})
    stored.save()
    audit.record(stored, by=by, action=f"{stored._meta.model_name}_notes_changed", before=before)
    return stored


def refresh_doubtful(*, on: date | None = None, by: User | None = None) -> int:
    """Mark invoices more than 180 days past due and still open as doubtful (the bad-debt review). Returns how many."""
    on = on or today()
    cutoff = on - timedelta(days=DOUBTFUL_AFTER_DAYS)
    changed = 0
    pks = list(
        Invoice.objects.open()
        .filter(due_date__lt=cutoff)
        .exclude(status=InvoiceStatus.DOUBTFUL)
        .values_list("pk", flat=True)[:50_000]
    )
    for start in range(0, len(pks), 500):
        with transaction.atomic():
            for invoice in _lock_invoices(pks[start : start + 500]).values():
                status = invoice_status(invoice, on=on)
                if status != invoice.status:
                    before = audit.snapshot(invoice)
                    invoice.status = status
                    invoice.save(update_fields=["status", "updated_at"])
                    audit.record(invoice, by=by, action="invoice_became_doubtful", before=before)
                    changed += 1
    return changed


# --- Credit notes ----------------------------------------------------------------------------------------------


@transaction.atomic
def record_credit_note(
    *,
    distributor: Distributor,
    number: str,
    issue_date: date,
    amount: Decimal,
    by: User,
    invoice: Invoice | None = None,
    reason: str = "",
    currency: str | None = None,
) -> CreditNote:
    """Record a credit note. With an invoice it is applied to it at once (it may not exceed what is open there);
    without one it stays as unapplied credit on the account. Raises ValidationError or PermissionDenied."""
    _require_money_role(by)
    _check_distributor(distributor, by)
    number = _check_number(CreditNote, number)
    amount = _positive(amount)
    _not_future(issue_date, "issue_date")
    currency = _currency(currency or (invoice.currency if invoice else DEFAULT_CURRENCY))
    if invoice is not None:
        if invoice.distributor_id != distributor.pk:
            raise ValidationError({"invoice": [_("This invoice belongs to another distributor.")]})
        invoice = _lock_invoices([invoice.pk])[invoice.pk]
        if currency != invoice.currency:
            raise ValidationError({"currency": [_("A credit note is in its invoice's currency.")]})
        if issue_date < invoice.issue_date:
            raise ValidationError({"issue_date": [_("A credit note cannot be dated before its invoice.")]})
        if amount > invoice.open_amount:
            raise ValidationError(
                {
                    "amount": [
                        _("The credit note (%(amount)s) is larger than what is open on invoice %(number)s (%(open)s).")
                        % {"amount": money(amount), "number": invoice.number, "open": money(invoice.open_amount)}
                    ]
                }
            )
    note = CreditNote(
        number=number,
        distributor=distributor,
        invoice=invoice,
        issue_date=issue_date,
        currency=currency,
        amount=amount,
        unapplied_amount=amount,
        reason=(reason or "").strip()[:255],
        created_by=by,
    )
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError:
        raise ValidationError({"number": [_("This credit note number is already used.")]}) from None
    if invoice is not None:
        _apply(invoice, amount=amount, paid_on=issue_date, by=by, credit_note=note)  # its row too
        note.unapplied_amount = ZERO
        note.save(update_fields=["unapplied_amount"])
    else:  # the account's credit sales (DSO) are less by it
        summary.refresh([distributor.pk])
    audit.record(note, by=by, action="credit_note_recorded", after=_money_snapshot(note))
    return note


@transaction.atomic
def apply_credit_note(
    *, credit_note: CreditNote, by: User, allocations: list[tuple[Invoice, Decimal]] | None = None
) -> CreditNote:
    """Apply a credit note's unapplied amount to invoices: oldest due first, or as ``allocations`` say."""
    _require_money_role(by)
    note = _lock_in_scope(CreditNote, credit_note.pk, by)
    if note.unapplied_amount <= 0:
        raise ValidationError({"allocations": [_("Nothing of this credit note is left to apply.")]})
    before = _money_snapshot(note)
    _spend(note, allocations, by)
    audit.record(note, by=by, action="credit_note_applied", before=before, after=_money_snapshot(note))
    return note


# --- Payments ------------------------------------------------------------------------------------------------------


def _spend(source: Payment | CreditNote, allocations, by: User) -> None:
    """Apply what is left of a payment or credit note to invoices (oldest due first, or as ``allocations`` say)
    and save what is left of ``source``."""
    if isinstance(source, Payment):
        left, counts_from, what, link = "unallocated_amount", source.paid_on, _("payment"), {"payment": source}
        saved = [left, "updated_at"]
    else:
        left, counts_from, what, link = "unapplied_amount", source.issue_date, _("credit note"), {"credit_note": source}
        saved = [left]
    plans = _plan_allocations(
        distributor=source.distributor,
        currency=source.currency,
        available=getattr(source, left),
        allocations=allocations,
        what=what,
    )
    for plan in plans:
        _apply(plan.invoice, amount=plan.amount, paid_on=_counts_from(counts_from, plan.invoice), by=by, **link)
        setattr(source, left, getattr(source, left) - plan.amount)
    source.save(update_fields=saved)


@transaction.atomic
def record_payment(
    *,
    distributor: Distributor,
    amount: Decimal,
    paid_on: date,
    method: str,
    by: User,
    reference: str = "",
    currency: str = DEFAULT_CURRENCY,
    notes: str = "",
    allocations: list[tuple[Invoice, Decimal]] | None = None,
) -> Payment:
    """Record money received and allocate it: oldest due first when ``allocations`` is None, as listed otherwise
    (``[]`` leaves it all unallocated). What is not allocated stays as unallocated credit on the account.

    A second call with the same account and reference, amount and date returns the first payment (a double
    submit is harmless). Raises ValidationError (amount, future date, method, allocations above the open
    amount or the payment, duplicate reference) or PermissionDenied.
    """
    _require_money_role(by)
    _check_distributor(distributor, by)
    amount = _positive(amount)
    _not_future(paid_on, "paid_on")
    if method not in PaymentMethod.values:
        raise ValidationError({"method": [_("Choose a payment method.")]})
    reference = (reference or "").strip()[:80]
    currency = _currency(currency)
    if reference:
        existing = Payment.objects.filter(distributor=distributor, reference=reference, reverses__isnull=True).first()
        if existing is not None:
            if existing.amount == amount and existing.paid_on == paid_on:
                return existing
            raise ValidationError(
                {
                    "reference": [
                        _("A payment with reference %(reference)s is already recorded for this account (%(day)s).")
                        % {"reference": reference, "day": existing.paid_on.isoformat()}
                    ]
                }
            )
    payment = Payment(
        distributor=distributor,
        paid_on=paid_on,
        amount=amount,
        currency=currency,
        method=method,
        reference=reference,
        notes=notes or "",
        unallocated_amount=amount,
        created_by=by,
    )
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:  # the same reference in a parallel request
        raise ValidationError({"reference": [_("A payment with this reference was just recorded.")]}) from None
    _spend(payment, allocations, by)
    audit.record(payment, by=by, action="payment_recorded", after=_money_snapshot(payment))
    return payment


@transaction.atomic
def allocate_payment(
    *, payment: Payment, by: User, allocations: list[tuple[Invoice, Decimal]] | None = None
) -> Payment:
    """Allocate what is still unallocated of ``payment``: oldest due first, or as ``allocations`` say."""
    _require_money_role(by)
    payment = _lock_in_scope(Payment, payment.pk, by)
    if payment.is_reversal or Payment.objects.filter(reverses=payment).exists():
        raise ValidationError({"allocations": [_("A reversed payment cannot be allocated.")]})
    if payment.unallocated_amount <= 0:
        raise ValidationError({"allocations": [_("This payment is fully allocated.")]})
    before = _money_snapshot(payment)
    _spend(payment, allocations, by)
    audit.record(payment, by=by, action="payment_allocated", before=before, after=_money_snapshot(payment))
    return payment


@transaction.atomic
def apply_credit(*, distributor: Distributor, by: User) -> Decimal:
    """Apply all the account's unapplied credit — the rest of its payments and its credit notes without an invoice
    — to its open invoices: the oldest credit first, each to the oldest due invoice first. Each source is audited
    (``payment_allocated`` / ``credit_note_applied``). Returns the amount applied; raises ValidationError when
    there is no credit or nothing open to apply it to."""
    _require_money_role(by)
    _check_distributor(distributor, by)
    sources = [
        *(
            (p.paid_on, 0, p.pk, p)
            for p in Payment.objects.filter(
                distributor=distributor, unallocated_amount__gt=0, reverses__isnull=True, reversal__isnull=True
            )
        ),
        *(
            (n.issue_date, 1, n.pk, n)
            for n in CreditNote.objects.filter(distributor=distributor, unapplied_amount__gt=0)
        ),
    ]
    if not sources:
        raise ValidationError({"non_field_errors": [_("This account has no unapplied credit.")]})
    if not Invoice.objects.filter(distributor=distributor, open_amount__gt=0).exists():
        raise ValidationError({"non_field_errors": [_("Nothing is open on this account to apply the credit to.")]})
    applied = ZERO
    for _day, _kind, _pk, source in sorted(sources, key=lambda item: item[:3]):
        if not Invoice.objects.filter(distributor=distributor, open_amount__gt=0, currency=source.currency).exists():
            continue
        if isinstance(source, Payment):
            before = source.unallocated_amount
            after = allocate_payment(payment=source, by=by).unallocated_amount
        else:
            before = source.unapplied_amount
            after = apply_credit_note(credit_note=source, by=by).unapplied_amount
        applied += before - after
    return applied


@transaction.atomic
def reverse_payment(*, payment: Payment, reason: str, by: User, reversed_on: date | None = None) -> Payment:
    """Reverse a payment (a bounced cheque, a mistake) with a new, negative payment dated ``reversed_on`` (today).

    Its allocations undo the original's, so the invoices are open again from that date; history before it is
    unchanged. Returns the reversal. Raises ValidationError (already reversed, a reversal, dates, no reason).
    """
    _require_money_role(by)
    original = _lock_in_scope(Payment, payment.pk, by)
    reversed_on = _not_future(reversed_on or today(), "reversed_on")
    if original.is_reversal:
        raise ValidationError({"non_field_errors": [_("A reversal cannot be reversed; record a new payment.")]})
    if Payment.objects.filter(reverses=original).exists():
        raise ValidationError({"non_field_errors": [_("This payment is already reversed.")]})
    if reversed_on < original.paid_on:
        raise ValidationError({"reversed_on": [_("A payment cannot be reversed before it was paid.")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the payment is reversed.")]})
    per_invoice = defaultdict(lambda: [ZERO, None])
    for allocation in Allocation.objects.filter(payment=original):
        entry = per_invoice[allocation.invoice_id]
        entry[0] += allocation.amount
        entry[1] = max(filter(None, (entry[1], allocation.paid_on)))
    invoices = _lock_invoices(per_invoice)
    reversal = Payment.objects.create(
        distributor=original.distributor,
        paid_on=reversed_on,
        amount=-original.amount,
        currency=original.currency,
        method=original.method,
        reference=original.reference,
        notes=reason.strip(),
        unallocated_amount=-original.unallocated_amount,
        reverses=original,
        created_by=by,
    )
    for invoice_pk, (net, last) in per_invoice.items():
        if net:
            _apply(invoices[invoice_pk], amount=-net, paid_on=max(reversed_on, last), by=by, payment=reversal)
    audit.record(original, by=by, action="payment_reversed", before=_money_snapshot(original))
    audit.record(reversal, by=by, action="payment_reversal_recorded", after=_money_snapshot(reversal))
    return reversal


# --- Payment claims (a rep's "money collected") -----------------------------------------------------------------


@transaction.atomic
def record_payment_claim(
    *,
    distributor: Distributor,
    rep: User,
    amount: Decimal,
    method: str,
    collected_on: date,
    by: User,
    claim: PaymentClaim | None = None,
    notes: str = "",
) -> PaymentClaim:
    """A rep's "money collected" (from a visit or by hand), for finance to confirm into a payment or reject.

    With ``claim`` (the one a visit already reported; the caller holds the visit's row lock) the waiting claim
    is updated, or returned unchanged when nothing differs; once finance decided, a change is refused. Raises
    ValidationError (amount, date, method, a rep who does not work the account, an account outside ``by``'s
    scope).
    """
    if not can_log_collection(by):
        raise PermissionDenied(_("Sign in to record collections."))
    _check_distributor(distributor, by)
    amount = _positive(amount)
    _not_future(collected_on, "collected_on")
    if method not in PaymentMethod.values:
        raise ValidationError({"method": [_("Choose a payment method.")]})
    if (
        rep is None
        or not rep.is_active
        or not distributors_with_money_visible_to(rep).filter(pk=distributor.pk).exists()
    ):
        raise ValidationError({"rep": [_("Choose the rep who works this account.")]})
    if (
        rep.pk != by.pk
        and not User.objects.reps_in_scope_of(by).filter(pk=rep.pk).exists()
        and not can_record_money(by)
    ):
        raise ValidationError({"rep": [_("You cannot record collections for this rep.")]})
    wanted = {"distributor": distributor, "rep": rep, "amount": amount, "method": method, "collected_on": collected_on}
    if claim is not None:
        claim = PaymentClaim.objects.select_for_update().get(pk=claim.pk)
        if all(getattr(claim, k) == v for k, v in wanted.items()):
            return claim
        if claim.status != ClaimStatus.PENDING:
            raise ValidationError(
                {"amount": [_("Finance has already decided on this visit's collection; ask finance to correct it.")]}
            )
        before = audit.snapshot(claim)
        for key, value in wanted.items():
            setattr(claim, key, value)
        claim.notes = notes or claim.notes
        claim.save()
        audit.record(claim, by=by, action="payment_claim_changed", before=before)
        return claim
    claim = PaymentClaim.objects.create(**wanted, notes=notes or "", created_by=by)
    audit.record(claim, by=by, action="payment_claim_recorded")
    return claim


@transaction.atomic
def confirm_payment_claim(
    *,
    claim: PaymentClaim,
    by: User,
    paid_on: date | None = None,
    reference: str = "",
    allocations: list[tuple[Invoice, Decimal]] | None = None,
) -> Payment:
    """Finance confirms a claim: it becomes a Payment (allocated oldest first unless ``allocations`` say)."""
    _require_money_role(by)
    claim = _lock_in_scope(PaymentClaim, claim.pk, by)
    if claim.status != ClaimStatus.PENDING:
        raise ValidationError({"non_field_errors": [_("This claim has already been decided.")]})
    before = audit.snapshot(claim)
    payment = record_payment(
        distributor=claim.distributor,
        amount=claim.amount,
        paid_on=paid_on or claim.collected_on,
        method=claim.method,
        reference=reference,
        notes=claim.notes,
        allocations=allocations,
        by=by,
    )
    if PaymentClaim.objects.filter(payment=payment).exists():
        raise ValidationError({"reference": [_("This payment already confirms another claim.")]})
    claim.payment, claim.status = payment, ClaimStatus.CONFIRMED
    claim.decided_by, claim.decided_at = by, timezone.now()
    claim.save()
    audit.record(claim, by=by, action="payment_claim_confirmed", before=before)
    return payment


@transaction.atomic
def reject_payment_claim(*, claim: PaymentClaim, reason: str, by: User) -> PaymentClaim:
    _require_money_role(by)
    claim = _lock_in_scope(PaymentClaim, claim.pk, by)
    if claim.status != ClaimStatus.PENDING:
        raise ValidationError({"non_field_errors": [_("This claim has already been decided.")]})
    if not (reason or "").strip():
        raise ValidationError({"reject_reason": [_("Say why the claim is rejected.")]})
    before = audit.snapshot(claim)
    claim.status, claim.reject_reason = ClaimStatus.REJECTED, reason.strip()[:255]
    claim.decided_by, claim.decided_at = by, timezone.now()
    claim.save()
    audit.record(claim, by=by, action="payment_claim_rejected", before=before)
    return claim


# --- Write-offs ------------------------------------------------------------------------------------------------


@transaction.atomic
def propose_write_off(*, invoice: Invoice, reason: str, by: User, amount: Decimal | None = None) -> WriteOff:
    """Finance proposes writing off (part of) an invoice's open amount; a manager decides."""
    _require_money_role(by)
    invoice = _lock_invoices([invoice.pk])[invoice.pk]
    _check_distributor(invoice.distributor, by)
    amount = _positive(invoice.open_amount if amount is None else amount)
    if amount > invoice.open_amount:
        raise ValidationError(
            {"amount": [_("Only %(open)s is open on this invoice.") % {"open": money(invoice.open_amount)}]}
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the debt is bad.")]})
    if WriteOff.objects.filter(invoice=invoice, status=WriteOffStatus.PROPOSED).exists():
        raise ValidationError({"non_field_errors": [_("A write-off of this invoice is already waiting for approval.")]})
    write_off = WriteOff.objects.create(invoice=invoice, amount=amount, reason=reason.strip(), proposed_by=by)
    audit.record(write_off, by=by, action="write_off_proposed")
    owner = invoice.distributor.owner
    region = owner.home_region_id if owner else None
    deciders = User.objects.filter(role=Role.REGIONAL_MANAGER, region=region, is_active=True) if region else []
    for manager in deciders:
        _notify_write_off(write_off, "write_off_proposed", manager, by)
    return write_off


def _notify_write_off(write_off: WriteOff, kind: str, recipient: User | None, by: User) -> None:
    notify(
        recipient=recipient,
        kind=kind,
        key=f"write-off-{write_off.pk}",
        params={"by": by.display_name, "amount": write_off.amount, "distributor": str(write_off.invoice.distributor)},
        url=reverse("receivables:write_offs"),
    )


def _decide(write_off: WriteOff, by: User) -> WriteOff:
    if not can_decide_write_off(by):
        raise PermissionDenied(_("Only a regional manager or an administrator decides on write-offs."))
    write_off = _lock(WriteOff, write_off.pk)
    _check_distributor(write_off.invoice.distributor, by)
    if write_off.status != WriteOffStatus.PROPOSED:
        raise ValidationError({"non_field_errors": [_("This write-off has already been decided.")]})
    if write_off.proposed_by_id == by.pk:
        raise PermissionDenied(_("Someone else must decide on a write-off you proposed."))
    return write_off


@transaction.atomic
def approve_write_off(*, write_off: WriteOff, by: User, note: str = "") -> WriteOff:
    """Approve a proposed write-off: the amount leaves the invoice's open amount from today (audited)."""
    write_off = _decide(write_off, by)
    invoice = _lock_invoices([write_off.invoice_id])[write_off.invoice_id]
    if write_off.amount > invoice.open_amount:
        raise ValidationError(
            {
                "amount": [
                    _("Only %(open)s is still open on this invoice; reject this proposal and propose again.")
                    % {"open": money(invoice.open_amount)}
                ]
            }
        )
    before = audit.snapshot(write_off)
    write_off.status, write_off.decided_by, write_off.decided_on = WriteOffStatus.APPROVED, by, today()
    write_off.decision_note = note or ""
    write_off.save()
    _apply(
        invoice,
        amount=write_off.amount,
        paid_on=_counts_from(write_off.decided_on, invoice),
        by=by,
        write_off=write_off,
    )
    audit.record(write_off, by=by, action="write_off_approved", before=before)
    _notify_write_off(write_off, "write_off_approved", write_off.proposed_by, by)
    return write_off


@transaction.atomic
def reject_write_off(*, write_off: WriteOff, by: User, note: str = "") -> WriteOff:
    write_off = _decide(write_off, by)
    before = audit.snapshot(write_off)
    write_off.status, write_off.decided_by, write_off.decided_on = WriteOffStatus.REJECTED, by, today()
    write_off.decision_note = note or ""
    write_off.save()
    audit.record(write_off, by=by, action="write_off_rejected", before=before)
    _notify_write_off(write_off, "write_off_rejected", write_off.proposed_by, by)
    return write_off


# --- Collection work ------------------------------------------------------------------------------------------


def extension_horizon_days(user: User) -> int:
    """How many days after it is given a promise or an extension ``user`` logs may run (settings, README)."""
    if user.effective_role == Role.REP:
        return settings.KAMCRM_MAX_EXTENSION_DAYS
    return max(settings.KAMCRM_MAX_EXTENSION_DAYS, settings.KAMCRM_MAX_EXTENSION_DAYS_MANAGER)


def _beyond_horizon(day: date, *, occurred_on: date, by: User) -> str:
    """'' when ``day`` is within ``by``'s horizon, else the field error (a promise or extension pauses reminders)."""
    days = extension_horizon_days(by)
    if (day - occurred_on).days <= days:
        return ""
    if days < settings.KAMCRM_MAX_EXTENSION_DAYS_MANAGER:
        return _("At most %(days)s days ahead; beyond that your KAM must log it.") % {"days": days}
    return _("At most %(days)s days ahead.") % {"days": days}


@transaction.atomic
def log_collection_activity(
    *,
    distributor: Distributor,
    kind: str,
    by: User,
    occurred_on: date | None = None,
    invoice: Invoice | None = None,
    note: str = "",
    promised_on: date | None = None,
    promised_amount: Decimal | None = None,
    extended_to: date | None = None,
    dispute_reason: str = "",
    promised_by: str = "",
    invoices: list[Invoice] | None = None,
) -> CollectionActivity:
    """Log a call, visit, letter, e-mail, promise to pay (date and amount), extension (new date) or dispute (reason).

    A promise names who promised (``promised_by``) and may cover several ``invoices`` (``invoice`` alone is the
    same as ``invoices=[invoice]``); it is for today or a later day and for no more than is open on those
    invoices (or on the account when none is named). A promise, an extension and an open dispute pause the
    reminders of the invoice (or of the whole account when no invoice is named); a promise not kept escalates
    the day after its date (``reminders.escalate_broken_promises``). Raises ValidationError with field errors.
    """
    if not can_log_collection(by):
        raise PermissionDenied(_("Sign in to log collection work."))
    _check_distributor(distributor, by)
    occurred_on = _not_future(occurred_on or today(), "occurred_on")
    errors = {}
    if kind not in ActivityKind.values:
        errors["kind"] = [_("Choose what kind of activity this was.")]
    if invoice is not None and invoice.distributor_id != distributor.pk:
        errors["invoice"] = [_("This invoice belongs to another distributor.")]
    linked = list({i.pk: i for i in [*(invoices or []), *([invoice] if invoice else [])]}.values())
    if kind == ActivityKind.PROMISE:
        if any(i.distributor_id != distributor.pk for i in linked):
            errors["invoices"] = [_("This invoice belongs to another distributor.")]
        if promised_on is None:
            errors["promised_on"] = [_("Give the date the customer promised to pay.")]
        elif promised_on < occurred_on:
            errors["promised_on"] = [_("The promised date cannot be before the promise.")]
        elif promised_on < today():
            errors["promised_on"] = [_("A promise to pay is for today or a later day, not a day that has passed.")]
        elif message := _beyond_horizon(promised_on, occurred_on=occurred_on, by=by):
            errors["promised_on"] = [message]
        try:
            promised_amount = _positive(promised_amount, "promised_amount")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            if not errors.get("invoices"):
                open_invoices = (
                    Invoice.objects.filter(pk__in=[i.pk for i in linked])
                    if linked
                    else Invoice.objects.filter(distributor=distributor, open_amount__gt=0)
                )
                open_now = open_invoices.aggregate(total=Sum("open_amount", default=ZERO))["total"]
                if promised_amount > open_now:
                    errors["promised_amount"] = [
                        _("At most %(open)s is open on these invoices; a promise cannot be for more.")
                        % {"open": f"{open_now:,.2f}"}
                    ]
        if linked and invoice is None:
            invoice = min(linked, key=lambda i: (i.due_date, i.pk))
    else:
        promised_on = promised_amount = None
        promised_by, linked = "", []
    if kind == ActivityKind.EXTENSION:
        if extended_to is None or extended_to <= occurred_on:
            errors["extended_to"] = [_("Give the new date, after today's.")]
        elif message := _beyond_horizon(extended_to, occurred_on=occurred_on, by=by):
            errors["extended_to"] = [message]
    else:
        extended_to = None
    if kind == ActivityKind.DISPUTE:
        if not (dispute_reason or "").strip():
            errors["dispute_reason"] = [_("Say what the customer disputes.")]
    else:
        dispute_reason = ""
    if (
        kind in (ActivityKind.CALL, ActivityKind.VISIT, ActivityKind.LETTER, ActivityKind.EMAIL)
        and not (note or "").strip()
    ):
        errors["note"] = [_("Say what was agreed or said.")]
    if errors:
        raise ValidationError(errors)
    activity = CollectionActivity.objects.create(
        distributor=distributor,
        invoice=invoice,
        kind=kind,
        occurred_on=occurred_on,
        note=note or "",
        promised_on=promised_on,
        promised_amount=promised_amount,
        extended_to=extended_to,
        dispute_reason=(dispute_reason or "").strip()[:255],
        promised_by=(promised_by or "").strip()[:100],
        by=by,
    )
    if linked:
        activity.promise_invoices.set(linked)
    audit.record(activity, by=by, action="collection_activity_logged")
    return activity


@transaction.atomic
def resolve_dispute(*, activity: CollectionActivity, resolution: str, by: User, resolved_on: date | None = None):
    """Close an open dispute; the reminders it paused resume on the next run."""
    if not can_log_collection(by):
        raise PermissionDenied(_("Sign in to log collection work."))
    activity = _lock_in_scope(CollectionActivity, activity.pk, by)
    if activity.kind != ActivityKind.DISPUTE or activity.resolved_on is not None:
        raise ValidationError({"non_field_errors": [_("This is not an open dispute.")]})
    if not (resolution or "").strip():
        raise ValidationError({"resolution": [_("Say how the dispute was settled.")]})
    resolved_on = _not_future(resolved_on or today(), "resolved_on")
    before = audit.snapshot(activity)
    activity.resolved_on, activity.resolution = resolved_on, resolution.strip()[:255]
    activity.save()
    audit.record(activity, by=by, action="dispute_resolved", before=before)
    return activity


@transaction.atomic
def complete_collection_task(*, task: CollectionTask, by: User, note: str = "") -> CollectionTask:
    if not can_log_collection(by):
        raise PermissionDenied(_("Sign in to log collection work."))
    task = _lock_in_scope(CollectionTask, task.pk, by)
    if task.status != TaskStatus.OPEN:
        return task
    before = audit.snapshot(task)
    task.status, task.done_at = TaskStatus.DONE, timezone.now()
    task.note = "\n".join(filter(None, (task.note, note)))
    task.save()
    audit.record(task, by=by, action="collection_task_done", before=before)
    return task
