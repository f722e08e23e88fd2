"""Writes of the rep's day: visits, orders, the daily report and the "135" cycle.

Every function is atomic and audited; bad input raises ``ValidationError`` with
field errors and saves nothing; an action the user's role may not take on a
record they can see raises ``PermissionDenied``.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.notifications import notify
from distributors.models import Brand, Contact, Distributor, Product
from kamcrm.audit import services as audit
from kamcrm.money import CENT, cents
from kamcrm.validation import check_dates
from receivables import holds as receivables_holds
from receivables import services as receivables_services
from receivables.models import PaymentClaim
from reports.cycle.models import Comment, MonthlyWorkPlan, Review, ScheduleEntry, ServiceStrategy, WeeklySchedule
from reports.market import services as market_checks
from reports.needs import services as needs
from reports.visits import geo, photos
from reports.visits.models import DailyReport, LateEntry, Order, OrderLine, OrderStatus, Visit, VisitPhoto, VisitStock
from reports.visits.signals import last_write, written_in_bulk

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


@dataclass
class VisitExtras:
    contacts: Iterable[Contact] = ()
    brands: Iterable[Brand] = ()
    strategies: Iterable[ServiceStrategy] = ()
    needs: Iterable | None = None  # customer needs observed; None keeps a saved visit's as they are
    stock: Sequence[tuple[Brand, int]] | None = None  # None keeps a saved visit's stock as it is
    orders: Sequence[OrderInput] = ()
    photos: Sequence[tuple[str, object]] = ()  # (kind, uploaded file)
    market: Sequence[market_checks.MarketLineInput] | None = None  # None keeps a saved visit's market checks


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
    queryset = model._default_manager.filter(pk__in=[row.pk for row in rows])
    queryset._result_cache, queryset._prefetch_done = list(rows), True
    return queryset


def _advance_last_visit(distributor: Distributor, day: date) -> None:
    """A new visit can only move the account's last visit later: one UPDATE, no read."""
    Distributor.objects.filter(pk=distributor.pk).update(
        last_visited_on=Greatest(Coalesce("last_visited_on", Value(day)), Value(day))
    )


@dataclass
class _NewVisitChecks:
    retried: Visit | None  # the visit first saved with this client_ref (a retry from the phone)
    account_visible: bool  # the account is in the scope of the rep and of the one logging it
    day_locked: bool  # the rep's daily report of the visit's day is submitted


def _new_visit_checks(visit: Visit, by: User) -> _NewVisitChecks:
    """One query for the reads a new visit's checks need (sets ``visit.visit_date`` from its start)."""
    visit.visit_date = timezone.localdate(visit.started_at) if visit.started_at else None
    visible = Distributor.objects.visible_to(visit.rep).filter(pk=OuterRef("pk"))
    if by.pk != visit.rep_id:
        visible = visible.filter(pk__in=Distributor.objects.visible_to(by).values("pk"))
    locked = DailyReport.objects.filter(rep=visit.rep_id, date=visit.visit_date, state=DailyReport.State.SUBMITTED)
    retried = Visit.objects.filter(client_ref=visit.client_ref).values("pk")[:1]
    row = (
        Distributor.objects.filter(pk=visit.distributor_id or 0)
        .annotate(
            visible=Exists(visible),
            locked=Exists(locked)
            if visit.visit_date and not (by.effective_role in MANAGERS and by.pk != visit.rep_id)
            else Value(False),
            retried=Subquery(retried) if visit.client_ref else Value(None, output_field=IntegerField()),
        )
        .values("visible", "locked", "retried")
        .first()
    )
    if row is None:  # no such account; a retried visit is still found by its reference
        row = {"visible": False, "locked": False, "retried": None}
        if visit.client_ref:
            row["retried"] = Visit.objects.filter(client_ref=visit.client_ref).values_list("pk", flat=True).first()
    return _NewVisitChecks(
        retried=Visit.objects.get(pk=row["retried"]) if row["retried"] else None,
        account_visible=row["visible"],
        day_locked=row["locked"],
    )


@transaction.atomic
def save_visit(*, visit: Visit, by: User, extras: VisitExtras | None = None) -> Visit:
    """Log (or correct) a visit with what came of it: orders taken, stock seen, money collected, photos.

    A visit sent twice with the same ``client_ref`` (a retry from a flaky phone
    connection) is saved once: the second call returns the first visit.
    Raises ValidationError (field errors) or PermissionDenied.
    """
    extras = extras or VisitExtras()
    stored = Visit.objects.select_for_update().filter(pk=visit.pk).first() if visit.pk else None
    if stored is None:
        # A new visit: what the checks need to read, in one query (a rep logs dozens a day from a phone).
        checks = _new_visit_checks(visit, by)
        if checks.retried is not None:
            if checks.retried.rep_id != visit.rep_id:
                raise ValidationError({"client_ref": _("This reference belongs to another visit.")})
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
    else:
        if not acts_for(by, stored.rep):
            raise PermissionDenied
        _check_acts_for(by, visit.rep)
        _check_account(getattr(visit, "distributor", None) if visit.distributor_id else None, visit.rep, by)
        _check_visit_times(visit)
        visit.visit_date = timezone.localdate(visit.started_at)
        check_day_open(rep=visit.rep, day=visit.visit_date, by=by)
    if stored is not None and stored.visit_date != visit.visit_date:
        check_day_open(rep=stored.rep, day=stored.visit_date, by=by)
    if visit.collected_amount and visit.collected_amount > 0 and not visit.collection_method:
        raise ValidationError({"collection_method": _("How was the money paid?")})
    if stored is not None and stored.collected_amount != visit.collected_amount and stored.payment_claim_id:
        raise ValidationError(
            {
                "collected_amount": _(
                    "The money collected has gone to finance as a payment claim; ask finance to correct it."
                )
            }
        )
    contacts = list(extras.contacts)
    if any(c.distributor_id != visit.distributor_id for c in contacts):
        raise ValidationError({"contacts_met": _("Choose contacts of this distributor.")})
    stock = list(extras.stock or ())
    if len({brand.pk for brand, _units in stock}) != len(stock):
        raise ValidationError({"stock": _("Each brand once, please.")})
    if any(units is None or units < 0 for _brand, units in stock):
        raise ValidationError({"stock": _("Units cannot be negative.")})
    market_checks.check_lines(extras.market or ())
    observed = list(extras.needs) if extras.needs is not None else None
    if observed and any(not n.is_active for n in observed):
        raise ValidationError({"needs_observed": _("Choose needs from the catalogue.")})
    corrected = _orders_to_correct(visit, stored, extras.orders)
    # validate every line before saving anything; a corrected order left without lines is cancelled
    orders = [_build_lines(o.lines) if (o.lines or o.order is None) else [] for o in extras.orders]
    new_amount = sum((ln.amount for lines in orders for ln in lines), CENT * 0)
    visit.credit_warning = (
        credit_warning(
            distributor=visit.distributor, extra_amount=new_amount - sum((o.amount for o in corrected), CENT * 0)
        )
        if any(orders)
        else ""
    )
    _locate(visit)
    before = audit.snapshot(stored) if stored else None
    # The account and the rep were checked above (visible, acted for); checking that they exist again is a query each.
    visit.full_clean(exclude=["visit_date", "client_ref", "distributor", "rep"])
    if stored is None and visit.client_ref:
        try:
            with transaction.atomic():
                visit.save()
        except IntegrityError:  # the same client_ref saved by a parallel retry
            return Visit.objects.get(client_ref=visit.client_ref)
    else:
        visit.save()
    brands, strategies = list(extras.brands), list(extras.strategies)
    if stored is not None or contacts or brands or strategies:
        visit.contacts_met.set(contacts)
        visit.brands_discussed.set(brands)
        visit.strategies.set(strategies)
    if observed if stored is None else observed is not None:  # a new visit without needs: no query
        visit.needs_observed.set(observed)
        if observed:
            # A need observed opens on the account (once: one already open is left as it is).
            needs.open_needs(distributor=visit.distributor, needs=observed, by=by, visit=visit)
    stock_rows = [VisitStock(visit=visit, brand=b, units=u) for b, u in stock]
    if stored is not None and extras.stock is not None:
        visit.stock_seen.all().delete()
    if stock_rows and (stored is None or extras.stock is not None):
        VisitStock.objects.bulk_create(stock_rows)
    market_rows = []
    if extras.market if stored is None else extras.market is not None:  # a new visit without lines: no query
        market_rows = market_checks.save_lines(visit, extras.market, replace=stored is not None)
    for kind, upload in extras.photos:
        add_visit_photo(visit=visit, kind=kind, image=upload, by=by)
    created_orders = []
    for order_input, lines in zip(extras.orders, orders, strict=True):
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
    if stored is None and visit.collected_amount > 0:
        _claim_collected_money(visit, by)
    if stored is None:
        _advance_last_visit(visit.distributor, visit.visit_date)
    else:
        _touch_last_visit(visit.distributor)
        if stored.distributor_id != visit.distributor_id:
            _touch_last_visit(stored.distributor)
    audit.record(visit, by=by, action="visit_logged" if before is None else "visit_changed", before=before)
    last_write.send(sender=Visit)  # the rollup refresh request commits with the visit: one commit per visit
    if stored is None:
        # A new visit's related rows are exactly what was just written: showing it needs no query.
        visit._prefetched_objects_cache = {
            "contacts_met": _as_fetched(Contact, contacts),
            "brands_discussed": _as_fetched(Brand, brands),
            "strategies": _as_fetched(ServiceStrategy, strategies),
            "stock_seen": _as_fetched(VisitStock, stock_rows),
            "orders": _as_fetched(Order, created_orders),
            "needs_observed": _as_fetched(Visit.needs_observed.field.related_model, observed or []),
            "market_checks": _as_fetched(Visit.market_checks.rel.related_model, market_rows),
        }
    return visit


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


# --- daily report --------------------------------------------------------------------------------


def daily_report_for(*, rep: User, day: date) -> DailyReport:
    """The rep's report for the day (an unsaved draft when there is none yet)."""
    return DailyReport.objects.filter(rep=rep, date=day).first() or DailyReport(rep=rep, date=day)


@transaction.atomic
def save_daily_notes(*, report: DailyReport, by: User) -> DailyReport:
    """Save the rep's notes (日感受). A submitted day is locked. Raises ValidationError or PermissionDenied."""
    if by.pk != report.rep_id:
        raise PermissionDenied(_("Only the rep writes their daily report."))
    check_dates(date=report.date)
    if report.date > timezone.localdate():
        raise ValidationError({"date": _("A daily report cannot be for a future day.")})
    stored = DailyReport.objects.select_for_update().filter(rep=report.rep, date=report.date).first()
    if stored is not None and stored.is_locked:
        raise ValidationError(_("%(day)s is submitted and locked; ask your KAM to reopen it.") % {"day": report.date})
    if stored is not None:
        report.pk, report.state = stored.pk, stored.state
    report.full_clean(exclude=["rep"], validate_unique=False)
    report.save()
    return report


@transaction.atomic
def submit_daily_report(*, report: DailyReport, by: User) -> DailyReport:
    """Submit the day once; it is then locked. A second submit is an error, not a no-op."""
    if by.pk != report.rep_id:
        raise PermissionDenied(_("Only the rep submits their daily report."))
    if report.date > timezone.localdate():
        raise ValidationError({"date": _("You can submit a day once it has started.")})
    stored = DailyReport.objects.select_for_update().filter(rep=report.rep, date=report.date).first()
    if stored is not None and stored.is_locked:
        raise ValidationError(_("%(day)s was already submitted.") % {"day": report.date})
    if stored is None:
        report.full_clean(exclude=["rep"], validate_unique=False)
        report.save()
        stored = report
    else:
        for name in ("happenings", "problems", "market_info", "competitor_activity"):
            if getattr(report, name):
                setattr(stored, name, getattr(report, name))
    before = audit.snapshot(stored)
    stored.state, stored.submitted_at = DailyReport.State.SUBMITTED, timezone.now()
    stored.save()
    audit.record(stored, by=by, action="daily_report_submitted", before=before)
    return stored


def _check_reviewer(report, by: User) -> None:
    if by.effective_role not in MANAGERS or by.pk == report.rep_id:
        raise PermissionDenied(_("Only the rep's KAM or a manager can do this."))
    if not acts_for(by, report.rep):
        raise PermissionDenied


@transaction.atomic
def reopen_daily_report(*, report: DailyReport, by: User, reason: str = "") -> DailyReport:
    """A KAM (or manager) unlocks a submitted day so the rep can correct it."""
    _check_reviewer(report, by)
    stored = DailyReport.objects.select_for_update().get(pk=report.pk)
    if not stored.is_locked:
        raise ValidationError(_("Only a submitted day can be reopened."))
    before = audit.snapshot(stored)
    stored.state = DailyReport.State.REOPENED
    stored.save(update_fields=["state"])
    if reason:
        Comment.objects.create(target=stored, author=by, text=reason)
    audit.record(stored, by=by, action="daily_report_reopened", before=before)
    # One reopening per submission: the submission's time names the event.
    submitted = stored.submitted_at.isoformat() if stored.submitted_at else "-"
    _notify_day(stored, "day_reopened", f"daily-report-{stored.pk}-reopened-{submitted}", by, reason)
    return stored


def _notify_day(report: DailyReport, kind: str, key: str, by: User, comment: str) -> None:
    notify(
        recipient=report.rep,
        kind=kind,
        key=key,
        params={"by": by.display_name, "day": report.date.isoformat(), "comment": comment},
        url=reverse("reports:daily_report", args=[report.date.isoformat()]),
    )


@transaction.atomic
def review_daily_report(*, report: DailyReport, by: User, comment: str = "") -> DailyReport:
    """The KAM marks the day as read, optionally with a comment."""
    _check_reviewer(report, by)
    stored = DailyReport.objects.select_for_update().get(pk=report.pk)
    stored.reviewed_by, stored.reviewed_at = by, timezone.now()
    stored.save(update_fields=["reviewed_by", "reviewed_at"])
    if comment.strip():
        note = Comment.objects.create(target=stored, author=by, text=comment.strip())
        _notify_day(stored, "day_commented", f"comment-{note.pk}", by, note.text)
    return stored


# --- the 135 cycle: monthly plan, weekly schedule, reviews, comments ------------------------------


def _check_own(rep: User, by: User) -> None:
    if by.pk != rep.pk:
        raise PermissionDenied(_("Only the rep writes their own plan and reviews."))


@transaction.atomic
def save_work_plan(*, plan: MonthlyWorkPlan, by: User, focus_accounts=None, focus_brands=None) -> MonthlyWorkPlan:
    """The rep's monthly work plan. ``month`` is moved to the first of its month.

    ``None`` for ``focus_accounts`` / ``focus_brands`` leaves them as they are. Raises ValidationError (a month
    that already has a plan, accounts that are not the rep's) or PermissionDenied (not the rep's own plan).
    """
    _check_own(plan.rep, by)
    check_dates(month=plan.month)
    if plan.month is None:
        raise ValidationError({"month": _("Which month is this plan for?")})
    plan.month = plan.month.replace(day=1)
    accounts = list(focus_accounts or [])
    visible = Distributor.objects.visible_to(plan.rep)
    if accounts and visible.filter(pk__in=[a.pk for a in accounts]).count() != len(set(accounts)):
        raise ValidationError({"focus_accounts": _("Choose your own accounts.")})
    plan.full_clean(exclude=["rep"], validate_unique=False, validate_constraints=False)
    stored = MonthlyWorkPlan.objects.filter(rep=plan.rep, month=plan.month).exclude(pk=plan.pk).first()
    if stored is not None:
        raise ValidationError({"month": _("You already have a plan for this month; edit that one.")})
    stored_plan = MonthlyWorkPlan.objects.filter(pk=plan.pk).first() if plan.pk else None
    before = audit.snapshot(stored_plan) if stored_plan else None
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:  # the same month saved by a parallel request (a double submit)
        raise ValidationError({"month": _("You already have a plan for this month; edit that one.")}) from None
    if focus_accounts is not None:
        plan.focus_accounts.set(accounts)
    if focus_brands is not None:
        plan.focus_brands.set(focus_brands)
    audit.record(plan, by=by, action="work_plan_saved", before=before)
    return plan


@transaction.atomic
def save_weekly_schedule(
    *, schedule: WeeklySchedule, by: User, entries: Sequence[tuple[date, Distributor, str]] | None = None
) -> WeeklySchedule:
    """The week's route: ``entries`` are (day, distributor, note) in visiting order within each day; the stops
    of a day are numbered 1, 2, 3 ... in that order. ``entries=None`` leaves the stops as they are.

    Raises ValidationError (a week that already has a schedule, a day outside the week, an account that is not
    the rep's or twice on one day) or PermissionDenied (not the rep's own schedule).
    """
    _check_own(schedule.rep, by)
    if schedule.week_start is None:
        raise ValidationError({"week_start": _("Which week is this schedule for?")})
    check_dates(week_start=schedule.week_start)
    schedule.week_start = schedule.week_start - timedelta(days=schedule.week_start.weekday())
    if WeeklySchedule.objects.filter(rep=schedule.rep, week_start=schedule.week_start).exclude(pk=schedule.pk).exists():
        raise ValidationError({"week_start": _("You already have a schedule for this week; edit that one.")})
    week = {schedule.week_start + timedelta(days=i) for i in range(7)}
    replace_entries = entries is not None
    entries = list(entries or [])
    if any(distributor is None for _day, distributor, _note in entries):
        raise ValidationError({"entries": _("Choose the distributor of every stop.")})
    visible = set(
        Distributor.objects.visible_to(schedule.rep)
        .filter(pk__in=[d.pk for _day, d, _note in entries])
        .values_list("pk", flat=True)
    )
    note_length = ScheduleEntry._meta.get_field("note").max_length
    seen: set[tuple[date, int]] = set()
    for day, distributor, note in entries:
        if day not in week:
            raise ValidationError({"entries": _("%(day)s is not in this week.") % {"day": day}})
        if distributor.pk not in visible:
            raise ValidationError({"entries": _("%(name)s is not one of your accounts.") % {"name": distributor}})
        if (day, distributor.pk) in seen:
            raise ValidationError(
                {
                    "entries": _("%(name)s is twice on %(day)s; once a day is enough.")
                    % {"name": distributor, "day": day}
                }
            )
        seen.add((day, distributor.pk))
        if len(note or "") > note_length:
            raise ValidationError(
                {"entries": _("A stop's note can have at most %(n)s characters.") % {"n": note_length}}
            )
    schedule.full_clean(exclude=["rep"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            schedule.save()
    except IntegrityError:  # the same week saved by a parallel request (a double submit)
        raise ValidationError({"week_start": _("You already have a schedule for this week; edit that one.")}) from None
    audit.record(
        schedule,
        by=by,
        action="weekly_schedule_saved",
        after={**audit.snapshot(schedule), "entries": [[str(d), x.pk, n] for d, x, n in entries]}
        if replace_entries
        else None,
    )
    if not replace_entries:
        return schedule
    schedule.entries.all().delete()
    sequence: dict[date, int] = {}
    rows = []
    for day, distributor, note in entries:
        sequence[day] = sequence.get(day, 0) + 1
        rows.append(
            ScheduleEntry(schedule=schedule, day=day, sequence=sequence[day], distributor=distributor, note=note)
        )
    ScheduleEntry.objects.bulk_create(rows)
    days_of: dict[int, list[date]] = {}
    for row in rows:
        days_of.setdefault(row.distributor_id, []).append(row.day)
    for distributor_id, days in days_of.items():  # bulk_create sends no signals
        written_in_bulk.send(sender=ScheduleEntry, distributor_ids=[distributor_id], days=days)
    return schedule


@transaction.atomic
def save_review(*, review: Review, by: User) -> Review:
    """The weekly review (周体会, period = the week's Monday) or monthly summary (月总结, the month's 1st)."""
    _check_own(review.rep, by)
    check_dates(period_start=review.period_start)
    if review.kind not in Review.Kind.values:
        raise ValidationError({"kind": _("Choose a weekly review or a monthly summary.")})
    if review.period_start is None:
        raise ValidationError({"period_start": _("Which week or month is this about?")})
    if review.kind == Review.Kind.WEEKLY:
        review.period_start -= timedelta(days=review.period_start.weekday())
    else:
        review.period_start = review.period_start.replace(day=1)
    if review.period_start > timezone.localdate():
        raise ValidationError({"period_start": _("This period has not started yet.")})
    if (
        Review.objects.filter(rep=review.rep, kind=review.kind, period_start=review.period_start)
        .exclude(pk=review.pk)
        .exists()
    ):
        raise ValidationError({"period_start": _("You already wrote this one; edit it instead.")})
    review.full_clean(exclude=["rep"], validate_unique=False, validate_constraints=False)
    stored_review = Review.objects.filter(pk=review.pk).first() if review.pk else None
    before = audit.snapshot(stored_review) if stored_review else None
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:  # the same period saved by a parallel request (a double submit)
        raise ValidationError({"period_start": _("You already wrote this one; edit it instead.")}) from None
    audit.record(review, by=by, action="review_saved", before=before)
    return review


def add_comment(*, target, by: User, text: str, allowed: Callable[[User], bool] | None = None) -> Comment:
    """A comment on a rep's report, plan, schedule or review, by the rep or anyone who oversees them; ``allowed``
    replaces that rule for targets without a rep (a team's weekly or monthly report)."""
    if not text.strip():
        raise ValidationError({"text": _("Write something first.")})
    if not (allowed(by) if allowed is not None else acts_for(by, target.rep)):
        raise PermissionDenied
    comment = Comment.objects.create(target=target, author=by, text=text.strip())
    if isinstance(target, DailyReport) and target.rep_id != by.pk:
        _notify_day(target, "day_commented", f"comment-{comment.pk}", by, comment.text)
    return comment


def strategies_active():
    return ServiceStrategy.objects.filter(is_active=True)


def _check_admin(by: User) -> None:
    if by.effective_role != Role.ADMIN:
        raise PermissionDenied(_("Only an administrator keeps the service-strategy library."))


@transaction.atomic
def save_strategy(*, strategy: ServiceStrategy, by: User) -> ServiceStrategy:
    """Add or change a service strategy of the library (admin only). Raises ValidationError (a code in use,
    missing fields) or PermissionDenied."""
    _check_admin(by)
    strategy.code = (strategy.code or "").strip()
    strategy.name = (strategy.name or "").strip()
    stored_strategy = ServiceStrategy.objects.filter(pk=strategy.pk).first() if strategy.pk else None
    before = audit.snapshot(stored_strategy) if stored_strategy else None
    strategy.full_clean()
    try:
        with transaction.atomic():
            strategy.save()
    except IntegrityError:  # the same code saved by a parallel request
        raise ValidationError({"code": _("A service strategy with this code already exists.")}) from None
    audit.record(strategy, by=by, action="strategy_created" if before is None else "strategy_changed", before=before)
    return strategy


@transaction.atomic
def delete_strategy(*, strategy: ServiceStrategy, by: User) -> None:
    """Remove a strategy no visit has applied (admin only); one in use is kept for the reports' counts and can
    only be made inactive. Raises ValidationError or PermissionDenied."""
    _check_admin(by)
    if strategy.visits.exists():
        raise ValidationError(
            _("%(strategy)s was applied on visits and is counted in reports; make it inactive instead.")
            % {"strategy": strategy}
        )
    if strategy.needs.exists():
        raise ValidationError(
            _("%(strategy)s is part of a need's standard combination; take it out there or make it inactive.")
            % {"strategy": strategy}
        )
    audit.record(strategy, by=by, action="strategy_deleted", before=audit.snapshot(strategy), after={})
    strategy.delete()


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
