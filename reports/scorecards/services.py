"""Rep scorecards (推销人员绩效考核): a rep's month or quarter reviewed on results, relationship and ratings.

- Results are the dashboard's figures for the rep (``reports.analytics.dashboards.selectors.dashboard`` with the rep's
  scope: the four completion rates, visits, pacing) — never recomputed here. The rank across the team (横向比较) is the
  team dashboard's ranking of its reps on the sales rate; the comparison with earlier periods (纵向比较) is
  ``reports.analytics.dashboards.selectors.trend`` of the rep.
- Relationship (客情关系): visits made against planned (the dashboard's visit rate), accounts overdue for a visit
  today, complaints received in the period about the rep's accounts (by current owner, like every figure).
- Ratings (尺度考核): a manager's score per :class:`RatingCriterion` on the scale the admin set, and an overall
  rating: Σ weight × (score − lowest) ÷ (highest − lowest) over the rated criteria ÷ Σ their weights (0–1, 4
  places). Training needs (推销培训) are noted on the scorecard.

Who sees what: a rep their own scorecard, a KAM the team's, a regional manager the region's, the admin all;
finance none (a review is not money). A manager (KAM, regional manager, admin) rates the reps in their scope,
never themselves.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, Team, User
from accounts.selectors import teams_overseen_by
from distributors.models import Complaint, Distributor
from kamcrm.audit import services as audit
from receivables.selectors import promise_reliability
from reports.analytics.dashboards import selectors as dashboard
from reports.scorecards.models import RatingCriterion, Scorecard, ScorecardRating

KINDS = ("month", "quarter")
KIND_LABELS = {"month": gettext_lazy("Month"), "quarter": gettext_lazy("Quarter")}
RANK_RATE = "sales"
HISTORY = 4  # this period and the three before it
PLACES = Decimal("0.0001")
MANAGERS = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)


# --- Scope -------------------------------------------------------------------------------------------------------


def reps_in_scope(user: User):
    """The people whose scorecards ``user`` may see: a rep themselves, a KAM the team, a regional manager the
    region, the admin everyone; nobody for finance."""
    if not user.is_authenticated or user.effective_role == Role.FINANCE:
        return User.objects.none()
    return dashboard.reps_visible_to(user)


def teams_in_scope(user: User):
    """The teams whose scorecards ``user`` may list (a rep none: they see their own scorecard)."""
    if not user.is_authenticated or user.effective_role == Role.FINANCE:
        return Team.objects.none()
    return teams_overseen_by(user).order_by("name")


def may_rate(user: User, rep: User) -> bool:
    """Whether ``user`` may rate ``rep`` and note training needs: a manager, for someone else in their scope."""
    return user.effective_role in MANAGERS and rep.pk != user.pk and reps_in_scope(user).filter(pk=rep.pk).exists()


def period_of(kind: str, day: date | None) -> dashboard.Period:
    """The month or quarter containing ``day`` (today by default)."""
    if kind not in KINDS:
        raise ValueError(kind)
    return dashboard.period_containing(kind, day)


# --- Ratings -----------------------------------------------------------------------------------------------------


def criteria() -> list[RatingCriterion]:
    """The active rating criteria, in their order."""
    return list(RatingCriterion.objects.filter(active=True))


@dataclass
class RatingLine:
    criterion: RatingCriterion
    score: Decimal | None


def overall_rating(lines: list[RatingLine]) -> Decimal | None:
    """Σ weight × (score − lowest) ÷ (highest − lowest) ÷ Σ weight over the rated criteria; None when none is."""
    rated = [line for line in lines if line.score is not None]
    weight = sum((line.criterion.weight for line in rated), Decimal(0))
    if not rated or weight <= 0:
        return None
    total = sum(
        (
            line.criterion.weight
            * (line.score - line.criterion.scale_min)
            / (line.criterion.scale_max - line.criterion.scale_min)
            for line in rated
        ),
        Decimal(0),
    )
    return (total / weight).quantize(PLACES, rounding=ROUND_HALF_UP)


def _stored(rep_ids, kind: str, starts) -> dict:
    """{(rep id, start): Scorecard} with its ratings, for the reps and periods asked."""
    cards = (
        Scorecard.objects.filter(rep_id__in=list(rep_ids), kind=kind, start__in=list(starts))
        .select_related("reviewed_by")
        .prefetch_related("ratings__criterion")
    )
    return {(card.rep_id, card.start): card for card in cards}


def _lines(card: Scorecard | None, active: list[RatingCriterion]) -> list[RatingLine]:
    scores = {r.criterion_id: r.score for r in card.ratings.all()} if card else {}
    return [RatingLine(c, scores.get(c.pk)) for c in active]


# --- Relationship --------------------------------------------------------------------------------------------------


def complaints(*, rep_ids, period: dashboard.Period) -> dict[int, dict]:
    """{rep id: {"received": n, "open": n}}: complaints received in the period about the reps' accounts (by the
    account's current owner) and how many of those are still open or in progress."""
    rows = (
        Complaint.objects.filter(
            distributor__owner_id__in=list(rep_ids), received_on__gte=period.start, received_on__lte=period.end
        )
        .order_by()
        .values("distributor__owner_id")
        .annotate(
            received=Count("pk"),
            open=Count("pk", filter=Q(status__in=[Complaint.State.OPEN, Complaint.State.IN_PROGRESS])),
        )
    )
    return {row["distributor__owner_id"]: {"received": row["received"], "open": row["open"]} for row in rows}


# --- The team's scorecards (ranked) -------------------------------------------------------------------------------


@dataclass
class Row:
    rep_id: int | None
    label: str
    figures: dashboard.Figures
    position: int | None  # on the sales rate; None without a sales target
    rating: Decimal | None
    rating_position: int | None
    complaints: int
    training_needs: str


@dataclass
class TeamScorecards:
    team: Team
    period: dashboard.Period
    rows: list[Row]
    computed_at: datetime | None


def team_scorecards(*, team: Team, period: dashboard.Period) -> TeamScorecards:
    """The team's reps for the period, ranked as the team dashboard ranks them on the sales rate (the same
    figures: ``dashboard.dashboard`` of the team broken down by rep), with their overall ratings ranked too."""
    board = dashboard.dashboard(scope=dashboard.Scope("team", team), period=period, children_level="rep", accounts=0)
    ranked = [child for child in board.ranking(RANK_RATE) if child.id is not None]
    ids = [child.id for child in ranked]
    stored = _stored(ids, period.kind, [period.start])
    active = criteria()
    found = complaints(rep_ids=ids, period=period)
    rows = []
    for index, child in enumerate(ranked, start=1):
        card = stored.get((child.id, period.start))
        rows.append(
            Row(
                rep_id=child.id,
                label=child.label,
                figures=child.figures,
                position=index if child.figures.rate(RANK_RATE) is not None else None,
                rating=overall_rating(_lines(card, active)),
                rating_position=None,
                complaints=found.get(child.id, {}).get("received", 0),
                training_needs=card.training_needs if card else "",
            )
        )
    rated = sorted((row for row in rows if row.rating is not None), key=lambda row: (-row.rating, row.label))
    for index, row in enumerate(rated, start=1):
        row.rating_position = index
    return TeamScorecards(team, period, rows, board.computed_at)


# --- One rep's scorecard ------------------------------------------------------------------------------------------


@dataclass
class HistoryPoint:
    period: dashboard.Period
    figures: dashboard.Figures
    rating: Decimal | None


@dataclass
class RepScorecard:
    rep: User
    period: dashboard.Period
    figures: dashboard.Figures
    ratings: list[RatingLine]
    rating: Decimal | None
    complaints: int
    complaints_open: int
    position: int | None
    rating_position: int | None
    team_size: int
    history: list[HistoryPoint]
    training_needs: str
    reviewed_by: User | None
    updated_at: datetime | None
    computed_at: datetime | None
    promise_reliability: Decimal | None = None


def rep_scorecard(*, rep: User, period: dashboard.Period) -> RepScorecard:
    """The rep's scorecard for the period. ``figures`` are the rep's dashboard figures (the same call as the rep's
    dashboard); the positions are the rep's places in :func:`team_scorecards`; the history is the rep's
    dashboard trend over this and the three earlier periods, with the overall rating of each. The caller has
    checked scope."""
    board = dashboard.dashboard(scope=dashboard.Scope("rep", rep), period=period, accounts=0)
    team_rows = team_scorecards(team=rep.team, period=period).rows if rep.team_id else []
    mine = next((row for row in team_rows if row.rep_id == rep.pk), None)
    points = dashboard.trend(scope=dashboard.Scope("rep", rep), period=period, count=HISTORY)
    active = criteria()
    stored = _stored([rep.pk], period.kind, [p.period.start for p in points])
    card = stored.get((rep.pk, period.start))
    lines = _lines(card, active)
    found = complaints(rep_ids=[rep.pk], period=period).get(rep.pk, {})
    history = [
        HistoryPoint(p.period, p.figures, overall_rating(_lines(stored.get((rep.pk, p.period.start)), active)))
        for p in reversed(points)
    ]
    return RepScorecard(
        rep=rep,
        period=period,
        figures=board.figures,
        ratings=lines,
        rating=overall_rating(lines),
        complaints=found.get("received", 0),
        complaints_open=found.get("open", 0),
        position=mine.position if mine else None,
        rating_position=mine.rating_position if mine else None,
        team_size=len(team_rows),
        history=history,
        training_needs=card.training_needs if card else "",
        reviewed_by=card.reviewed_by if card else None,
        updated_at=card.updated_at if card else None,
        computed_at=board.computed_at,
        promise_reliability=accounts_promise_reliability(rep=rep, period=period),
    )


def accounts_promise_reliability(*, rep: User, period: dashboard.Period) -> Decimal | None:
    """The mean promise reliability of the rep's accounts on the period's last day (today while it runs)."""
    ids = list(Distributor.objects.filter(owner=rep).values_list("pk", flat=True))
    as_of = min(period.end + timedelta(days=1), timezone.localdate())
    found = [value for value in promise_reliability(ids, as_of=as_of).values() if value is not None]
    if not found:
        return None
    return (sum(found, Decimal(0)) / len(found)).quantize(PLACES, rounding=ROUND_HALF_UP)


# --- Writes ----------------------------------------------------------------------------------------------------------


def _score(raw, criterion: RatingCriterion) -> Decimal | None:
    """The score as a Decimal with one place, None for blank; ValidationError outside the criterion's scale."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    message = _("Enter a score from %(low)s to %(high)s (one decimal place at most).") % {
        "low": criterion.scale_min.normalize(),
        "high": criterion.scale_max.normalize(),
    }
    if isinstance(raw, bool):
        raise ValidationError(message)
    try:
        score = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(message) from None
    # The scale first: a bounded score can always be quantized (a huge one would raise InvalidOperation).
    if not score.is_finite() or not criterion.scale_min <= score <= criterion.scale_max:
        raise ValidationError(message)
    if score != score.quantize(Decimal("0.1")):
        raise ValidationError(message)
    return score.quantize(Decimal("0.1"))


def save_scorecard(
    *, rep: User, period: dashboard.Period, scores: dict, training_needs: str | None, by: User
) -> Scorecard:
    """Set the manager's scores (``{criterion code: score or None}``; criteria left out keep their score) and the
    training needs (None: unchanged) on the rep's scorecard for the period, in one audited transaction.

    Raises PermissionDenied when ``by`` may not rate ``rep`` (:func:`may_rate`) and ValidationError keyed by the
    criterion code (a score outside its scale, an unknown criterion) or ``training_needs``; nothing is saved then.
    """
    if not may_rate(by, rep):
        raise PermissionDenied(_("Only the rep's KAM or regional manager rates a rep."))
    active = {c.code: c for c in criteria()}
    errors, parsed = {}, {}
    for code, raw in scores.items():
        criterion = active.get(code)
        if criterion is None:
            errors[code] = [_("Unknown rating criterion.")]
            continue
        try:
            parsed[criterion] = _score(raw, criterion)
        except ValidationError as exc:
            errors[code] = exc.messages
    if training_needs is not None:
        training_needs = training_needs.strip()
        if len(training_needs) > 10_000:
            errors["training_needs"] = [_("Keep this under 10,000 characters.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            card, created = Scorecard.objects.select_for_update().get_or_create(
                rep=rep,
                kind=period.kind,
                start=period.start,
                defaults={"end": period.end, "reviewed_by": by, "training_needs": training_needs or ""},
            )
            before = None if created else _state(card)
            if training_needs is not None:
                card.training_needs = training_needs
            card.reviewed_by = by
            card.save()
            for criterion, score in parsed.items():
                if score is None:
                    ScorecardRating.objects.filter(scorecard=card, criterion=criterion).delete()
                else:
                    ScorecardRating.objects.update_or_create(
                        scorecard=card, criterion=criterion, defaults={"score": score}
                    )
            audit.record(
                card,
                by=by,
                action="scorecard_rated" if created else "scorecard_changed",
                before=before,
                after=_state(card),
            )
    except IntegrityError:  # the same scorecard created by a parallel request: save once more, onto it
        if not Scorecard.objects.filter(rep=rep, kind=period.kind, start=period.start).exists():
            raise
        return save_scorecard(rep=rep, period=period, scores=scores, training_needs=training_needs, by=by)
    return card


def _state(card: Scorecard) -> dict:
    state = audit.snapshot(card)
    state["ratings"] = {
        code: str(score) for code, score in card.ratings.order_by().values_list("criterion__code", "score")
    }
    return state


# --- JSON ------------------------------------------------------------------------------------------------------------


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.4f}"


def criterion_json(criterion: RatingCriterion) -> dict:
    return {
        "code": criterion.code,
        "label": criterion.label,
        "scale_min": f"{criterion.scale_min:.1f}",
        "scale_max": f"{criterion.scale_max:.1f}",
        "weight": f"{criterion.weight:.2f}",
    }


def _period_json(period: dashboard.Period) -> dict:
    return {
        "period": period.kind,
        "label": period.label(),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }


def team_json(found: TeamScorecards) -> dict:
    return {
        **_period_json(found.period),
        "team": {"id": found.team.pk, "label": found.team.name},
        "ranked_on": f"{RANK_RATE}_rate",
        "results": [
            {
                "rep": row.rep_id,
                "label": row.label,
                "position": row.position,
                "rating": _rate(row.rating),
                "rating_position": row.rating_position,
                "complaints": row.complaints,
                "training_needs": row.training_needs,
                "figures": row.figures.as_api(),
            }
            for row in found.rows
        ],
    }


def rep_json(card: RepScorecard) -> dict:
    return {
        **_period_json(card.period),
        "rep": {"id": card.rep.pk, "label": card.rep.display_name, "team": card.rep.team_id},
        "figures": card.figures.as_api(),
        "relationship": {
            "visit_rate": _rate(card.figures.visit_rate),
            "visits": card.figures.visits,
            "visits_planned": card.figures.visits_planned,
            "overdue_visits": card.figures.overdue_visits,
            "complaints": card.complaints,
            "complaints_open": card.complaints_open,
            "promise_reliability": _rate(card.promise_reliability),
        },
        "ratings": [
            {**criterion_json(line.criterion), "score": None if line.score is None else f"{line.score:.1f}"}
            for line in card.ratings
        ],
        "rating": _rate(card.rating),
        "position": card.position,
        "rating_position": card.rating_position,
        "team_size": card.team_size,
        "training_needs": card.training_needs,
        "reviewed_by": card.reviewed_by.pk if card.reviewed_by else None,
        "updated_at": timezone.localtime(card.updated_at).isoformat() if card.updated_at else None,
        "history": [
            {**_period_json(p.period), "rating": _rate(p.rating), "figures": p.figures.as_api()} for p in card.history
        ],
    }
