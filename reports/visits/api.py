"""API of orders and visits: /api/orders/, the visits viewset /api/visits/ builds on, a visit's payment claims."""

from decimal import Decimal

import django_filters as filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.api import VisiblePrimaryKeyField
from accounts.fields import RepField
from accounts.models import Role
from distributors.cards.api import VisibleDistributorField
from distributors.models import Brand, Contact, Distributor, Product
from kamcrm.filters import DateFilter
from kamcrm.idempotency.api import IdempotentCreateMixin
from kamcrm.viewsets import NoDeleteViewSet
from receivables import api as receivables_api
from reports.visits import selectors, services
from reports.visits.models import Order, OrderLine, OrderStatus, Visit, VisitPhoto
from reports.visits.photos import validate_photo


class LineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)

    class Meta:
        model = OrderLine
        fields = ["product", "quantity", "unit_price", "unit_cost", "amount"]
        read_only_fields = ["unit_cost", "amount"]


def line_inputs(lines: list[dict]) -> list[services.LineInput]:
    return [
        services.LineInput(product=ln["product"], quantity=ln["quantity"], unit_price=ln.get("unit_price"))
        for ln in lines
    ]


class OrderSerializer(serializers.ModelSerializer):
    distributor = VisiblePrimaryKeyField(queryset=Distributor.objects.all())
    rep = RepField(required=False)
    lines = LineSerializer(many=True)
    order_date = serializers.DateField(required=False)

    class Meta:
        model = Order
        fields = [
            "id",
            "distributor",
            "rep",
            "order_date",
            "status",
            "lines",
            "amount",
            "gross_profit",
            "source",
            "erp_number",
            "visit",
            "note",
            "created_by",
            "created_at",
        ]
        read_only_fields = ["status", "amount", "gross_profit", "source", "visit", "created_by", "created_at"]


class OrderFilter(filters.FilterSet):
    order_date_from = DateFilter(field_name="order_date", lookup_expr="gte")
    order_date_to = DateFilter(field_name="order_date", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["distributor", "rep", "status", "source", "order_date_from", "order_date_to"]


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)


class OrderViewSet(IdempotentCreateMixin, NoDeleteViewSet):
    """The sales ledger. Orders are never deleted: cancel them (``POST …/status/`` with ``cancelled``)."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["order_date", "amount", "id"]

    def get_queryset(self):
        return selectors.order_list(for_user=self.request.user)

    def _save(self, serializer, order: Order):
        data = dict(serializer.validated_data)
        lines = data.pop("lines", None)
        for name, value in data.items():
            setattr(order, name, value)
        if lines is None:
            lines = [
                {"product": ln.product, "quantity": ln.quantity, "unit_price": ln.unit_price}
                for ln in order.lines.all()
            ]
        serializer.instance = services.save_order(order=order, lines=line_inputs(lines), by=self.request.user)

    def perform_create(self, serializer):
        if self.request.user.effective_role == Role.FINANCE:
            raise PermissionDenied(_("Finance does not enter orders."))
        validated = serializer.validated_data
        order = Order(
            rep=validated.get("rep", self.request.user),
            order_date=validated.get("order_date") or timezone.localdate(),
            source=Order.Source.MANUAL,
        )
        self._save(serializer, order)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    @extend_schema(request=StatusSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """Move the order along: taken → confirmed → shipped, or cancelled."""
        order = self.get_object()
        serializer = StatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.set_order_status(order=order, status=serializer.validated_data["status"], by=request.user)
        return Response(self.get_serializer(order).data)


class VisitOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)
    lines = LineSerializer(many=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=Order._meta.get_field("note").max_length
    )


class StockSerializer(serializers.Serializer):
    brand = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.all())
    units = serializers.IntegerField(min_value=0)


# A late entry (flagged when a visit is logged for a day already submitted) and the KAM's decision on it (the page or
# POST …/late-decision/): read-only in a visit's own create and update.
LATE_ENTRY_FIELDS = ["late_entry", "late_decided_by", "late_decided_at", "late_note"]


# A visit as the visits capability keeps it; the API's ``VisitSerializer`` (``reports.visit_entry.api``) adds what
# upper capabilities record with it (strategies, needs observed, market checks). No docstring: the API's serializer
# would show it in the schema.
class VisitBaseSerializer(serializers.ModelSerializer):
    distributor = VisibleDistributorField()
    rep = RepField(required=False)
    orders = VisitOrderSerializer(many=True, required=False)
    stock_seen = StockSerializer(many=True, required=False)
    contacts_met = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), many=True, required=False)
    brands_discussed = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.all(), many=True, required=False)
    is_far_from_account = serializers.BooleanField(read_only=True, allow_null=True)
    check_in = serializers.ChoiceField(
        choices=["", "ok", "far", "no_location", "unknown"],
        read_only=True,
        help_text=_(
            "In-person visits: far (beyond the far-from-account setting), no_location, ok, or unknown "
            "(the account has no coordinates); empty for phone and online contacts."
        ),
    )
    payment_claim_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "distributor",
            "rep",
            "kind",
            "started_at",
            "ended_at",
            "visit_date",
            "purpose",
            "purpose_note",
            "contacts_met",
            "outcome",
            "brands_discussed",
            "stock_seen",
            "orders",
            "collected_amount",
            "collection_method",
            "payment_claim_id",
            "follow_up_action",
            "follow_up_due",
            "latitude",
            "longitude",
            "location_accuracy_m",
            "distance_from_account_m",
            "is_far_from_account",
            "check_in",
            "client_ref",
            *LATE_ENTRY_FIELDS,
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "visit_date",
            "distance_from_account_m",
            *LATE_ENTRY_FIELDS,
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"client_ref": {"read_only": False, "required": False}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["orders"] = [
            {
                "id": o.pk,
                "status": o.status,
                "amount": f"{o.amount:.2f}",
                "note": o.note,
                "lines": LineSerializer(o.lines.all(), many=True).data,
            }
            for o in instance.orders.all()
        ]
        data["stock_seen"] = [{"brand": s.brand_id, "units": s.units} for s in instance.stock_seen.all()]
        return data


class PhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitPhoto
        fields = ["id", "kind", "image", "uploaded_at"]
        read_only_fields = ["uploaded_at"]

    def validate_image(self, value):
        try:
            validate_photo(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value


class ActedForVisitField(serializers.PrimaryKeyRelatedField):
    """Visits of reps the caller acts for (their own; a KAM's or manager's reps); any other id: 400 "does not exist"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Visit.objects.all())  # the model, for the schema; scoped below
        super().__init__(**kwargs)

    def get_queryset(self):
        return selectors.visits_acted_for(for_user=self.context["request"].user)


OFFLINE_ACCOUNTS = 500  # a rep's team has far fewer; a manager's offline copy stops here


class OfflineContactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.CharField()


class OfflineAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    city = serializers.CharField()
    contacts = OfflineContactSerializer(many=True)


class OfflineItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit_price = serializers.CharField(required=False)


class OfflineDataSerializer(serializers.Serializer):
    accounts = OfflineAccountSerializer(many=True)
    products = OfflineItemSerializer(many=True)
    brands = OfflineItemSerializer(many=True)


class LateDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class CreditCheckQuerySerializer(serializers.Serializer):
    distributor = VisiblePrimaryKeyField(queryset=Distributor.objects.all())
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    visit = ActedForVisitField(required=False, allow_null=True)


class VisitFilter(filters.FilterSet):
    date_from = DateFilter(field_name="visit_date", lookup_expr="gte")
    date_to = DateFilter(field_name="visit_date", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = ["distributor", "rep", "kind", "purpose", "late_entry", "date_from", "date_to"]


class VisitViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Visits as the visits capability keeps them, with their photos, late-entry decisions, the offline data and
    credit check of the visit form, and the accounts overdue for a visit. ``/api/visits/`` is its subclass in
    ``reports.visit_entry.api``, which adds logging and correcting a visit."""

    serializer_class = VisitBaseSerializer
    related = ("contacts_met", "brands_discussed", "stock_seen", "orders__lines")  # what the serializer shows
    filterset_class = VisitFilter
    ordering_fields = ["started_at", "id"]

    def get_queryset(self):
        return selectors.visit_list(for_user=self.request.user).prefetch_related(*self.related)

    @extend_schema(request={"multipart/form-data": PhotoSerializer}, responses=PhotoSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def photos(self, request, pk=None):
        """Attach a photo (display, stock or signed document) to the visit."""
        visit = self.get_object()
        serializer = PhotoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        photo = services.add_visit_photo(
            visit=visit,
            kind=serializer.validated_data["kind"],
            image=serializer.validated_data["image"],
            by=request.user,
        )
        return Response(PhotoSerializer(photo, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=LateDecisionSerializer, responses=VisitBaseSerializer)
    @action(detail=True, methods=["post"], url_path="late-decision")
    def late_decision(self, request, pk=None):
        """The KAM accepts or rejects a late entry (a visit the rep logged for an already submitted day).

        Rejected: the visit is kept, marked rejected, and its taken orders are cancelled."""
        body = LateDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        visit = services.decide_late_visit(
            visit=self.get_object(),
            by=request.user,
            accept=body.validated_data["decision"] == "accept",
            note=body.validated_data["note"],
        )
        return Response(self.get_serializer(visit).data)

    @extend_schema(responses=OfflineDataSerializer)
    @action(detail=False, methods=["get"], url_path="offline-data")
    def offline_data(self, request):
        """What the visit form needs with no connection: the accounts it offers the caller (the account search's
        rule) with their contacts, the active products and brands. The phone's service worker keeps a copy."""
        accounts = services.accounts_for_visit_form(user=request.user).prefetch_related("contacts")[:OFFLINE_ACCOUNTS]
        return Response(
            {
                "accounts": [
                    {
                        "id": d.pk,
                        "code": d.code,
                        "name": d.display_name,
                        "city": d.city,
                        "contacts": [{"id": c.pk, "name": c.name, "position": c.position} for c in d.contacts.all()],
                    }
                    for d in accounts
                ],
                "products": [
                    {"id": p.pk, "name": p.name, "unit_price": f"{p.unit_price:.2f}"}
                    for p in Product.objects.filter(is_active=True).order_by("name")
                ],
                "brands": [{"id": b.pk, "name": str(b)} for b in Brand.objects.filter(is_active=True)],
            }
        )

    @extend_schema(
        parameters=[CreditCheckQuerySerializer],
        responses=inline_serializer(
            "VisitCreditCheck",
            {
                "message": serializers.CharField(),
                "blocks": serializers.BooleanField(),
                "exceeds_limit": serializers.BooleanField(),
                "state": serializers.ChoiceField(choices=["ok", "warn", "hold"]),
                "open_amount": serializers.DecimalField(max_digits=14, decimal_places=2),
                "limit": serializers.DecimalField(max_digits=14, decimal_places=2),
                "extra_amount": serializers.DecimalField(max_digits=14, decimal_places=2),
            },
        ),
    )
    @action(detail=False, methods=["get"], url_path="credit-check")
    def credit_check(self, request):
        """The credit check an order of ``amount`` on ``distributor`` meets when saved, shown while the rep types.

        With ``visit``, that visit's taken orders are being corrected: only the difference is new credit."""
        query = CreditCheckQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        distributor, visit = query.validated_data["distributor"], query.validated_data.get("visit")
        check = services.visit_order_credit_check(
            distributor=distributor, amount=query.validated_data["amount"], visit=visit
        )
        return Response(
            {
                "message": check.message,
                "blocks": check.blocks,
                "exceeds_limit": check.exceeds_limit,
                "state": check.state.state,
                "open_amount": f"{check.open_amount:.2f}",
                "limit": f"{check.limit:.2f}",
                "extra_amount": f"{check.extra_amount:.2f}",
            }
        )

    @extend_schema(
        responses=inline_serializer(
            "OverdueVisit",
            {
                "distributor": serializers.IntegerField(),
                "code": serializers.CharField(),
                "name": serializers.CharField(),
                "tier": serializers.CharField(),
                "last_visited_on": serializers.DateField(allow_null=True),
                "due_on": serializers.DateField(),
                "days_overdue": serializers.IntegerField(),
            },
            many=True,
        )
    )
    @action(detail=False, methods=["get"])
    def overdue(self, request):
        """Accounts overdue for a visit, most overdue first."""
        rows = selectors.overdue_visits(for_user=request.user, as_of=timezone.localdate())
        page = self.paginate_queryset(rows)
        data = [
            {
                "distributor": r.distributor.pk,
                "code": r.distributor.code,
                "name": r.distributor.display_name,
                "tier": r.distributor.tier,
                "last_visited_on": r.last_visited_on,
                "due_on": r.due_on,
                "days_overdue": r.days_overdue,
            }
            for r in page
        ]
        return self.get_paginated_response(data)


# --- /api/payment-claims/: the receivables endpoint, plus the visit a claim reports -----------------------------


class PaymentClaimSerializer(receivables_api.PaymentClaimSerializer):
    """A claim may name the visit the money was collected on: that visit's one claim is made or updated."""

    visit = ActedForVisitField(required=False, allow_null=True)

    class Meta(receivables_api.PaymentClaimSerializer.Meta):
        fields = [*receivables_api.PaymentClaimSerializer.Meta.fields, "visit"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        visit = attrs.get("visit")
        if visit is not None and attrs.get("distributor") != visit.distributor:
            raise serializers.ValidationError({"visit": [_("This visit was to another distributor.")]})
        if visit is not None and attrs.get("rep") not in (None, visit.rep):
            raise serializers.ValidationError({"rep": [_("The money collected on a visit is the visit's rep's.")]})
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        visit = getattr(instance, "visit", None)  # the reverse of Visit.payment_claim; none for a claim by hand
        data["visit"] = visit.pk if visit else None
        return data

    def create(self, validated_data):
        visit = validated_data.pop("visit", None)
        if visit is None:
            return super().create(validated_data)
        return services.record_visit_collection(
            visit=visit,
            amount=validated_data["amount"],
            method=validated_data["method"],
            collected_on=validated_data["collected_on"],
            notes=validated_data.get("notes", ""),
            by=self.context["request"].user,
        )


@extend_schema_view(reject=extend_schema(request=receivables_api.RejectSerializer, responses=PaymentClaimSerializer))
class PaymentClaimViewSet(receivables_api.PaymentClaimViewSet):
    __doc__ = receivables_api.PaymentClaimViewSet.__doc__
    serializer_class = PaymentClaimSerializer

    def get_queryset(self):
        return super().get_queryset().select_related("visit")
