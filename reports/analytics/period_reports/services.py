"""Weekly and monthly reports (周报 / 月报): generated once after their period closes, e-mailed once to the manager.

Writes:

- :func:`generate` makes, for the last closed week and the last closed month, one :class:`PeriodReport` per
  active rep and per team that does not have it yet. The figures are the dashboard's
  (``reports.analytics.dashboards.selectors``) as computed then; the unique constraints make a second run, or two
  workers running at once, create nothing twice.
  Each new report queues its e-mail after the commit.
- ``period_report_mail.email_report`` sends each report once (see there).
- :func:`add_comment`: a KAM's or manager's comment on a report (the rep may answer on their own).

Reads: :func:`report_list`, :func:`report_detail` (scoped by ``PeriodReport.objects.visible_to``),
:func:`notes` (the rep's review and the comments, live) and :func:`report_view` (what the page, the PDF, the
workbook and the e-mail show).
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, Team, User
from accounts.notifications import notify
from kamcrm.outbox import services as outbox
from reports.analytics.dashboards import selectors as dashboard
from reports.analytics.models import PeriodReport
from reports.cycle import services
from reports.cycle.models import Comment, Review
from reports.cycle.selectors import review_list

log = logging.getLogger(__name__)

WEEKLY, MONTHLY = PeriodReport.Kind.WEEKLY, PeriodReport.Kind.MONTHLY
# Who may comment on a report they can see (besides its rep, who may answer).
COMMENTERS = (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)


# --- Periods and subjects ----------------------------------------------------------------------------------------


def closed_periods(today: date) -> list[tuple[str, dashboard.Period]]:
    """[(kind, period)]: the last closed week (Monday–Sunday before ``today``'s week) and the last closed month."""
    this_week = dashboard.period_containing("week", today)
    this_month = dashboard.period_containing("month", today)
    return [
        (WEEKLY, dashboard.period_containing("week", this_week.start - timedelta(days=1))),
        (MONTHLY, dashboard.period_containing("month", this_month.start - timedelta(days=1))),
    ]


def report_reps() -> QuerySet[User]:
    """The reps who get a report: active, role rep, in a team."""
    return User.objects.filter(role=Role.REP, is_active=True, team__isnull=False).order_by("pk")


def report_teams() -> QuerySet[Team]:
    """The teams that get a report: those with a KAM or an active member."""
    return Team.objects.filter(Q(kam__isnull=False) | Q(members__is_active=True)).distinct().order_by("pk")


# --- Generation --------------------------------------------------------------------------------------------------


def _queue_email(report_id: int) -> None:
    # The daily run queues it again while the report is not marked e-mailed (_requeue_unsent).
    outbox.enqueue("reports.tasks.email_period_report", args=[report_id], if_broker_down=outbox.IfBrokerDown.NEXT_RUN)


def _generate_one(*, kind: str, period: dashboard.Period, scope: dashboard.Scope) -> PeriodReport | None:
    figures = dashboard.dashboard_json(dashboard.dashboard(scope=scope, period=period))
    subject = {"rep": scope.obj} if scope.level == PeriodReport.Level.REP else {"team": scope.obj}
    try:
        with transaction.atomic():
            report = PeriodReport.objects.create(
                kind=kind,
                level=scope.level,
                start=period.start,
                end=period.end,
                figures=figures,
                generated_at=timezone.now(),
                **subject,
            )
    except IntegrityError:  # another run created it since we looked
        return None
    transaction.on_commit(partial(_queue_email, report.pk))
    _notify_ready(report)
    return report


def _notify_ready(report: PeriodReport) -> None:
    """The bell of everyone the report concerns (its managers and the rep); the report's own e-mail carries it."""
    subject = report.rep.display_name if report.rep_id else str(report.team)
    people = managers(report) + ([report.rep] if report.rep_id else [])
    for user in people:
        notify(
            recipient=user,
            kind="period_report_ready",
            key=f"period-report-{report.pk}",
            params={"report": f"{subject} {report.start.isoformat()} – {report.end.isoformat()}"},
            url=reverse("period_reports:detail", args=[report.pk]),
        )


def generate(*, today: date) -> list[PeriodReport]:
    """Create the missing reports of the periods closed before ``today``: one per active rep and per team, for the
    last week and the last month. Returns the reports created by this call (empty when they all existed).

    Safe to run twice or in parallel: figures are only computed for missing reports, and a report another run
    inserted meanwhile is skipped (unique constraints). Each new report's e-mail is queued on commit.
    """
    created = []
    for kind, period in closed_periods(today):
        existing = PeriodReport.objects.filter(kind=kind, start=period.start)
        have_reps = set(existing.filter(rep__isnull=False).values_list("rep_id", flat=True))
        have_teams = set(existing.filter(team__isnull=False).values_list("team_id", flat=True))
        scopes = [dashboard.Scope("rep", rep) for rep in report_reps().exclude(pk__in=have_reps)]
        scopes += [dashboard.Scope("team", team) for team in report_teams().exclude(pk__in=have_teams)]
        for scope in scopes:
            report = _generate_one(kind=kind, period=period, scope=scope)
            if report is not None:
                created.append(report)
    if created:
        log.info("Generated %s period reports for %s", len(created), today)
    _requeue_unsent()
    return created


def _requeue_unsent() -> None:
    """Reports whose e-mail task was lost (or gave up) more than an hour ago are queued again; sending claims a
    report first, so a report whose task is merely slow is still sent only once."""
    stale = PeriodReport.objects.filter(emailed_at__isnull=True, generated_at__lt=timezone.now() - timedelta(hours=1))
    for pk in stale.values_list("pk", flat=True):
        transaction.on_commit(partial(_queue_email, pk))


# --- Reads ---------------------------------------------------------------------------------------------------------


def report_list(*, for_user: User) -> QuerySet[PeriodReport]:
    """The reports ``for_user`` may see, newest period first, with rep and team joined."""
    return PeriodReport.objects.visible_to(for_user).select_related("rep", "rep__team", "team", "team__region")


def report_detail(*, for_user: User, pk: int) -> PeriodReport:
    """One report in ``for_user``'s scope; raises PeriodReport.DoesNotExist for a foreign or missing one."""
    return report_list(for_user=for_user).get(pk=pk)


@dataclass
class Notes:
    """What people wrote about a report: the rep's review or summary (None if not written) and the comments."""

    review: Review | None = None
    comments: list[Comment] = field(default_factory=list)


def _reviews_visible_to(user: User | None) -> QuerySet[Review]:
    # Finance reads the figures but not the reps' notes (as in the "135" cycle); None: the system (e-mails).
    if user is None:
        return Review.objects.all()

    return review_list(for_user=user)


def notes(reports: list[PeriodReport], *, for_user: User | None) -> dict[int, Notes]:
    """{report pk: Notes} for reports already in ``for_user``'s scope — two queries, whatever their number."""
    result = {r.pk: Notes() for r in reports}
    rep_reports = [r for r in reports if r.rep_id]
    if rep_reports:
        reviews = _reviews_visible_to(for_user).filter(
            rep_id__in={r.rep_id for r in rep_reports},
            kind__in={r.kind for r in rep_reports},
            period_start__in={r.start for r in rep_reports},
        )
        by_key = {(v.rep_id, v.kind, v.period_start): v for v in reviews}
        for r in rep_reports:
            result[r.pk].review = by_key.get((r.rep_id, r.kind, r.start))
    if reports:
        comments = Comment.objects.filter(
            content_type=ContentType.objects.get_for_model(PeriodReport), object_id__in=list(result)
        ).select_related("author")
        for c in comments:
            result[c.object_id].comments.append(c)
    return result


def may_comment(*, report: PeriodReport, user: User) -> bool:
    """A KAM or manager who sees the report comments on it; its rep may answer."""
    if not PeriodReport.objects.visible_to(user).filter(pk=report.pk).exists():
        return False
    return user.effective_role in COMMENTERS or (report.rep_id is not None and report.rep_id == user.pk)


def add_comment(*, report: PeriodReport, by: User, text: str) -> Comment:
    """Add a comment to ``report``. Raises ValidationError (no text) or PermissionDenied (not a commenter)."""
    return services.add_comment(
        target=report, by=by, text=text, allowed=lambda user: may_comment(report=report, user=user)
    )


# --- What a report shows -------------------------------------------------------------------------------------------


def parse_figures(figures: dict) -> dict:
    """API.md's figures as Python values: money and rates as Decimal (a missing rate None), counts as int."""
    return {
        name: (None if value is None else Decimal(value))
        if (isinstance(value, str) or name.endswith("_rate")) and not name.endswith("_pace")  # pace: ahead/behind
        else value
        for name, value in figures.items()
    }


@dataclass(frozen=True)
class FigureRow:
    key: str
    label: str
    target: Decimal | int | None
    actual: Decimal | int | None
    rate: Decimal | None
    is_money: bool


# key, label, target, actual, rate, money?
FIGURE_ROWS = (
    # Rates compare like with like: the actual beside a target is that of the accounts with a plan.
    (
        "sales",
        gettext_lazy("Sales amount (planned accounts)"),
        "sales_target",
        "planned_sales_amount",
        "sales_rate",
        True,
    ),
    (
        "gross_profit",
        gettext_lazy("Gross profit (planned accounts)"),
        "gross_profit_target",
        "planned_gross_profit",
        "gross_profit_rate",
        True,
    ),
    (
        "collection",
        gettext_lazy("Collection (due → collected)"),
        "collection_due",
        "collected",
        "collection_rate",
        True,
    ),
    (
        "market",
        gettext_lazy("Market target (active outlets of planned accounts)"),
        "outlet_target",
        "planned_active_outlets",
        "market_rate",
        False,
    ),
    ("new_outlets", gettext_lazy("New outlets"), "new_outlet_target", "new_outlets", None, False),
    ("visits", gettext_lazy("Visits (planned → made)"), "visits_planned", "visits", "visit_rate", False),
)
# Figures without a target: name, label, money?
OTHER_FIGURES = (
    ("unplanned_sales_amount", gettext_lazy("Unplanned sales (accounts without a plan)"), True),
    ("unplanned_gross_profit", gettext_lazy("Unplanned gross profit (accounts without a plan)"), True),
    ("payments_received", gettext_lazy("Payments received"), True),
    ("orders", gettext_lazy("Orders"), False),
    ("overdue_amount", gettext_lazy("Overdue money"), True),
    ("overdue_visits", gettext_lazy("Accounts overdue for a visit"), False),
)


def figure_rows(figures: dict) -> list[FigureRow]:
    """Target, actual and completion rate of each figure, labels in the active language."""
    values = parse_figures(figures)
    return [
        FigureRow(
            key,
            str(label),
            values.get(target),
            values.get(actual, values.get(BEFORE_PLANNED.get(actual))),
            values.get(rate) if rate else None,
            money,
        )
        for key, label, target, actual, rate, money in FIGURE_ROWS
    ]


# Reports generated before the planned part was kept show the whole figure.
BEFORE_PLANNED = {
    "planned_sales_amount": "sales_amount",
    "planned_gross_profit": "gross_profit",
    "planned_active_outlets": "active_outlets",
}


def other_figures(figures: dict) -> list[tuple[str, Decimal | int | None, bool]]:
    values = parse_figures(figures)
    return [(str(label), values.get(name), money) for name, label, money in OTHER_FIGURES]


@dataclass
class ChildRow:
    level: str
    id: int | None
    label: str
    figures: dict
    report_id: int | None = None


@dataclass
class ReportView:
    report: PeriodReport
    title: str
    rows: list[FigureRow]
    others: list[tuple[str, Decimal | int | None, bool]]
    children_label: str
    children: list[ChildRow]
    top_accounts: list[ChildRow]
    bottom_accounts: list[ChildRow]
    notes: Notes
    review_label: str
    computed_at: datetime | None


def title(report: PeriodReport) -> str:
    """ "Weekly report: <name>, <start> – <end>" in the active language (also the e-mail's subject)."""
    values = {"name": report.subject_label, "start": report.start.isoformat(), "end": report.end.isoformat()}
    if report.kind == WEEKLY:
        return _("Weekly report: %(name)s, %(start)s – %(end)s") % values
    return _("Monthly report: %(name)s, %(start)s – %(end)s") % values


def review_label(report: PeriodReport) -> str:
    return str(Review.Kind(report.kind).label)


def _child_rows(items: list[dict]) -> list[ChildRow]:
    return [ChildRow(c["level"], c["id"], c["label"], parse_figures(c["figures"])) for c in items]


def child_report_ids(report: PeriodReport, *, for_user: User | None) -> dict[int, int]:
    """{rep pk: pk of the rep's report of the same kind and period} for a team's report (those ``for_user`` sees)."""
    if report.level != PeriodReport.Level.TEAM:
        return {}
    ids = [c["id"] for c in report.figures.get("children", []) if c.get("level") == "rep" and c.get("id")]
    reports = PeriodReport.objects.visible_to(for_user) if for_user is not None else PeriodReport.objects.all()
    return dict(
        reports.filter(kind=report.kind, start=report.start, rep_id__in=ids).values_list("rep_id", "pk").order_by()
    )


def report_view(*, report: PeriodReport, for_user: User | None) -> ReportView:
    """Everything a report shows, in the active language; ``for_user`` (None: the system) limits the links to
    other reports and whether the rep's notes show. ``report`` must already be in ``for_user``'s scope."""
    figures = report.figures or {}
    children = _child_rows(figures.get("children", []))
    links = child_report_ids(report, for_user=for_user)
    for child in children:
        child.report_id = links.get(child.id) if child.level == "rep" else None
    children_level = figures.get("children_level", dashboard.CHILD_LEVEL.get(report.level, "distributor"))
    return ReportView(
        report=report,
        title=title(report),
        rows=figure_rows(figures.get("figures", {})),
        others=other_figures(figures.get("figures", {})),
        children_label=str(dashboard.LEVEL_LABELS.get(children_level, "")),
        children=children,
        top_accounts=_child_rows(figures.get("top_accounts", [])),
        bottom_accounts=_child_rows(figures.get("bottom_accounts", [])),
        notes=notes([report], for_user=for_user)[report.pk],
        review_label=review_label(report),
        computed_at=datetime.fromisoformat(figures["computed_at"]) if figures.get("computed_at") else None,
    )


def managers(report: PeriodReport) -> list[User]:
    """Who manages the report's subject: a rep's the team's KAM, a team's the regional managers of its region."""
    if report.level == PeriodReport.Level.REP:
        team = report.rep.team
        return [team.kam] if team is not None and team.kam_id else []
    return list(User.objects.filter(role=Role.REGIONAL_MANAGER, region_id=report.team.region_id).order_by("username"))
