"""Writes of the "135" cycle and the rep's daily report: notes, submission, the KAM's reopening and review,
monthly work plans, weekly schedules, reviews, comments and the service-strategy library.

Every function is atomic and audited; bad input raises ``ValidationError`` with field errors and saves nothing;
an action the user's role may not take raises ``PermissionDenied``.
"""

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.notifications import notify
from distributors.models import Distributor
from kamcrm.audit import services as audit
from kamcrm.validation import check_dates
from reports.cycle.models import Comment, MonthlyWorkPlan, Review, ScheduleEntry, ServiceStrategy, WeeklySchedule
from reports.visits.models import DailyReport
from reports.visits.services import MANAGERS, acts_for
from reports.visits.signals import written_in_bulk

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


def _save_once(record, *, field: str, message) -> dict | None:
    """Save a record there is one of per rep and period (new or changed); the same period saved first by a
    parallel request (a double submit) gives ``message`` on ``field``. Returns the audit snapshot of the record
    as it was stored before, None for a new one."""
    stored = type(record).objects.filter(pk=record.pk).first() if record.pk else None
    before = audit.snapshot(stored) if stored else None
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise ValidationError({field: message}) from None
    return before


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
    before = _save_once(plan, field="month", message=_("You already have a plan for this month; edit that one."))
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
    before = _save_once(review, field="period_start", message=_("You already wrote this one; edit it instead."))
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
