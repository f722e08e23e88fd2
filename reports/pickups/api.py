"""``/api/distributors/{id}/pickups/`` (pickups against policy, shipments, stock per brand) and ``/api/shipments/``."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from distributors.models import Distributor
from reports.market import selectors as market_report
from reports.pickups import services as pickups
from reports.pickups.models import Shipment
from reports.visits.models import Order


class CardPickupsView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        """The last six months' pickups (the dashboards' sales amount) against the pickup policy — minimum,
        shortfall, rebate tier — the account's recent shipments, its stock per brand as counted on visits, and its
        latest market check (``market``: the visit, and per line the region's median price that month)."""
        distributor = Distributor.objects.visible_to(request.user).filter(pk=pk).first()
        if distributor is None:
            raise Http404
        body = pickups.card_json(distributor=distributor)
        body["market"] = market_report.latest_check_json(distributor=distributor, for_user=request.user)
        return Response(body)


class ShipmentSerializer(serializers.ModelSerializer):
    order = serializers.PrimaryKeyRelatedField(queryset=Order.objects.none())

    class Meta:
        model = Shipment
        fields = ["id", "order", "shipped_on", "delivered_on", "carrier", "reference", "created_at"]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["order"].queryset = Order.objects.filter(
                distributor__in=Distributor.objects.visible_to(request.user)
            )


class ShipmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Shipments of the orders of the accounts you may see (``?order=`` to filter); the account's rep or KAM
    records them for confirmed or shipped orders."""

    serializer_class = ShipmentSerializer

    def get_queryset(self):
        found = Shipment.objects.filter(order__distributor__in=Distributor.objects.visible_to(self.request.user))
        raw = self.request.query_params.get("order")
        if raw:
            if not raw.isdigit():
                raise ValidationError({"order": ["Enter a whole number."]})
            found = found.filter(order_id=int(raw))
        return found.select_related("order")

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = pickups.record_shipment(
                order=data["order"],
                shipped_on=data["shipped_on"],
                delivered_on=data.get("delivered_on"),
                carrier=data.get("carrier", ""),
                reference=data.get("reference", ""),
                by=self.request.user,
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
