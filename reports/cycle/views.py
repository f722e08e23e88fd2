"""Pages of the "135" cycle — the rep's monthly work plan, weekly schedule, weekly review (周体会) and monthly
summary (月总结), the KAM's team view with comments — and the service-strategy library.

Scope: objects come from ``reports.cycle.selectors`` (a foreign or missing one is a 404). A rep writes their own;
KAMs, regional managers and the admin read their scope and comment; finance has no business here (403 on the
pages, 404 on the objects). Writes go through ``reports.cycle.services``; their errors are shown on the form.
"""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role, Team
from kamcrm.forms import add_service_errors
from kamcrm.pages import next_url
from kamcrm.validation import path_date
from reports.cycle import selectors as cycle
from reports.cycle import services
from reports.cycle.forms import (
    CommentForm,
    DayStops,
    ReviewForm,
    ScheduleForm,
    StrategyForm,
    WorkPlanForm,
    rep_accounts,
)
from reports.cycle.models import MonthlyWorkPlan, Review, ServiceStrategy, WeeklySchedule
from reports.visits.services import acts_for

REPS_PER_PAGE = 50


# --- periods in URLs: months as YYYY-MM, weeks as the date of any day in them (shown as their Monday) ---------


def _month(value: str | None) -> date:
    if not value:
        return cycle.month_start_of(timezone.localdate())
    day = path_date(f"{value}-01")
    if day is None:
        raise Http404
    return day


def _week(value: str | None) -> date:
    if not value:
        return cycle.week_start_of(timezone.localdate())
    day = path_date(value)
    if day is None:
        raise Http404
    return cycle.week_start_of(day)


def _month_param(month: date) -> str:
    return f"{month:%Y-%m}"


def _neighbour_months(month: date) -> tuple[date, date]:
    return cycle.month_start_of(month - timedelta(days=1)), cycle.month_end_of(month) + timedelta(days=1)


# --- who may be here ------------------------------------------------------------------------------------------


def _rep_only(request, **params):
    """The rep's own pages. A KAM or manager is sent to the team view; anyone else may not be here."""
    if cycle.writes_own_cycle(request.user):
        return None
    if cycle.reads_team_cycle(request.user):
        query = "&".join(f"{k}={v}" for k, v in params.items() if v)
        return redirect(f"{reverse('reports:team_notes')}{'?' + query if query else ''}")
    raise PermissionDenied


def _admin_only(request) -> None:
    if request.user.effective_role != Role.ADMIN:
        raise PermissionDenied


def _comments_context(request, target, kind: str) -> dict:
    return {
        "target": target,
        "kind": kind,
        "comments": cycle.comments_on(target),
        "comment_form": CommentForm(auto_id=f"id_{kind}_{target.pk}_%s"),
        "can_comment": acts_for(request.user, target.rep),
    }


# --- the rep's month -------------------------------------------------------------------------------------------


@login_required
def my_month(request, month: str | None = None):
    """The rep's month: work plan (with their targets from the distributor plans), weeks, monthly summary."""
    month_start = _month(month)
    if response := _rep_only(request, month=_month_param(month_start)):
        return response
    rep = request.user
    plan = cycle.work_plan_list(for_user=rep).filter(rep=rep, month=month_start).first()
    summary = (
        cycle.review_list(for_user=rep, kind=Review.Kind.MONTHLY).filter(rep=rep, period_start=month_start).first()
    )
    mondays = cycle.weeks_of_month(month_start)
    schedules = {s.week_start: s for s in cycle.schedule_list(for_user=rep).filter(rep=rep, week_start__in=mondays)}
    reviews = {
        r.period_start: r
        for r in cycle.review_list(for_user=rep, kind=Review.Kind.WEEKLY).filter(rep=rep, period_start__in=mondays)
    }
    today = timezone.localdate()
    previous, following = _neighbour_months(month_start)
    return render(
        request,
        "reports/cycle/month.html",
        {
            "month": month_start,
            "month_param": _month_param(month_start),
            "previous_month": _month_param(previous),
            "next_month": _month_param(following),
            "plan": plan,
            "summary": summary,
            "targets": cycle.rep_targets(rep=rep, month=month_start, for_user=rep),
            "weeks": [
                {
                    "start": monday,
                    "end": monday + timedelta(days=6),
                    "schedule": schedules.get(monday),
                    "review": reviews.get(monday),
                    "current": monday <= today <= monday + timedelta(days=6),
                    "started": monday <= today,
                }
                for monday in mondays
            ],
            "summary_open": month_start <= today,
            "plan_comments": _comments_context(request, plan, "plan") if plan else None,
            "summary_comments": _comments_context(request, summary, "review") if summary else None,
        },
    )


@login_required
def plan_edit(request, month: str):
    month_start = _month(month)
    if response := _rep_only(request, month=_month_param(month_start)):
        return response
    rep = request.user
    plan = MonthlyWorkPlan.objects.filter(rep=rep, month=month_start).first() or MonthlyWorkPlan(
        rep=rep, month=month_start
    )
    form = WorkPlanForm(request.POST or None, instance=plan, rep=rep)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_work_plan(
                plan=form.instance,
                by=rep,
                focus_accounts=form.cleaned_data["focus_accounts"],
                focus_brands=form.cleaned_data["focus_brands"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Work plan for %(month)s saved.") % {"month": f"{month_start:%Y-%m}"})
            return redirect("reports:my_month", _month_param(month_start))
    return render(
        request,
        "reports/cycle/form.html",
        {
            "form": form,
            "title": _("Work plan for %(month)s") % {"month": f"{month_start:%Y-%m}"},
            "back_url": reverse("reports:my_month", args=[_month_param(month_start)]),
            "targets": cycle.rep_targets(rep=rep, month=month_start, for_user=rep),
        },
    )


def _review_edit(request, *, kind: str, period_start: date, title: str, back_url: str):
    rep = request.user
    review = Review.objects.filter(rep=rep, kind=kind, period_start=period_start).first() or Review(
        rep=rep, kind=kind, period_start=period_start
    )
    form = ReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_review(review=form.instance, by=rep)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(what)s saved.") % {"what": review.get_kind_display()})
            return redirect(back_url)
    return render(request, "reports/cycle/form.html", {"form": form, "title": title, "back_url": back_url})


@login_required
def summary_edit(request, month: str):
    month_start = _month(month)
    if response := _rep_only(request, month=_month_param(month_start)):
        return response
    return _review_edit(
        request,
        kind=Review.Kind.MONTHLY,
        period_start=month_start,
        title=_("Monthly summary for %(month)s") % {"month": f"{month_start:%Y-%m}"},
        back_url=reverse("reports:my_month", args=[_month_param(month_start)]),
    )


# --- the rep's week --------------------------------------------------------------------------------------------


@login_required
def my_week(request, week: str | None = None):
    """The rep's week as seven day cards in route order, today's route on top, and the weekly review."""
    week_start = _week(week)
    if response := _rep_only(request, week=week_start.isoformat()):
        return response
    rep = request.user
    schedule = cycle.schedule_list(for_user=rep).filter(rep=rep, week_start=week_start).first()
    review = cycle.review_list(for_user=rep, kind=Review.Kind.WEEKLY).filter(rep=rep, period_start=week_start).first()
    days = cycle.week_days(rep=rep, week_start=week_start, schedule=schedule)
    today = next((d for d in days if d.is_today), None)
    return render(
        request,
        "reports/cycle/week.html",
        {
            "week_start": week_start,
            "week_end": week_start + timedelta(days=6),
            "previous_week": (week_start - timedelta(days=7)).isoformat(),
            "next_week": (week_start + timedelta(days=7)).isoformat(),
            "month_param": _month_param(week_start + timedelta(days=3)),  # the month most of the week is in
            "schedule": schedule,
            "review": review,
            "days": days,
            "today": today,
            "review_open": week_start <= timezone.localdate(),
            "schedule_comments": _comments_context(request, schedule, "schedule") if schedule else None,
            "review_comments": _comments_context(request, review, "review") if review else None,
        },
    )


@login_required
def schedule_edit(request, week: str):
    """The week's route, a card per day: pick the accounts in visiting order (the stop numbers reorder them)."""
    week_start = _week(week)
    if response := _rep_only(request, week=week_start.isoformat()):
        return response
    rep = request.user
    schedule = WeeklySchedule.objects.filter(rep=rep, week_start=week_start).first() or WeeklySchedule(
        rep=rep, week_start=week_start
    )
    stops = list(schedule.entries.select_related("distributor")) if schedule.pk else []
    accounts = rep_accounts(rep, keep_ids=[s.distributor_id for s in stops])
    account_choices = [("", _("— no stop —"))] + [(d.pk, f"{d.code} · {d.display_name}") for d in accounts]
    data = request.POST.copy() if request.method == "POST" else None
    more = request.POST.get("more", "") if data is not None else ""
    if more.isdigit() and 0 <= int(more) < 7:  # "more stops" for one day: the same form again with 3 more rows
        key = f"d{more}-TOTAL_FORMS"
        data[key] = str(int(data.get(key) or 0) + 3)
    form = ScheduleForm(data, instance=schedule)
    days = [
        DayStops(
            day=week_start + timedelta(days=i),
            index=i,
            data=data,
            accounts=accounts,
            account_choices=account_choices,
            stops=[s for s in stops if s.day == week_start + timedelta(days=i)],
        )
        for i in range(7)
    ]
    if data is not None and not more:
        days_valid = [d.formset.is_valid() for d in days]  # every day checked, so every error shows
        valid = form.is_valid() and all(days_valid)
        if valid:
            try:
                services.save_weekly_schedule(
                    schedule=form.instance, by=rep, entries=[entry for d in days for entry in d.entries()]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Schedule for the week of %(day)s saved.") % {"day": week_start})
                return redirect("reports:my_week", week_start.isoformat())
        if form.is_bound and not form.errors and not valid:
            form.add_error(None, _("Please correct the stops marked below."))
    return render(
        request,
        "reports/cycle/schedule_form.html",
        {
            "form": form,
            "days": days,
            "week_start": week_start,
            "week_end": week_start + timedelta(days=6),
            "today": timezone.localdate(),
            "back_url": reverse("reports:my_week", args=[week_start.isoformat()]),
        },
    )


@login_required
def review_edit(request, week: str):
    week_start = _week(week)
    if response := _rep_only(request, week=week_start.isoformat()):
        return response
    return _review_edit(
        request,
        kind=Review.Kind.WEEKLY,
        period_start=week_start,
        title=_("Weekly review for the week of %(day)s") % {"day": week_start},
        back_url=reverse("reports:my_week", args=[week_start.isoformat()]),
    )


# --- one plan, schedule or review (the rep's own, or the KAM reading it) -----------------------------------------


@login_required
def plan_detail(request, pk: int):
    plan = get_object_or_404(cycle.work_plan_list(for_user=request.user), pk=pk)
    return render(
        request,
        "reports/cycle/plan_detail.html",
        {
            "plan": plan,
            "is_own": plan.rep_id == request.user.pk,
            "month_param": _month_param(plan.month),
            "targets": cycle.rep_targets(rep=plan.rep, month=plan.month, for_user=request.user),
            "comments_ctx": _comments_context(request, plan, "plan"),
        },
    )


@login_required
def schedule_detail(request, pk: int):
    schedule = get_object_or_404(cycle.schedule_list(for_user=request.user), pk=pk)
    return render(
        request,
        "reports/cycle/schedule_detail.html",
        {
            "schedule": schedule,
            "is_own": schedule.rep_id == request.user.pk,
            "week_end": schedule.week_start + timedelta(days=6),
            "days": cycle.week_days(rep=schedule.rep, week_start=schedule.week_start, schedule=schedule),
            "comments_ctx": _comments_context(request, schedule, "schedule"),
        },
    )


@login_required
def review_detail(request, pk: int):
    review = get_object_or_404(cycle.review_list(for_user=request.user), pk=pk)
    weekly = review.kind == Review.Kind.WEEKLY
    return render(
        request,
        "reports/cycle/review_detail.html",
        {
            "review": review,
            "weekly": weekly,
            "is_own": review.rep_id == request.user.pk,
            "period_end": review.period_start + timedelta(days=6)
            if weekly
            else cycle.month_end_of(review.period_start),
            "edit_url": reverse("reports:review_edit", args=[review.period_start.isoformat()])
            if weekly
            else reverse("reports:summary_edit", args=[_month_param(review.period_start)]),
            "comments_ctx": _comments_context(request, review, "review"),
        },
    )


COMMENT_TARGETS = {
    "plan": (cycle.work_plan_list, "reports:plan_detail"),
    "schedule": (cycle.schedule_list, "reports:schedule_detail"),
    "review": (cycle.review_list, "reports:review_detail"),
}


@login_required
@require_POST
def comment_add(request, kind: str, pk: int):
    """A comment on a plan, schedule or review; HTMX gets the comments section back, a plain form a redirect."""
    if kind not in COMMENT_TARGETS:
        raise Http404
    selector, detail_url = COMMENT_TARGETS[kind]
    target = get_object_or_404(selector(for_user=request.user), pk=pk)
    form = CommentForm(request.POST, auto_id=f"id_{kind}_{target.pk}_%s")
    if form.is_valid():
        try:
            services.add_comment(target=target, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    return comment_posted(
        request,
        form,
        partial="reports/cycle/_comments.html",
        context=lambda: {**_comments_context(request, target, kind), "next_url": request.POST.get("next", "")},
        fallback=reverse(detail_url, args=[target.pk]),
    )


def comment_posted(request, form, *, partial: str, context, fallback: str):
    """The answer to a comment post (on a plan, schedule or review here, on a period report in analytics).

    HTMX gets the comments section back: ``partial`` with ``context()``, holding the posted form when it failed. A
    plain form gets "Comment added." or the form's errors as a message, and a redirect to the posted ``next`` when
    it is safe (``kamcrm.pages.next_url``, as every "go back" of the app), else to ``fallback``."""
    ok = form.is_valid()
    if request.htmx:
        found = context()
        if not ok:
            found["comment_form"] = form
        return render(request, partial, found)
    if ok:
        messages.success(request, _("Comment added."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(next_url(request, fallback))


# --- the KAM's view of the team --------------------------------------------------------------------------------


@login_required
def team_notes(request):
    """Per rep of the user's scope: the month's work plan and summary, the week's schedule and review —
    or "not written yet"."""
    if not cycle.reads_team_cycle(request.user):
        raise PermissionDenied
    month_start = _month(request.GET.get("month"))
    week_start = _week(request.GET.get("week"))
    teams = Team.objects.none()
    team = None
    if request.user.effective_role in (Role.REGIONAL_MANAGER, Role.ADMIN):
        teams = Team.objects.visible_to(request.user).select_related("region")
        if request.user.effective_role == Role.REGIONAL_MANAGER:
            teams = teams.filter(region=request.user.region_id)
        if request.GET.get("team", "").isdigit():
            team = get_object_or_404(teams, pk=request.GET["team"])
    page = Paginator(cycle.reps_for_team_view(for_user=request.user, team=team), REPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = cycle.team_cycle(for_user=request.user, reps=list(page), month=month_start, week_start=week_start)
    previous, following = _neighbour_months(month_start)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/cycle/team.html",
        {
            "rows": rows,
            "page": page,
            "query": query.urlencode(),
            "month": month_start,
            "month_param": _month_param(month_start),
            "previous_month": _month_param(previous),
            "next_month": _month_param(following),
            "week_start": week_start,
            "week_end": week_start + timedelta(days=6),
            "previous_week": (week_start - timedelta(days=7)).isoformat(),
            "next_week": (week_start + timedelta(days=7)).isoformat(),
            "teams": teams,
            "team": team,
        },
    )


# --- the service-strategy library ------------------------------------------------------------------------------


@login_required
def strategy_list(request):
    """The library (everyone reads it), with how often each strategy was applied on visits in the user's scope
    in a month (the current one unless ``?month=YYYY-MM``)."""
    month_start = _month(request.GET.get("month"))
    usage = {u.code: u.visits for u in cycle.strategy_usage(request.user, month_start, cycle.month_end_of(month_start))}
    strategies = list(cycle.strategy_list())
    previous, following = _neighbour_months(month_start)
    return render(
        request,
        "reports/cycle/strategies.html",
        {
            "rows": [(s, usage.get(s.code, 0)) for s in strategies],
            "total": sum(usage.values()),
            "month": month_start,
            "previous_month": _month_param(previous),
            "next_month": _month_param(following),
            "can_edit": request.user.effective_role == Role.ADMIN,
        },
    )


@login_required
def strategy_edit(request, pk: int | None = None):
    _admin_only(request)
    strategy = get_object_or_404(ServiceStrategy, pk=pk) if pk else ServiceStrategy()
    form = StrategyForm(request.POST or None, instance=strategy)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_strategy(strategy=form.instance, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Service strategy %(strategy)s saved.") % {"strategy": saved})
            return redirect("reports:strategy_list")
    return render(
        request,
        "reports/cycle/form.html",
        {
            "form": form,
            "title": _("Edit service strategy") if pk else _("New service strategy"),
            "back_url": reverse("reports:strategy_list"),
            "delete_url": reverse("reports:strategy_delete", args=[pk]) if pk else "",
        },
    )


@login_required
@require_POST
def strategy_delete(request, pk: int):
    _admin_only(request)
    strategy = get_object_or_404(ServiceStrategy, pk=pk)
    try:
        services.delete_strategy(strategy=strategy, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reports:strategy_edit", pk)
    messages.success(request, _("Service strategy %(strategy)s removed.") % {"strategy": strategy})
    return redirect("reports:strategy_list")
