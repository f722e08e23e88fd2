"""``/api/market-report/``: the monthly market report of a region, scoped like the page.

- ``GET /api/market-report/?region=&month=YYYY-MM``: price ranges, stock trend and competitor presence;
- ``GET /api/market-report/xlsx/`` with the same query string: the .xlsx workbook.

A region outside the caller's scope is a 404, like a missing one; only visits in the caller's scope count.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from kamcrm.api import JSONErrorsNegotiation
from kamcrm.workbooks import XLSX_CONTENT_TYPE
from reports.market import selectors as market_report
from reports.market.files import xlsx_response

PARAMETERS = [
    OpenApiParameter("region", int, description="Default: your region (the admin: the first region)."),
    OpenApiParameter("month", str, description="YYYY-MM; default: this month."),
]


def report_for(request, params) -> market_report.MarketReport:
    """The report the query string asks for: 400 for a malformed region or month, 404 for a region out of scope."""
    errors = {}
    raw = params.get("region") or ""
    if raw and not raw.isdigit():
        errors["region"] = [_("Enter a whole number.")]
    month = None
    try:
        month = market_report.parse_month(params.get("month"))
    except DjangoValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    region = market_report.region_or_404(request.user, raw) if raw else market_report.default_region(request.user)
    if region is None:
        raise Http404
    return market_report.market_report(for_user=request.user, region=region, month=month)


class MarketReportView(APIView):
    @extend_schema(operation_id="market_report", parameters=PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """The region's market for the month from the visits' market checks: ``prices`` (min / median / max shelf
        price per product, ours and the competitors'), ``stock`` (per product and month, the last count of each
        account summed; ``null`` when not counted), ``presence`` (per competitor and month, the share of visits with
        a market check where its products were seen), ``visits_checked`` per month."""
        return Response(market_report.report_json(report_for(request, request.query_params)))


class MarketReportXlsxView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsNegotiation

    @extend_schema(
        operation_id="market_report_xlsx",
        parameters=PARAMETERS,
        responses={(200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Excel workbook.")},
    )
    def get(self, request):
        """The market report as an .xlsx workbook (prices, stock, competitor presence), in the caller's language."""
        with translation.override(request.user.language or translation.get_language()):
            return xlsx_response(report_for(request, request.query_params))
