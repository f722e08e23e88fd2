"""Credit holds: one function decides whether an account may take new orders on credit — :func:`credit_state`.

The admin's rules (``CreditHoldRule``) look at the aging: "money more than 60 days past due", or "more than 90
days past due and above 20 % of the balance" (days past due = as_of − due date, as on the aging page, so "more
than 60" starts at 61 — the 61–90 bucket); per tier or for all; each rule holds new orders or only warns. A rule
"over the credit limit" decides whether taking an account over its limit is held or warned (warned without one).
Rule holds are computed from today's figures, so a hold lifts by itself as soon as the money arrives.

Finance may also put one account on hold by hand (until released by hand), or release the rules' hold on one
account until a date (``CreditHold``); both with a reason, audited. Orders and visits (reports), invoices,
the card's banner, the receivables pages and the API all ask :func:`credit_state` / :func:`credit_check`.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.notifications import notify
from distributors.models import Distributor
from kamcrm.audit import services as audit
from kamcrm.money import ZERO, cents

from .models import (
    CreditHold,
    CreditHoldKind,
    CreditHoldRule,
    HoldAction,
    RuleCondition,
    distributors_with_money_visible_to,
)
from .selectors import _unapplied, open_sums, promise_reliability

OK, WARN, HOLD = "ok", "warn", "hold"
MAX_RELEASE_DAYS = 90


def _today() -> date:
    return timezone.localdate()


@dataclass
class CreditState:
    """Whether ``distributor_id`` may take new orders on credit on ``as_of``: ``state`` ok, warn or hold."""

    distributor_id: int
    state: str = OK
    reasons: list[str] = field(default_factory=list)
    amount_to_pay: Decimal = ZERO  # paying this (oldest first) clears every rule that holds or warns, and the limit
    balance: Decimal = ZERO  # open invoices (the aging's total)
    owed: Decimal = ZERO  # open invoices less unapplied credit (what the credit limit is compared with)
    limit: Decimal = ZERO
    exceeds_limit: bool = False
    manual: CreditHold | None = None

    @property
    def held(self) -> bool:
        return self.state == HOLD

    @property
    def message(self) -> str:
        parts = list(self.reasons)
        if self.state != OK and self.amount_to_pay > 0:
            parts.append(
                (_("Pay %(amount)s to release the hold.") if self.held else _("Pay %(amount)s to clear the warning."))
                % {"amount": f"{self.amount_to_pay:,.2f}"}
            )
        return " ".join(parts)


def _range_q(rule: CreditHoldRule, as_of: date) -> Q:
    q = Q(due_date__lt=as_of - timedelta(days=rule.over_days))
    if rule.up_to_days is not None:
        q &= Q(due_date__gte=as_of - timedelta(days=rule.up_to_days))
    return q


def _range_label(rule: CreditHoldRule) -> str:
    if rule.up_to_days is None:
        return _("more than %(days)s days past due") % {"days": rule.over_days}
    return _("%(low)s–%(high)s days past due") % {"low": rule.over_days + 1, "high": rule.up_to_days}


def _to_pay(amount: Decimal, total: Decimal, share: Decimal | None) -> Decimal:
    """What must be paid (oldest first, which takes it off ``amount`` and ``total`` alike) for ``amount`` to be at
    most ``share`` of ``total``: all of it without a share, else (amount − share × total) ÷ (1 − share)."""
    if share is None or share >= 1:
        return amount
    needed = (amount - share * total) / (1 - share)
    return max(needed.quantize(Decimal("0.01"), rounding=ROUND_UP), ZERO)


def credit_state(
    distributor_ids, *, as_of: date | None = None, extra_amounts: dict[int, Decimal] | None = None
) -> dict[int, CreditState]:
    """{distributor id: CreditState on ``as_of`` (today)} — the one rule for holds and warnings.

    ``extra_amounts`` {id: amount} adds an order or invoice not yet saved to what the credit limit is compared
    with. A few queries whatever the number of accounts. The caller has checked scope.
    """
    as_of = as_of or _today()
    extra_amounts = extra_amounts or {}
    ids = [int(pk) for pk in distributor_ids]
    if not ids:
        return {}
    accounts = {
        pk: (tier, limit)
        for pk, tier, limit in Distributor.objects.filter(pk__in=ids).values_list("pk", "tier", "credit_limit")
    }
    rules = list(CreditHoldRule.objects.filter(is_active=True))
    overdue_rules = [r for r in rules if r.condition == RuleCondition.OVERDUE]
    sums = {f"r{r.pk}": _range_q(r, as_of) for r in overdue_rules}
    # Money older than a rule's range is paid first (oldest first), before the range itself goes down.
    sums.update(
        {f"o{r.pk}": Q(due_date__lt=as_of - timedelta(days=r.up_to_days)) for r in overdue_rules if r.up_to_days}
    )
    sums["total"] = Q()
    just_these = Distributor.objects.filter(pk__in=ids)
    figures = open_sums(for_user=None, as_of=as_of, group="distributor_id", sums=sums, distributors=just_these)
    credit = _unapplied(None, just_these, "distributor_id", as_of)
    manual = {h.distributor_id: h for h in CreditHold.objects.active(as_of).filter(distributor__in=ids)}
    result = {}
    for pk in ids:
        if pk not in accounts:
            continue
        tier, limit = accounts[pk]
        row = figures.get(pk, {})
        total = cents(row.get("total"))
        owed = total - cents(credit.get(pk))
        extra = Decimal(extra_amounts.get(pk) or 0)
        state = CreditState(pk, balance=total, owed=owed, limit=limit, manual=manual.get(pk))
        actions, to_pay = set(), ZERO
        for rule in rules:
            if rule.tier not in ("", tier):
                continue
            if rule.condition == RuleCondition.OVER_LIMIT:
                continue
            amount = cents(row.get(f"r{rule.pk}"))
            if amount <= 0:
                continue
            share = amount / total if total else Decimal(1)
            if rule.min_share is not None and share <= rule.min_share:
                continue
            actions.add(rule.action)
            older = cents(row.get(f"o{rule.pk}"))
            to_pay = max(to_pay, older + _to_pay(amount, total - older, rule.min_share))
            if rule.min_share is None:
                state.reasons.append(
                    _("%(amount)s is %(range)s.") % {"amount": f"{amount:,.2f}", "range": _range_label(rule)}
                )
            else:
                state.reasons.append(
                    _("%(amount)s is %(range)s: %(share)s of the balance, above %(limit)s.")
                    % {
                        "amount": f"{amount:,.2f}",
                        "range": _range_label(rule),
                        "share": f"{share:.0%}",
                        "limit": f"{rule.min_share:.0%}",
                    }
                )
        state.exceeds_limit = extra >= 0 and owed + extra > 0 and owed + extra > limit
        if state.exceeds_limit:
            limit_rules = [r for r in rules if r.condition == RuleCondition.OVER_LIMIT and r.tier in ("", tier)]
            actions.add(HoldAction.HOLD if any(r.action == HoldAction.HOLD for r in limit_rules) else HoldAction.WARN)
            to_pay = max(to_pay, owed + extra - limit)
            state.reasons.append(
                _("Owes %(owed)s; with %(extra)s more that is %(total)s, over its credit limit of %(limit)s.")
                % {
                    "owed": f"{owed:,.2f}",
                    "extra": f"{extra:,.2f}",
                    "total": f"{owed + extra:,.2f}",
                    "limit": f"{limit:,.2f}",
                }
            )
        state.amount_to_pay = to_pay
        if HoldAction.HOLD in actions:
            state.state = HOLD
        elif HoldAction.WARN in actions:
            state.state = WARN
        hand = state.manual
        if hand is not None and hand.kind == CreditHoldKind.HOLD:
            state.state = HOLD
            state.reasons.insert(0, _("Held by finance: %(reason)s.") % {"reason": hand.reason})
        elif hand is not None and state.state == HOLD:  # a release by hand, until its date
            state.state = WARN
            state.reasons.insert(
                0,
                _("Released by finance until %(day)s: %(reason)s.")
                % {"day": hand.until.isoformat(), "reason": hand.reason},
            )
        result[pk] = state
    return result


def credit_state_of(
    distributor: Distributor, *, as_of: date | None = None, extra_amount: Decimal = ZERO
) -> CreditState:
    """:func:`credit_state` of one account."""
    return credit_state([distributor.pk], as_of=as_of, extra_amounts={distributor.pk: extra_amount})[distributor.pk]


@dataclass
class CreditCheck:
    """The credit check of an order or invoice of ``extra_amount``: :func:`credit_state` with that amount added."""

    state: CreditState
    extra_amount: Decimal

    @property
    def blocks(self) -> bool:
        return self.state.held

    @property
    def warn(self) -> bool:
        return self.state.state != OK

    @property
    def exceeds_limit(self) -> bool:
        return self.state.exceeds_limit

    @property
    def open_amount(self) -> Decimal:
        return self.state.owed

    @property
    def limit(self) -> Decimal:
        return self.state.limit

    @property
    def message(self) -> str:
        return self.state.message


def credit_check(*, distributor: Distributor, extra_amount: Decimal, as_of: date | None = None) -> CreditCheck:
    """Would ``extra_amount`` more (an order, an invoice) be held or warned about? The caller has checked scope."""
    extra_amount = Decimal(extra_amount or 0)
    return CreditCheck(credit_state_of(distributor, as_of=as_of, extra_amount=extra_amount), extra_amount)


def held_message(state: CreditState) -> str:
    """The refusal shown when a new order is held."""
    return _("New orders are on hold: %(why)s") % {"why": state.message}


# --- Writes: rules, holds and releases by hand --------------------------------------------------------------------


def can_manage_holds(user: User) -> bool:
    """Finance and the admin hold and release accounts by hand."""
    return bool(user and user.is_authenticated and user.is_active and user.effective_role in (Role.FINANCE, Role.ADMIN))


def _require_admin(by: User) -> None:
    if not (by and by.is_authenticated and by.is_active and by.effective_role == Role.ADMIN):
        raise PermissionDenied(_("Only the admin sets credit hold rules."))


def check_rule(rule: CreditHoldRule) -> None:
    """Field errors of ``rule`` (a 400): a range that does not go up, a share outside 0–100 %, or days that overlap
    another active rule of the same tier (or of all tiers) and condition."""
    errors = {}
    if rule.condition == RuleCondition.OVER_LIMIT:
        rule.over_days, rule.up_to_days, rule.min_share = 0, None, None
    if rule.up_to_days is not None and rule.up_to_days <= rule.over_days:
        errors["up_to_days"] = [_("The upper end must be above the lower one.")]
    if rule.min_share is not None and not (Decimal(0) < rule.min_share < Decimal(1)):
        errors["min_share"] = [_("Give a share between 0 and 1 (0.2 for 20 %).")]
    if not (rule.name or "").strip():
        errors["name"] = [_("Give the rule a name.")]
    if rule.is_active and not errors:
        others = CreditHoldRule.objects.filter(is_active=True, condition=rule.condition).exclude(pk=rule.pk)
        if rule.tier:
            others = others.filter(tier__in=["", rule.tier])
        for other in others:
            if rule.condition == RuleCondition.OVER_LIMIT or _overlap(rule, other):
                errors["over_days"] = [
                    _("These days overlap the rule “%(name)s” (%(range)s); make the buckets not overlap.")
                    % {"name": other.name, "range": _range_label(other)}
                ]
                break
    if errors:
        raise ValidationError(errors)


def _overlap(a: CreditHoldRule, b: CreditHoldRule) -> bool:
    a_high = a.up_to_days if a.up_to_days is not None else 10**6
    b_high = b.up_to_days if b.up_to_days is not None else 10**6
    return a.over_days < b_high and b.over_days < a_high


@transaction.atomic
def save_rule(*, by: User, rule: CreditHoldRule | None = None, **fields) -> CreditHoldRule:
    """Create or change a credit hold rule (admin). Raises ValidationError (field errors) or PermissionDenied."""
    _require_admin(by)
    before = audit.snapshot(rule) if rule and rule.pk else None
    rule = rule or CreditHoldRule()
    for name, value in fields.items():
        setattr(rule, name, value)
    check_rule(rule)
    rule.full_clean()
    rule.save()
    audit.record(rule, by=by, action="credit_rule_saved", before=before)
    return rule


def _check_scope(distributor: Distributor, by: User) -> None:
    if not can_manage_holds(by):
        raise PermissionDenied(_("Only finance holds and releases accounts."))
    if not distributors_with_money_visible_to(by).filter(pk=distributor.pk).exists():
        raise PermissionDenied(_("This account is outside your scope."))


def _end_open(distributor: Distributor, by: User, reason: str) -> CreditHold | None:
    current = CreditHold.objects.select_for_update().filter(distributor=distributor, ended_at__isnull=True).first()
    if current is not None:
        before = audit.snapshot(current)
        current.ended_at, current.ended_by, current.end_reason = timezone.now(), by, reason[:255]
        current.save()
        audit.record(current, by=by, action="credit_hold_ended", before=before)
    return current


@transaction.atomic
def place_hold(*, distributor: Distributor, reason: str, by: User) -> CreditHold:
    """Put one account on hold by hand (until released by hand). Raises ValidationError or PermissionDenied."""
    _check_scope(distributor, by)
    Distributor.objects.select_for_update().filter(pk=distributor.pk).first()  # one hand at a time per account
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the account is held.")]})
    current = CreditHold.objects.filter(distributor=distributor, ended_at__isnull=True).first()
    if current is not None and current.kind == CreditHoldKind.HOLD:
        raise ValidationError({"non_field_errors": [_("This account is already on hold.")]})
    _end_open(distributor, by, reason)
    hold = CreditHold.objects.create(
        distributor=distributor, kind=CreditHoldKind.HOLD, reason=reason.strip()[:255], placed_by=by
    )
    audit.record(hold, by=by, action="credit_hold_placed")
    notify_credit_hold_placed(hold=hold)
    return hold


@transaction.atomic
def release_hold(*, distributor: Distributor, reason: str, by: User, until: date | None = None) -> CreditHold | None:
    """Release one account by hand: ends a hold by hand; when the rules still hold the account, releases it until
    ``until`` (required then, at most MAX_RELEASE_DAYS ahead). Returns the release (or the ended hold)."""
    _check_scope(distributor, by)
    Distributor.objects.select_for_update().filter(pk=distributor.pk).first()
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the account is released.")]
    today = _today()
    if until is not None and not (today <= until <= today + timedelta(days=MAX_RELEASE_DAYS)):
        errors["until"] = [_("Give a day from today to %(days)s days ahead.") % {"days": MAX_RELEASE_DAYS}]
    if errors:
        raise ValidationError(errors)
    ended = _end_open(distributor, by, reason.strip())
    # What the rules alone say once the hand is off.
    state = credit_state([distributor.pk], as_of=today)[distributor.pk]
    if state.state != HOLD:
        if ended is None:
            raise ValidationError({"non_field_errors": [_("This account is not on hold.")]})
        notify_credit_hold_released(distributor=distributor, key=f"hold-{ended.pk}")
        return ended
    if until is None:
        raise ValidationError({"until": [_("The rules hold this account: give the day the release runs until.")]})
    release = CreditHold.objects.create(
        distributor=distributor, kind=CreditHoldKind.RELEASE, reason=reason.strip()[:255], until=until, placed_by=by
    )
    audit.record(release, by=by, action="credit_hold_released")
    notify_credit_hold_released(distributor=distributor, key=f"release-{release.pk}")
    return release


def _sales_side(distributor: Distributor) -> set[User]:
    """Who takes the account's orders: the owner rep and the team's KAM."""
    owner = distributor.owner
    team = owner.team
    return {owner, *([team.kam] if team and team.kam else [])}


def notify_credit_hold_placed(*, hold: CreditHold) -> None:
    """Event "credit hold placed" (by hand): the owner rep and the KAM are told once."""
    distributor = hold.distributor
    url = reverse("receivables:account", args=[distributor.pk])
    for user in _sales_side(distributor):
        notify(
            recipient=user,
            kind="credit_hold_placed",
            key=f"hold-{hold.pk}",
            params={"distributor": distributor.display_name},
            url=url,
        )


def notify_credit_hold_released(*, distributor: Distributor, key: str) -> None:
    """Event "credit hold released" (by hand): the owner rep and the KAM are told once per release."""
    url = reverse("receivables:account", args=[distributor.pk])
    for user in _sales_side(distributor):
        notify(
            recipient=user,
            kind="credit_hold_released",
            key=key,
            params={"distributor": distributor.display_name},
            url=url,
        )


def card_banner(*, user: User, distributor: Distributor) -> dict | None:
    """The customer card's and the visit form's money line: None when the account's money is outside ``user``'s
    scope, else {"state" (ok / warn / hold), "message", "amount_to_pay", "promise_reliability"}; the banner shows
    for warn and hold (registered with distributors on startup)."""
    if not distributors_with_money_visible_to(user).filter(pk=distributor.pk).exists():
        return None
    state = credit_state_of(distributor)
    return {
        "state": state.state,
        "message": state.message,
        "amount_to_pay": state.amount_to_pay,
        "promise_reliability": promise_reliability([distributor.pk])[distributor.pk],
    }


def card_context(*, user: User, distributor: Distributor) -> dict:
    """What the customer card shows of the account's money (registered with ``distributors.card_context``):
    the credit banner (hold / warning, amount to pay, promise reliability)."""
    return {"credit_banner": card_banner(user=user, distributor=distributor)}
