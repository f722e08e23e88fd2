"""Pickups, shipments and stock of one account (每月提货数量及提货政策, 发货跟蹤, 客户库存跟蹤), for its card.

- Monthly pickup = the dashboards' sales amount of the account for the month (confirmed and shipped orders dated
  in it: ``dashboard.compute`` with the account as scope), against the month's pickup policy
  (``distributors.pickups.against_policy``): minimum, shortfall, rebate tier reached.
- Shipments: per order, shipped and delivered dates, carrier and waybill.
- Stock per brand: the units seen on visits, the last count of each month per brand.
The caller has checked that the user may see the account.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from distributors.models import Distributor
from distributors.pickups import services as policy
from kamcrm.audit import services as audit
from kamcrm.validation import date_errors
from reports.analytics.dashboards import selectors as dashboard
from reports.pickups.models import Shipment
from reports.visits.models import SALES_STATUSES, Order, VisitStock

MONTHS = 6


@dataclass
class PickupMonth:
    month: dashboard.Period
    pickup: Decimal
    minimum: Decimal | None
    shortfall: Decimal | None
    tier: object | None


def monthly_pickups(*, distributor: Distributor, months: int = MONTHS, today: date | None = None) -> list[PickupMonth]:
    """The last ``months`` months (this one last) with pickup, minimum, shortfall and tier."""
    periods = dashboard.last_periods(dashboard.period_containing("month", today), months)
    found = dashboard.compute(scope=dashboard.Scope("distributor", distributor), periods=periods)
    policies = policy.policies_by_month(distributor, [p.start for p in periods])
    rows = []
    for i, period in enumerate(periods):
        pickup = found.get((None, i), dashboard.Figures()).sales_amount
        against = policy.against_policy(pickup, policies[period.start])
        rows.append(PickupMonth(period, pickup, against.minimum, against.shortfall, against.tier))
    return rows


def shipments_of(distributor: Distributor, limit: int = 20) -> list[Shipment]:
    return list(
        Shipment.objects.filter(order__distributor=distributor)
        .select_related("order")
        .order_by("-shipped_on", "-pk")[:limit]
    )


def stock_by_brand(*, distributor: Distributor, months: int = MONTHS, today: date | None = None) -> dict:
    """{"months": [first days], "brands": [(brand, [units or None per month])]}: the last count of each month."""
    periods = dashboard.last_periods(dashboard.period_containing("month", today), months)
    rows = (
        VisitStock.objects.filter(
            visit__distributor=distributor,
            visit__visit_date__gte=periods[0].start,
            visit__visit_date__lte=periods[-1].end,
        )
        .select_related("brand")
        .order_by("visit__visit_date", "visit__started_at", "pk")
        .values_list("brand__name", "visit__visit_date", "units")
    )
    last: dict = defaultdict(dict)
    for brand, day, units in rows:
        last[brand][day.replace(day=1)] = units
    months_list = [p.start for p in periods]
    return {
        "months": months_list,
        "brands": [(brand, [counts.get(m) for m in months_list]) for brand, counts in sorted(last.items())],
    }


def card_json(*, distributor: Distributor, today: date | None = None) -> dict:
    stock = stock_by_brand(distributor=distributor, today=today)
    money = lambda v: None if v is None else f"{v:.2f}"  # noqa: E731
    return {
        "distributor": distributor.pk,
        "pickups": [
            {
                "month": row.month.label(),
                "pickup": money(row.pickup),
                "minimum": money(row.minimum),
                "shortfall": money(row.shortfall),
                "rebate_pct": None if row.tier is None else f"{row.tier.rebate_pct:.2f}",
            }
            for row in monthly_pickups(distributor=distributor, today=today)
        ],
        "shipments": [shipment_json(s) for s in shipments_of(distributor)],
        "stock": {
            "months": [m.isoformat() for m in stock["months"]],
            "brands": [{"brand": brand, "units": units} for brand, units in stock["brands"]],
        },
    }


def shipment_json(s: Shipment) -> dict:
    return {
        "id": s.pk,
        "order": s.order_id,
        "order_date": s.order.order_date.isoformat(),
        "shipped_on": s.shipped_on.isoformat(),
        "delivered_on": s.delivered_on.isoformat() if s.delivered_on else None,
        "carrier": s.carrier,
        "reference": s.reference,
    }


@transaction.atomic
def record_shipment(
    *, order: Order, shipped_on: date, delivered_on: date | None, carrier: str, reference: str, by: User
) -> Shipment:
    """Record a shipment of a confirmed or shipped order. Raises PermissionDenied (not the user's account to
    change) or ValidationError (an order not in a sales state, delivered before shipped, dates outside the window)."""
    if not Distributor.objects.editable_by(by).filter(pk=order.distributor_id).exists():
        raise PermissionDenied(_("You can view this card but not change it."))
    errors: dict = {}
    if order.status not in SALES_STATUSES:
        errors["order"] = [_("Only confirmed or shipped orders are shipped.")]
    errors.update(date_errors(shipped_on=shipped_on, delivered_on=delivered_on))
    if shipped_on and delivered_on and delivered_on < shipped_on:
        errors["delivered_on"] = [_("Goods arrive on or after the day they were shipped.")]
    if shipped_on and shipped_on > timezone.localdate():
        errors["shipped_on"] = [_("Record a shipment once the goods have left.")]
    if len(carrier or "") > 100:
        errors["carrier"] = [_("Keep this under 100 characters.")]
    if len(reference or "") > 60:
        errors["reference"] = [_("Keep this under 60 characters.")]
    if errors:
        raise ValidationError(errors)
    shipment = Shipment.objects.create(
        order=order,
        shipped_on=shipped_on,
        delivered_on=delivered_on,
        carrier=(carrier or "").strip(),
        reference=(reference or "").strip(),
        created_by=by,
    )
    audit.record(shipment, by=by, action="shipment_recorded")
    return shipment
