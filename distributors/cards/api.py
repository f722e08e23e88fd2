"""Customer-card API: /api/distributors/, /api/contacts/, /api/complaints/, /api/suggestions/, /api/brands/,
/api/products/ — scoped exactly like the pages (same selectors and FilterSet)."""

import django_filters as filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.api import VisiblePrimaryKeyField
from accounts.models import User
from accounts.permissions import IsAdminOrReadOnly
from kamcrm.viewsets import NoDeleteViewSet

from . import selectors, services, timeline
from .filters import DistributorFilter
from .models import CARD_FIELDS, Brand, Complaint, Contact, Distributor, Product, ProductCategory, Suggestion


class BrandShareSerializer(serializers.Serializer):
    brand = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.all())
    share_pct = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


@extend_schema_field(OpenApiTypes.INT)
class OwnerField(serializers.PrimaryKeyRelatedField):
    """Owner ids the caller may assign; any other id is a 400 "does not exist"."""

    def get_queryset(self):
        return services.assignable_owners(self.context["request"].user)


class DistributorSerializer(serializers.ModelSerializer):
    owner = OwnerField(required=False)
    team = serializers.IntegerField(source="owner.team_id", read_only=True)
    region = serializers.IntegerField(source="owner.team.region_id", read_only=True, allow_null=True)
    brands = BrandShareSerializer(many=True, required=False, source="brands_carried")
    product_categories = serializers.PrimaryKeyRelatedField(
        queryset=ProductCategory.objects.all(), many=True, required=False
    )
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Distributor
        fields = [
            "id",
            *CARD_FIELDS,
            "suggested_attractiveness",
            "team",
            "region",
            "brands",
            "last_visited_on",
            "created_at",
            "updated_at",
            "can_edit",
        ]
        read_only_fields = ["last_visited_on", "created_at", "updated_at", "suggested_attractiveness"]

    def get_can_edit(self, obj) -> bool:
        if hasattr(obj, "can_edit"):  # annotated by the viewset's queryset
            return obj.can_edit
        return services.can_edit(self.context["request"].user, obj)

    def validate(self, attrs):
        if self.instance is None and "owner" not in attrs:
            user = self.context["request"].user
            if user.effective_role != "rep":
                raise serializers.ValidationError({"owner": [_("Choose the rep who owns this account.")]})
            attrs["owner"] = user
        return attrs

    def save_through_service(self, instance: Distributor | None = None) -> Distributor:
        data = dict(self.validated_data)
        brands = data.pop("brands_carried", None)
        categories = data.pop("product_categories", None)
        distributor = instance or Distributor()
        for name, value in data.items():
            setattr(distributor, name, value)
        self.instance = services.save_distributor(
            distributor=distributor,
            by=self.context["request"].user,
            brands=[(b["brand"], b["share_pct"]) for b in brands] if brands is not None else None,
            categories=categories,
        )
        return self.instance


class ReassignSerializer(serializers.Serializer):
    owner = OwnerField()


class CardGroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class DistributorViewSet(NoDeleteViewSet):
    """Customer cards. A card is never deleted: set ``status`` to ``terminated`` with a reason and date."""

    serializer_class = DistributorSerializer
    filterset_class = DistributorFilter
    ordering_fields = ["code", "name", "city", "tier", "status", "updated_at", "last_visited_on"]

    def get_queryset(self):
        return (
            selectors.distributor_list(for_user=self.request.user)
            .with_can_edit(self.request.user)
            .prefetch_related("product_categories", "brands_carried")
        )

    def perform_create(self, serializer):
        serializer.save_through_service()

    def perform_update(self, serializer):
        serializer.save_through_service(serializer.instance)

    @extend_schema(
        parameters=[OpenApiParameter("group_by", str, enum=list(selectors.GROUP_BY), required=True)],
        responses=CardGroupSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def groups(self, request):
        """The cards the list's filters select, counted per owner, tier or status (the list page's group-by);
        ``key`` is the filter value that lists a group's cards."""
        group_by = request.query_params.get("group_by")
        if group_by not in selectors.GROUP_BY:
            raise ValidationError({"group_by": [_("Choose one of: owner, tier, status.")]})
        queryset = self.filter_queryset(selectors.distributor_list(for_user=request.user))
        groups = selectors.card_groups(queryset=queryset, group_by=group_by)
        return Response(CardGroupSerializer(groups, many=True).data)

    @extend_schema(request=ReassignSerializer, responses=DistributorSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """Give the account to another rep (KAM: within the team; regional manager: within the region)."""
        distributor = self.get_object()
        if not services.can_reassign(request.user):
            raise PermissionDenied(_("Only a KAM or a manager can reassign accounts."))
        serializer = ReassignSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        services.reassign(distributor=distributor, owner=serializer.validated_data["owner"], by=request.user)
        distributor.refresh_from_db()
        return Response(self.get_serializer(distributor).data)

    @extend_schema(request=None, responses=DistributorSerializer)
    @action(detail=True, methods=["post"], url_path="accept-attractiveness")
    def accept_attractiveness(self, request, pk=None):
        """Take the measured attractiveness the monthly tier run suggests (``suggested_attractiveness``); audited.
        400 when there is no suggestion, 403 on a card you can see but not edit."""
        distributor = self.get_object()
        services.accept_attractiveness_suggestion(distributor=distributor, by=request.user)
        distributor.refresh_from_db()
        return Response(self.get_serializer(distributor).data)

    @extend_schema(
        responses=inline_serializer(
            "HistoryRow",
            {
                "at": serializers.DateTimeField(),
                "by": serializers.IntegerField(allow_null=True),
                "field": serializers.CharField(),
                "before": serializers.CharField(),
                "after": serializers.CharField(),
            },
            many=True,
        )
    )
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        """Changes of status, tier, attractiveness, relationship stage and type, and owner: who, when, from, to."""
        rows = selectors.evaluation_history(distributor=self.get_object())
        return Response(
            [
                {
                    "at": r.at,
                    "by": r.by.pk if r.by else None,
                    "field": r.field.removesuffix("_id"),
                    "before": r.before,
                    "after": r.after,
                }
                for r in rows
            ]
        )

    @extend_schema(
        responses=inline_serializer(
            "TimelineEntry",
            {
                "at": serializers.CharField(),
                "kind": serializers.CharField(),
                "title": serializers.CharField(),
                "detail": serializers.CharField(),
                "url": serializers.CharField(),
            },
            many=True,
        )
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """Business dealings (业务往来): visits, orders, invoices, payments, complaints, suggestions, newest first."""
        entries = timeline.timeline(distributor=self.get_object(), for_user=request.user)
        return Response(
            [
                {
                    "at": e.at.isoformat(),
                    "kind": e.kind,
                    "title": e.title,
                    "detail": e.detail,
                    "url": e.url,
                    "amount": None if e.amount is None else f"{e.amount:.2f}",
                }
                for e in entries
            ]
        )


class VisibleDistributorField(VisiblePrimaryKeyField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Distributor.objects.all(), **kwargs)

    def to_internal_value(self, data):
        # As VisiblePrimaryKeyField answers, through the lookup that skips compiling the scope (a visit names one).
        try:
            if isinstance(data, bool):
                raise TypeError
            return selectors.visible_card(for_user=self.context["request"].user, pk=data)
        except Distributor.DoesNotExist:
            self.fail("does_not_exist", pk_value=data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)


class StaysWithDistributor:
    """A contact, complaint or suggestion belongs to one card for good."""

    def validate_distributor(self, value):
        if self.instance is not None and value != self.instance.distributor:
            raise serializers.ValidationError(_("This record cannot move to another distributor."))
        return value


class ContactSerializer(StaysWithDistributor, serializers.ModelSerializer):
    distributor = VisibleDistributorField()

    class Meta:
        model = Contact
        fields = ["id", "distributor", *Contact.EDITABLE_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        allowed = self.context.get("personal_notes_visible")  # set by the list: one query for the page
        if allowed is None:
            allowed = selectors.personal_notes_visible(
                user=self.context["request"].user, distributor_ids=[instance.distributor_id]
            )
        if instance.distributor_id not in allowed:
            for name in Contact.PERSONAL_FIELDS:
                data.pop(name, None)
        return data


class ServiceWriteMixin:
    """Create and update through the app's service so validation, scope and audit are the page's."""

    model = None
    save_function = None
    kwarg = None

    def _save(self, serializer, instance=None):
        obj = instance or self.model()
        for name, value in serializer.validated_data.items():
            setattr(obj, name, value)
        serializer.instance = type(self).save_function(**{self.kwarg: obj, "by": self.request.user})

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class ContactFilter(filters.FilterSet):
    class Meta:
        model = Contact
        fields = ["distributor", "is_primary"]


class ContactViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["name", "phone", "mobile", "email", "wechat"]
    model, save_function, kwarg = Contact, services.save_contact, "contact"

    def get_queryset(self):
        return Contact.objects.visible_to(self.request.user).select_related("distributor")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        allowed = selectors.personal_notes_visible(user=request.user, distributor_ids=[c.distributor_id for c in page])
        context = {**self.get_serializer_context(), "personal_notes_visible": allowed}
        return self.get_paginated_response(self.get_serializer(page, many=True, context=context).data)

    def perform_destroy(self, instance):
        services.delete_contact(contact=instance, by=self.request.user)


class ComplaintSerializer(StaysWithDistributor, serializers.ModelSerializer):
    distributor = VisibleDistributorField()
    owner = VisiblePrimaryKeyField(queryset=User.objects.filter(is_active=True))

    class Meta:
        model = Complaint
        fields = [
            "id",
            "distributor",
            "kind",
            "nature",
            "description",
            "received_on",
            "owner",
            "status",
            "resolution",
            "resolved_on",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["resolved_on", "recorded_by", "created_at", "updated_at"]


class ComplaintViewSet(ServiceWriteMixin, NoDeleteViewSet):
    serializer_class = ComplaintSerializer
    filterset_fields = ["distributor", "kind", "nature", "status", "owner"]
    model, save_function, kwarg = Complaint, services.save_complaint, "complaint"

    def get_queryset(self):
        return Complaint.objects.visible_to(self.request.user).select_related("distributor", "owner")


class SuggestionSerializer(StaysWithDistributor, serializers.ModelSerializer):
    distributor = VisibleDistributorField()

    class Meta:
        model = Suggestion
        fields = ["id", "distributor", "received_on", "content", "status", "response", "recorded_by", "created_at"]
        read_only_fields = ["recorded_by", "created_at"]


class SuggestionViewSet(ServiceWriteMixin, NoDeleteViewSet):
    serializer_class = SuggestionSerializer
    filterset_fields = ["distributor", "status"]
    model, save_function, kwarg = Suggestion, services.save_suggestion, "suggestion"

    def get_queryset(self):
        return Suggestion.objects.visible_to(self.request.user).select_related("distributor")


class BrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "code", "name", "manufacturer", "is_own", "is_key", "is_active"]


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "sku", "name", "brand", "unit", "unit_price", "unit_cost", "is_active"]


class CatalogueViewSet(NoDeleteViewSet):
    """Reference data: everyone reads, the admin role writes; deactivate instead of deleting."""

    permission_classes = [IsAdminOrReadOnly]


class BrandViewSet(CatalogueViewSet):
    queryset = Brand.objects.all()
    serializer_class = BrandSerializer
    filterset_fields = ["is_own", "is_active"]
    search_fields = ["code", "name", "manufacturer"]


class ProductViewSet(CatalogueViewSet):
    queryset = Product.objects.select_related("brand")
    serializer_class = ProductSerializer
    filterset_fields = ["brand", "is_active"]
    search_fields = ["sku", "name"]
