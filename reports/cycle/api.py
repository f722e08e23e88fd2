"""API of the "135" cycle and the service-strategy library: /api/work-plans/, /api/weekly-schedules/,
/api/reviews/ (each with ``comments``) and /api/strategies/ — scoped exactly like the pages.

A rep writes their own plan, schedule and reviews; a KAM, regional manager or the admin reads their scope and
comments (writing a rep's plan is a 403 for them); finance gets a 403 on the lists and a 404 on the objects. The
strategy library is read by everyone signed in and written by the admin only.
"""

from datetime import timedelta

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import IsAdminOrReadOnly
from distributors.cards.api import VisibleDistributorField
from distributors.models import Brand
from kamcrm.filters import DateFilter
from kamcrm.viewsets import NoDeleteViewSet
from reports.cycle import selectors as cycle
from reports.cycle import services
from reports.cycle.models import Comment, MonthlyWorkPlan, Review, ServiceStrategy, WeeklySchedule
from reports.visits.models import Visit

MONTH_FORMATS = ["iso-8601", "%Y-%m"]


class CyclePermission(permissions.BasePermission):
    """Lists and creation need a part in the cycle (finance has none: 403); creating is for reps. Object routes
    are judged after the scoped lookup — a foreign object is a 404 — and changing one is for its rep only."""

    message = _("Only the rep writes their own plan, schedule and reviews.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.detail:
            return True
        if not cycle.takes_part(user):
            self.message = _("Plans, schedules and reviews are for reps and the people who lead them.")
            return False
        return request.method in permissions.SAFE_METHODS or cycle.writes_own_cycle(user)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS or view.action == "comments":
            return True  # a comment's author is checked by services.add_comment
        return obj.rep_id == request.user.pk


class CycleCommentSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "author_name", "text", "created_at"]
        read_only_fields = ["author", "created_at"]
        extra_kwargs = {"text": {"max_length": 4000}}


class CycleSerializer(serializers.ModelSerializer):
    """Shared by plans, schedules and reviews: ``rep`` is the caller, ``comment_count`` in lists, ``comments`` in
    the detail."""

    rep = serializers.PrimaryKeyRelatedField(read_only=True)
    comment_count = serializers.SerializerMethodField()

    def get_comment_count(self, obj) -> int:
        count = getattr(obj, "comment_count", None)
        return count if count is not None else len(cycle.comments_on(obj))

    def to_representation(self, instance):
        data = super().to_representation(instance)
        view = self.context.get("view")
        if view is not None and getattr(view, "action", None) != "list":
            data["comments"] = CycleCommentSerializer(cycle.comments_on(instance), many=True).data
        return data


class WorkPlanSerializer(CycleSerializer):
    month = serializers.DateField(
        input_formats=MONTH_FORMATS, help_text=_("The month: YYYY-MM or any date in it (stored as its first day).")
    )
    focus_accounts = VisibleDistributorField(many=True, required=False)
    focus_brands = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.all(), many=True, required=False)

    class Meta:
        model = MonthlyWorkPlan
        fields = [
            "id",
            "rep",
            "month",
            "focus_accounts",
            "focus_brands",
            "market_goals",
            "notes",
            "updated_at",
            "comment_count",
        ]
        read_only_fields = ["updated_at"]
        validators = []  # one plan per rep and month: the service says so as a field error


class EntrySerializer(serializers.Serializer):
    day = serializers.DateField()
    distributor = VisibleDistributorField()
    sequence = serializers.IntegerField(min_value=1, max_value=999, required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def to_representation(self, instance):
        return {
            "day": instance.day.isoformat(),
            "distributor": instance.distributor_id,
            "distributor_name": instance.distributor.display_name,
            "sequence": instance.sequence,
            "note": instance.note,
        }


class WeeklyScheduleSerializer(CycleSerializer):
    week_start = serializers.DateField(help_text=_("The Monday of the week (any day of it is moved to its Monday)."))
    entries = EntrySerializer(many=True, required=False)

    class Meta:
        model = WeeklySchedule
        fields = ["id", "rep", "week_start", "notes", "entries", "updated_at", "comment_count"]
        read_only_fields = ["updated_at"]
        validators = []

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["entries"] = [
            EntrySerializer().to_representation(e)
            for e in sorted(instance.entries.all(), key=lambda e: (e.day, e.sequence, e.pk))
        ]
        return data


class ReviewSerializer(CycleSerializer):
    kind = serializers.ChoiceField(choices=Review.Kind.choices)

    class Meta:
        model = Review
        fields = ["id", "rep", "kind", "period_start", "text", "updated_at", "comment_count"]
        read_only_fields = ["updated_at"]
        validators = []


def _in_month(queryset, name, value):
    return queryset.filter(**{name: value.replace(day=1)})


def _in_week(queryset, name, value):
    return queryset.filter(**{name: cycle.week_start_of(value)})


class WorkPlanFilter(filters.FilterSet):
    rep = filters.NumberFilter(field_name="rep")
    month = DateFilter(field_name="month", method=_in_month, help_text=_("Any date of the month."))
    month_from = DateFilter(field_name="month", lookup_expr="gte")
    month_to = DateFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = MonthlyWorkPlan
        fields = ["rep", "month"]


class WeeklyScheduleFilter(filters.FilterSet):
    rep = filters.NumberFilter(field_name="rep")
    week_start = DateFilter(field_name="week_start", method=_in_week, help_text=_("Any date of the week."))
    week_from = DateFilter(field_name="week_start", lookup_expr="gte")
    week_to = DateFilter(field_name="week_start", lookup_expr="lte")

    class Meta:
        model = WeeklySchedule
        fields = ["rep", "week_start"]


class ReviewFilter(filters.FilterSet):
    rep = filters.NumberFilter(field_name="rep")
    kind = filters.ChoiceFilter(choices=Review.Kind.choices)
    period_start = DateFilter(field_name="period_start")
    period_from = DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = Review
        fields = ["rep", "kind", "period_start"]


class CycleCommentInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class CycleViewSet(NoDeleteViewSet):
    """Plans, schedules and reviews are never deleted through the API: the KAM's comments hang on them."""

    permission_classes = [CyclePermission]

    def _save(self, serializer, instance):
        raise NotImplementedError

    def _with(self, instance, data: dict):
        """``instance`` (for a create, a new one of the caller's) with ``data`` set on it; not saved."""
        obj = instance or self.queryset.model(rep=self.request.user)
        for name, value in data.items():
            setattr(obj, name, value)
        return obj

    def perform_create(self, serializer):
        saved = self._save(serializer, None)
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    def perform_update(self, serializer):
        saved = self._save(serializer, serializer.instance)
        serializer.instance = self.get_queryset().get(pk=saved.pk)

    @extend_schema(request=CycleCommentInSerializer, responses=CycleCommentSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        """The comments, oldest first; POST ``{"text"}`` adds one (the rep, or a KAM or manager of their scope)."""
        target = self.get_object()
        if request.method == "GET":
            return Response(CycleCommentSerializer(cycle.comments_on(target), many=True).data)
        body = CycleCommentInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = services.add_comment(target=target, by=request.user, text=body.validated_data["text"])
        return Response(CycleCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class WorkPlanViewSet(CycleViewSet):
    """Monthly work plans (月计划): focus accounts and brands, market goals, notes."""

    queryset = MonthlyWorkPlan.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = WorkPlanSerializer
    filterset_class = WorkPlanFilter
    ordering_fields = ["month", "updated_at"]

    def get_queryset(self):
        return cycle.work_plan_list(for_user=self.request.user)

    def _save(self, serializer, instance):
        data = dict(serializer.validated_data)
        accounts, brands = data.pop("focus_accounts", None), data.pop("focus_brands", None)
        plan = self._with(instance, data)
        return services.save_work_plan(plan=plan, by=self.request.user, focus_accounts=accounts, focus_brands=brands)


class RouteQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    rep = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False)

    def __init__(self, *args, for_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].queryset = User.objects.reps_in_scope_of(for_user)


class WeeklyScheduleViewSet(CycleViewSet):
    """Weekly schedules (周计划): which accounts on which day, in route order (``entries``)."""

    queryset = WeeklySchedule.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = WeeklyScheduleSerializer
    filterset_class = WeeklyScheduleFilter
    ordering_fields = ["week_start", "updated_at"]

    def get_queryset(self):
        return cycle.schedule_list(for_user=self.request.user)

    def _save(self, serializer, instance):
        data = dict(serializer.validated_data)
        raw_entries = data.pop("entries", None)
        entries = None
        if raw_entries is not None:
            # Route order: by day, then by the given stop number (rows without one where they stand).
            numbered = [(e["day"], e.get("sequence") or i + 1, i, e) for i, e in enumerate(raw_entries)]
            entries = [(e["day"], e["distributor"], e.get("note", "")) for *_key, e in sorted(numbered)]
        schedule = self._with(instance, data)
        return services.save_weekly_schedule(schedule=schedule, by=self.request.user, entries=entries)

    @extend_schema(
        parameters=[
            OpenApiParameter("date", str, description="YYYY-MM-DD; today when left out"),
            OpenApiParameter("rep", int, description="a rep of your scope; yourself when left out"),
        ],
        responses=inline_serializer(
            "Route",
            {
                "date": serializers.DateField(),
                "rep": serializers.IntegerField(),
                "stops": EntrySerializer(many=True),
            },
        ),
    )
    @action(detail=False, methods=["get"])
    def route(self, request):
        """A rep's route for a day: the scheduled accounts in visiting order, each with ``visited``."""
        query = RouteQuerySerializer(data=request.query_params, for_user=request.user)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("date") or timezone.localdate()
        rep = query.validated_data.get("rep") or request.user
        stops = cycle.route_for(rep, day)
        visited = set(
            Visit.objects.filter(
                rep=rep, visit_date=day, distributor__in=[s.distributor_id for s in stops]
            ).values_list("distributor_id", flat=True)
        )
        return Response(
            {
                "date": day.isoformat(),
                "rep": rep.pk,
                "stops": [
                    {**EntrySerializer().to_representation(s), "visited": s.distributor_id in visited} for s in stops
                ],
            }
        )


class ReviewViewSet(CycleViewSet):
    """Weekly reviews (周体会, ``period_start`` = the Monday) and monthly summaries (月总结, the 1st)."""

    queryset = Review.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter
    ordering_fields = ["period_start", "updated_at"]

    def get_queryset(self):
        return cycle.review_list(for_user=self.request.user)

    def _save(self, serializer, instance):
        return services.save_review(review=self._with(instance, serializer.validated_data), by=self.request.user)


class StrategySerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceStrategy
        fields = ["id", "code", "name", "description", "is_active"]


class StrategyFilter(filters.FilterSet):
    is_active = filters.BooleanFilter()

    class Meta:
        model = ServiceStrategy
        fields = ["is_active"]


class UsageQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class StrategyViewSet(viewsets.ModelViewSet):
    """The service-strategy library: everyone signed in reads it; the admin keeps it. A strategy applied on visits
    cannot be deleted (400) — make it inactive."""

    queryset = ServiceStrategy.objects.none()  # for the schema; get_queryset() scopes
    serializer_class = StrategySerializer
    permission_classes = [IsAdminOrReadOnly]
    filterset_class = StrategyFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]

    def get_queryset(self):
        return cycle.strategy_list()

    def perform_create(self, serializer):
        serializer.instance = services.save_strategy(
            strategy=ServiceStrategy(**serializer.validated_data), by=self.request.user
        )

    def perform_update(self, serializer):
        strategy = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(strategy, name, value)
        serializer.instance = services.save_strategy(strategy=strategy, by=self.request.user)

    def perform_destroy(self, instance):
        services.delete_strategy(strategy=instance, by=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="YYYY-MM-DD; the first of this month when left out"),
            OpenApiParameter("end", str, description="YYYY-MM-DD; the end of start's month when left out"),
        ],
        responses=inline_serializer(
            "StrategyUsage",
            {
                "start": serializers.DateField(),
                "end": serializers.DateField(),
                "results": inline_serializer(
                    "StrategyUsageRow",
                    {
                        "code": serializers.CharField(),
                        "name": serializers.CharField(),
                        "visits": serializers.IntegerField(),
                    },
                    many=True,
                ),
            },
        ),
    )
    @action(detail=False, methods=["get"])
    def usage(self, request):
        """How many visits in your scope applied each strategy between ``start`` and ``end`` (inclusive)."""
        query = UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data.get("start") or cycle.month_start_of(timezone.localdate())
        end = query.validated_data.get("end") or cycle.month_end_of(start)
        if end < start:
            raise serializers.ValidationError({"end": [_("The end cannot be before the start.")]})
        if end - start > timedelta(days=366 * 5):
            raise serializers.ValidationError({"end": [_("Choose at most five years.")]})
        rows = cycle.strategy_usage(request.user, start, end)
        return Response(
            {
                "start": start.isoformat(),
                "end": end.isoformat(),
                "results": [{"code": r.code, "name": r.name, "visits": r.visits} for r in rows],
            }
        )
