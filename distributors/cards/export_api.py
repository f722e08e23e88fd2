"""GET /api/distributors/export/?format_type=xlsx|csv&<the list's filters> — the distributor list as a file.

Scoped and filtered like ``/api/distributors/`` (same selector and FilterSet); a filter value that does
not validate is a 400 with field errors, as on the list endpoint.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView

from kamcrm.filters import DjangoFilterBackend

from . import exports, selectors
from .filters import DistributorFilter


class DistributorExportView(GenericAPIView):
    filterset_class = DistributorFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    def perform_content_negotiation(self, request, force=False):
        # The file is no rendered data: "Accept: text/csv" must not be a 406. Errors still come as JSON.
        return super().perform_content_negotiation(request, force=True)

    def get_queryset(self):
        return selectors.distributor_list(for_user=self.request.user)

    @extend_schema(
        operation_id="distributors_export",
        parameters=[
            OpenApiParameter(
                "format_type", str, enum=list(exports.FORMATS), default="xlsx", description="File type of the download."
            )
        ],
        responses={
            (200, exports.CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="Excel workbook"),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV, UTF-8 with BOM"),
            400: OpenApiResponse(description="Unknown format_type or a filter value that does not validate"),
        },
        filters=True,
    )
    def get(self, request):
        """The cards the caller can see, filtered like the list, as .xlsx or .csv (headers in the caller's language)."""
        fmt = request.query_params.get("format_type", "xlsx")
        if fmt not in exports.FORMATS:
            raise ValidationError({"format_type": [_("Choose xlsx or csv.")]})
        # The page export's function and rule: a filter value that does not validate is a 400, never dropped.
        queryset = exports.filtered_distributors(for_user=request.user, params=request.query_params)
        return exports.export_response(queryset=queryset, fmt=fmt)
