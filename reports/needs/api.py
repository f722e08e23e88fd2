"""API of customer needs and strategy combinations: ``/api/needs/`` (the catalogue), ``/api/account-needs/``
(an account's needs: flagged by indicators or noted by reps; close one), ``/api/account-indicators/`` (the monthly
indicators), ``/api/distributors/{id}/strategy-suggestion/`` (the combination for the account's open needs) and
``/api/strategy-outcomes/`` (usage and outcome per strategy) — scoped like the pages."""

from datetime import timedelta

import django_filters as filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import VisiblePrimaryKeyField
from accounts.permissions import IsAdminOrReadOnly
from distributors.models import Distributor
from kamcrm.filters import DateFilter
from kamcrm.validation import check_dates
from kamcrm.viewsets import NoDeleteViewSet
from reports.cycle.models import ServiceStrategy
from reports.needs import services as needs
from reports.needs.models import AccountIndicator, AccountNeed, Need


def _service_errors(call):
    """Run a service call; its ValidationError is a 400 with field errors, PermissionDenied a 403."""
    try:
        return call()
    except DjangoPermissionDenied as exc:
        raise PermissionDenied(str(exc)) from None
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None


class NeedSerializer(serializers.ModelSerializer):
    strategies = serializers.PrimaryKeyRelatedField(queryset=ServiceStrategy.objects.all(), many=True)
    strategy_codes = serializers.SerializerMethodField()
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "code",
            "name",
            "name_zh",
            "label",
            "description",
            "strategies",
            "strategy_codes",
            "indicator",
            "comparison",
            "threshold",
            "position",
            "is_active",
        ]

    def get_strategy_codes(self, obj) -> list[str]:
        return [s.code for s in obj.strategies.all()]


class NeedViewSet(NoDeleteViewSet):
    """The need catalogue (服务需求) with each need's standard strategy combination (KZB codes) and the indicator
    rule that flags it: everyone signed in reads it, the admin keeps it (a need is made inactive, not deleted)."""

    queryset = Need.objects.none()
    serializer_class = NeedSerializer
    permission_classes = [IsAdminOrReadOnly]
    pagination_class = None

    def get_queryset(self):
        return needs.catalogue()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        strategies = data.pop("strategies", [])
        serializer.instance = _service_errors(
            lambda: needs.save_need(need=Need(**data), strategies=strategies, by=self.request.user)
        )

    def perform_update(self, serializer):
        need = serializer.instance
        data = dict(serializer.validated_data)
        strategies = data.pop("strategies", None)
        for name, value in data.items():
            setattr(need, name, value)
        serializer.instance = _service_errors(
            lambda: needs.save_need(
                need=need, strategies=need.strategies.all() if strategies is None else strategies, by=self.request.user
            )
        )


class AccountNeedSerializer(serializers.ModelSerializer):
    need_code = serializers.CharField(source="need.code", read_only=True)
    need_label = serializers.CharField(source="need.label", read_only=True)

    class Meta:
        model = AccountNeed
        fields = [
            "id",
            "distributor",
            "need",
            "need_code",
            "need_label",
            "status",
            "source",
            "opened_on",
            "opened_by",
            "indicator_month",
            "indicator_value",
            "visit",
            "note",
            "closed_on",
            "closed_by",
            "outcome",
        ]
        read_only_fields = fields


class AccountNeedInSerializer(serializers.Serializer):
    distributor = VisiblePrimaryKeyField(queryset=Distributor.objects.all())
    need = serializers.PrimaryKeyRelatedField(queryset=Need.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class CloseSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=20, help_text="met, not_met or not_a_need")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class AccountNeedFilter(filters.FilterSet):
    opened_from = DateFilter(field_name="opened_on", lookup_expr="gte")
    opened_to = DateFilter(field_name="opened_on", lookup_expr="lte")

    class Meta:
        model = AccountNeed
        fields = ["distributor", "need", "status", "source", "opened_from", "opened_to"]


class AccountNeedViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The needs of the accounts you may see: flagged monthly by the indicators (source ``indicator``) or noted by
    a rep (``observation``; POST here, or ``needs_observed`` on a visit). A need already open at the account is
    not opened twice (the open one comes back). Close one with ``POST /{id}/close/`` and its outcome."""

    queryset = AccountNeed.objects.none()
    serializer_class = AccountNeedSerializer
    filterset_class = AccountNeedFilter
    ordering_fields = ["opened_on", "id"]

    def get_queryset(self):
        return needs.account_needs_visible_to(self.request.user)

    @extend_schema(request=AccountNeedInSerializer, responses={201: AccountNeedSerializer})
    def create(self, request, *args, **kwargs):
        body = AccountNeedInSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        _service_errors(
            lambda: needs.open_needs(
                distributor=data["distributor"], needs=[data["need"]], by=request.user, note=data["note"]
            )
        )
        found = AccountNeed.objects.get(
            distributor=data["distributor"], need=data["need"], status=AccountNeed.Status.OPEN
        )
        return Response(AccountNeedSerializer(found).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CloseSerializer, responses=AccountNeedSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close an open need with what came of it: ``met``, ``not_met`` or ``not_a_need``."""
        account_need = self.get_object()
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        closed = _service_errors(
            lambda: needs.close_need(
                account_need=account_need,
                outcome=body.validated_data["outcome"],
                note=body.validated_data["note"],
                by=request.user,
            )
        )
        return Response(AccountNeedSerializer(closed).data)


class AccountIndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountIndicator
        fields = [
            "id",
            "distributor",
            "month",
            "sales_amount",
            "previous_sales_amount",
            "sales_change",
            "orders",
            "average_order_value",
            "key_brand_sales",
            "key_brand_share",
            "computed_at",
        ]
        read_only_fields = fields


class AccountIndicatorFilter(filters.FilterSet):
    month = DateFilter(field_name="month")

    class Meta:
        model = AccountIndicator
        fields = ["distributor", "month"]


class AccountIndicatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The accounts' monthly indicators (sales, change against the month before, average order value, key-brand
    sales and share), as the monthly task read them from the dashboards' figures. ``?month=`` the first day."""

    queryset = AccountIndicator.objects.none()
    serializer_class = AccountIndicatorSerializer
    filterset_class = AccountIndicatorFilter

    def get_queryset(self):
        return needs.indicators_visible_to(self.request.user)


class StrategySuggestionView(APIView):
    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        """The account's open needs and the standard strategy combination suggested for them (each strategy once,
        with the needs it answers)."""
        distributor = Distributor.objects.visible_to(request.user).filter(pk=pk).first()
        if distributor is None:
            raise Http404
        return Response({"distributor": distributor.pk, **needs.suggestion(distributor=distributor).as_json()})


class PeriodQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


def period_from(query_params) -> tuple:
    """``start``/``end`` of a query string (default: this month); 400 with field errors when bad."""
    query = PeriodQuerySerializer(data=query_params)
    query.is_valid(raise_exception=True)
    start = query.validated_data.get("start") or timezone.localdate().replace(day=1)
    end = query.validated_data.get("end") or (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(
        days=1
    )
    try:
        check_dates(start=start, end=end)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    if end < start:
        raise ValidationError({"end": [_("The end cannot be before the start.")]})
    if end - start > timedelta(days=366 * 5):
        raise ValidationError({"end": [_("Choose at most five years.")]})
    return start, end


class StrategyOutcomeView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="YYYY-MM-DD; the first of this month when left out"),
            OpenApiParameter("end", str, description="YYYY-MM-DD; the end of start's month when left out"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        """Per strategy: visits in your scope that applied it, the accounts they went to, the account needs it was
        applied to while they were open (it being in the need's combination), how many of those are closed and
        met, and the met rate (met ÷ closed, 4 places)."""
        start, end = period_from(request.query_params)
        rows = needs.strategy_outcomes(for_user=request.user, start=start, end=end)
        return Response({"start": start.isoformat(), "end": end.isoformat(), "results": [r.as_json() for r in rows]})
