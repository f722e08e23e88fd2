"""The monthly market report page (per region) and its .xlsx export; the same query string and functions as
``/api/market-report/`` (``market_api``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation

from reports.market import selectors as market_report
from reports.market.files import xlsx_response


def _month(request):
    try:
        return market_report.parse_month(request.GET.get("month"))
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
        return timezone.localdate().replace(day=1)


def _region(request):
    raw = request.GET.get("region", "")
    region = market_report.region_or_404(request.user, raw) if raw else market_report.default_region(request.user)
    if region is None:
        raise Http404
    return region


def _query(region, month) -> str:
    query = QueryDict(mutable=True)
    query.update({"region": region.pk, "month": market_report.month_label(month)})
    return query.urlencode()


@login_required
def market_page(request):
    """Price ranges, stock trend and competitor presence of a region for a month, with charts and the export."""
    region, month = _region(request), _month(request)
    report = market_report.market_report(for_user=request.user, region=region, month=month)
    query = _query(region, month)
    context = {
        "report": report,
        "chart": market_report.chart_data(report),
        "regions": market_report.regions_for(request.user),
        "month_value": market_report.month_label(month),
        "previous_url": "?" + _query(region, market_report.month_shift(month, -1)),
        "next_url": "?" + _query(region, market_report.month_shift(month, 1)),
        "xlsx_url": reverse("reports:market_xlsx") + "?" + query,
        "api_url": reverse("api-market-report") + "?" + query,
    }
    return render(request, "reports/market/report.html", context)


@login_required
def market_xlsx(request):
    region, month = _region(request), _month(request)
    with translation.override(request.user.language or translation.get_language()):
        return xlsx_response(market_report.market_report(for_user=request.user, region=region, month=month))
