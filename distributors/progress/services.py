"""The customer progress table (客户推进表): reads and writes.

- On the table: every intent (near-term / long-term) or potential account the user may see, with its progress
  (stage, next step, expected signing date, probability) or none yet ("not started").
- A move to an earlier stage needs a reason. Moving to the signing stage turns the account into an existing
  customer (qualified) — the same card, so its visits, orders and history stay with it — and dates the signing.
- Conversion per period (month or quarter), per rep (the accounts' current owner): accounts on the table at the
  period's start (their last move before it to a stage short of signing) plus those put on it during the period,
  how many of them signed in the period, and the rate signed ÷ (at start + new).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kamcrm.audit import services as audit
from kamcrm.validation import date_errors

from ..cards.models import Distributor, Status
from .models import Progress, ProgressMove, ProgressStage

OPEN_STATUSES = (Status.INTENT_NEAR, Status.INTENT_LONG, Status.POTENTIAL)
SIGNED_STATUS = Status.QUALIFIED
PLACES = Decimal("0.0001")


def stages() -> list[ProgressStage]:
    return list(ProgressStage.objects.filter(active=True))


def table(*, for_user: User, rep: int | None = None, team: int | None = None):
    """The accounts on the progress table the user may see (intent and potential), with their progress."""
    accounts = (
        Distributor.objects.visible_to(for_user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("owner", "progress__stage")
        .order_by("code")
    )
    if rep:
        accounts = accounts.filter(owner_id=rep)
    if team:
        accounts = accounts.filter(owner__team_id=team)
    return accounts


@dataclass
class Column:
    stage: ProgressStage | None  # None: not started
    accounts: list


def board(*, for_user: User, rep: int | None = None, team: int | None = None) -> list[Column]:
    """The table as a board: a column per active stage short of signing, "not started" first."""
    columns = {None: Column(None, [])}
    for stage in stages():
        if not stage.is_signed:
            columns[stage.pk] = Column(stage, [])
    for account in table(for_user=for_user, rep=rep, team=team):
        progress = getattr(account, "progress", None)
        key = progress.stage_id if progress else None
        columns.setdefault(key, Column(progress.stage if progress else None, [])).accounts.append(account)
    return list(columns.values())


def _check(*, distributor: Distributor, by: User) -> Distributor:
    stored = Distributor.objects.editable_by(by).select_for_update().filter(pk=distributor.pk).first()
    if stored is None:
        raise PermissionDenied(_("You can view this card but not change it."))
    return stored


@transaction.atomic
def move(
    *,
    distributor: Distributor,
    stage: ProgressStage | None,
    next_step: str = "",
    next_step_on: date | None = None,
    expected_signing_on: date | None = None,
    probability: Decimal | None = None,
    reason: str = "",
    by: User,
) -> Progress:
    """Put the account on the table or move it: stage, next step, expected signing date, probability (default:
    the stage's). Raises PermissionDenied (not the user's card to change) or ValidationError: an account that is
    not intent or potential, an unknown stage, a backwards move without a reason, a probability outside 0–100, a
    date outside the window. Signing makes the account an existing (qualified) customer."""
    stored = _check(distributor=distributor, by=by)
    current = Progress.objects.select_related("stage").filter(distributor=stored).first()
    errors: dict = {}
    if stored.status not in OPEN_STATUSES:
        errors["distributor"] = [_("Only intent and potential accounts are on the progress table.")]
    if stage is None or not stage.active:
        errors["stage"] = [_("Choose a stage.")]
    reason = (reason or "").strip()
    backwards = bool(current and stage and stage.position < current.stage.position)
    if backwards and not reason:
        errors["reason"] = [_("Say why the account moves back to an earlier stage.")]
    if probability is not None and not Decimal("0") <= probability <= Decimal("100"):
        errors["probability"] = [_("Enter a probability from 0 to 100 %.")]
    errors.update(date_errors(next_step_on=next_step_on, expected_signing_on=expected_signing_on))
    if len(next_step or "") > 255:
        errors["next_step"] = [_("Keep the next step under 255 characters.")]
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    before = audit.snapshot(current) if current else None
    old_stage = current.stage if current else None
    progress = current or Progress(distributor=stored)
    progress.stage = stage
    progress.next_step = (next_step or "").strip()
    progress.next_step_on = next_step_on
    progress.expected_signing_on = expected_signing_on
    progress.probability = stage.probability if probability is None else probability
    progress.updated_by = by
    if stage.is_signed:
        progress.signed_on = today
        progress.probability = Decimal("100")
    progress.save()
    if old_stage is None or old_stage.pk != stage.pk:
        ProgressMove.objects.create(
            distributor=stored, from_stage=old_stage, to_stage=stage, reason=reason, moved_on=today, by=by
        )
    audit.record(progress, by=by, action="progress_moved" if before else "progress_started", before=before)
    if stage.is_signed:
        card_before = audit.snapshot(stored)
        stored.status = SIGNED_STATUS
        stored.save(update_fields=["status", "updated_at"])
        audit.record(stored, by=by, action="account_signed", before=card_before)
    return progress


# --- Conversion ------------------------------------------------------------------------------------------------------


@dataclass
class Conversion:
    key: int | None
    label: str
    at_start: int = 0
    new: int = 0
    signed: int = 0

    @property
    def rate(self) -> Decimal | None:
        base = self.at_start + self.new
        if not base:
            return None
        return (Decimal(self.signed) / Decimal(base)).quantize(PLACES, rounding=ROUND_HALF_UP)


def conversion(*, for_user: User, start: date, end: date, team: int | None = None) -> list[Conversion]:
    """Per rep (current owner) of the accounts the user may see: on the table at ``start``, put on it in the
    period, signed in it, and the conversion rate. A last row (key None) adds them up."""
    accounts = Distributor.objects.visible_to(for_user)
    if team:
        accounts = accounts.filter(owner__team_id=team)
    moves = (
        ProgressMove.objects.filter(distributor__in=accounts, moved_on__lte=end)
        .select_related("to_stage")
        .order_by("distributor_id", "moved_at", "pk")
        .values_list("distributor_id", "distributor__owner_id", "moved_on", "to_stage__is_signed")
    )
    history: dict = defaultdict(list)
    owners = {}
    for account, owner, moved_on, signed in moves:
        history[account].append((moved_on, signed))
        owners[account] = owner
    rows: dict = {}
    for account, steps in history.items():
        before = [signed for day, signed in steps if day < start]
        during = [signed for day, signed in steps if start <= day <= end]
        row = rows.setdefault(owners[account], Conversion(owners[account], ""))
        if before and not before[-1]:
            row.at_start += 1
        elif not before and during:
            row.new += 1
        else:
            continue
        if any(during):
            row.signed += 1
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=[k for k in rows if k])}
    result = sorted(rows.values(), key=lambda r: names.get(r.key, ""))
    for row in result:
        row.label = names.get(row.key, "—")
    total = Conversion(None, _("Total"))
    for row in result:
        total.at_start += row.at_start
        total.new += row.new
        total.signed += row.signed
    return [*result, total]


def conversion_json(rows: list[Conversion]) -> list[dict]:
    return [
        {
            "rep": row.key,
            "label": str(row.label),
            "at_start": row.at_start,
            "new": row.new,
            "signed": row.signed,
            "rate": None if row.rate is None else f"{row.rate:.4f}",
        }
        for row in rows
    ]


def moves_of(distributor: Distributor) -> list[ProgressMove]:
    return list(ProgressMove.objects.filter(distributor=distributor).select_related("from_stage", "to_stage", "by"))


def open_q() -> Q:
    return Q(status__in=OPEN_STATUSES)
