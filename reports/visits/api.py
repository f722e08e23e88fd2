"""API of the rep's day: /api/visits/, /api/orders/, /api/daily-reports/ — scoped like the pages."""

from decimal import Decimal

import django_filters as filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import VisiblePrimaryKeyField
from accounts.fields import RepField
from accounts.models import Role
from distributors.models import Brand, CompetitorProduct, Contact, Distributor, Product
from kamcrm.filters import DateFilter
from kamcrm.idempotency.api import IdempotentCreateMixin
from kamcrm.validators import TextLengthValidator
from receivables import api as receivables_api
from reports.cycle.models import ServiceStrategy
from reports.market import services as market_checks
from reports.needs.models import Need
from reports.visits import day_plan, selectors, services, views
from reports.visits.models import DailyReport, Order, OrderLine, OrderStatus, Visit, VisitPhoto
from reports.visits.photos import validate_photo


class LineSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)

    class Meta:
        model = OrderLine
        fields = ["product", "quantity", "unit_price", "unit_cost", "amount"]
        read_only_fields = ["unit_cost", "amount"]


def _line_inputs(lines: list[dict]) -> list[services.LineInput]:
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


class OrderViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
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
        serializer.instance = services.save_order(order=order, lines=_line_inputs(lines), by=self.request.user)

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


class MarketCheckSerializer(serializers.Serializer):
    """One market-check line: exactly one of ``product`` (ours), ``brand`` (ours, when counted at brand level) or
    ``competitor_product``, with at least one of ``price``, ``stock``, ``facings`` (none negative)."""

    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)
    brand = serializers.PrimaryKeyRelatedField(
        queryset=Brand.objects.filter(is_own=True), required=False, allow_null=True
    )
    competitor_product = serializers.PrimaryKeyRelatedField(
        queryset=CompetitorProduct.objects.all(), required=False, allow_null=True
    )
    price = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False, allow_null=True
    )
    stock = serializers.IntegerField(min_value=0, max_value=2_000_000_000, required=False, allow_null=True)
    facings = serializers.IntegerField(min_value=0, max_value=2_000_000_000, required=False, allow_null=True)

    def validate(self, attrs):
        items = [name for name in ("product", "brand", "competitor_product") if attrs.get(name) is not None]
        if len(items) != 1:
            raise serializers.ValidationError(
                {"product": [_("Name exactly one of product, brand or competitor_product.")]}
            )
        if all(attrs.get(name) is None for name in ("price", "stock", "facings")):
            raise serializers.ValidationError({"price": [_("Enter a price, the stock or the facings.")]})
        return attrs


def _market_inputs(lines: list[dict]) -> list[market_checks.MarketLineInput]:
    return [
        market_checks.MarketLineInput(
            product=ln.get("product"),
            brand=ln.get("brand"),
            competitor_product=ln.get("competitor_product"),
            price=ln.get("price"),
            stock=ln.get("stock"),
            facings=ln.get("facings"),
        )
        for ln in lines
    ]


def market_check_json(check) -> dict:
    return {
        "id": check.pk,
        "product": check.product_id,
        "brand": check.brand_id,
        "competitor_product": check.competitor_product_id,
        "price": None if check.price is None else f"{check.price:.2f}",
        "stock": check.stock,
        "facings": check.facings,
    }


class VisitSerializer(serializers.ModelSerializer):
    distributor = VisiblePrimaryKeyField(queryset=Distributor.objects.all())
    rep = RepField(required=False)
    orders = VisitOrderSerializer(many=True, required=False)
    stock_seen = StockSerializer(many=True, required=False)
    market_checks = MarketCheckSerializer(
        many=True,
        required=False,
        help_text=_(
            "Market checks seen on the visit. Sent on an update, the list replaces the saved one; left out, "
            "the saved lines stay."
        ),
    )
    contacts_met = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), many=True, required=False)
    brands_discussed = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.all(), many=True, required=False)
    strategies = serializers.PrimaryKeyRelatedField(
        queryset=ServiceStrategy.objects.filter(is_active=True), many=True, required=False
    )
    needs_observed = serializers.PrimaryKeyRelatedField(
        queryset=Need.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=_("Customer needs the rep observed (the need catalogue); each opens on the account unless open."),
    )
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
            "strategies",
            "needs_observed",
            "stock_seen",
            "market_checks",
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
            "late_entry",
            "late_decided_by",
            "late_decided_at",
            "late_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "visit_date",
            "distance_from_account_m",
            "late_entry",
            "late_decided_by",
            "late_decided_at",
            "late_note",
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
        data["market_checks"] = [market_check_json(c) for c in instance.market_checks.all()]
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


class VisitViewSet(
    IdempotentCreateMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Visits. ``rep`` defaults to the caller; a KAM or manager may name a rep of their scope.

    Send a ``client_ref`` (UUID) to make a retried create harmless: the same visit comes back.
    """

    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    ordering_fields = ["started_at", "id"]

    def get_queryset(self):
        return selectors.visit_list(for_user=self.request.user).prefetch_related(
            "contacts_met",
            "brands_discussed",
            "strategies",
            "needs_observed",
            "stock_seen",
            "orders__lines",
            "market_checks",
        )

    def _save(self, serializer, visit: Visit, creating: bool):
        data = dict(serializer.validated_data)
        orders = data.pop("orders", []) if creating else data.pop("orders", None)
        if orders and not creating:
            raise serializers.ValidationError({"orders": [_("Change a visit's orders through /api/orders/.")]})
        stock = data.pop("stock_seen", None)
        market = data.pop("market_checks", None)
        m2m = {
            name: data.pop(name, None) for name in ("contacts_met", "brands_discussed", "strategies", "needs_observed")
        }
        for name, value in data.items():
            setattr(visit, name, value)
        extras = services.VisitExtras(
            contacts=m2m["contacts_met"]
            if m2m["contacts_met"] is not None
            else visit.contacts_met.all()
            if visit.pk
            else [],
            brands=m2m["brands_discussed"]
            if m2m["brands_discussed"] is not None
            else visit.brands_discussed.all()
            if visit.pk
            else [],
            strategies=m2m["strategies"]
            if m2m["strategies"] is not None
            else visit.strategies.all()
            if visit.pk
            else [],
            needs=m2m["needs_observed"],
            stock=[(s["brand"], s["units"]) for s in stock] if stock is not None else None,
            orders=[services.OrderInput(lines=_line_inputs(o["lines"]), note=o.get("note", "")) for o in orders or []],
            market=_market_inputs(market) if market is not None else None,
        )
        serializer.instance = services.save_visit(visit=visit, by=self.request.user, extras=extras)

    def perform_create(self, serializer):
        if self.request.user.effective_role == Role.FINANCE:
            raise PermissionDenied(_("Finance does not log visits."))
        self._save(
            serializer,
            Visit(rep=serializer.validated_data.get("rep", self.request.user), collected_amount=Decimal("0")),
            creating=True,
        )

    def perform_update(self, serializer):
        serializer.validated_data.pop("client_ref", None)
        self._save(serializer, serializer.instance, creating=False)

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

    @extend_schema(request=LateDecisionSerializer, responses=VisitSerializer)
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


class DailyReportViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
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

    @extend_schema(request=CommentInSerializer, responses=DailyReportSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        body = CommentInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.reopen_daily_report(
            report=self.get_object(), by=request.user, reason=body.validated_data["comment"]
        )
        return Response(self.get_serializer(report).data)

    @extend_schema(request=CommentInSerializer, responses=DailyReportSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        body = CommentInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.review_daily_report(
            report=self.get_object(), by=request.user, comment=body.validated_data["comment"]
        )
        return Response(self.get_serializer(report).data)


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
        rep = views.plan_rep(request.user, request.query_params.get("rep"))  # Http404: DRF answers 404
        plan = day_plan.day_plan(rep=rep, on=timezone.localdate())
        return Response(PlanItemSerializer(plan, many=True).data)
