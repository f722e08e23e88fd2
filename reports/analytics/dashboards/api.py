"""``GET /api/dashboard/`` and ``/api/dashboard/trend/``: the dashboard's figures as JSON (../shared/API.md)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from kamcrm.validation import parse_date_param
from reports.analytics.dashboards import cache as kept
from reports.analytics.dashboards import selectors as dashboard

COMMON_PARAMETERS = [
    OpenApiParameter("level", str, enum=list(dashboard.LEVELS), description="Default: your own dashboard's level."),
    OpenApiParameter("id", int, description="The rep, team or region; omitted for the company."),
    OpenApiParameter("period", str, enum=list(dashboard.PERIODS), description="Default: month."),
    OpenApiParameter("date", OpenApiTypes.DATE, description="A day of the period; default: today."),
]


def parse(request) -> tuple[dashboard.Scope, dashboard.Period, dict]:
    """Scope and period from the query string, as the page reads them: 400 for bad values, 404 outside scope."""
    params = request.query_params if hasattr(request, "query_params") else request.GET
    errors, extra = {}, {}
    level = params.get("level") or None
    if level is not None and level not in dashboard.LEVELS:
        errors["level"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(dashboard.LEVELS)}]
    pk = None
    if params.get("id"):
        try:
            pk = int(params["id"])
        except ValueError:
            errors["id"] = [_("Enter a whole number.")]
    kind = params.get("period") or "month"
    if kind not in dashboard.PERIODS:
        errors["period"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(dashboard.PERIODS)}]
    try:  # the date window keeps trends (two years back) clear of year 1 and 9999
        day = parse_date_param(params.get("date"), field="date", default=timezone.localdate())
    except DjangoValidationError as exc:
        errors.update(exc.message_dict)
    children = params.get("children") or None
    if children is not None and children not in dashboard.ORDER:
        errors["children"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(dashboard.ORDER[:-1])}]
    if errors:
        raise ValidationError(errors)
    if level is None:
        scope = dashboard.default_scope(request.user)
    else:
        if level != "company" and pk is None:
            raise ValidationError({"id": [_("This level needs an id.")]})
        try:
            scope = dashboard.resolve_scope(for_user=request.user, level=level, pk=pk)
        except dashboard.ScopeNotFound:
            raise Http404 from None
    if children is not None and children not in dashboard.child_levels(scope.level):
        choices = ", ".join(dashboard.child_levels(scope.level))
        raise ValidationError({"children": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    extra["children"] = children
    return scope, dashboard.period_containing(kind, day), extra


class DashboardView(APIView):
    @extend_schema(
        parameters=[
            *COMMON_PARAMETERS,
            OpenApiParameter("children", str, description="Break down by another level below (default: the next)."),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        """Plan vs actual, the four completion rates, visits, overdue money and visits of a rep, team, region or
        the company for the day, week, month, quarter or year containing ``date``, with its children (ranked by
        the page) and top and bottom accounts. Money as strings with 2 places, rates with 4 (null without a
        target or nothing due). Targets of a day or week are the month's in proportion to its days.
        Beside each ``<rate>_rate``: ``<rate>_expected_rate`` (pacing, null unless the period is running) and
        ``<rate>_pace`` ("ahead", "behind" or null); ``dso`` is days sales outstanding at the period's end."""
        scope, period, extra = parse(request)
        board = kept.dashboard(
            scope=scope, period=period, children_level=extra["children"], reader=request.user.pk, stale_ok=True
        )
        return Response(dashboard.dashboard_json(board))


class DashboardTrendView(APIView):
    @extend_schema(parameters=COMMON_PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request):
        """The last 12 periods ending with the one containing ``date``, each with the same period a year earlier."""
        scope, period, _extra = parse(request)
        points = kept.trend(scope=scope, period=period, reader=request.user.pk, stale_ok=True)
        return Response(
            {"level": scope.level, "id": scope.id, "period": period.kind, "results": dashboard.trend_json(points)}
        )
