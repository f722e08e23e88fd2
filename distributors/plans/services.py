"""Writes to distributor plans and account plans. Each is one atomic, validated, audited function.

Callers pass the acting user as ``by`` and an object they found through ``visible_to`` (so a plan outside
the caller's scope never gets here: it is a 404 before). Then:

- ``PermissionDenied`` — the caller's role may never do this (a rep or finance drafting a plan, a KAM
  approving one), or the object is visible but not theirs to change;
- ``ValidationError`` with field errors — bad input or a step the plan's state does not allow (months that
  do not add up to the quarter, splits that do not add up, a rep outside the team, a second plan for the
  quarter, approving your own plan, editing an approved plan). Nothing is saved then.

Every change writes a ``PlanStep`` (plans) and an audit event in the same transaction.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.notifications import notify
from kamcrm.audit import services as audit
from kamcrm.money import HUNDRED

from ..cards.models import Contact, Distributor
from .arithmetic import (
    LEVEL_TARGETS,
    TARGET_FIELDS,
    TARGET_PLACES,
    SplitError,
    Targets,
    mismatches,
    quarter_label,
    quarter_months,
    split_targets,
)
from .models import (
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    AccountPlan,
    ActionItem,
    Distribution,
    MonthlyPlan,
    Objective,
    PlanStatus,
    PlanStep,
    QuarterlyPlan,
    RepSplit,
    SeasonalProfile,
    SplitMethod,
)

PLANNER_ROLES = (Role.KAM, Role.ADMIN)
APPROVER_ROLES = (Role.REGIONAL_MANAGER, Role.ADMIN)
SPLIT_ROLES = (Role.REP, Role.KAM)
SIGNED_COPY_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".webp", ".heic")
SIGNED_COPY_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class SplitInput:
    """One rep's part of a month: a percentage (split by percentage) or the targets (split by amount)."""

    rep: User
    share_pct: Decimal | None = None
    targets: Targets | None = None


# --- Who may do what ------------------------------------------------------------------------------------


def can_plan(user: User) -> bool:
    """The role may draft, submit and revise plans (KAM, admin)."""
    return user.is_authenticated and user.is_active and user.effective_role in PLANNER_ROLES


def can_decide(user: User) -> bool:
    """The role may approve and return plans (regional manager, admin)."""
    return user.is_authenticated and user.is_active and user.effective_role in APPROVER_ROLES


def plannable_distributors(user: User):
    """Distributors ``user`` may draft plans for: a KAM the team's, the admin every one."""
    if not can_plan(user):
        return Distributor.objects.none()
    return Distributor.objects.editable_by(user).exclude(status="terminated")


def split_reps(distributor: Distributor):
    """Who a plan of ``distributor`` may be split to: the active reps (and the KAM) of the owner's team."""
    owner = distributor.owner
    if owner.team_id is None:
        return User.objects.filter(pk=owner.pk)
    return User.objects.filter(team=owner.team_id, role__in=SPLIT_ROLES, is_active=True).order_by("username")


def _check_planner(plan: QuarterlyPlan, by: User) -> None:
    if not can_plan(by):
        raise PermissionDenied(_("Only a KAM or an administrator can draft, submit or revise plans."))
    if not QuarterlyPlan.objects.editable_by(by).filter(pk=plan.pk).exists():
        raise PermissionDenied(_("You can view this plan but not change it."))


def _check_decider(plan: QuarterlyPlan, by: User) -> None:
    if not can_decide(by):
        raise PermissionDenied(_("Only a regional manager or an administrator can approve or return plans."))
    if not QuarterlyPlan.objects.decidable_by(by).filter(pk=plan.pk).exists():
        raise PermissionDenied(_("This plan is outside your region."))


def _locked(plan: QuarterlyPlan) -> QuarterlyPlan:
    return QuarterlyPlan.objects.select_for_update().select_related("distributor__owner").get(pk=plan.pk)


# --- Snapshots for the audit trail ----------------------------------------------------------------------


def plan_snapshot(plan: QuarterlyPlan) -> dict:
    """The plan's fields with its months and rep splits, JSON-safe (money as decimal strings)."""
    data = audit.snapshot(plan)
    data["monthly_plans"] = [
        {
            "month": m.month.isoformat(),
            **{name: str(getattr(m, name)) for name in TARGET_FIELDS},
            "rep_splits": [
                {
                    "rep": s.rep_id,
                    "share_pct": None if s.share_pct is None else str(s.share_pct),
                    **{name: str(getattr(s, name)) for name in TARGET_FIELDS},
                }
                for s in sorted(m.rep_splits.all(), key=lambda s: s.rep_id)
            ],
        }
        for m in plan.monthly_plans.order_by("month").prefetch_related("rep_splits")
    ]
    return data


def _step(plan: QuarterlyPlan, action: str, by: User, comment: str = "") -> PlanStep:
    return PlanStep.objects.create(plan=plan, action=action, by=by, comment=comment, at=timezone.now())


def _notify_plan_step(plan: QuarterlyPlan, step: PlanStep, kind: str, recipients, by: User) -> None:
    """One notification per recipient per plan step (the step names the event, so a retry notifies once)."""
    params = {"plan": str(plan), "by": by.display_name, "comment": step.comment}
    for recipient in {r.pk: r for r in recipients if r is not None and r.pk != by.pk}.values():
        notify(
            recipient=recipient,
            kind=kind,
            key=f"plan-step-{step.pk}",
            params=params,
            url=reverse("plans:detail", args=[plan.pk]),
        )


def _plan_deciders(plan: QuarterlyPlan):
    """Who approves the plan: the regional managers of the owner's region."""
    region = plan.distributor.owner.home_region_id if plan.distributor.owner_id else None
    return User.objects.filter(role=Role.REGIONAL_MANAGER, region=region, is_active=True) if region else []


def _plan_authors(plan: QuarterlyPlan) -> list:
    return [plan.submitted_by, plan.created_by]


# --- Arithmetic checks ------------------------------------------------------------------------------------


def _target_errors(targets: Targets, field: str | None = None) -> dict[str, list[str]]:
    errors = {}
    for name, problem in targets.errors().items():
        if problem == "negative":
            message = _("A target cannot be negative.")
        elif TARGET_PLACES[name] == 0:
            message = _("Give a whole number.")
        else:
            message = _("Give at most two decimal places.")
        errors.setdefault(field or name, []).append(message)
    return errors


def _labels() -> dict[str, str]:
    return {name: str(QuarterlyPlan._meta.get_field(name).verbose_name) for name in TARGET_FIELDS}


def _mismatch_messages(found: dict, template: str, **extra) -> list[str]:
    labels = _labels()
    return [
        template % {"target": labels[name], "sum": parts, "total": total, **extra}
        for name, (parts, total) in found.items()
    ]


def _part_errors(part: Targets, label: str) -> list[str]:
    """The problems with one part's targets (a month, a rep's split), each as "label: target: message"."""
    return [f"{label}: {_labels()[field]}: {m}" for field, messages in _target_errors(part).items() for m in messages]


def _sum_errors(whole: Targets, parts: Sequence[Targets], template: str, *, skip=(), prefix: str = "") -> list[str]:
    """One message per target (other than ``skip``) whose parts do not add up to ``whole``'s exactly."""
    found = {name: v for name, v in mismatches(whole, parts).items() if name not in skip}
    return [prefix + m for m in _mismatch_messages(found, template)]


def _as_level(month: Targets, quarter: Targets) -> Targets:
    """A month spread from the quarter, with the quarter's levels (outlet coverage) instead of a part of them."""
    return replace(month, **{name: getattr(quarter, name) for name in LEVEL_TARGETS})


def _level_errors(quarter: Targets, months: Sequence[Targets]) -> list[str]:
    """Outlet coverage is a level: a month may ramp up to the quarter's, never above, and the last month is the
    quarter's (API.md "Outlet coverage is a level")."""
    errors = []
    for name in LEVEL_TARGETS:
        label, total = _labels()[name], getattr(quarter, name)
        for i, month in enumerate(months):
            if getattr(month, name) > total:
                errors.append(
                    _("Month %(n)s: %(target)s %(value)s is above the quarter's %(total)s.")
                    % {"n": i + 1, "target": label, "value": getattr(month, name), "total": total}
                )
        if months and getattr(months[-1], name) != total:
            errors.append(
                _("The last month's %(target)s must be the quarter's %(total)s (it is the level to reach by then).")
                % {"target": label, "total": total}
            )
    return errors


def monthly_targets(
    *,
    targets: Targets,
    quarter: int,
    distribution: str,
    seasonal_profile: SeasonalProfile | None = None,
    months: Sequence[Targets] | None = None,
) -> list[Targets]:
    """The three months of a quarter with ``targets``: spread evenly, by a seasonal profile, or as given by hand.

    The result adds up to ``targets`` exactly, every target. Raises ValidationError (``monthly_plans``,
    ``seasonal_profile``) when the hand-made months do not add up or the profile cannot be used.
    """
    if distribution == Distribution.MANUAL:
        if months is None or len(months) != 3:
            raise ValidationError({"monthly_plans": [_("Give the targets of all three months.")]})
        errors = [m for i, month in enumerate(months) for m in _part_errors(month, _("Month %(n)s") % {"n": i + 1})]
        if errors:
            raise ValidationError({"monthly_plans": errors})
        errors = _level_errors(targets, months) or _sum_errors(
            targets,
            months,
            _("The months' %(target)s add up to %(sum)s, not to the quarter's %(total)s."),
            skip=LEVEL_TARGETS,
        )
        if errors:
            raise ValidationError({"monthly_plans": errors})
        return list(months)
    if distribution == Distribution.PROFILE:
        if seasonal_profile is None:
            raise ValidationError({"seasonal_profile": [_("Choose a seasonal profile.")]})
        if not seasonal_profile.is_active:
            raise ValidationError({"seasonal_profile": [_("This seasonal profile is no longer in use.")]})
        weights = seasonal_profile.weights_for_quarter(quarter)
    elif distribution == Distribution.EVEN:
        weights = [1, 1, 1]
    else:
        raise ValidationError({"distribution": [_("Choose how to spread the quarter over its months.")]})
    try:
        return [_as_level(month, targets) for month in split_targets(targets, weights)]
    except SplitError:
        raise ValidationError(
            {"seasonal_profile": [_("This profile gives no weight to the months of this quarter.")]}
        ) from None


def rep_targets(
    *, month: Targets, split_method: str, splits: Sequence[SplitInput], allowed_reps: set[int], month_label: str
) -> list[tuple[User, Decimal | None, Targets]]:
    """A month's targets split to reps: (rep, share %, targets) that add up to ``month`` exactly.

    By percentage the shares must add up to 100 %; by amount each target must add up to the month's.
    Raises ValidationError (``rep_splits``) for reps outside the team, a rep twice, or splits that do not add up.
    """
    prefix = f"{month_label}: "
    if not splits:
        raise ValidationError({"rep_splits": [prefix + _("Split the month to at least one rep.")]})
    seen = set()
    for split in splits:
        if split.rep.pk not in allowed_reps:
            raise ValidationError(
                {
                    "rep_splits": [
                        prefix + _("%(rep)s is not a rep of this distributor's team.") % {"rep": split.rep.display_name}
                    ]
                }
            )
        if split.rep.pk in seen:
            raise ValidationError(
                {"rep_splits": [prefix + _("%(rep)s is listed twice.") % {"rep": split.rep.display_name}]}
            )
        seen.add(split.rep.pk)
    if split_method == SplitMethod.PERCENTAGE:
        shares = [None if split.share_pct is None else Decimal(split.share_pct) for split in splits]
        if any(share is None for share in shares):
            raise ValidationError({"rep_splits": [prefix + _("Give every rep's share in percent.")]})
        if any(share < 0 or share > HUNDRED or share != share.quantize(Decimal("0.01")) for share in shares):
            raise ValidationError(
                {"rep_splits": [prefix + _("A share is a percentage between 0 and 100 with at most two decimals.")]}
            )
        total = sum(shares, Decimal("0"))
        if total != HUNDRED:
            raise ValidationError(
                {"rep_splits": [prefix + _("The reps' shares add up to %(total)s %%, not 100 %%.") % {"total": total}]}
            )
        parts = split_targets(month, shares)
        return [(split.rep, share, part) for split, share, part in zip(splits, shares, parts, strict=True)]
    if split_method == SplitMethod.AMOUNT:
        if any(split.targets is None for split in splits):
            raise ValidationError({"rep_splits": [prefix + _("Give every rep's targets.")]})
        for split in splits:
            errors = _part_errors(split.targets, prefix + split.rep.display_name)
            if errors:
                raise ValidationError({"rep_splits": errors[:1]})
        errors = _sum_errors(
            month,
            [split.targets for split in splits],
            _("the reps' %(target)s add up to %(sum)s, not to the month's %(total)s."),
            prefix=prefix,
        )
        if errors:
            raise ValidationError({"rep_splits": errors})
        return [(split.rep, None, split.targets) for split in splits]
    raise ValidationError({"split_method": [_("Choose how to split the months to the reps.")]})


# --- Plans ------------------------------------------------------------------------------------------------


def _open_plan_error(existing: QuarterlyPlan) -> ValidationError:
    return ValidationError(
        {
            "quarter": [
                _(
                    "%(distributor)s already has a plan for %(quarter)s (revision %(revision)s, %(status)s); "
                    "change or revise that one."
                )
                % {
                    "distributor": existing.distributor,
                    "quarter": existing.period_label,
                    "revision": existing.revision,
                    "status": existing.get_status_display(),
                }
            ]
        }
    )


@dataclass(frozen=True)
class PlanContent:
    """What a planner sets on a draft plan.

    ``months`` (three Targets) only for ``distribution="manual"``. The rep splits: ``splits``, one list used for
    every month, or ``month_splits``, one list per month; neither gives the whole plan to the distributor's owner.
    """

    targets: Targets
    distribution: str = Distribution.EVEN
    seasonal_profile: SeasonalProfile | None = None
    months: Sequence[Targets] | None = None
    split_method: str = SplitMethod.PERCENTAGE
    splits: Sequence[SplitInput] | None = None
    month_splits: Sequence[Sequence[SplitInput]] | None = None
    notes: str = ""

    def splits_by_month(self, owner: User) -> tuple[list[list[SplitInput]], str]:
        """The three months' splits and the split method they use."""
        if self.month_splits is not None:
            return [list(month) for month in self.month_splits], self.split_method
        if self.splits is not None:
            return [list(self.splits)] * 3, self.split_method
        return [[SplitInput(rep=owner, share_pct=HUNDRED)]] * 3, SplitMethod.PERCENTAGE


def _check_may_plan(by: User) -> None:
    if not can_plan(by):
        raise PermissionDenied(_("Only a KAM or an administrator can draft, submit or revise plans."))


@transaction.atomic
def draft_plan(
    *, by: User, distributor: Distributor | None, year: int | None, quarter: int | None, content: PlanContent
) -> QuarterlyPlan:
    """Draft a new quarterly plan of ``distributor`` for ``year`` and ``quarter``. Returns the saved plan with its
    three monthly plans and their rep splits. Raises PermissionDenied (role) or ValidationError (field errors;
    nothing saved)."""
    _check_may_plan(by)
    errors = {}
    if distributor is None:
        errors["distributor"] = [_("Choose the distributor.")]
    elif not plannable_distributors(by).filter(pk=distributor.pk).exists():
        errors["distributor"] = [_("You cannot plan for this distributor.")]
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = [_("Give a year between 2000 and 2100.")]
    if quarter not in (1, 2, 3, 4):
        errors["quarter"] = [_("Choose a quarter from 1 to 4.")]
    if errors:
        raise ValidationError(errors)
    # Lock the distributor so two drafts for the same quarter cannot race past the check below.
    Distributor.objects.select_for_update().filter(pk=distributor.pk).first()
    existing = (
        QuarterlyPlan.objects.for_quarter(year, quarter)
        .filter(distributor=distributor)
        .exclude(status=PlanStatus.SUPERSEDED)
        .order_by("-revision")
        .first()
    )
    if existing is not None:
        raise _open_plan_error(existing)
    plan = QuarterlyPlan(distributor=distributor, year=year, quarter=quarter, created_by=by)
    return _save_content(plan, content, by=by, before=None)


@transaction.atomic
def change_draft(*, by: User, plan: QuarterlyPlan, content: PlanContent) -> QuarterlyPlan:
    """Change a draft (or returned) plan's targets, months, splits and notes; its distributor and quarter stay.
    Raises PermissionDenied (role, scope) or ValidationError (a submitted or approved plan; field errors)."""
    _check_may_plan(by)
    _check_planner(plan, by)
    plan = _locked(plan)
    if plan.status not in EDITABLE_STATUSES:
        if plan.status == PlanStatus.SUBMITTED:
            message = _("This plan is waiting for approval; it cannot be changed unless it is returned.")
        else:
            message = _("An approved plan is read-only; start a revision to change it.")
        raise ValidationError({"non_field_errors": [message]})
    return _save_content(plan, content, by=by, before=plan_snapshot(plan))


def _save_content(plan: QuarterlyPlan, content: PlanContent, *, by: User, before: dict | None) -> QuarterlyPlan:
    targets = content.targets
    errors = _target_errors(targets)
    if targets.gross_profit > targets.sales_amount:  # profit is part of sales: a typo, not a plan
        errors.setdefault("gross_profit", []).append(_("The gross-profit target cannot be above the sales target."))
    if errors:
        raise ValidationError(errors)
    year, quarter, distributor = plan.year, plan.quarter, plan.distributor
    month_targets = monthly_targets(
        targets=targets,
        quarter=quarter,
        distribution=content.distribution,
        seasonal_profile=content.seasonal_profile,
        months=content.months,
    )
    month_dates = quarter_months(year, quarter)
    splits, split_method = content.splits_by_month(distributor.owner)
    if len(splits) != 3:
        raise ValidationError({"rep_splits": [_("Give the rep splits of all three months.")]})
    allowed = set(split_reps(distributor).values_list("pk", flat=True))
    split_rows = [
        rep_targets(
            month=month_targets[i],
            split_method=split_method,
            splits=splits[i],
            allowed_reps=allowed,
            month_label=f"{month_dates[i]:%Y-%m}",
        )
        for i in range(3)
    ]

    targets.apply_to(plan)
    plan.distribution = content.distribution
    plan.seasonal_profile = content.seasonal_profile if content.distribution == Distribution.PROFILE else None
    plan.split_method = split_method
    plan.notes = content.notes
    plan.full_clean(exclude=["distributor", "created_by", "previous_revision"], validate_constraints=False)
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError(
            {"quarter": [_("This distributor already has a plan for %(q)s.") % {"q": quarter_label(year, quarter)}]}
        ) from None
    _write_months(plan, month_dates, month_targets, split_rows)
    _step(plan, PlanStep.Action.CREATED if before is None else PlanStep.Action.CHANGED, by)
    audit.record(
        plan,
        by=by,
        action="plan_created" if before is None else "plan_changed",
        before=before,
        after=plan_snapshot(plan),
    )
    return plan


def _write_months(plan: QuarterlyPlan, month_dates, month_targets, split_rows) -> None:
    plan.monthly_plans.all().delete()
    for month, targets, rows in zip(month_dates, month_targets, split_rows, strict=True):
        monthly = MonthlyPlan(plan=plan, month=month)
        targets.apply_to(monthly)
        monthly.save()
        splits = []
        for rep, share, rep_targets_ in rows:
            split = RepSplit(monthly_plan=monthly, rep=rep, share_pct=share)
            rep_targets_.apply_to(split)
            splits.append(split)
        RepSplit.objects.bulk_create(splits)


def _wrong_status(plan: QuarterlyPlan, message: str) -> ValidationError:
    """The refusal of a workflow step the plan's status does not allow; ``message`` names it as ``%(status)s``."""
    return ValidationError({"non_field_errors": [message % {"status": plan.get_status_display()}]})


@transaction.atomic
def submit_plan(*, plan: QuarterlyPlan, by: User, comment: str = "") -> QuarterlyPlan:
    """Send a draft or returned plan to the regional manager. Raises PermissionDenied or ValidationError."""
    _check_planner(plan, by)
    plan = _locked(plan)
    if plan.status not in EDITABLE_STATUSES:
        raise _wrong_status(plan, _("Only a draft or returned plan can be submitted; this one is %(status)s."))
    before = audit.snapshot(plan)
    plan.status = PlanStatus.SUBMITTED
    plan.submitted_by, plan.submitted_at = by, timezone.now()
    plan.save(update_fields=["status", "submitted_by", "submitted_at", "updated_at"])
    step = _step(plan, PlanStep.Action.SUBMITTED, by, comment)
    audit.record(plan, by=by, action="plan_submitted", before=before)
    _notify_plan_step(plan, step, "plan_submitted", _plan_deciders(plan), by)
    return plan


@transaction.atomic
def approve_plan(*, plan: QuarterlyPlan, by: User, comment: str = "") -> QuarterlyPlan:
    """Approve a submitted plan; an approved revision supersedes the version it revises.

    Raises PermissionDenied (role, region) or ValidationError (not submitted; your own plan).
    """
    _check_decider(plan, by)
    plan = _locked(plan)
    if plan.status != PlanStatus.SUBMITTED:
        raise _wrong_status(plan, _("Only a submitted plan can be approved; this one is %(status)s."))
    if by.pk in (plan.created_by_id, plan.submitted_by_id):
        raise ValidationError({"non_field_errors": [_("You cannot approve your own plan.")]})
    now = timezone.now()
    previous = plan.previous_revision
    if previous is not None:
        previous = QuarterlyPlan.objects.select_for_update().get(pk=previous.pk)
        if previous.status == PlanStatus.APPROVED:
            before_previous = audit.snapshot(previous)
            previous.status, previous.superseded_at = PlanStatus.SUPERSEDED, now
            previous.save(update_fields=["status", "superseded_at", "updated_at"])
            _step(previous, PlanStep.Action.SUPERSEDED, by, _("Replaced by revision %(n)s.") % {"n": plan.revision})
            audit.record(previous, by=by, action="plan_superseded", before=before_previous)
    before = audit.snapshot(plan)
    plan.status = PlanStatus.APPROVED
    plan.approved_by, plan.approved_at = by, now
    plan.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    step = _step(plan, PlanStep.Action.APPROVED, by, comment)
    audit.record(plan, by=by, action="plan_approved", before=before)
    _notify_plan_step(plan, step, "plan_approved", _plan_authors(plan), by)
    return plan


@transaction.atomic
def return_plan(*, plan: QuarterlyPlan, by: User, comment: str) -> QuarterlyPlan:
    """Send a submitted plan back to the KAM with a comment saying what to change."""
    _check_decider(plan, by)
    plan = _locked(plan)
    if not (comment or "").strip():
        raise ValidationError({"comment": [_("Say what should change before the plan can be approved.")]})
    if plan.status != PlanStatus.SUBMITTED:
        raise _wrong_status(plan, _("Only a submitted plan can be returned; this one is %(status)s."))
    before = audit.snapshot(plan)
    plan.status = PlanStatus.RETURNED
    plan.returned_by, plan.returned_at, plan.return_comment = by, timezone.now(), comment.strip()
    plan.save(update_fields=["status", "returned_by", "returned_at", "return_comment", "updated_at"])
    step = _step(plan, PlanStep.Action.RETURNED, by, comment.strip())
    audit.record(plan, by=by, action="plan_returned", before=before)
    _notify_plan_step(plan, step, "plan_returned", _plan_authors(plan), by)
    return plan


@transaction.atomic
def revise_plan(*, plan: QuarterlyPlan, by: User, reason: str = "") -> QuarterlyPlan:
    """Start a revision of an approved plan: a new draft (revision + 1) with the same targets, months and splits.

    The approved plan stays in force until the revision is approved; then it is kept as ``superseded``.
    The distributor's confirmation is not carried over: the revised plan needs its own.
    """
    _check_planner(plan, by)
    plan = _locked(plan)
    if plan.status != PlanStatus.APPROVED:
        raise ValidationError({"non_field_errors": [_("Only an approved plan can be revised.")]})
    open_plan = QuarterlyPlan.objects.for_quarter(plan.year, plan.quarter).filter(
        distributor=plan.distributor_id, status__in=OPEN_STATUSES
    )
    if open_plan.exists():
        raise _open_plan_error(open_plan.first())
    revision = QuarterlyPlan(
        distributor=plan.distributor,
        year=plan.year,
        quarter=plan.quarter,
        revision=plan.revision + 1,
        previous_revision=plan,
        distribution=plan.distribution,
        seasonal_profile=plan.seasonal_profile,
        split_method=plan.split_method,
        notes=plan.notes,
        created_by=by,
    )
    Targets.of(plan).apply_to(revision)
    revision.save()
    for monthly in plan.monthly_plans.prefetch_related("rep_splits"):
        copy = MonthlyPlan(plan=revision, month=monthly.month)
        Targets.of(monthly).apply_to(copy)
        copy.save()
        splits = []
        for split in monthly.rep_splits.all():
            new = RepSplit(monthly_plan=copy, rep_id=split.rep_id, share_pct=split.share_pct)
            Targets.of(split).apply_to(new)
            splits.append(new)
        RepSplit.objects.bulk_create(splits)
    _step(plan, PlanStep.Action.REVISED, by, reason)
    _step(revision, PlanStep.Action.CREATED, by, reason or _("Revision of the approved plan."))
    audit.record(revision, by=by, action="plan_revised", after=plan_snapshot(revision))
    return revision


@transaction.atomic
def record_confirmation(
    *, plan: QuarterlyPlan, by: User, contact: Contact, confirmed_on: date, signed_copy=None
) -> QuarterlyPlan:
    """Record which distributor contact confirmed the plan and when, with the signed copy (PDF or photo).

    Allowed until the plan is approved; on an approved plan only while no confirmation is recorded yet
    (a signature that arrives late), since an approved plan is otherwise read-only.
    """
    _check_planner(plan, by)
    plan = _locked(plan)
    errors = {}
    if plan.status == PlanStatus.SUPERSEDED or (plan.status == PlanStatus.APPROVED and plan.confirmed_by_id):
        raise ValidationError(
            {"non_field_errors": [_("The confirmation of an approved plan cannot change; start a revision.")]}
        )
    if contact is None or contact.distributor_id != plan.distributor_id:
        errors["confirmed_by"] = [_("Choose a contact of %(d)s.") % {"d": plan.distributor}]
    if confirmed_on is None:
        errors["confirmed_on"] = [_("Give the date the distributor confirmed the plan.")]
    elif confirmed_on > timezone.localdate():
        errors["confirmed_on"] = [_("The confirmation date cannot be in the future.")]
    if signed_copy is not None:
        if PurePath(signed_copy.name or "").suffix.lower() not in SIGNED_COPY_TYPES:
            errors["signed_copy"] = [_("Attach a PDF or a photo (JPEG, PNG, WebP, HEIC).")]
        elif signed_copy.size > SIGNED_COPY_MAX_BYTES:
            errors["signed_copy"] = [_("The file is larger than 10 MB.")]
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(plan)
    plan.confirmed_by, plan.confirmed_on = contact, confirmed_on
    fields = ["confirmed_by", "confirmed_on", "updated_at"]
    if signed_copy is not None:
        plan.signed_copy.save(PurePath(signed_copy.name).name, signed_copy, save=False)
        fields.append("signed_copy")
    plan.save(update_fields=fields)
    _step(plan, PlanStep.Action.CONFIRMED, by, _("%(contact)s on %(day)s") % {"contact": contact, "day": confirmed_on})
    audit.record(plan, by=by, action="plan_confirmed", before=before)
    return plan


# --- Account plans ----------------------------------------------------------------------------------------


def can_edit_account_plan(user: User, account_plan: AccountPlan) -> bool:
    return AccountPlan.objects.editable_by(user).filter(pk=account_plan.pk).exists()


def action_item_owners(distributor: Distributor):
    """Who may own an action item of ``distributor``'s account plan: the owner's team (reps and KAM)."""
    return split_reps(distributor)


@transaction.atomic
def save_account_plan(*, account_plan: AccountPlan, by: User, objectives: list[dict] | None = None) -> AccountPlan:
    """Create or change an account plan (vision, year). A KAM for the team's accounts, the admin for any.

    ``objectives`` (field values; with an ``id`` to keep and change one) replaces the plan's SMART objectives
    when given; an id not of this plan is a ValidationError and nothing is saved."""
    if not can_plan(by):
        raise PermissionDenied(_("Only a KAM or an administrator can write account plans."))
    stored = AccountPlan.objects.select_for_update().filter(pk=account_plan.pk).first() if account_plan.pk else None
    if stored is not None:
        if not can_edit_account_plan(by, stored):
            raise PermissionDenied(_("You can view this account plan but not change it."))
        if stored.distributor_id != account_plan.distributor_id:
            raise ValidationError({"distributor": [_("An account plan cannot move to another distributor.")]})
    elif (
        not account_plan.distributor_id
        or not plannable_distributors(by).filter(pk=account_plan.distributor_id).exists()
    ):
        raise ValidationError({"distributor": [_("You cannot plan for this distributor.")]})
    else:
        account_plan.created_by = by
    before = audit.snapshot(stored) if stored else None
    account_plan.full_clean(exclude=["created_by"])
    account_plan.save()
    audit.record(
        account_plan, by=by, action="account_plan_created" if before is None else "account_plan_changed", before=before
    )
    if objectives is not None:
        _replace_objectives(account_plan, objectives, by=by)
    return account_plan


def _replace_objectives(account_plan: AccountPlan, objectives: list[dict], *, by: User) -> None:
    existing = {o.pk: o for o in account_plan.objectives.all()}
    keep = set()
    for item in objectives:
        item = dict(item)
        pk = item.pop("id", None)
        if pk is not None and pk not in existing:
            raise ValidationError({"objectives": [_("Objective %(id)s is not part of this plan.") % {"id": pk}]})
        objective = existing.get(pk) or Objective(account_plan=account_plan)
        for name, value in item.items():
            setattr(objective, name, value)
        save_objective(objective=objective, by=by)
        keep.add(objective.pk)
    for pk, objective in existing.items():
        if pk not in keep:
            delete_objective(objective=objective, by=by)


@transaction.atomic
def save_objective(*, objective: Objective, by: User) -> Objective:
    """Create or change a SMART objective of an account plan."""
    _check_account_plan(objective.account_plan, by)
    stored = Objective.objects.filter(pk=objective.pk).first() if objective.pk else None
    if stored is not None and stored.account_plan_id != objective.account_plan_id:
        raise ValidationError({"account_plan": [_("An objective cannot move to another account plan.")]})
    before = audit.snapshot(stored) if stored else None
    objective.full_clean()
    objective.save()
    audit.record(objective, by=by, action="objective_created" if before is None else "objective_changed", before=before)
    return objective


@transaction.atomic
def delete_objective(*, objective: Objective, by: User) -> None:
    """Remove an objective; its action items stay on the account plan without it."""
    _check_account_plan(objective.account_plan, by)
    audit.record(objective, by=by, action="objective_deleted", before=audit.snapshot(objective), after={})
    objective.delete()


def _check_account_plan(account_plan: AccountPlan, by: User) -> None:
    if not can_plan(by):
        raise PermissionDenied(_("Only a KAM or an administrator can write account plans."))
    if not can_edit_account_plan(by, account_plan):
        raise PermissionDenied(_("You can view this account plan but not change it."))


def can_update_action_item(user: User, item: ActionItem) -> bool:
    """The account plan's editors may change everything; the item's owner its status and completion note."""
    return item.owner_id == user.pk or can_edit_account_plan(user, item.account_plan)


PROGRESS_FIELDS = ("status", "completion_note")


@transaction.atomic
def save_action_item(*, item: ActionItem, by: User) -> ActionItem:
    """Create or change an action item. The owner (if not an editor of the plan) may change only its progress.

    A done item gets ``completed_on`` (today unless given); a dropped one needs a note saying why.
    """
    stored = ActionItem.objects.select_for_update().filter(pk=item.pk).first() if item.pk else None
    editor = can_plan(by) and can_edit_account_plan(by, item.account_plan)
    if stored is None:
        if not editor:
            if not can_plan(by):
                raise PermissionDenied(_("Only a KAM or an administrator can add action items."))
            raise PermissionDenied(_("You can view this account plan but not change it."))
        item.created_by = by
    else:
        if stored.account_plan_id != item.account_plan_id:
            raise ValidationError({"account_plan": [_("An action item cannot move to another account plan.")]})
        if not editor:
            if stored.owner_id != by.pk:
                raise PermissionDenied(_("Only the owner of an action item or the KAM can change it."))
            changed = [
                f.name
                for f in ActionItem._meta.concrete_fields
                if f.name not in (*PROGRESS_FIELDS, "completed_on", "updated_at")
                and getattr(stored, f.attname) != getattr(item, f.attname)
            ]
            if changed:
                raise PermissionDenied(_("As its owner you can change an action item's status and note only."))
    errors = {}
    if item.owner_id and not action_item_owners(item.account_plan.distributor).filter(pk=item.owner_id).exists():
        errors["owner"] = [_("Choose a rep or the KAM of this distributor's team.")]
    if item.objective_id and item.objective.account_plan_id != item.account_plan_id:
        errors["objective"] = [_("Choose an objective of this account plan.")]
    if item.status == ActionItem.State.DROPPED and not item.completion_note.strip():
        errors["completion_note"] = [_("Say why the action was dropped.")]
    if errors:
        raise ValidationError(errors)
    if item.status == ActionItem.State.DONE:
        item.completed_on = item.completed_on or timezone.localdate()
    elif item.status != ActionItem.State.DROPPED:
        item.completed_on = None
    before = audit.snapshot(stored) if stored else None
    item.full_clean(exclude=["created_by"])
    item.save()
    audit.record(item, by=by, action="action_item_created" if before is None else "action_item_changed", before=before)
    if item.owner_id and item.owner_id != by.pk and (stored is None or stored.owner_id != item.owner_id):
        notify(
            recipient=item.owner,
            kind="task_assigned",
            key=f"action-item-{item.pk}-{item.owner_id}-{item.updated_at.isoformat()}",
            params={"by": by.display_name, "task": item.task},
            url=reverse("plans:account_detail", args=[item.account_plan_id]),
        )
    return item
