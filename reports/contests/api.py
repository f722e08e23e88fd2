"""``/api/contests/``: sales contests (竞赛激励) — list, read with the leaderboard, set (managers)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from reports.contests import services as contests
from reports.contests.models import Contest


class PlaceSerializer(serializers.Serializer):
    rep = serializers.IntegerField()
    label = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)
    value = serializers.CharField(allow_null=True, help_text="A rate with 4 places, money with 2, outlets whole.")


class ContestSerializer(serializers.ModelSerializer):
    metric_label = serializers.CharField(source="get_metric_display", read_only=True)
    scope_label = serializers.CharField(read_only=True)
    status = serializers.SerializerMethodField()
    leaderboard = serializers.SerializerMethodField()

    class Meta:
        model = Contest
        fields = [
            "id",
            "name",
            "metric",
            "metric_label",
            "kind",
            "start",
            "end",
            "team",
            "region",
            "scope_label",
            "prize",
            "created_by",
            "created_at",
            "frozen_at",
            "status",
            "leaderboard",
        ]
        read_only_fields = fields

    def get_status(self, obj) -> str:
        return contests.status(obj)

    @extend_schema_field(PlaceSerializer(many=True, allow_null=True))
    def get_leaderboard(self, obj):
        """The standings (live while running, frozen after the close); only on a single contest."""
        if not self.context.get("with_leaderboard"):
            return None
        return contests.standings_json(obj, contests.standings(obj))


class ContestInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True)
    metric = serializers.CharField(max_length=50, help_text="One of: " + ", ".join(Contest.Metric.values))
    kind = serializers.CharField(max_length=20, default="month", help_text="month or quarter")
    date = serializers.DateField(required=False, help_text="A day of the period; default: today.")
    team = serializers.IntegerField(required=False, allow_null=True)
    region = serializers.IntegerField(required=False, allow_null=True)
    prize = serializers.CharField(required=False, allow_blank=True, default="")


class ContestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Contests covering your team or region (managers: the teams they oversee). A KAM sets one for their team, a
    regional manager for the region or one of its teams. Metric, period and scope are checked: an unknown metric,
    no scope or a scope without reps is a 400 with field errors. Results are frozen once after the period."""

    serializer_class = ContestSerializer
    queryset = Contest.objects.none()

    def get_queryset(self):
        return contests.contests_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        contest = self.get_object()
        context = {**self.get_serializer_context(), "with_leaderboard": True}
        return Response(ContestSerializer(contest, context=context).data)

    @extend_schema(request=ContestInSerializer, responses={201: ContestSerializer})
    def create(self, request, *args, **kwargs):
        body = ContestInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            contest = contests.create_contest(
                name=data["name"],
                metric=data["metric"],
                kind=data["kind"],
                day=data.get("date"),
                team=data.get("team"),
                region=data.get("region"),
                prize=data.get("prize", ""),
                by=request.user,
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        context = {**self.get_serializer_context(), "with_leaderboard": True}
        return Response(ContestSerializer(contest, context=context).data, status=status.HTTP_201_CREATED)
