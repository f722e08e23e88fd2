"""Training records (推销培训): sessions held for our reps or for a distributor's staff, the training needs from the
reviews they answer (``Scorecard.training_needs``), and a simple effect measure.

Effect: the attendees' figures in the month before the session's month and in the month after it, from the
dashboards' figures (``dashboard.compute``) — for a rep their scope's sales amount, sales completion rate and visits;
for a distributor's staff the distributor's sales amount and orders. The change is after − before; an "after" month
still running is marked so (its figures are to date).

Who may do what: a KAM records sessions for their team, a regional manager for the region's teams, the admin for any
team; a rep reads their team's sessions; finance none.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Team, User
from accounts.selectors import teams_overseen_by
from distributors.models import Contact, Distributor
from kamcrm.audit import services as audit
from kamcrm.validation import validate_date_in_window
from reports.analytics.dashboards import selectors as dashboard
from reports.scorecards.models import Scorecard
from reports.training.models import TrainingSession

RECORDERS = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)


def sessions_visible_to(user: User) -> QuerySet[TrainingSession]:
    return (
        TrainingSession.objects.visible_to(user)
        .select_related("team", "distributor", "created_by")
        .prefetch_related(
            "attendee_reps",
            "attendee_contacts",
            Prefetch("scorecards", queryset=Scorecard.objects.select_related("rep")),
        )
    )


def may_record(user: User) -> bool:
    return user.is_authenticated and user.effective_role in RECORDERS


def teams_for(user: User) -> QuerySet[Team]:
    """The teams ``user`` may record sessions for."""
    if not may_record(user):
        return Team.objects.none()
    return teams_overseen_by(user).order_by("name")


def open_training_needs(user: User) -> QuerySet[Scorecard]:
    """Scorecards in ``user``'s teams with training needs noted, newest first (what a session can answer)."""
    return (
        Scorecard.objects.filter(rep__team__in=teams_for(user))
        .exclude(training_needs="")
        .select_related("rep")
        .order_by("-start", "rep__username")
    )


@transaction.atomic
def record_session(
    *,
    topic: str,
    held_on: date | None,
    trainer: str,
    audience: str,
    team: Team | None,
    distributor: Distributor | None,
    reps,
    contacts,
    scorecards,
    notes: str,
    by: User,
) -> TrainingSession:
    """Record a session held. Raises PermissionDenied (not a KAM, manager or admin) or ValidationError with field
    errors: no topic or trainer, a date outside the window or in the future, a team not the user's, no attendee,
    a rep not of the team, staff not of the distributor, a distributor not of the team, a review of another rep."""
    if not may_record(by):
        raise PermissionDenied(_("Only a KAM or a manager records training sessions."))
    topic, trainer, notes = (topic or "").strip(), (trainer or "").strip(), notes or ""
    reps, contacts, scorecards = list(reps or []), list(contacts or []), list(scorecards or [])
    errors: dict = {}

    def error(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not topic:
        error("topic", _("What was the session about?"))
    elif len(topic) > 200:
        error("topic", _("Keep this under 200 characters."))
    if not trainer:
        error("trainer", _("Who gave the session?"))
    elif len(trainer) > 100:
        error("trainer", _("Keep this under 100 characters."))
    if len(notes) > 10_000:
        error("notes", _("Keep this under 10,000 characters."))
    if held_on is None:
        error("held_on", _("When was the session held?"))
    else:
        try:
            validate_date_in_window(held_on)
        except ValidationError as exc:
            errors["held_on"] = exc.messages
        else:
            if held_on > timezone.localdate():
                error("held_on", _("Record a session once it has been held."))
    if audience not in TrainingSession.Audience.values:
        error("audience", _("Choose who the session was for."))
    if team is None or not teams_for(by).filter(pk=team.pk).exists():
        error("team", _("Choose one of your teams."))
        team = None
    if team is not None:
        if any(rep.team_id != team.pk or rep.effective_role not in (Role.REP, Role.KAM) for rep in reps):
            error("attendee_reps", _("Choose reps of the team."))
        if audience == TrainingSession.Audience.REPS:
            if not reps:
                error("attendee_reps", _("Who attended?"))
            if contacts or distributor is not None:
                error("attendee_contacts", _("A session for our reps has no distributor staff."))
        if audience == TrainingSession.Audience.DISTRIBUTOR:
            if distributor is None:
                error("distributor", _("Choose the distributor whose staff attended."))
            elif distributor.owner.team_id != team.pk:
                error("distributor", _("Choose an account of the team."))
            elif not contacts:
                error("attendee_contacts", _("Who attended?"))
            elif any(c.distributor_id != distributor.pk for c in contacts):
                error("attendee_contacts", _("Choose staff of this distributor."))
        if any(card.rep.team_id != team.pk for card in scorecards):
            error("scorecards", _("Choose reviews of the team's reps."))
    if held_on is not None and any(card.start > held_on for card in scorecards):
        error("scorecards", _("Choose reviews made before the session."))
    if errors:
        raise ValidationError(errors)
    session = TrainingSession.objects.create(
        topic=topic,
        held_on=held_on,
        trainer=trainer,
        audience=audience,
        team=team,
        distributor=distributor if audience == TrainingSession.Audience.DISTRIBUTOR else None,
        notes=notes,
        created_by=by,
    )
    session.attendee_reps.set(reps)
    session.attendee_contacts.set(contacts)
    session.scorecards.set(scorecards)
    audit.record(session, by=by, action="training_recorded")
    return session


def record_session_from(fields: Mapping, *, by: User) -> TrainingSession:
    """:func:`record_session` with the fields of the training form or of the API body, which share their names
    (the attendees are ``attendee_reps`` and ``attendee_contacts``; the optional ones may be missing). Raises what
    :func:`record_session` raises."""
    return record_session(
        topic=fields["topic"],
        held_on=fields["held_on"],
        trainer=fields["trainer"],
        audience=fields["audience"],
        team=fields["team"],
        distributor=fields.get("distributor"),
        reps=fields.get("attendee_reps", []),
        contacts=fields.get("attendee_contacts", []),
        scorecards=fields.get("scorecards", []),
        notes=fields.get("notes", ""),
        by=by,
    )


def contacts_for(user: User) -> QuerySet[Contact]:
    """Distributor staff ``user`` may name as attendees: contacts of the accounts of the teams they record for."""
    return Contact.objects.filter(distributor__owner__team__in=teams_for(user)).select_related("distributor")


# --- Effect --------------------------------------------------------------------------------------------------------


@dataclass
class EffectRow:
    label: str
    kind: str  # "rep" or "distributor"
    before: dashboard.Figures
    after: dashboard.Figures

    @property
    def sales_change(self):
        return self.after.sales_amount - self.before.sales_amount

    @property
    def sales_rate_change(self):
        if self.before.sales_rate is None or self.after.sales_rate is None:
            return None
        return self.after.sales_rate - self.before.sales_rate


@dataclass
class Effect:
    before: dashboard.Period
    after: dashboard.Period
    after_running: bool
    rows: list[EffectRow]


def effect(session: TrainingSession, *, for_user: User, today: date | None = None) -> Effect:
    """The attendees' figures in the month before the session's month and in the month after it — of the attendees
    whose figures ``for_user`` may see (a rep: their own and their team's account's)."""
    month = dashboard.period_containing("month", session.held_on)
    before, after = month.shifted(-1), month.shifted(1)
    today = today or timezone.localdate()
    rows = []
    visible = set(dashboard.reps_visible_to(for_user).values_list("pk", flat=True))
    scopes = [
        (rep.display_name, "rep", dashboard.Scope("rep", rep))
        for rep in session.attendee_reps.all()
        if rep.pk in visible
    ]
    if session.distributor_id and Distributor.objects.visible_to(for_user).filter(pk=session.distributor_id).exists():
        scopes.append(
            (session.distributor.display_name, "distributor", dashboard.Scope("distributor", session.distributor))
        )
    for label, kind, scope in scopes:
        found = dashboard.compute(scope=scope, periods=[before, after])
        rows.append(
            EffectRow(label, kind, found.get((None, 0), dashboard.Figures()), found.get((None, 1), dashboard.Figures()))
        )
    return Effect(before, after, after.end >= today, rows)


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _rate(value) -> str | None:
    return None if value is None else f"{value:.4f}"


def effect_json(found: Effect) -> dict:
    return {
        "before": found.before.label(),
        "after": found.after.label(),
        "after_running": found.after_running,
        "attendees": [
            {
                "label": row.label,
                "kind": row.kind,
                "before": {
                    "sales_amount": _money(row.before.sales_amount),
                    "sales_rate": _rate(row.before.sales_rate),
                    "visits": row.before.visits,
                    "orders": row.before.orders,
                },
                "after": {
                    "sales_amount": _money(row.after.sales_amount),
                    "sales_rate": _rate(row.after.sales_rate),
                    "visits": row.after.visits,
                    "orders": row.after.orders,
                },
                "sales_change": _money(row.sales_change),
                "sales_rate_change": _rate(row.sales_rate_change),
            }
            for row in found.rows
        ],
    }
