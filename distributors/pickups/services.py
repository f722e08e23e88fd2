"""Pickup policies (提货政策): set one (checked), find the one of a month, compare a month's pickup with it.

Rules: a policy covers whole months from ``valid_from`` to ``valid_to`` (open-ended when blank); an account's
policies do not overlap; its tiers do not overlap (each from its ``from_amount`` included to its ``to_amount``
excluded, only the highest may be open-ended). Shortfall = minimum monthly pickup − the month's pickup, never
below zero: a pickup exactly at the minimum has no shortfall. The month's pickup itself is the dashboards' sales
amount (confirmed and shipped orders dated in the month), read by the reports app; this module only compares.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Role, User
from kamcrm.audit import services as audit
from kamcrm.validation import MONEY_LIMIT, date_errors

from ..cards.models import Distributor
from .models import PickupPolicy, PickupTier

ZERO = Decimal("0.00")
SETTERS = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)


@dataclass(frozen=True)
class TierInput:
    from_amount: Decimal
    to_amount: Decimal | None
    rebate_pct: Decimal


def may_set(user: User, distributor: Distributor) -> bool:
    """A KAM, regional manager or the admin whose scope the account is in sets its policy."""
    return user.effective_role in SETTERS and Distributor.objects.editable_by(user).filter(pk=distributor.pk).exists()


def tier_errors(tiers: list[TierInput]) -> list[str]:
    """What is wrong with the tiers, as messages (empty when they are fine)."""
    errors = []
    ordered = sorted(tiers, key=lambda t: t.from_amount)
    for tier in ordered:
        if tier.from_amount < 0 or tier.from_amount > MONEY_LIMIT:
            errors.append(_("A tier starts at an amount from zero up."))
        if tier.to_amount is not None and tier.to_amount <= tier.from_amount:
            errors.append(_("A tier's upper end must be above its start (%(from)s).") % {"from": tier.from_amount})
        if not Decimal("0") <= tier.rebate_pct <= Decimal("100"):
            errors.append(_("A rebate is a percentage from 0 to 100."))
    for lower, higher in zip(ordered, ordered[1:], strict=False):
        if lower.to_amount is None or lower.to_amount > higher.from_amount:
            errors.append(
                _("The tiers from %(a)s and from %(b)s overlap.") % {"a": lower.from_amount, "b": higher.from_amount}
            )
    return errors


def _month(day: date | None) -> date | None:
    return day.replace(day=1) if day else None


@transaction.atomic
def save_policy(
    *,
    distributor: Distributor,
    valid_from: date,
    valid_to: date | None,
    min_monthly_pickup: Decimal,
    terms: str,
    tiers: list[TierInput],
    by: User,
    policy: PickupPolicy | None = None,
) -> PickupPolicy:
    """Set (or change) an account's pickup policy with its tiers. Raises PermissionDenied or ValidationError:
    overlapping tiers, a policy overlapping another of the account, an end before the start, a negative minimum.
    Nothing is saved then."""
    if not may_set(by, distributor):
        raise PermissionDenied(_("Only the account's KAM or a manager sets its pickup policy."))
    Distributor.objects.select_for_update().filter(pk=distributor.pk).first()  # one policy change at a time
    valid_from, valid_to = _month(valid_from), _month(valid_to)
    errors: dict = date_errors(valid_from=valid_from, valid_to=valid_to)
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = [_("The last month comes after the first.")]
    if min_monthly_pickup is None or min_monthly_pickup < 0 or min_monthly_pickup > MONEY_LIMIT:
        errors["min_monthly_pickup"] = [_("Enter an amount from zero up.")]
    problems = tier_errors(tiers)
    if problems:
        errors["tiers"] = problems
    if valid_from and "valid_to" not in errors:
        others = PickupPolicy.objects.filter(distributor=distributor).exclude(pk=getattr(policy, "pk", None))
        overlap = others.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
        if valid_to:
            overlap = overlap.filter(valid_from__lte=valid_to)
        if overlap.exists():
            errors["valid_from"] = [_("Another policy of this account covers some of these months.")]
    if errors:
        raise ValidationError(errors)
    before = None
    if policy is None:
        policy = PickupPolicy(distributor=distributor, created_by=by)
    else:
        before = audit.snapshot(policy)
        before["tiers"] = [str(t) for t in policy.tiers.all()]
    policy.valid_from, policy.valid_to = valid_from, valid_to
    policy.min_monthly_pickup = min_monthly_pickup.quantize(Decimal("0.01"))
    policy.terms = (terms or "").strip()
    policy.save()
    policy.tiers.all().delete()
    PickupTier.objects.bulk_create(
        [
            PickupTier(policy=policy, from_amount=t.from_amount, to_amount=t.to_amount, rebate_pct=t.rebate_pct)
            for t in sorted(tiers, key=lambda t: t.from_amount)
        ]
    )
    after = audit.snapshot(policy)
    after["tiers"] = [str(t) for t in policy.tiers.all()]
    audit.record(
        policy,
        by=by,
        action="pickup_policy_set" if before is None else "pickup_policy_changed",
        before=before,
        after=after,
    )
    return policy


def policies_by_month(distributor: Distributor, months: list[date]) -> dict[date, PickupPolicy | None]:
    """{month: the account's policy covering it, or None}."""
    policies = list(PickupPolicy.objects.filter(distributor=distributor).prefetch_related("tiers"))
    result = {}
    for month in months:
        result[month] = next(
            (p for p in policies if p.valid_from <= month and (p.valid_to is None or month <= p.valid_to)), None
        )
    return result


@dataclass
class Against:
    minimum: Decimal | None
    shortfall: Decimal | None
    tier: PickupTier | None


def against_policy(pickup: Decimal, policy: PickupPolicy | None) -> Against:
    """A month's pickup against its policy: the shortfall (zero at or above the minimum) and the tier reached."""
    if policy is None:
        return Against(None, None, None)
    shortfall = max(policy.min_monthly_pickup - pickup, ZERO)
    tier = next(
        (t for t in policy.tiers.all() if t.from_amount <= pickup and (t.to_amount is None or pickup < t.to_amount)),
        None,
    )
    return Against(policy.min_monthly_pickup, shortfall, tier)
