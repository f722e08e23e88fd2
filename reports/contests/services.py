"""Sales contests (竞赛激励): set, shown live, frozen once at the period's close.

- The metric is one figure of the dashboards (``reports.analytics.dashboards.selectors.Figures``: a completion rate or
  an amount). A participant's value is their figure in the scope's dashboard broken down by rep (``dashboard.dashboard``
  of the team or region with ``children_level="rep"``) — the numbers the dashboard shows, never recomputed.
- Participants: the reps the dashboard lists for the scope (a rep's share of shared accounts, as everywhere).
- Ranking: highest value first; a participant without a value (a rate with no target) comes last, unranked.
- While the period runs (and before it) the leaderboard is live; the first run of :func:`freeze_due` after the
  period's end writes every participant's place and value once (``ContestResult``) and stamps ``frozen_at``; from
  then on the leaderboard is those rows. Running it again changes nothing.
- Participants are notified (``accounts.notifications.notify``, once each) when a contest is set for them and of
  their final place when it is frozen.
- Who sets a contest: a KAM for their team, a regional manager for their region or a team in it, the admin for
  any. Who sees it: everyone whose team or region it covers, and the managers above them.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region, Role, Team, User
from accounts.notifications import notify, register_kind
from accounts.scope import oversees_company
from accounts.selectors import regions_overseen_by, teams_overseen_by
from kamcrm.audit import services as audit
from reports.analytics.dashboards import selectors as dashboard
from reports.contests.models import Contest, ContestResult

KINDS = ("month", "quarter")
RATE_METRICS = {"sales_rate", "gross_profit_rate", "collection_rate", "market_rate", "visit_rate"}
MONEY_METRICS = {"sales_amount", "gross_profit", "collected"}
SETTERS = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)

register_kind(
    "contest_set",
    gettext_lazy("%(by)s set a contest you take part in: %(contest)s, %(start)s – %(end)s. Prize: %(prize)s"),
)
register_kind(
    "contest_result",
    gettext_lazy("Contest %(contest)s is over: your place is %(position)s of %(count)s."),
)


# --- Scope -------------------------------------------------------------------------------------------------------


def _home_region_id(user: User) -> int | None:
    if user.region_id:
        return user.region_id
    return user.team.region_id if user.team_id else None


def contests_visible_to(user: User):
    """Contests covering the user's team or region, and (for managers) those of the teams they oversee."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Contest.objects.none()
    contests = Contest.objects.select_related("team", "region", "created_by")
    if oversees_company(user):
        return contests
    teams = set(teams_overseen_by(user).values_list("pk", flat=True))
    if user.team_id:
        teams.add(user.team_id)
    region = _home_region_id(user)
    return contests.filter(Q(team_id__in=teams) | Q(region_id=region) if region else Q(team_id__in=teams))


def may_set(user: User) -> bool:
    return getattr(user, "is_authenticated", False) and user.effective_role in SETTERS


def scopes_for_setter(user: User) -> tuple:
    """(teams, regions) a user may set contests for."""
    if not may_set(user):
        return Team.objects.none(), Region.objects.none()
    regions = regions_overseen_by(user) if user.effective_role != Role.KAM else Region.objects.none()
    return teams_overseen_by(user), regions


# --- Values and leaderboards ---------------------------------------------------------------------------------------


def value_of(figures: dashboard.Figures, metric: str) -> Decimal | int | None:
    """The participant's figure for the metric: a completion rate (None without a target) or an amount."""
    if metric in RATE_METRICS:
        return figures.rate(metric.removesuffix("_rate"))
    return getattr(figures, metric)


def period_of(contest: Contest) -> dashboard.Period:
    return dashboard.period_containing(contest.kind, contest.start)


def _scope(contest: Contest) -> dashboard.Scope:
    return dashboard.Scope("team", contest.team) if contest.team_id else dashboard.Scope("region", contest.region)


@dataclass
class Place:
    rep_id: int
    label: str
    value: Decimal | int | None
    position: int | None


def live_standings(contest: Contest) -> list[Place]:
    """The participants best first, from the scope's dashboard broken down by rep for the contest's period."""
    board = dashboard.dashboard(scope=_scope(contest), period=period_of(contest), children_level="rep", accounts=0)
    rows = [(child.id, child.label, value_of(child.figures, contest.metric)) for child in board.children if child.id]
    valued = sorted((r for r in rows if r[2] is not None), key=lambda r: (-r[2], r[1]))
    places = [Place(pk, label, value, index) for index, (pk, label, value) in enumerate(valued, start=1)]
    return places + [Place(pk, label, None, None) for pk, label, value in rows if value is None]


def standings(contest: Contest) -> list[Place]:
    """The frozen results of a closed contest, else the live standings."""
    if contest.frozen_at is None:
        return live_standings(contest)
    results = contest.results.select_related("rep").order_by("position", "rep__username")
    ranked = [r for r in results if r.position is not None] + [r for r in results if r.position is None]
    return [Place(r.rep_id, r.rep.display_name, _as_value(r.value, contest.metric), r.position) for r in ranked]


def _as_value(value: Decimal | None, metric: str):
    if value is None:
        return None
    if metric == "new_outlets":
        return int(value)
    if metric in MONEY_METRICS:
        return value.quantize(Decimal("0.01"))
    return value


def status(contest: Contest, today: date | None = None) -> str:
    today = today or timezone.localdate()
    if contest.frozen_at:
        return "frozen"
    if today < contest.start:
        return "upcoming"
    if today > contest.end:
        return "closing"
    return "running"


def running_for(user: User, *, today: date | None = None, limit: int = 3) -> list[Contest]:
    """The contests covering the user that run today (for the dashboard and the home page)."""
    today = today or timezone.localdate()
    return list(contests_visible_to(user).filter(start__lte=today, end__gte=today).order_by("end", "pk")[:limit])


# --- Writes ----------------------------------------------------------------------------------------------------------


def create_contest(
    *,
    name: str,
    metric: str,
    kind: str,
    day: date | None,
    team: int | None,
    region: int | None,
    prize: str,
    by: User,
) -> Contest:
    """Set a contest for the month or quarter containing ``day`` over a team or a region.

    Raises PermissionDenied (not a manager) or ValidationError: an unknown metric or period, no scope or both, a
    scope outside the setter's, a scope without reps, a period already over. Nothing is saved then."""
    if not may_set(by):
        raise PermissionDenied(_("Only a KAM, a regional manager or the admin sets contests."))
    errors: dict = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the contest a name.")]
    elif len(name) > 120:
        errors["name"] = [_("Keep the name under 120 characters.")]
    if metric not in Contest.Metric.values:
        errors["metric"] = [
            _("Choose a figure from the dashboards: %(choices)s.") % {"choices": ", ".join(Contest.Metric.values)}
        ]
    if kind not in KINDS:
        errors["kind"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(KINDS)}]
    teams, regions = scopes_for_setter(by)
    team_obj = region_obj = None
    if bool(team) == bool(region):
        errors["scope"] = [_("Choose a team or a region (one of them).")]
    elif team:
        team_obj = teams.filter(pk=team).first()
        if team_obj is None:
            errors["team"] = [_("Choose a team you manage.")]
    else:
        region_obj = regions.filter(pk=region).first()
        if region_obj is None:
            errors["region"] = [_("Choose a region you manage.")]
    period = None
    if "kind" not in errors:
        period = dashboard.period_containing(kind, day or timezone.localdate())
        if period.end < timezone.localdate():
            errors["date"] = [_("That period is over; choose a running or future one.")]
    if team_obj or region_obj:
        scope = dashboard.Scope("team", team_obj) if team_obj else dashboard.Scope("region", region_obj)
        if not any(pk for pk, _label in dashboard.children_of(scope, "rep")):
            errors["scope"] = [_("Nobody would take part: the team or region has no reps.")]
    if len(prize or "") > 10_000:
        errors["prize"] = [_("Keep this under 10,000 characters.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        contest = Contest.objects.create(
            name=name,
            metric=metric,
            kind=kind,
            start=period.start,
            end=period.end,
            team=team_obj,
            region=region_obj,
            prize=(prize or "").strip(),
            created_by=by,
        )
        audit.record(contest, by=by, action="contest_set")
        _notify_set(contest, by=by)
    return contest


def participant_ids(contest: Contest) -> list[int]:
    """The reps who take part: the scope's reps as the dashboard lists them."""
    return [pk for pk, _label in dashboard.children_of(_scope(contest), "rep") if pk]


def _url(contest: Contest) -> str:
    return reverse("reports:contest", args=[contest.pk])


def _notify_set(contest: Contest, *, by: User) -> None:
    """Each participant (not the setter) once: the bell, and e-mail after the commit (``notify``)."""
    params = {
        "by": by.display_name,
        "contest": contest.name,
        "start": contest.start.isoformat(),
        "end": contest.end.isoformat(),
        "prize": contest.prize or "—",
    }
    for person in User.objects.filter(pk__in=participant_ids(contest)).exclude(pk=by.pk):
        notify(recipient=person, kind="contest_set", key=f"contest:{contest.pk}", params=params, url=_url(contest))


def _notify_results(contest: Contest, places: list[Place]) -> None:
    """Each participant their final place, once (the key is the contest's)."""
    people = {u.pk: u for u in User.objects.filter(pk__in=[p.rep_id for p in places])}
    for place in places:
        notify(
            recipient=people.get(place.rep_id),
            kind="contest_result",
            key=f"contest:{contest.pk}:result",
            params={"contest": contest.name, "position": place.position or "—", "count": len(places)},
            url=_url(contest),
        )


def freeze_due(*, today: date | None = None) -> list[int]:
    """Freeze every contest whose period ended before ``today``: write each participant's place and value once.

    Returns the ids frozen by this run. Safe to run twice or at once: each contest is locked and re-read, and one
    already frozen is left alone. Each participant is notified of their place, once."""
    today = today or timezone.localdate()
    frozen = []
    for pk in (
        Contest.objects.filter(frozen_at__isnull=True, end__lt=today).order_by("end", "pk").values_list("pk", flat=True)
    ):
        with transaction.atomic():
            contest = (
                Contest.objects.select_for_update(of=("self",))
                .select_related("team", "region")
                .filter(pk=pk, frozen_at__isnull=True)
                .first()
            )
            if contest is None:  # frozen by a parallel run
                continue
            places = live_standings(contest)
            ContestResult.objects.bulk_create(
                [
                    ContestResult(
                        contest=contest,
                        rep_id=place.rep_id,
                        position=place.position,
                        value=None if place.value is None else Decimal(place.value),
                    )
                    for place in places
                ]
            )
            contest.frozen_at = timezone.now()
            contest.save(update_fields=["frozen_at"])
            audit.record(contest, by=None, action="contest_frozen")
            _notify_results(contest, places)
        frozen.append(pk)
    return frozen


# --- JSON ------------------------------------------------------------------------------------------------------------


def value_json(value, metric: str) -> str | int | None:
    if value is None:
        return None
    if metric in RATE_METRICS:
        return f"{value:.4f}"
    if metric in MONEY_METRICS:
        return f"{value:.2f}"
    return int(value)


def standings_json(contest: Contest, places: list[Place]) -> list[dict]:
    return [
        {"rep": p.rep_id, "label": p.label, "position": p.position, "value": value_json(p.value, contest.metric)}
        for p in places
    ]
