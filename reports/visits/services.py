"""Writes of the rep's day: visits (with the parts upper capabilities record with them), orders, late entries,
photos and money collected; the day lock the daily report sets.

Every function is atomic and audited; bad input raises ``ValidationError`` with
field errors and saves nothing; an action the user's role may not take on a
record they can see raises ``PermissionDenied``.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from distributors.cards.selectors import visible_ids_sql
from distributors.models import Brand, Contact, Distributor, Product
from kamcrm.audit import services as audit
from kamcrm.money import CENT, cents
from kamcrm.validation import check_dates
from receivables import holds as receivables_holds
from receivables import services as receivables_services
from receivables.models import PaymentClaim
from reports.visits import geo, photos
from reports.visits.models import DailyReport, LateEntry, Order, OrderLine, OrderStatus, Visit, VisitPhoto, VisitStock
from reports.visits.signals import last_write

CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock may run a little ahead of ours
MANAGERS = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)

# Allowed order status changes; cancelled and shipped are final.
ORDER_TRANSITIONS = {
    OrderStatus.TAKEN: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
    OrderStatus.CONFIRMED: {OrderStatus.SHIPPED, OrderStatus.CANCELLED},
    OrderStatus.SHIPPED: set(),
    OrderStatus.CANCELLED: set(),
}


# --- who may act for whom ------------------------------------------------------------------------


def acts_for(by: User, rep: User) -> bool:
    """A rep acts for themselves; a KAM or manager for the reps of their scope."""
    if by.pk == rep.pk:
        return True
    return by.effective_role in MANAGERS and User.objects.reps_in_scope_of(by).filter(pk=rep.pk).exists()


def _check_acts_for(by: User, rep: User, field_name: str = "rep") -> None:
    if not acts_for(by, rep):
        raise ValidationError({field_name: _("You cannot record work for %(user)s.") % {"user": rep}})


def _check_account(distributor: Distributor | None, rep: User, by: User) -> None:
    if distributor is None:
        raise ValidationError({"distributor": _("Choose the distributor.")})
    if not (
        Distributor.objects.visible_to(rep).filter(pk=distributor.pk).exists()
        and Distributor.objects.visible_to(by).filter(pk=distributor.pk).exists()
    ):
        raise ValidationError({"distributor": _("This distributor is not one of your accounts.")})


def day_locked_for(*, rep: User, day: date, by: User) -> bool:
    """Is ``day`` submitted and so closed to ``by``'s changes of ``rep``'s work? (A KAM may still correct it.)"""
    if by.effective_role in MANAGERS and by.pk != rep.pk:
        return False
    return DailyReport.objects.filter(rep=rep, date=day, state=DailyReport.State.SUBMITTED).exists()


def check_day_open(*, rep: User, day: date, by: User) -> None:
    """A submitted day is locked for the rep; a KAM or manager may still correct it (audited)."""
    if by.effective_role in MANAGERS and by.pk != rep.pk:
        return
    if DailyReport.objects.filter(rep=rep, date=day, state=DailyReport.State.SUBMITTED).exists():
        raise ValidationError(_("%(day)s is submitted and locked; ask your KAM to reopen it.") % {"day": day})


# --- orders --------------------------------------------------------------------------------------


@dataclass
class LineInput:
    product: Product
    quantity: Decimal
    unit_price: Decimal | None = None  # None: the catalogue's list price


@dataclass
class OrderInput:
    lines: list[LineInput] = field(default_factory=list)
    note: str = ""
    order: Order | None = None  # a taken order of this visit to correct; no lines then cancels it


def _build_lines(lines: Sequence[LineInput]) -> list[OrderLine]:
    if not lines:
        raise ValidationError({"lines": _("An order needs at least one line.")})
    built = []
    for number, line in enumerate(lines, start=1):
        errors = {}
        if line.product is None:
            errors["product"] = _("Choose a product.")
        elif not line.product.is_active:
            errors["product"] = _("%(product)s is no longer sold.") % {"product": line.product}
        if line.quantity is None or line.quantity <= 0:
            errors["quantity"] = _("The quantity must be more than zero.")
        elif line.quantity > settings.KAMCRM_MAX_ORDER_QUANTITY:
            errors["quantity"] = _("The quantity cannot be more than %(max)s.") % {
                "max": settings.KAMCRM_MAX_ORDER_QUANTITY
            }
        price = line.product.unit_price if line.unit_price is None and line.product else line.unit_price
        if price is None or price < 0:
            errors["unit_price"] = _("The price cannot be negative.")
        if errors:
            raise ValidationError(
                {
                    "lines": [
                        _("Line %(n)s: %(errors)s") % {"n": number, "errors": " ".join(str(e) for e in errors.values())}
                    ]
                }
            )
        built.append(
            OrderLine(
                product=line.product,
                quantity=line.quantity,
                unit_price=price,
                unit_cost=line.product.unit_cost,
                amount=cents(line.quantity * price),
            )
        )
    return built


def _save_lines(order: Order, lines: list[OrderLine]) -> None:
    order.lines.all().delete()
    for line in lines:
        line.order = order
        line.full_clean(exclude=["order"])
    OrderLine.objects.bulk_create(lines)
    order.amount = sum((line.amount for line in lines), Decimal("0.00"))
    order.gross_profit = sum((line.gross_profit for line in lines), Decimal("0.00"))
    order.save(update_fields=["amount", "gross_profit", "updated_at"])


def order_credit_check(*, distributor: Distributor, extra_amount: Decimal):
    """The receivables app's credit check for ``extra_amount`` more on ``distributor`` today: the one rule that
    saving an order applies and the visit form shows while the rep types (``message`` is '' when fine)."""
    return receivables_holds.credit_check(
        distributor=distributor, extra_amount=extra_amount, as_of=timezone.localdate()
    )


def visit_order_to_correct(visit: Visit) -> Order | None:
    """The order the visit form shows and corrects: the visit's first order still taken (None if there is none)."""
    return visit.orders.filter(status=OrderStatus.TAKEN).order_by("pk").first()


def visit_order_credit_check(*, distributor: Distributor, amount: Decimal, visit: Visit | None = None):
    """The check saving a visit with an order of ``amount`` meets: the visit's order being corrected counts
    only by the difference (as ``save_visit`` counts it)."""
    order = visit_order_to_correct(visit) if visit is not None else None
    replaced = order.amount if order is not None else Decimal("0.00")
    return order_credit_check(distributor=distributor, extra_amount=amount - replaced)


def credit_warning(*, distributor: Distributor, extra_amount: Decimal) -> str:
    """The receivables app's credit check (``receivables.holds.credit_check``) for an order of ``extra_amount``:
    '' when fine, the warning (reasons and amount to pay) when the rules only warn.

    Raises ValidationError with the reason and the amount to pay to release when the account is on hold (by a
    rule, by hand, or over a credit limit a rule holds) and the order adds to what it owes.
    """
    check = order_credit_check(distributor=distributor, extra_amount=extra_amount)
    if check.blocks and check.extra_amount > 0:
        raise ValidationError({"lines": [receivables_holds.held_message(check.state)]})
    return check.message if check.warn else ""


@transaction.atomic
def save_order(*, order: Order, lines: Sequence[LineInput], by: User) -> Order:
    """Create or change an order and its lines; totals and gross profit are computed here, to the cent.

    Only a taken order's lines may change. Raises ValidationError or PermissionDenied.
    """
    stored = Order.objects.select_for_update().filter(pk=order.pk).first() if order.pk else None
    if stored is not None:
        if not Order.objects.visible_to(by).filter(pk=stored.pk).exists():
            raise PermissionDenied
        if stored.status != OrderStatus.TAKEN:
            raise ValidationError(
                _("Only a taken order can be changed; this one is %(status)s.")
                % {"status": stored.get_status_display()}
            )
    _check_acts_for(by, order.rep)
    _check_account(order.distributor, order.rep, by)
    check_dates(order_date=order.order_date)  # money records stay within the date window
    if order.order_date and order.order_date > timezone.localdate():
        raise ValidationError({"order_date": _("The order date cannot be in the future.")})
    if order.order_date:
        check_day_open(rep=order.rep, day=order.order_date, by=by)
    built = _build_lines(lines)
    new_amount = sum((line.amount for line in built), Decimal("0.00"))
    order.credit_warning = credit_warning(
        distributor=order.distributor, extra_amount=new_amount - (stored.amount if stored else Decimal("0.00"))
    )
    before = audit.snapshot(stored) if stored else None
    if stored is None:
        order.created_by = by
    order.full_clean(exclude=["created_by", "visit"])
    order.save()
    _save_lines(order, built)
    after = audit.snapshot(order)
    after["lines"] = [[line.product_id, str(line.quantity), str(line.unit_price)] for line in built]
    audit.record(
        order, by=by, action="order_created" if before is None else "order_changed", before=before, after=after
    )
    return order


@transaction.atomic
def set_order_status(*, order: Order, status: str, by: User) -> Order:
    """Move an order along taken → confirmed → shipped (or cancel it). Raises ValidationError."""
    stored = Order.objects.select_for_update().get(pk=order.pk)
    if status not in ORDER_TRANSITIONS.get(stored.status, set()):
        raise ValidationError(
            {
                "status": _("A %(from)s order cannot become %(to)s.")
                % {
                    "from": stored.get_status_display(),
                    "to": OrderStatus(status).label if status in OrderStatus.values else status,
                }
            }
        )
    if by.pk == stored.rep_id:
        check_day_open(rep=stored.rep, day=stored.order_date, by=by)
    elif not acts_for(by, stored.rep):
        raise PermissionDenied
    before = audit.snapshot(stored)
    stored.status = status
    stored.save(update_fields=["status", "updated_at"])
    audit.record(stored, by=by, action="order_status_changed", before=before)
    return stored


# --- visits --------------------------------------------------------------------------------------


class VisitPart(Protocol):
    """Something an upper capability records with a visit (the market checks, the needs observed): the page or
    API that received it fills one in and hands it to ``save_visit``, which checks every part before anything is
    written and saves them once the visit is."""

    def check(self, visit: Visit) -> None:
        """Raise ValidationError (field errors) for bad input; nothing is written yet."""

    def save(self, visit: Visit, *, by: User, created: bool) -> dict[str, list]:
        """Write the part for the saved ``visit`` (``created``: a new one). Returns the rows written per relation
        of the visit (``{"market_checks": rows}``) so a new visit shows them with no query; ``{}`` otherwise."""


@dataclass
class VisitExtras:
    contacts: Iterable[Contact] = ()
    brands: Iterable[Brand] = ()
    strategies: Iterable = ()  # service strategies applied (the Visit's M2M to the cycle's library)
    stock: Sequence[tuple[Brand, int]] | None = None  # None keeps a saved visit's stock as it is
    orders: Sequence[OrderInput] = ()
    photos: Sequence[tuple[str, object]] = ()  # (kind, uploaded file)
    parts: Sequence[VisitPart] = ()  # what upper capabilities record with the visit (market checks, needs)


def _check_visit_times(visit: Visit) -> None:
    now = timezone.now()
    if visit.started_at is None:
        raise ValidationError({"started_at": _("When did the visit start?")})
    check_dates(started_at=visit.started_at.date())
    if visit.started_at > now + CLOCK_SKEW:
        raise ValidationError({"started_at": _("A visit cannot be in the future.")})
    if visit.ended_at is not None:
        if visit.ended_at < visit.started_at:
            raise ValidationError({"ended_at": _("The visit cannot end before it starts.")})
        if visit.ended_at > now + CLOCK_SKEW:
            raise ValidationError({"ended_at": _("A visit cannot end in the future.")})


def _locate(visit: Visit) -> None:
    d = visit.distributor
    if None in (visit.latitude, visit.longitude, d.latitude, d.longitude):
        visit.distance_from_account_m = None
    else:
        visit.distance_from_account_m = geo.distance_m(visit.latitude, visit.longitude, d.latitude, d.longitude)


def _touch_last_visit(distributor: Distributor) -> None:
    latest = (
        Visit.objects.filter(distributor=distributor)
        .order_by("-visit_date")
        .values_list("visit_date", flat=True)
        .first()
    )
    Distributor.objects.filter(pk=distributor.pk).update(last_visited_on=latest)


def _as_fetched(model, rows: list):
    """A queryset already holding ``rows`` (what ``prefetch_related`` leaves on an object); filtered further, it
    reads those rows from the database."""
    manager = model._default_manager
    queryset = manager.filter(pk__in=[row.pk for row in rows]) if rows else manager.none()  # none(): no lookup to build
    queryset._result_cache, queryset._prefetch_done = list(rows), True
    return queryset


def _advance_last_visit(distributor: Distributor, day: date) -> None:
    """A new visit can only move the account's last visit later: one UPDATE, no read. (Plain SQL: building the
    ORM's UPDATE took longer than running it, on every visit logged.)"""
    table, pk, last = (
        _quoted(Distributor._meta.db_table),
        _column(Distributor, "id"),
        _column(Distributor, "last_visited_on"),
    )
    day = _db_value(Distributor, "last_visited_on", day)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = %s WHERE {pk} = %s AND ({last} IS NULL OR {last} < %s)",
            [day, distributor.pk, day],
        )


@dataclass
class _NewVisitChecks:
    retried: Visit | None  # the visit first saved with this client_ref (a retry from the phone)
    account_visible: bool  # the account is in the scope of the rep and of the one logging it
    day_locked: bool  # the rep's daily report of the visit's day is submitted


def _visible_exists(user: User, distributor_id: int) -> tuple[str, list]:
    """SQL and parameters: may ``user`` see the account ``distributor_id``? (A semi-join the id reaches: a probe.)"""
    sql, params = visible_ids_sql(for_user=user)
    if not sql:
        return "FALSE", []
    table, pk = _quoted(Distributor._meta.db_table), _column(Distributor, "id")
    return f"EXISTS(SELECT 1 FROM {table} WHERE {pk} = %s AND {pk} IN ({sql}))", [distributor_id, *params]


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model, name: str) -> str:
    return _quoted(model._meta.get_field(name).column)


def _db_value(model, name: str, value):
    return model._meta.get_field(name).get_db_prep_value(value, connection)


def _new_visit_checks(visit: Visit, by: User) -> _NewVisitChecks:
    """One query for the reads a new visit's checks need (sets ``visit.visit_date`` from its start)."""
    visit.visit_date = timezone.localdate(visit.started_at) if visit.started_at else None
    q = _quoted
    distributor_id = visit.distributor_id or 0
    visible, params = _visible_exists(visit.rep, distributor_id)
    if by.pk != visit.rep_id:
        by_visible, by_params = _visible_exists(by, distributor_id)
        visible, params = f"({visible} AND {by_visible})", [*params, *by_params]
    if visit.visit_date and not (by.effective_role in MANAGERS and by.pk != visit.rep_id):
        locked = (
            f"EXISTS(SELECT 1 FROM {q(DailyReport._meta.db_table)} WHERE {_column(DailyReport, 'rep')} = %s "
            f"AND {_column(DailyReport, 'date')} = %s AND {_column(DailyReport, 'state')} = %s)"
        )
        params += [visit.rep_id, _db_value(DailyReport, "date", visit.visit_date), DailyReport.State.SUBMITTED.value]
    else:
        locked = "FALSE"
    if visit.client_ref:
        retried = (
            f"(SELECT {_column(Visit, 'id')} FROM {q(Visit._meta.db_table)} WHERE {_column(Visit, 'client_ref')} = %s)"
        )
        params.append(_db_value(Visit, "client_ref", visit.client_ref))
    else:
        retried = "NULL"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {visible}, {locked}, {retried}", params)
        account_visible, day_locked, retried_pk = cursor.fetchone()
    return _NewVisitChecks(
        retried=Visit.objects.get(pk=retried_pk) if retried_pk else None,
        account_visible=account_visible,
        day_locked=day_locked,
    )


def save_visit(*, visit: Visit, by: User, extras: VisitExtras | None = None) -> Visit:
    """Log (or correct) a visit with what came of it: orders taken, stock seen, money collected, photos, and the
    parts upper capabilities record with it. The visit comes back with ``credit_warning`` ('' when none).

    A visit sent twice with the same ``client_ref`` (a retry from a flaky phone
    connection) is saved once: the second call returns the first visit.
    Raises ValidationError (field errors) or PermissionDenied.
    """
    extras = extras or VisitExtras()
    if visit.pk or not visit.client_ref or transaction.get_connection().in_atomic_block:
        return _save_visit(visit, by, extras, savepoint=True)
    # A new visit in a transaction of its own (the API's POST): no savepoint around its INSERT (two round trips). A
    # parallel retry that saved the same client_ref first fails the INSERT, which rolls back the whole transaction
    # (it had written nothing before); the first visit comes back, as from the savepoint.
    try:
        return _save_visit(visit, by, extras, savepoint=False)
    except IntegrityError:
        retried = None if visit.pk else Visit.objects.filter(client_ref=visit.client_ref).first()
        if retried is None:
            raise
        retried.credit_warning = ""
        return retried


@transaction.atomic
def _save_visit(visit: Visit, by: User, extras: VisitExtras, savepoint: bool) -> Visit:
    stored = Visit.objects.select_for_update().filter(pk=visit.pk).first() if visit.pk else None
    if stored is None:
        return _log_visit(visit, by, extras, savepoint)
    return _correct_visit(visit, stored, by, extras)


def _log_visit(visit: Visit, by: User, extras: VisitExtras, savepoint: bool) -> Visit:
    """A new visit: its checks read in one query (a rep logs dozens a day from a phone), its rows written in bulk,
    and it comes back holding them, so showing it needs no query."""
    checks = _new_visit_checks(visit, by)
    if checks.retried is not None:
        if checks.retried.rep_id != visit.rep_id:
            raise ValidationError({"client_ref": _("This reference belongs to another visit.")})
        checks.retried.credit_warning = ""
        return checks.retried
    _check_acts_for(by, visit.rep)
    if not visit.distributor_id:
        raise ValidationError({"distributor": _("Choose the distributor.")})
    if not checks.account_visible:
        raise ValidationError({"distributor": _("This distributor is not one of your accounts.")})
    _check_visit_times(visit)
    if checks.day_locked:
        # The evening call after the day was submitted: kept as a late entry the KAM accepts or rejects.
        visit.late_entry = LateEntry.PENDING
    _check_collection(visit)
    contacts, stock = _check_extras(visit, extras)
    orders = _checked_orders(visit, None, extras.orders)
    _locate(visit)
    # The account and the rep were checked above (visible, acted for); checking that they exist again is a query each.
    visit.full_clean(exclude=["visit_date", "client_ref", "distributor", "rep"])
    if visit.client_ref and savepoint:
        try:
            with transaction.atomic():
                visit.save()
        except IntegrityError:  # the same client_ref saved by a parallel retry
            retried = Visit.objects.get(client_ref=visit.client_ref)
            retried.credit_warning = ""
            return retried
    else:
        visit.save()
    brands, strategies = list(extras.brands), list(extras.strategies)
    if contacts or brands or strategies:  # a new visit without them: no query
        visit.contacts_met.set(contacts)
        visit.brands_discussed.set(brands)
        visit.strategies.set(strategies)
    stock_rows = [VisitStock(visit=visit, brand=b, units=u) for b, u in stock]
    if stock_rows:
        VisitStock.objects.bulk_create(stock_rows)
    written = {}
    for part in extras.parts:
        written.update(part.save(visit, by=by, created=True))
    for kind, upload in extras.photos:
        add_visit_photo(visit=visit, kind=kind, image=upload, by=by)
    created_orders = _write_orders(visit, extras.orders, orders, by)
    if visit.collected_amount > 0:
        _claim_collected_money(visit, by)
    _advance_last_visit(visit.distributor, visit.visit_date)
    audit.record(visit, by=by, action="visit_logged", before=None)
    last_write.send(sender=Visit)  # the rollup refresh request commits with the visit: one commit per visit
    # A new visit's related rows are exactly what was just written: showing it needs no query.
    visit._prefetched_objects_cache = {
        "contacts_met": _as_fetched(Contact, contacts),
        "brands_discussed": _as_fetched(Brand, brands),
        "strategies": _as_fetched(Visit.strategies.field.related_model, strategies),
        "stock_seen": _as_fetched(VisitStock, stock_rows),
        "orders": _as_fetched(Order, created_orders),
        **{name: _as_fetched(Visit._meta.get_field(name).related_model, rows) for name, rows in written.items()},
    }
    return visit


def _correct_visit(visit: Visit, stored: Visit, by: User, extras: VisitExtras) -> Visit:
    """A saved visit corrected (``stored`` is its row, locked): the days it leaves and lands on must be open;
    what ``extras`` leaves as None (stock, a part's lines) stays as it is."""
    if not acts_for(by, stored.rep):
        raise PermissionDenied
    _check_acts_for(by, visit.rep)
    _check_account(getattr(visit, "distributor", None) if visit.distributor_id else None, visit.rep, by)
    _check_visit_times(visit)
    visit.visit_date = timezone.localdate(visit.started_at)
    check_day_open(rep=visit.rep, day=visit.visit_date, by=by)
    if stored.visit_date != visit.visit_date:
        check_day_open(rep=stored.rep, day=stored.visit_date, by=by)
    _check_collection(visit)
    if stored.collected_amount != visit.collected_amount and stored.payment_claim_id:
        raise ValidationError(
            {
                "collected_amount": _(
                    "The money collected has gone to finance as a payment claim; ask finance to correct it."
                )
            }
        )
    contacts, stock = _check_extras(visit, extras)
    orders = _checked_orders(visit, stored, extras.orders)
    _locate(visit)
    before = audit.snapshot(stored)
    visit.full_clean(exclude=["visit_date", "client_ref", "distributor", "rep"])
    visit.save()
    visit.contacts_met.set(contacts)
    visit.brands_discussed.set(list(extras.brands))
    visit.strategies.set(list(extras.strategies))
    if extras.stock is not None:
        visit.stock_seen.all().delete()
        VisitStock.objects.bulk_create([VisitStock(visit=visit, brand=b, units=u) for b, u in stock])
    for part in extras.parts:
        part.save(visit, by=by, created=False)
    for kind, upload in extras.photos:
        add_visit_photo(visit=visit, kind=kind, image=upload, by=by)
    _write_orders(visit, extras.orders, orders, by)
    _touch_last_visit(visit.distributor)
    if stored.distributor_id != visit.distributor_id:
        _touch_last_visit(stored.distributor)
    audit.record(visit, by=by, action="visit_changed", before=before)
    last_write.send(sender=Visit)  # the rollup refresh request commits with the visit: one commit per visit
    return visit


def _check_collection(visit: Visit) -> None:
    if visit.collected_amount and visit.collected_amount > 0 and not visit.collection_method:
        raise ValidationError({"collection_method": _("How was the money paid?")})


def _check_extras(visit: Visit, extras: VisitExtras) -> tuple[list[Contact], list[tuple[Brand, int]]]:
    """The contacts and stock of ``extras``, checked, then every part's own checks; nothing is written."""
    contacts = list(extras.contacts)
    if any(c.distributor_id != visit.distributor_id for c in contacts):
        raise ValidationError({"contacts_met": _("Choose contacts of this distributor.")})
    stock = list(extras.stock or ())
    if len({brand.pk for brand, _units in stock}) != len(stock):
        raise ValidationError({"stock": _("Each brand once, please.")})
    if any(units is None or units < 0 for _brand, units in stock):
        raise ValidationError({"stock": _("Units cannot be negative.")})
    for part in extras.parts:
        part.check(visit)
    return contacts, stock


def _checked_orders(visit: Visit, stored: Visit | None, inputs: Sequence[OrderInput]) -> list[list[OrderLine]]:
    """The lines of every order of ``inputs``, validated before anything is saved (a corrected order left without
    lines is cancelled); sets ``visit.credit_warning`` (the credit check of what the orders add)."""
    corrected = _orders_to_correct(visit, stored, inputs)
    orders = [_build_lines(o.lines) if (o.lines or o.order is None) else [] for o in inputs]
    new_amount = sum((ln.amount for lines in orders for ln in lines), CENT * 0)
    visit.credit_warning = (
        credit_warning(
            distributor=visit.distributor, extra_amount=new_amount - sum((o.amount for o in corrected), CENT * 0)
        )
        if any(orders)
        else ""
    )
    return orders


def _write_orders(visit: Visit, inputs: Sequence[OrderInput], orders: list[list[OrderLine]], by: User) -> list[Order]:
    """Create the visit's new orders and correct the ones named; returns the orders created."""
    created_orders = []
    for order_input, lines in zip(inputs, orders, strict=True):
        if order_input.order is not None:
            _correct_visit_order(order_input.order, lines, visit, by)
            continue
        order = Order.objects.create(
            distributor=visit.distributor,
            rep=visit.rep,
            order_date=visit.visit_date,
            visit=visit,
            source=Order.Source.VISIT,
            note=order_input.note,
            created_by=by,
        )
        _save_lines(order, lines)
        order._prefetched_objects_cache = {"lines": _as_fetched(OrderLine, lines)}
        created_orders.append(order)
        audit.record(order, by=by, action="order_created")
    return created_orders


def _orders_to_correct(visit: Visit, stored: Visit | None, inputs: Sequence[OrderInput]) -> list[Order]:
    """The visit's own taken orders that ``inputs`` correct, locked; anything else is a field error."""
    ids = [o.order.pk for o in inputs if o.order is not None]
    if not ids:
        return []
    locked = {o.pk: o for o in Order.objects.select_for_update().filter(pk__in=ids)}
    for pk in ids:
        order = locked.get(pk)
        if stored is None or order is None or order.visit_id != stored.pk:
            raise ValidationError({"lines": [_("That order is not one of this visit's.")]})
        if order.status != OrderStatus.TAKEN:
            raise ValidationError(
                {
                    "lines": [
                        _("Order #%(n)s is %(status)s and can no longer change.")
                        % {"n": order.pk, "status": order.get_status_display()}
                    ]
                }
            )
    for order_input in inputs:
        if order_input.order is not None:
            order_input.order = locked[order_input.order.pk]
    return list(locked.values())


def _line_key(line: OrderLine) -> list:
    return [line.product_id, f"{Decimal(line.quantity):.2f}", f"{Decimal(line.unit_price):.2f}"]


def _correct_visit_order(order: Order, lines: list[OrderLine], visit: Visit, by: User) -> None:
    """Change the lines of the visit's order in place (audited); no lines left cancels it (never deleted)."""
    before = audit.snapshot(order)
    before["lines"] = [_line_key(ln) for ln in order.lines.order_by("pk")]
    if not lines:
        order.status = OrderStatus.CANCELLED
        order.save(update_fields=["status", "updated_at"])
        audit.record(order, by=by, action="order_status_changed", before=before)
        return
    new_lines = [_line_key(ln) for ln in lines]
    if (new_lines, order.distributor_id, order.order_date) == (before["lines"], visit.distributor_id, visit.visit_date):
        return  # saved again unchanged: nothing to record
    order.distributor = visit.distributor
    order.order_date = visit.visit_date
    order.save(update_fields=["distributor", "order_date", "updated_at"])
    _save_lines(order, lines)
    after = audit.snapshot(order)
    after["lines"] = new_lines
    audit.record(order, by=by, action="order_changed", before=before, after=after)


@transaction.atomic
def decide_late_visit(*, visit: Visit, by: User, accept: bool, note: str = "") -> Visit:
    """The KAM (or a manager) accepts or rejects a rep's late entry. A rejected visit is kept, marked rejected,
    and its taken orders are cancelled (audited); money collected stays with finance's claim.

    Raises PermissionDenied (not a manager of the rep) or ValidationError (not waiting for a decision).
    """
    stored = Visit.objects.select_for_update(of=("self",)).get(pk=visit.pk)
    if by.pk == stored.rep_id or by.effective_role not in MANAGERS or not acts_for(by, stored.rep):
        raise PermissionDenied
    if stored.late_entry != LateEntry.PENDING:
        raise ValidationError({"decision": _("This visit is not a late entry waiting for a decision.")})
    before = audit.snapshot(stored)
    stored.late_entry = LateEntry.ACCEPTED if accept else LateEntry.REJECTED
    stored.late_decided_by, stored.late_decided_at, stored.late_note = by, timezone.now(), note[:255]
    stored.save(update_fields=["late_entry", "late_decided_by", "late_decided_at", "late_note", "updated_at"])
    if not accept:
        for order in Order.objects.select_for_update().filter(visit=stored, status=OrderStatus.TAKEN):
            order_before = audit.snapshot(order)
            order.status = OrderStatus.CANCELLED
            order.save(update_fields=["status", "updated_at"])
            audit.record(order, by=by, action="order_status_changed", before=order_before)
    audit.record(stored, by=by, action="late_visit_accepted" if accept else "late_visit_rejected", before=before)
    return stored


@transaction.atomic
def add_visit_photo(*, visit: Visit, kind: str, image, by: User) -> VisitPhoto:
    """Attach a photo to a visit (through Django's storage, so production can use object storage).

    Raises ValidationError on ``image`` when it is too large or not an image; large photos are scaled down."""
    if not acts_for(by, visit.rep):
        raise PermissionDenied
    if visit.late_entry != LateEntry.PENDING:  # a pending late entry's photos go with it
        check_day_open(rep=visit.rep, day=visit.visit_date, by=by)
    try:
        photos.validate_photo(image)  # before anything is decoded: size and a real image
    except ValidationError as exc:
        raise ValidationError({"image": exc.messages}) from exc
    photo = VisitPhoto(visit=visit, kind=kind, image=photos.prepared_photo(image))
    photo.full_clean(exclude=["visit"])
    photo.save()
    audit.record(photo, by=by, action="visit_photo_added")
    return photo


def _claim_collected_money(visit: Visit, by: User) -> None:
    """Money collected on a visit goes to finance as a payment claim (receivables app) to confirm."""
    record_visit_collection(
        visit=visit,
        amount=visit.collected_amount,
        method=visit.collection_method,
        collected_on=visit.visit_date,
        by=by,
    )


@transaction.atomic
def record_visit_collection(
    *, visit: Visit, amount: Decimal, method: str, collected_on: date, by: User, notes: str = ""
) -> PaymentClaim:
    """Report the money collected on ``visit`` to finance: its one payment claim, made or (while waiting) updated.

    The claim is the visit's rep's, on the visit's account. The caller has checked that ``by`` acts for the
    visit's rep. The visit's row is locked, so two reports of the same visit at once make one claim. Raises
    ValidationError (see ``receivables.services.record_payment_claim``) or PermissionDenied.
    """
    locked = Visit.objects.select_for_update(of=("self",)).select_related("payment_claim").get(pk=visit.pk)
    claim = receivables_services.record_payment_claim(
        distributor=locked.distributor,
        rep=locked.rep,
        amount=amount,
        method=method,
        collected_on=collected_on,
        claim=locked.payment_claim,
        notes=notes,
        by=by,
    )
    if locked.payment_claim_id != claim.pk:
        Visit.objects.filter(pk=visit.pk).update(payment_claim=claim)
    visit.payment_claim = claim
    return claim


# --- the accounts a visit may be for -----------------------------------------------------------


def distributors_for_visit(*, rep: User):
    """The accounts a rep may log a visit for: their team's cards, own ones first."""
    own_first = Case(When(owner=rep, then=Value(0)), default=Value(1), output_field=IntegerField())
    return Distributor.objects.visible_to(rep).exclude(status="terminated").order_by(own_first, "short_name", "name")


def accounts_for_visit_form(*, user: User):
    """The accounts the visit form offers ``user``: its account search lists them, a ``?distributor=`` link may
    preselect only one of them. A rep: the team's cards, own ones first; a KAM or manager: the scope's, by code.
    Never a terminated account."""
    if user.effective_role == Role.REP:
        return distributors_for_visit(rep=user)
    return Distributor.objects.visible_to(user).exclude(status="terminated").order_by("code")
