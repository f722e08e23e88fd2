"""API of the rep's day in the cycle: ``/api/daily-reports/`` (notes, submit, the KAM's reopen and review) and
``/api/day-plan/`` (My day's list), scoped like the pages."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from kamcrm.validators import TextLengthValidator
from kamcrm.viewsets import NoDeleteViewSet
from reports.cycle import day_plan, day_views, services
from reports.visits import selectors
from reports.visits.models import DailyReport


class DailyReportSerializer(serializers.ModelSerializer):
    visits = serializers.SerializerMethodField()
    orders = serializers.SerializerMethodField()
    collected = serializers.SerializerMethodField()

    class Meta:
        model = DailyReport
        fields = [
            "id",
            "rep",
            "date",
            "state",
            "happenings",
            "problems",
            "market_info",
            "competitor_activity",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "visits",
            "orders",
            "collected",
        ]
        read_only_fields = ["rep", "state", "submitted_at", "reviewed_by", "reviewed_at"]

    def _links(self, obj) -> selectors.DayLinks:
        links = self.context.get("day_links")  # set by the list: two queries for the whole page
        if links is None or (obj.rep_id, obj.date) not in links:
            links = self.context["day_links"] = selectors.day_links(reports=[obj])
        return links[(obj.rep_id, obj.date)]

    def get_visits(self, obj) -> list[int]:
        return self._links(obj).visits

    def get_orders(self, obj) -> list[int]:
        return self._links(obj).orders

    def get_collected(self, obj) -> str:
        return f"{self._links(obj).collected:.2f}"


class CommentInSerializer(serializers.Serializer):
    comment = serializers.CharField(validators=[TextLengthValidator()], required=False, allow_blank=True, default="")


class DailyReportViewSet(NoDeleteViewSet):
    """Daily reports (推销日报表). The rep creates/edits their own notes, then ``submit`` locks the day;
    the KAM may ``reopen`` it or ``review`` it with a comment."""

    serializer_class = DailyReportSerializer
    filterset_fields = ["rep", "date", "state"]

    def get_queryset(self):
        return selectors.daily_report_list(for_user=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "day_links": selectors.day_links(reports=page)}
        return self.get_paginated_response(self.get_serializer(page, many=True, context=context).data)

    def perform_create(self, serializer):
        report = services.daily_report_for(rep=self.request.user, day=serializer.validated_data["date"])
        for name, value in serializer.validated_data.items():
            setattr(report, name, value)
        serializer.instance = services.save_daily_notes(report=report, by=self.request.user)

    def perform_update(self, serializer):
        report = serializer.instance
        if serializer.validated_data.get("date", report.date) != report.date:
            raise serializers.ValidationError({"date": [_("A report stays on its day.")]})
        for name, value in serializer.validated_data.items():
            setattr(report, name, value)
        serializer.instance = services.save_daily_notes(report=report, by=self.request.user)

    @extend_schema(request=None, responses=DailyReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = services.submit_daily_report(report=self.get_object(), by=request.user)
        return Response(self.get_serializer(report).data)

    def _comment(self, request) -> str:
        """The ``comment`` of a reopen or review body (a 400 when it is too long)."""
        body = CommentInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return body.validated_data["comment"]

    @extend_schema(request=CommentInSerializer, responses=DailyReportSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        comment = self._comment(request)
        report = services.reopen_daily_report(report=self.get_object(), by=request.user, reason=comment)
        return Response(self.get_serializer(report).data)

    @extend_schema(request=CommentInSerializer, responses=DailyReportSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        comment = self._comment(request)
        report = services.review_daily_report(report=self.get_object(), by=request.user, comment=comment)
        return Response(self.get_serializer(report).data)


class PlanReasonSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["scheduled", "overdue", "collect", "action"])
    days_late = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    sequence = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()


class PlanItemSerializer(serializers.Serializer):
    distributor = serializers.IntegerField(source="distributor.pk")
    code = serializers.CharField(source="distributor.code")
    name = serializers.CharField(source="distributor.display_name")
    latitude = serializers.DecimalField(source="distributor.latitude", max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(
        source="distributor.longitude", max_digits=9, decimal_places=6, allow_null=True
    )
    purpose = serializers.CharField()
    visited_today = serializers.BooleanField()
    reasons = PlanReasonSerializer(many=True)


class DayPlanView(APIView):
    """My day: the rep's stops for today in route order (the page's list). ``rep``: a KAM or manager names a rep
    of their scope; anyone else's rep is a 404."""

    @extend_schema(
        parameters=[OpenApiParameter("rep", int, required=False)],
        responses=PlanItemSerializer(many=True),
    )
    def get(self, request):
        rep = day_views.plan_rep(request.user, request.query_params.get("rep"))  # Http404: DRF answers 404
        plan = day_plan.day_plan(rep=rep, on=timezone.localdate())
        return Response(PlanItemSerializer(plan, many=True).data)
