"""Org API: /api/me/, /api/regions/, /api/teams/, /api/users/ (writes for the admin role only)."""

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import logout as django_logout
from django.contrib.auth.password_validation import password_validators_help_texts
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from kamcrm.security import ClientAddressThrottle
from kamcrm.viewsets import NoDeleteViewSet

from . import notifications, selectors, services
from .models import Notification, Region, Role, SavedFilter, Team, User
from .permissions import IsAdminOrReadOnly


class VisiblePrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id the caller cannot see is a 400 "does not exist", like one that does not exist."""

    def get_queryset(self):
        request = self.context["request"]
        return self.queryset.visible_to(request.user)


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "name"]


class TeamSerializer(serializers.ModelSerializer):
    region = VisiblePrimaryKeyField(queryset=Region.objects.all())
    kam = VisiblePrimaryKeyField(queryset=User.objects.all(), allow_null=True, required=False)

    class Meta:
        model = Team
        fields = ["id", "name", "region", "kam"]


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        style={"input_type": "password"},
        help_text=" ".join(password_validators_help_texts()),
    )
    role = serializers.ChoiceField(choices=Role.choices, default=Role.REP)
    team = VisiblePrimaryKeyField(queryset=Team.objects.all(), allow_null=True, required=False)
    region = VisiblePrimaryKeyField(queryset=Region.objects.all(), allow_null=True, required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "password",
            "role",
            "team",
            "region",
            "email",
            "first_name",
            "last_name",
            "language",
            "is_active",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["role"] = instance.effective_role
        data["region"] = instance.home_region_id
        return data

    def create(self, validated_data):
        password = validated_data.pop("password", None)
        return services.save_user(user=User(**validated_data), by=self.context["request"].user, password=password)

    def update(self, instance, validated_data):
        password = validated_data.pop("password", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return services.save_user(user=instance, by=self.context["request"].user, password=password)


class MeSerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="effective_role", read_only=True)
    region = serializers.IntegerField(source="home_region_id", read_only=True, allow_null=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "role",
            "team",
            "region",
            "language",
            "notify_by_email",
            "email",
            "first_name",
            "last_name",
        ]
        read_only_fields = ["id", "username", "team", "email", "first_name", "last_name"]


@extend_schema(responses=MeSerializer, request=MeSerializer)
@api_view(["GET", "PATCH"])
def me(request):
    """The caller: role, team, region, UI language and e-mail notifications. PATCH changes the last two."""
    if request.method == "PATCH":
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "language" in serializer.validated_data:
            services.set_language(user=request.user, language=serializer.validated_data["language"])
        if "notify_by_email" in serializer.validated_data:
            services.set_notify_by_email(user=request.user, value=serializer.validated_data["notify_by_email"])
    return Response(MeSerializer(request.user).data)


class OrgViewSet(NoDeleteViewSet):
    permission_classes = [IsAdminOrReadOnly]


class RegionViewSet(mixins.DestroyModelMixin, OrgViewSet):
    serializer_class = RegionSerializer
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        return selectors.region_list(for_user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.save_region(region=Region(**serializer.validated_data), by=self.request.user)

    def perform_update(self, serializer):
        region = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(region, name, value)
        services.save_region(region=region, by=self.request.user)

    def perform_destroy(self, instance):
        services.delete_region(region=instance, by=self.request.user)


class TeamFilter(filters.FilterSet):
    class Meta:
        model = Team
        fields = ["region", "kam"]


class TeamViewSet(mixins.DestroyModelMixin, OrgViewSet):
    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        return selectors.team_list(for_user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.save_team(team=Team(**serializer.validated_data), by=self.request.user)

    def perform_update(self, serializer):
        team = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(team, name, value)
        services.save_team(team=team, by=self.request.user)

    def perform_destroy(self, instance):
        services.delete_team(team=instance, by=self.request.user)


class UserFilter(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Role.choices)
    region = filters.NumberFilter(method="filter_region", label=_("region"))

    class Meta:
        model = User
        fields = ["role", "team", "is_active"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(team__region=value) | queryset.filter(region=value)


class UserViewSet(OrgViewSet):
    """Users are deactivated (``is_active: false``), never deleted: they own records."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "id"]

    def get_queryset(self):
        return selectors.user_list(for_user=self.request.user)


# --- Tokens (issue 17): throttled, locked out like the login page, expiring, revoked at logout ---------------


class TokenRequestSerializer(serializers.Serializer):
    # The model's limit: a longer name cannot be a user, and never reaches the lock-out records.
    username = serializers.CharField(max_length=User._meta.get_field("username").max_length)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenView(APIView):
    """``POST /api/auth/token/``: a token for a username and password.

    400 for wrong credentials, 429 while the account is locked out (as the login page) or when the caller
    sends too many requests (throttle scope ``auth-token``).
    """

    authentication_classes = []
    permission_classes = []
    throttle_classes = [ClientAddressThrottle]
    throttle_scope = "auth-token"

    @extend_schema(request=TokenRequestSerializer, responses=TokenSerializer)
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request=request, **serializer.validated_data)
        if getattr(request, "axes_locked_out", False):
            raise LockedOut
        if user is None or not user.is_active:
            raise ValidationError({"non_field_errors": [_("Unable to log in with the given username and password.")]})
        token = services.issue_token(user=user)
        return Response({"token": token.key, "expires_at": services.token_expires_at(token)})


class LockedOut(Throttled):
    default_detail = _("Too many failed logins: this account is locked for a while. Try again later.")

    def __init__(self):
        super().__init__(detail=self.default_detail)


@extend_schema(request=None, responses={204: None})
@api_view(["POST"])
def logout(request):
    """``POST /api/auth/logout/``: revoke the caller's token (and end the browser session, if any)."""
    services.revoke_tokens(user=request.user)
    django_logout(request._request)
    return Response(status=204)


# --- Notifications (issue 15) ------------------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField(help_text=_("What happened, in the caller's language."))
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "params", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_title(self, obj) -> str:
        return notifications.title(obj)

    def get_is_read(self, obj) -> bool:
        return obj.read_at is not None


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("unread only"))

    class Meta:
        model = Notification
        fields = ["kind", "unread"]


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class NotificationViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """``/api/notifications/``: the caller's own notifications, newest first (``?unread=true`` for unread only).

    ``GET unread-count/``, ``POST {id}/read/`` and ``POST read-all/`` mark them read, as the bell does.
    """

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "id"]
    search_fields = []

    def get_queryset(self):
        return notifications.notification_list(for_user=self.request.user)

    @extend_schema(responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"unread": notifications.unread_count(for_user=request.user)})

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notifications.mark_read(user=request.user, notification=self.get_object())
        return Response(NotificationSerializer(notification, context={"request": request}).data)

    @extend_schema(request=None, responses=UnreadCountSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        notifications.mark_all_read(user=request.user)
        return Response({"unread": notifications.unread_count(for_user=request.user)})


class SavedFilterSerializer(serializers.ModelSerializer):
    list_name = serializers.ChoiceField(choices=list(SavedFilter.LISTS))

    class Meta:
        model = SavedFilter
        fields = ["id", "list_name", "name", "query", "created_at"]
        read_only_fields = ["id", "created_at"]

    def create(self, validated_data):
        return services.save_filter(user=self.context["request"].user, **validated_data)


class SavedFilterViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """``/api/saved-filters/``: the caller's named filters per list (``?list_name=distributors``). POST saves one
    (the same name overwrites); ``query`` is the list's query string (e.g. ``tier=A&not_visited_days=30``), which
    the list, its export and the list API all accept."""

    serializer_class = SavedFilterSerializer
    filterset_fields = ["list_name"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return SavedFilter.objects.visible_to(self.request.user)

    def perform_destroy(self, instance):
        services.delete_filter(saved=instance, user=self.request.user)
