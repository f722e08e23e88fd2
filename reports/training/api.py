"""``/api/training-sessions/``: training records (推销培训) — list, read with the effect measure, record (managers)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.models import Team, User
from distributors.models import Contact, Distributor
from reports.scorecards.models import Scorecard
from reports.training import services as training
from reports.training.models import TrainingSession


class TrainingSessionSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    effect = serializers.SerializerMethodField()

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "topic",
            "held_on",
            "trainer",
            "audience",
            "team",
            "team_name",
            "distributor",
            "attendee_reps",
            "attendee_contacts",
            "scorecards",
            "notes",
            "created_by",
            "created_at",
            "effect",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_effect(self, obj):
        """The attendees' figures the month before and the month after the session's month (on one session)."""
        if not self.context.get("with_effect"):
            return None
        return training.effect_json(training.effect(obj, for_user=self.context["request"].user))


class TrainingSessionInSerializer(serializers.Serializer):
    topic = serializers.CharField(max_length=500, allow_blank=True)
    held_on = serializers.DateField()
    trainer = serializers.CharField(max_length=500, allow_blank=True)
    audience = serializers.CharField(max_length=20, default="reps", help_text="reps or distributor")
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())
    distributor = serializers.PrimaryKeyRelatedField(
        queryset=Distributor.objects.all(), required=False, allow_null=True
    )
    attendee_reps = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True, required=False)
    attendee_contacts = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), many=True, required=False)
    scorecards = serializers.PrimaryKeyRelatedField(queryset=Scorecard.objects.all(), many=True, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        # Ids outside what the caller records for are "does not exist", like ids that do not exist.
        teams = training.teams_for(request.user)
        self.fields["team"].queryset = teams
        self.fields["attendee_reps"].child_relation.queryset = User.objects.filter(team__in=teams)
        self.fields["distributor"].queryset = Distributor.objects.visible_to(request.user)
        self.fields["attendee_contacts"].child_relation.queryset = training.contacts_for(request.user)
        self.fields["scorecards"].child_relation.queryset = Scorecard.objects.filter(rep__team__in=teams)


class TrainingSessionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Training sessions of the teams you oversee (a rep: their team's; finance none). A KAM records them for their
    team, a regional manager for the region's teams: our reps, or a distributor's staff (contacts of the account),
    with the reviews' training needs (scorecards) they answer. A bad field is a 400 with field errors."""

    queryset = TrainingSession.objects.none()
    serializer_class = TrainingSessionSerializer

    def get_queryset(self):
        return training.sessions_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        session = self.get_object()
        context = {**self.get_serializer_context(), "with_effect": True}
        return Response(TrainingSessionSerializer(session, context=context).data)

    @extend_schema(request=TrainingSessionInSerializer, responses={201: TrainingSessionSerializer})
    def create(self, request, *args, **kwargs):
        if not training.may_record(request.user):
            raise PermissionDenied(_("Only a KAM or a manager records training sessions."))
        body = TrainingSessionInSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        try:
            session = training.record_session_from(body.validated_data, by=request.user)
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        context = {**self.get_serializer_context(), "with_effect": True}
        return Response(TrainingSessionSerializer(session, context=context).data, status=status.HTTP_201_CREATED)
