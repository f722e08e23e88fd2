"""``/api/pickup-policies/``: accounts' pickup policies with their rebate tiers, scoped like the cards."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError

from ..cards.models import Distributor
from . import services as pickups
from .models import PickupPolicy, PickupTier


class PickupTierSerializer(serializers.ModelSerializer):
    class Meta:
        model = PickupTier
        fields = ["from_amount", "to_amount", "rebate_pct"]


class PickupPolicySerializer(serializers.ModelSerializer):
    """``valid_from`` / ``valid_to`` are months (any day of them; stored as the first). Tiers: from (included) up
    to (excluded; null for the top one), rebate %. Overlapping tiers or policies are a 400."""

    tiers = PickupTierSerializer(many=True, required=False)
    distributor = serializers.PrimaryKeyRelatedField(queryset=Distributor.objects.none())

    class Meta:
        model = PickupPolicy
        fields = ["id", "distributor", "valid_from", "valid_to", "min_monthly_pickup", "terms", "tiers", "updated_at"]
        read_only_fields = ["id", "updated_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["distributor"].queryset = Distributor.objects.visible_to(request.user)


class PickupPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Pickup policies of the accounts you may see; the account's KAM, a regional manager or the admin sets them.
    Filter with ``?distributor=``."""

    serializer_class = PickupPolicySerializer

    def get_queryset(self):
        found = PickupPolicy.objects.filter(
            distributor__in=Distributor.objects.visible_to(self.request.user)
        ).prefetch_related("tiers")
        raw = self.request.query_params.get("distributor")
        if raw:
            if not raw.isdigit():
                raise ValidationError({"distributor": ["Enter a whole number."]})
            found = found.filter(distributor_id=int(raw))
        return found.order_by("distributor_id", "-valid_from")

    def _save(self, serializer, policy=None):
        data = serializer.validated_data
        distributor = data.get("distributor") or policy.distributor
        tiers = data.get("tiers")
        if tiers is None and policy is not None:
            tiers = [
                {"from_amount": t.from_amount, "to_amount": t.to_amount, "rebate_pct": t.rebate_pct}
                for t in policy.tiers.all()
            ]
        try:
            serializer.instance = pickups.save_policy(
                distributor=distributor,
                valid_from=data.get("valid_from", getattr(policy, "valid_from", None)),
                valid_to=data["valid_to"] if "valid_to" in data else getattr(policy, "valid_to", None),
                min_monthly_pickup=data.get("min_monthly_pickup", getattr(policy, "min_monthly_pickup", None)),
                terms=data.get("terms", getattr(policy, "terms", "")),
                tiers=[pickups.TierInput(**t) for t in tiers or []],
                by=self.request.user,
                policy=policy,
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, policy=serializer.instance)
