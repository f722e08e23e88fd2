"""Pages of the rep's day in the cycle: My day (the day plan), the daily report, the KAM's team days and review."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors as org_selectors
from accounts.models import Role, User
from kamcrm.forms import add_service_errors
from kamcrm.validation import path_date
from reports.cycle import day_plan, services
from reports.cycle import selectors as cycle
from reports.cycle.forms import DailyNotesForm, DayCommentForm
from reports.visits import selectors
from reports.visits.services import MANAGERS

# --- my day: the rep's home page -----------------------------------------------------------------


def plan_rep(user: User, value: str | None) -> User:
    """Whose day plan ``user`` asks for: their own, or (KAM, manager) a rep of their scope; anyone else is a 404."""
    if not value or str(value) == str(user.pk):
        if user.effective_role not in (Role.REP, Role.KAM):
            raise Http404
        return user
    if not str(value).isdigit() or user.effective_role not in MANAGERS:
        raise Http404
    return get_object_or_404(User.objects.reps_in_scope_of(user).filter(role__in=[Role.REP, Role.KAM]), pk=value)


@login_required
def my_day(request):
    """My day: the day's scheduled stops, overdue visits, visit-to-collect tasks and due action items, in route
    order, each with its reason and a one-tap "Log visit". A KAM picks a rep of the team."""
    if request.user.effective_role not in (Role.REP, *MANAGERS):
        raise PermissionDenied
    on = timezone.localdate()
    if request.user.effective_role in MANAGERS and not request.GET.get("rep"):
        rep = request.user if request.user.effective_role == Role.KAM else None
    else:
        rep = plan_rep(request.user, request.GET.get("rep"))
    return render(
        request,
        "reports/my_day.html",
        {
            "rep": rep,
            "on": on,
            "plan": day_plan.day_plan(rep=rep, on=on) if rep else [],
            "day": cycle.day(rep=rep, on=on) if rep else None,
            "own": rep == request.user,
            "org": org_selectors.home_summary(user=request.user),
            "reps": User.objects.reps_in_scope_of(request.user)
            .filter(role__in=[Role.REP, Role.KAM])
            .order_by("username")
            if request.user.effective_role in MANAGERS
            else [],
        },
    )


# --- daily report -------------------------------------------------------------------------------


def _parse_day(value: str | None) -> date:
    if value is None:
        return timezone.localdate()
    parsed = path_date(value)  # not a real day, or outside the date window: no such page
    if parsed is None:
        raise Http404
    return parsed


@login_required
def daily_report(request, day=None):
    """The rep's own day: visits and orders as logged, the notes, and the submit button."""
    if request.user.effective_role == Role.FINANCE:
        raise PermissionDenied
    on = _parse_day(day)
    report = services.daily_report_for(rep=request.user, day=on)
    # The form works on a copy so a refused change never shows up as if it were saved.
    form = DailyNotesForm(request.POST or None, instance=services.daily_report_for(rep=request.user, day=on))
    if request.method == "POST" and form.is_valid():
        try:
            if "submit" in request.POST:
                services.submit_daily_report(report=form.instance, by=request.user)
                messages.success(request, _("Your day is submitted."))
            else:
                services.save_daily_notes(report=form.instance, by=request.user)
                messages.success(request, _("Notes saved."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("reports:daily_report", on.isoformat())
    return render(
        request,
        "reports/daily_report.html",
        {
            "day": cycle.day(rep=request.user, on=on, report=report if report.pk else None),
            "form": form,
            "previous": on - timedelta(days=1),
            "next": on + timedelta(days=1) if on < timezone.localdate() else None,
            "is_today": on == timezone.localdate(),
            "collection_tasks": selectors.collection_tasks(rep=request.user, on_or_before=on),
        },
    )


@login_required
def team_days(request):
    """The KAM's view of the team's daily reports for a day, with who has not submitted."""
    if request.user.effective_role not in MANAGERS:
        raise PermissionDenied
    on = _parse_day(request.GET.get("date")) if request.GET.get("date") else timezone.localdate() - timedelta(1)
    reports = list(selectors.daily_report_list(for_user=request.user).filter(date=on).exclude(rep=request.user))
    flags = selectors.check_in_flags(rep_ids=[r.rep_id for r in reports], on=on)
    for report in reports:
        report.check_in_flags = flags.get(report.rep_id, {})
    return render(
        request,
        "reports/team_days.html",
        {
            "on": on,
            "reports": reports,
            "missing": selectors.missing_daily_reports(for_user=request.user, on=on),
            "late_visits": selectors.late_visits_to_decide(for_user=request.user),
            "previous": on - timedelta(days=1),
            "next": on + timedelta(days=1) if on < timezone.localdate() else None,
        },
    )


@login_required
def review_day(request, pk):
    report = get_object_or_404(selectors.daily_report_list(for_user=request.user), pk=pk)
    if report.rep_id == request.user.pk:
        return redirect("reports:daily_report", report.date.isoformat())
    form = DayCommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if "reopen" in request.POST:
                services.reopen_daily_report(report=report, by=request.user, reason=form.cleaned_data["text"])
                messages.success(request, _("The day is reopened for %(rep)s.") % {"rep": report.rep.display_name})
            else:
                services.review_daily_report(report=report, by=request.user, comment=form.cleaned_data["text"])
                messages.success(request, _("Marked as reviewed."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("reports:review_day", pk)
    return render(
        request,
        "reports/review_day.html",
        {
            "day": cycle.day(rep=report.rep, on=report.date, report=report),
            "form": form,
            "report": report,
        },
    )
