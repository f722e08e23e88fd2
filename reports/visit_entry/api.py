"""``/api/visits/``: logging and correcting a visit with what upper capabilities record with it (strategies,
needs observed, market checks), on top of the visits capability's viewset."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.exceptions import PermissionDenied

from accounts.models import Role
from distributors.models import Brand, CompetitorProduct, Product
from kamcrm.api import FieldsBuiltOnce
from kamcrm.idempotency.api import IdempotentCreateMixin
from reports.cycle.models import ServiceStrategy
from reports.market import services as market_checks
from reports.needs.models import Need
from reports.visit_entry.parts import MarketChecks, NeedsObserved
from reports.visits import api as visits_api
from reports.visits import services
from reports.visits.api import LateDecisionSerializer, VisitBaseSerializer, line_inputs
from reports.visits.models import Visit


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


def _inserted(fields: list[str], *, after: str, names: list[str]) -> list[str]:
    at = fields.index(after) + 1
    return [*fields[:at], *names, *fields[at:]]


# The list/detail fields, with what the visit form records beside the visit (strategies, needs, market checks).
VISIT_FIELDS = _inserted(
    _inserted(VisitBaseSerializer.Meta.fields, after="brands_discussed", names=["strategies", "needs_observed"]),
    after="stock_seen",
    names=["market_checks"],
)


class VisitSerializer(FieldsBuiltOnce, VisitBaseSerializer):
    market_checks = MarketCheckSerializer(
        many=True,
        required=False,
        help_text=_(
            "Market checks seen on the visit. Sent on an update, the list replaces the saved one; left out, "
            "the saved lines stay."
        ),
    )
    strategies = serializers.PrimaryKeyRelatedField(
        queryset=ServiceStrategy.objects.filter(is_active=True), many=True, required=False
    )
    needs_observed = serializers.PrimaryKeyRelatedField(
        queryset=Need.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text=_("Customer needs the rep observed (the need catalogue); each opens on the account unless open."),
    )

    class Meta(VisitBaseSerializer.Meta):
        fields = VISIT_FIELDS

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["market_checks"] = [market_check_json(c) for c in instance.market_checks.all()]
        return data


@extend_schema_view(late_decision=extend_schema(request=LateDecisionSerializer, responses=VisitSerializer))
class VisitViewSet(IdempotentCreateMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, visits_api.VisitViewSet):
    """Visits. ``rep`` defaults to the caller; a KAM or manager may name a rep of their scope.

    Send a ``client_ref`` (UUID) to make a retried create harmless: the same visit comes back.
    """

    serializer_class = VisitSerializer
    related = (
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
            stock=[(s["brand"], s["units"]) for s in stock] if stock is not None else None,
            orders=[services.OrderInput(lines=line_inputs(o["lines"]), note=o.get("note", "")) for o in orders or []],
            parts=[
                MarketChecks(_market_inputs(market) if market is not None else None),
                NeedsObserved(m2m["needs_observed"]),
            ],
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
