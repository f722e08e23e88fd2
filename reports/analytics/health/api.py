"""``GET /api/health/`` (every account of a scope, worst first) and ``GET /api/health/<distributor>/`` (one)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from distributors.models import Distributor
from reports.analytics.dashboards import selectors as dashboard
from reports.analytics.health import selectors as health
from reports.analytics.health.views import scope_from


class HealthListView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("level", str, enum=list(dashboard.LEVELS), description="Default: your own accounts."),
            OpenApiParameter("id", int, description="The rep, team or region; omitted for the company."),
        ],
        responses=OpenApiTypes.OBJECT,
        operation_id="health_list",
    )
    def get(self, request):
        """Account health of every account of the scope the caller may see, worst first: lights (plan, visit,
        money; green, amber, red, none), plan vs actual and pacing this month and quarter (the dashboard's),
        days since the last visit against the visit frequency, open and overdue money by aging bucket, DSO, open
        complaints. 404 for a scope outside the caller's."""
        scope = scope_from(request)
        rows = health.scope_health(for_user=request.user, scope=scope)
        return Response(
            {
                "level": scope.level,
                "id": scope.id,
                "label": scope.label,
                "results": [health.health_json(h) for h in rows],
            }
        )


class AccountHealthView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="health_account")
    def get(self, request, distributor: int):
        """One account's health, as in the list, with its last three activities (the card's timeline)."""
        card = get_object_or_404(Distributor.objects.visible_to(request.user), pk=distributor)
        return Response(health.health_json(health.account_health(for_user=request.user, distributor=card)))
