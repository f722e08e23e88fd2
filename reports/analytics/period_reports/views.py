"""Pages of the weekly and monthly reports (周报 / 月报): the list, one report, its PDF and workbook, comments.

Scope: reports come from ``period_reports.report_list`` (``PeriodReport.objects.visible_to``), so another
user's report — a foreign one or a missing one alike — is a 404. KAMs and managers comment; the rep answers on
their own report. Writes go through ``period_reports``.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.models import Role
from kamcrm.forms import add_service_errors
from reports.analytics.models import PeriodReport
from reports.analytics.period_reports import services as period_reports
from reports.analytics.period_reports.files import file_response
from reports.analytics.period_reports.filters import PeriodReportFilter
from reports.cycle.forms import CommentForm
from reports.cycle.views import comment_posted

REPORTS_PER_PAGE = 50


def _report(request, pk: int) -> PeriodReport:
    try:
        return period_reports.report_detail(for_user=request.user, pk=pk)
    except PeriodReport.DoesNotExist:
        raise Http404 from None


@require_safe
@login_required
def report_list(request):
    """The reports in the user's scope, newest period first, filtered by kind, level, rep, team and period."""
    report_filter = PeriodReportFilter(request.GET or None, queryset=period_reports.report_list(for_user=request.user))
    page = Paginator(report_filter.qs, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter": report_filter,
        "page": page,
        "rows": [(r, period_reports.parse_figures((r.figures or {}).get("figures", {}))) for r in page],
        "query": query.urlencode(),
        "is_rep": request.user.effective_role == Role.REP,
    }
    template = "reports/period_reports/_list_table.html" if request.htmx else "reports/period_reports/list.html"
    return render(request, template, context)


def _comments_context(request, report: PeriodReport, comments) -> dict:
    return {
        "report": report,
        "comments": comments,
        "comment_form": CommentForm(auto_id=f"id_period_report_{report.pk}_%s"),
        "can_comment": period_reports.may_comment(report=report, user=request.user),
    }


def _review_url(report: PeriodReport) -> str:
    """Where the rep writes the review (a weekly report) or the summary (a monthly one) of the report's period."""
    if report.kind == PeriodReport.Kind.WEEKLY:
        return reverse("reports:review_edit", args=[report.start.isoformat()])
    return reverse("reports:summary_edit", args=[f"{report.start:%Y-%m}"])


@require_safe
@login_required
def report_detail(request, pk: int):
    """One report: figures against plan, the breakdown (with links to the reps' reports), top and bottom accounts,
    the rep's review, and the comments."""
    report = _report(request, pk)
    view = period_reports.report_view(report=report, for_user=request.user)
    is_own = report.rep_id == request.user.pk
    dashboard_query = (
        f"?level={report.level}&id={report.rep_id or report.team_id}"
        f"&period={'week' if report.kind == PeriodReport.Kind.WEEKLY else 'month'}&date={report.start.isoformat()}"
    )
    return render(
        request,
        "reports/period_reports/detail.html",
        {
            "report": report,
            "view": view,
            "is_own": is_own,
            "review_url": _review_url(report) if is_own else "",
            "dashboard_url": reverse("dashboard:page") + dashboard_query,
            **_comments_context(request, report, view.notes.comments),
        },
    )


@never_cache
@require_safe
@login_required
def report_pdf(request, pk: int):
    return file_response(report=_report(request, pk), for_user=request.user, fmt="pdf")


@never_cache
@require_safe
@login_required
def report_xlsx(request, pk: int):
    return file_response(report=_report(request, pk), for_user=request.user, fmt="xlsx")


@require_POST
@login_required
def comment_add(request, pk: int):
    """A comment on a report; HTMX gets the comments section back, a plain form a redirect."""
    report = _report(request, pk)
    form = CommentForm(request.POST, auto_id=f"id_period_report_{report.pk}_%s")
    if form.is_valid():
        try:
            period_reports.add_comment(report=report, by=request.user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error(None, _("You cannot comment on this report."))
    return comment_posted(
        request,
        form,
        partial="reports/period_reports/_comments.html",
        context=lambda: _comments_context(
            request, report, period_reports.notes([report], for_user=request.user)[report.pk].comments
        ),
        fallback=reverse("period_reports:detail", args=[report.pk]),
    )
