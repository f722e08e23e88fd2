"""Receivables API (contract: ../shared/API.md): /api/invoices/, /api/credit-notes/, /api/payments/ (with
allocations), /api/allocations/, /api/collection-activities/, /api/payment-claims/, /api/write-offs/,
/api/collection-tasks/, /api/receivables/aging/, /api/receivables/worklist/, /api/receivables/credit-check/,
/api/statements/<distributor>/.

Everything is scoped through ``visible_to`` (a foreign object is a 404, a foreign id in a body a 400); writes go
through ``receivables.services``. Money records are never deleted (DELETE answers 405) and their amounts,
distributor and dates never change (a PATCH that tries answers 400).
"""

import csv
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.fields import RepField
from accounts.permissions import IsAdminOrReadOnly
from distributors.models import Distributor, Product
from kamcrm.api import Pagination
from kamcrm.idempotency.api import IdempotentCreateMixin, idempotent
from kamcrm.money import ZERO, amount_text
from kamcrm.validation import parse_amount, parse_date_param
from kamcrm.viewsets import NoDeleteViewSet

from . import holds, selectors, services, statements
from .filters import CollectionActivityFilter, InvoiceFilter, PaymentClaimFilter, PaymentFilter
from .models import (
    Allocation,
    CollectionActivity,
    CollectionTask,
    CreditHold,
    CreditHoldRule,
    CreditNote,
    Invoice,
    Payment,
    PaymentClaim,
    SavedWorklistView,
    WriteOff,
    distributors_with_money_visible_to,
    validate_thresholds,
)


def money(value) -> str:
    """A decimal string with 2 places; never "-0.00"."""
    return amount_text(value)


# --- Permissions and fields ---------------------------------------------------------------------------------


class IsFinanceOrReadOnly(permissions.BasePermission):
    """Reads for anyone signed in (the queryset scopes them); money writes for finance and admin only.

    A write to an existing object is judged after the scoped lookup, so a foreign object is a 404 and only a
    visible one is a 403. DELETE is let through to the view, which answers 405.
    """

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS or request.method == "DELETE":
            return True
        if services.can_record_money(request.user):
            return True
        return view.kwargs.get(view.lookup_url_kwarg or view.lookup_field) is not None

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or services.can_record_money(request.user)


class MoneyDistributorField(serializers.PrimaryKeyRelatedField):
    """Distributor ids whose receivables the caller may see; any other id is a 400 "does not exist"."""

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Distributor.objects.all())  # the model, for the schema; scoped below
        super().__init__(**kwargs)

    def get_queryset(self):
        return distributors_with_money_visible_to(self.context["request"].user)


class VisibleInvoiceField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Invoice.objects.all())  # the model, for the schema; scoped below
        super().__init__(**kwargs)

    def get_queryset(self):
        return Invoice.objects.visible_to(self.context["request"].user)


class MoneyField(serializers.DecimalField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return money(value)


class ImmutableFieldsMixin:
    """Once saved, a money record's amounts, distributor, dates and allocations do not change: a PATCH or PUT
    that names one of them with a different value answers 400 (an unchanged value is fine)."""

    immutable_fields: tuple = ()

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None:
            return attrs
        errors = {}
        for name in self.immutable_fields:
            if name not in self.initial_data:
                continue
            if name in attrs and getattr(self.instance, name, None) == attrs[name]:
                continue
            errors[name] = [_("This cannot be changed once saved; record a correction (reversal or credit note).")]
        if errors:
            raise ValidationError(errors)
        return attrs


class MoneyRoleMixin:
    def _money_role_or_403(self):
        if not services.can_record_money(self.request.user):
            raise PermissionDenied(_("Only finance or an administrator can record money."))


# --- Invoices ---------------------------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = MoneyField()
    amount = MoneyField(read_only=True)


# What an invoice is issued with (and its open amount, which only allocations change), in the API's order.
INVOICE_ISSUE_FIELDS = (
    "number",
    "distributor",
    "issue_date",
    "payment_terms_days",
    "due_date",
    "currency",
    "amount",
    "open_amount",
)


class InvoiceSerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    distributor = MoneyDistributorField()
    amount = MoneyField(required=False)
    open_amount = MoneyField(read_only=True)
    lines = InvoiceLineSerializer(many=True, required=False)
    days_past_due = serializers.SerializerMethodField()
    payment_terms_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
    due_date = serializers.DateField(required=False)
    immutable_fields = (*INVOICE_ISSUE_FIELDS, "lines", "status")

    class Meta:
        model = Invoice
        fields = [
            "id",
            *INVOICE_ISSUE_FIELDS,
            "status",
            "days_past_due",
            "order_refs",
            "notes",
            "lines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["open_amount", "status", "created_at", "updated_at"]
        extra_kwargs = {"number": {"validators": []}}  # the service says "already exists" (also case-insensitive)

    def get_days_past_due(self, obj) -> int:
        return max((timezone.localdate() - obj.due_date).days, 0) if obj.open_amount else 0

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.instance is None and "amount" not in attrs and not attrs.get("lines"):
            raise ValidationError({"amount": [_("Give the total or the lines.")]})
        return attrs

    def create(self, validated_data):
        invoice = services.record_invoice(by=self.context["request"].user, **validated_data)
        self.credit_check = invoice.credit_check
        return invoice

    def update(self, instance, validated_data):
        changes = {k: v for k, v in validated_data.items() if k in services.EDITABLE_INVOICE_FIELDS}
        return services.update_notes(obj=instance, by=self.context["request"].user, **changes)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        check = getattr(self, "credit_check", None)
        if check is not None:
            data["credit_warning"] = check.message if check.warn else ""
        return data


class NoDeleteModelViewSet(IdempotentCreateMixin, NoDeleteViewSet):
    """Money records: created (honouring ``Idempotency-Key``), read and annotated; never deleted (DELETE → 405)."""

    permission_classes = [IsFinanceOrReadOnly]


class InvoiceViewSet(NoDeleteModelViewSet):
    """Invoices in your scope. Finance and admin record them; only notes and order references change later."""

    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    search_fields = []
    ordering_fields = ["issue_date", "due_date", "number", "amount", "open_amount"]

    def get_queryset(self):
        return selectors.invoice_list(for_user=self.request.user).prefetch_related("lines")


# --- Credit notes ----------------------------------------------------------------------------------------------------


# What a credit note is issued with (and what is left of it to apply), in the API's order.
CREDIT_NOTE_ISSUE_FIELDS = ("number", "distributor", "invoice", "issue_date", "currency", "amount", "unapplied_amount")


class CreditNoteSerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    distributor = MoneyDistributorField()
    invoice = VisibleInvoiceField(required=False, allow_null=True)
    amount = MoneyField()
    unapplied_amount = MoneyField(read_only=True)
    immutable_fields = CREDIT_NOTE_ISSUE_FIELDS

    class Meta:
        model = CreditNote
        fields = ["id", *CREDIT_NOTE_ISSUE_FIELDS, "reason", "created_at"]
        read_only_fields = ["unapplied_amount", "created_at"]
        extra_kwargs = {"number": {"validators": []}, "currency": {"required": False}}

    def create(self, validated_data):
        return services.record_credit_note(by=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        changes = {k: v for k, v in validated_data.items() if k == "reason"}
        return services.update_notes(obj=instance, by=self.context["request"].user, **changes)


class AllocationInSerializer(serializers.Serializer):
    invoice = VisibleInvoiceField()
    amount = MoneyField()


def _allocations(data) -> list | None:
    if data is None:
        return None
    return [(item["invoice"], item["amount"]) for item in data]


class AllocateSerializer(serializers.Serializer):
    allocations = AllocationInSerializer(many=True, required=False, allow_null=True)


class SpendMixin(MoneyRoleMixin):
    def _spend(self, request, service, source: str) -> Response:
        """Apply or allocate what is left of this payment or credit note with ``service`` (which takes it as
        ``source``): oldest due first, or as the body's ``allocations`` say. A foreign record is a 404, a caller
        without the money role a 403, invalid allocations a 400. Answers the record as it is now."""
        record = self.get_object()
        self._money_role_or_403()
        serializer = AllocateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        allocations = _allocations(serializer.validated_data.get("allocations"))
        record = service(**{source: record}, allocations=allocations, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)


class CreditNoteViewSet(SpendMixin, NoDeleteModelViewSet):
    serializer_class = CreditNoteSerializer
    filterset_fields = ["distributor", "invoice"]

    def get_queryset(self):
        return CreditNote.objects.visible_to(self.request.user).select_related("distributor")

    @extend_schema(request=AllocateSerializer, responses=CreditNoteSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def apply(self, request, pk=None):
        """Apply what is left of the credit note to invoices of its account: oldest due first, or as
        ``allocations`` say (an invoice of another account or more than is left or open is a 400)."""
        return self._spend(request, services.apply_credit_note, "credit_note")


class ApplyCreditSerializer(serializers.Serializer):
    distributor = MoneyDistributorField()


class ApplyCreditView(MoneyRoleMixin, APIView):
    @extend_schema(request=ApplyCreditSerializer, responses=OpenApiTypes.OBJECT)
    @idempotent
    def post(self, request):
        """Apply all the account's unapplied credit (payments' rest, credit notes without an invoice) to its open
        invoices, oldest credit first, oldest due invoice first. Answers the amount applied and what is left."""
        self._money_role_or_403()
        serializer = ApplyCreditSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        distributor = serializer.validated_data["distributor"]
        applied = services.apply_credit(distributor=distributor, by=request.user)
        summary = selectors.account_summary(distributor=distributor)
        return Response(
            {
                "distributor": distributor.pk,
                "applied": money(applied),
                "unapplied": money(summary["unapplied"]),
                "open": money(summary["open"]),
            }
        )


# --- Payments -------------------------------------------------------------------------------------------------------


class PaymentSerializer(ImmutableFieldsMixin, serializers.ModelSerializer):
    distributor = MoneyDistributorField()
    amount = MoneyField()
    unallocated_amount = MoneyField(read_only=True)
    allocations = AllocationInSerializer(many=True, required=False, allow_null=True)
    reversed_by = serializers.SerializerMethodField()
    immutable_fields = ("distributor", "paid_on", "amount", "currency", "method", "allocations", "unallocated_amount")

    class Meta:
        model = Payment
        fields = [
            "id",
            "distributor",
            "paid_on",
            "amount",
            "currency",
            "method",
            "reference",
            "notes",
            "allocations",
            "unallocated_amount",
            "reverses",
            "reversed_by",
            "created_at",
        ]
        read_only_fields = ["unallocated_amount", "reverses", "created_at"]
        extra_kwargs = {"currency": {"required": False}}

    def get_reversed_by(self, obj) -> int | None:
        reversal = getattr(obj, "reversal", None) if obj.pk else None
        return reversal.pk if reversal else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["allocations"] = [
            {"invoice": a.invoice_id, "amount": money(a.amount), "paid_on": a.paid_on.isoformat()}
            for a in instance.allocations.all()
        ]
        return data

    def create(self, validated_data):
        allocations = _allocations(validated_data.pop("allocations", None))
        return services.record_payment(by=self.context["request"].user, allocations=allocations, **validated_data)

    def update(self, instance, validated_data):
        changes = {k: v for k, v in validated_data.items() if k in services.EDITABLE_PAYMENT_FIELDS}
        return services.update_notes(obj=instance, by=self.context["request"].user, **changes)


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    reversed_on = serializers.DateField(required=False)


class PaymentViewSet(SpendMixin, NoDeleteModelViewSet):
    """Payments with their allocations. Without ``allocations`` a payment is applied oldest due first;
    ``[]`` leaves it unallocated. A reversal is a new negative payment (``reverse``), never a delete."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    ordering_fields = ["paid_on", "amount"]

    def get_queryset(self):
        return selectors.payment_list(for_user=self.request.user).select_related("reversal")

    @extend_schema(request=ReverseSerializer, responses={201: PaymentSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def reverse(self, request, pk=None):
        """Reverse the payment (bounced cheque, mistake): a new negative payment that reopens the invoices."""
        payment = self.get_object()
        self._money_role_or_403()
        serializer = ReverseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reversal = services.reverse_payment(payment=payment, by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(reversal).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AllocateSerializer, responses=PaymentSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def allocate(self, request, pk=None):
        """Allocate what is still unallocated: oldest due first, or as ``allocations`` say."""
        return self._spend(request, services.allocate_payment, "payment")


class AllocationSerializer(serializers.ModelSerializer):
    amount = MoneyField()

    class Meta:
        model = Allocation
        fields = ["id", "invoice", "payment", "credit_note", "write_off", "amount", "paid_on", "created_at"]


class AllocationViewSet(viewsets.ReadOnlyModelViewSet):
    """Every reduction of an invoice's open amount (payment, credit note, write-off). Read-only: DELETE → 405."""

    serializer_class = AllocationSerializer
    filterset_fields = ["invoice", "payment", "credit_note"]

    def get_queryset(self):
        return Allocation.objects.visible_to(self.request.user)


# --- Collection work ------------------------------------------------------------------------------------------


class CollectionActivitySerializer(serializers.ModelSerializer):
    distributor = MoneyDistributorField()
    invoice = VisibleInvoiceField(required=False, allow_null=True)
    promised_amount = MoneyField(required=False, allow_null=True)
    invoices = VisibleInvoiceField(
        many=True, required=False, source="promise_invoices", help_text="A promise's invoices (ids)."
    )

    class Meta:
        model = CollectionActivity
        fields = [
            "id",
            "distributor",
            "invoice",
            "invoices",
            "kind",
            "occurred_on",
            "note",
            "promised_on",
            "promised_amount",
            "promised_by",
            "extended_to",
            "dispute_reason",
            "resolved_on",
            "resolution",
            "by",
            "created_at",
        ]
        read_only_fields = ["resolved_on", "resolution", "by", "created_at"]
        extra_kwargs = {"occurred_on": {"required": False}}

    def create(self, validated_data):
        validated_data["invoices"] = validated_data.pop("promise_invoices", None)
        return services.log_collection_activity(by=self.context["request"].user, **validated_data)


class PromiseSerializer(serializers.ModelSerializer):
    """A promise to pay in the ledger, with its outcome computed from the payments that followed it."""

    promised_amount = MoneyField(read_only=True)
    invoices = serializers.PrimaryKeyRelatedField(source="promise_invoices", many=True, read_only=True)
    paid = MoneyField(read_only=True, help_text="Paid by the account from the promise until the promised date.")
    state = serializers.ChoiceField(choices=list(selectors.PromiseState.LABELS), read_only=True)
    short = serializers.SerializerMethodField()

    class Meta:
        model = CollectionActivity
        fields = [
            "id",
            "distributor",
            "occurred_on",
            "promised_on",
            "promised_amount",
            "promised_by",
            "by",
            "invoices",
            "note",
            "paid",
            "state",
            "short",
            "escalated_on",
            "escalation_task",
        ]
        read_only_fields = fields

    def get_short(self, obj) -> str:
        """What is still missing of the promised amount ("0.00" when kept)."""
        return money(max(obj.promised_amount - obj.paid, ZERO))


class PromiseViewSet(viewsets.ReadOnlyModelViewSet):
    """The promise-to-pay ledger: every promise with its outcome — active, kept, partly_kept, broken.

    Record a promise with ``POST /api/collection-activities/`` (``kind`` = ``promise``)."""

    serializer_class = PromiseSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("distributor", int),
            OpenApiParameter("state", str, enum=list(selectors.PromiseState.LABELS)),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        queryset = selectors.promise_ledger(for_user=self.request.user)
        params = self.request.query_params
        distributor = params.get("distributor", "")
        if distributor:
            if not distributor.isdigit():
                raise ValidationError({"distributor": [_("Give a distributor id.")]})
            queryset = queryset.filter(distributor=distributor)
        state = params.get("state", "")
        if state:
            if state not in selectors.PromiseState.LABELS:
                raise ValidationError({"state": [_("Choose active, kept, partly_kept or broken.")]})
            queryset = queryset.filter(state=state)
        return queryset


class PromiseReliabilityView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("distributor", int, many=True, required=True)],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        """Promise reliability (kept ÷ made over the last 12 months) of the accounts asked for, in scope:
        ``{"<id>": "0.7500" | null}``; ids outside your scope are left out."""
        ids = request.query_params.getlist("distributor")
        if not ids or not all(i.isdigit() for i in ids):
            raise ValidationError({"distributor": [_("Give one or more distributor ids.")]})
        visible = distributors_with_money_visible_to(request.user).filter(pk__in=ids).values_list("pk", flat=True)
        reliability = selectors.promise_reliability(list(visible))
        return Response({str(pk): (None if value is None else str(value)) for pk, value in reliability.items()})


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=255)
    resolved_on = serializers.DateField(required=False)


class CollectionActivityViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Collection work (催收): calls, visits, letters, e-mails, promises to pay, extensions, disputes."""

    serializer_class = CollectionActivitySerializer
    filterset_class = CollectionActivityFilter

    def get_queryset(self):
        return (
            CollectionActivity.objects.visible_to(self.request.user)
            .select_related("distributor")
            .prefetch_related("promise_invoices")
        )

    @extend_schema(request=ResolveSerializer, responses=CollectionActivitySerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Close an open dispute; its reminders resume."""
        serializer = ResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = services.resolve_dispute(activity=self.get_object(), by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(activity).data)


class PaymentClaimSerializer(serializers.ModelSerializer):
    distributor = MoneyDistributorField()
    rep = RepField(required=False)
    amount = MoneyField()

    class Meta:
        model = PaymentClaim
        fields = [
            "id",
            "distributor",
            "rep",
            "amount",
            "method",
            "collected_on",
            "notes",
            "status",
            "payment",
            "reject_reason",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = ["status", "payment", "reject_reason", "decided_by", "decided_at", "created_at"]

    def create(self, validated_data):
        user = self.context["request"].user
        validated_data.setdefault("rep", user)
        return services.record_payment_claim(by=user, **validated_data)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # Where confirming would put the money (oldest due first), flagging write-off proposals and disputes.
        data["allocation_preview"] = [
            {
                "invoice": t.invoice.pk,
                "number": t.invoice.number,
                "amount": money(t.amount),
                "write_off_proposed": t.write_off_proposed,
                "disputed": t.disputed,
            }
            for t in self._previews(instance)
        ]
        return data

    def _previews(self, instance) -> list:
        """The claim's preview; for a list, all the page's claims at once (three queries, whatever the page size)."""
        cache = self.context.setdefault("_claim_previews", {})
        if instance.pk not in cache:
            parent = getattr(self, "parent", None)
            claims = list(parent.instance) if parent is not None and parent.instance is not None else [instance]
            if instance not in claims:
                claims.append(instance)
            cache.update(selectors.claim_preview(claims=claims))
            for claim in claims:
                cache.setdefault(claim.pk, [])
        return cache[instance.pk]


class ConfirmClaimSerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False)
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True)
    allocations = AllocationInSerializer(many=True, required=False, allow_null=True)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class PaymentClaimViewSet(
    IdempotentCreateMixin,
    MoneyRoleMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """A rep's "money collected", waiting for finance to confirm it into a payment or reject it."""

    serializer_class = PaymentClaimSerializer
    filterset_class = PaymentClaimFilter

    def get_queryset(self):
        return PaymentClaim.objects.visible_to(self.request.user)

    @extend_schema(request=ConfirmClaimSerializer, responses={201: PaymentSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def confirm(self, request, pk=None):
        claim = self.get_object()
        self._money_role_or_403()
        serializer = ConfirmClaimSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        allocations = _allocations(data.pop("allocations", None))
        payment = services.confirm_payment_claim(claim=claim, by=request.user, allocations=allocations, **data)
        return Response(PaymentSerializer(payment, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=RejectSerializer, responses=PaymentClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        claim = self.get_object()
        self._money_role_or_403()
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.reject_payment_claim(claim=claim, reason=serializer.validated_data["reason"], by=request.user)
        return Response(self.get_serializer(claim).data)


class WriteOffSerializer(serializers.ModelSerializer):
    invoice = VisibleInvoiceField()
    amount = MoneyField(required=False)

    class Meta:
        model = WriteOff
        fields = [
            "id",
            "invoice",
            "amount",
            "reason",
            "status",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_on",
            "decision_note",
        ]
        read_only_fields = ["status", "proposed_by", "proposed_at", "decided_by", "decided_on", "decision_note"]

    def create(self, validated_data):
        return services.propose_write_off(by=self.context["request"].user, **validated_data)


class DecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)


class WriteOffViewSet(
    IdempotentCreateMixin,
    MoneyRoleMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Write-offs of bad debt: finance proposes; a regional manager of the region or an admin approves."""

    serializer_class = WriteOffSerializer
    filterset_fields = ["status", "invoice"]

    def get_queryset(self):
        return WriteOff.objects.visible_to(self.request.user).select_related("invoice")

    def create(self, request, *args, **kwargs):
        self._money_role_or_403()
        return super().create(request, *args, **kwargs)

    def _decide(self, request, decide):
        write_off = self.get_object()
        if not services.can_decide_write_off(request.user):
            raise PermissionDenied(_("Only a regional manager or an administrator decides on write-offs."))
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        write_off = decide(write_off=write_off, by=request.user, note=serializer.validated_data.get("note", ""))
        return Response(self.get_serializer(write_off).data)

    @extend_schema(request=DecisionSerializer, responses=WriteOffSerializer)
    @action(detail=True, methods=["post"])
    @idempotent
    def approve(self, request, pk=None):
        return self._decide(request, services.approve_write_off)

    @extend_schema(request=DecisionSerializer, responses=WriteOffSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, services.reject_write_off)


class CollectionTaskSerializer(serializers.ModelSerializer):
    amount = MoneyField(read_only=True)

    class Meta:
        model = CollectionTask
        fields = ["id", "distributor", "assigned_to", "due_on", "amount", "invoices", "status", "note", "done_at"]
        read_only_fields = fields


class CollectionTaskViewSet(viewsets.ReadOnlyModelViewSet):
    """ "Visit to collect" tasks the reminders give the owner rep."""

    serializer_class = CollectionTaskSerializer
    filterset_fields = ["status", "assigned_to", "distributor"]

    def get_queryset(self):
        return CollectionTask.objects.visible_to(self.request.user).prefetch_related("invoices")

    @extend_schema(request=None, responses=CollectionTaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = services.complete_collection_task(task=self.get_object(), by=request.user)
        return Response(self.get_serializer(task).data)


# --- Reports -------------------------------------------------------------------------------------------------------


def _date_param(request, name: str, default: date | None = None) -> date | None:
    return parse_date_param(request.query_params.get(name), field=name, default=default)


def aging_payload(report: selectors.AgingReport) -> dict:
    def row_dict(values: dict, total, unapplied, dso) -> dict:
        out = {b.key: money(values[b.key]) for b in report.buckets}
        out["total"], out["unapplied"] = money(total), money(unapplied)
        out["dso"] = None if dso is None else f"{dso:.1f}"
        return out

    return {
        "as_of": report.as_of.isoformat(),
        "group_by": report.group_by,
        "bucket_set": report.bucket_set.pk if report.bucket_set else None,
        "buckets": [{"key": b.key, "label": b.label} for b in report.buckets],
        "rows": [
            {"key": r.key, "label": r.label, **row_dict(r.amounts, r.total, r.unapplied, r.dso)} for r in report.rows
        ],
        "totals": row_dict(report.totals, report.totals["total"], report.totals["unapplied"], report.totals["dso"]),
        "invoices": [
            {
                "invoice": row.invoice.pk,
                "number": row.invoice.number,
                "due_date": row.invoice.due_date.isoformat(),
                "days_past_due": row.days_past_due,
                "bucket": row.bucket.key,
                "open_amount": money(row.open_amount),
            }
            for row in getattr(report, "invoices", [])
        ],
    }


DRILL_FILTERS = {"region": "owner__team__region_id", "team": "owner__team_id", "rep": "owner_id"}


def _thresholds(raw: str) -> list[int]:
    """ "15, 30, 45" → [15, 30, 45]; raises DjangoValidationError with the bucket set's own rule."""
    try:
        values = [int(part) for part in raw.replace(" ", "").split(",") if part]
    except ValueError:
        raise DjangoValidationError(_("Give whole numbers of days separated by commas, e.g. 15, 30, 60.")) from None
    validate_thresholds(values)
    return values


def aging_from_params(user, params) -> selectors.AgingReport:
    """The aging report a query string asks for (shared by the API and the page). Raises ValidationError.

    ``buckets`` picks a saved set, ``thresholds`` ("15,30,45,60") any other; ``region`` / ``team`` / ``rep``
    narrow to that group's accounts (the drill from a group down); ``distributor`` adds its invoices."""
    errors = {}
    try:
        as_of = parse_date_param(params.get("as_of"), field="as_of", default=timezone.localdate())
    except DjangoValidationError as exc:
        errors.update(exc.message_dict)
    group_by = params.get("group_by") or "distributor"
    if group_by not in selectors.GROUPS:
        errors["group_by"] = [_("Choose one of: distributor, rep, team, region.")]
    chosen, buckets = None, None
    if params.get("thresholds"):
        try:
            buckets = selectors.buckets_for(tuple(_thresholds(params["thresholds"])))
        except DjangoValidationError as exc:
            errors["thresholds"] = exc.messages
    else:
        try:
            chosen, buckets = selectors.bucket_set(params.get("buckets"))
        except (ValueError, selectors.AgingBucketSet.DoesNotExist):
            errors["buckets"] = [_("No such bucket set.")]
    narrowed, drill = None, {}
    for name, path in DRILL_FILTERS.items():
        raw = params.get(name) or ""
        if raw:
            if not raw.isdigit() or len(raw) > 9:
                errors[name] = [_("Choose from the list.")]
                continue
            drill[name] = int(raw)
            narrowed = (narrowed if narrowed is not None else Distributor.objects.all()).filter(**{path: int(raw)})
    account = None
    if params.get("distributor"):
        raw = params["distributor"]
        account = (
            distributors_with_money_visible_to(user).filter(pk=raw).first() if raw.isdigit() and len(raw) < 10 else None
        )
        if account is None:
            errors["distributor"] = [_("No such distributor in your scope.")]
        else:
            narrowed = Distributor.objects.filter(pk=account.pk)
    if errors:
        raise ValidationError(errors)
    report = selectors.aging(for_user=user, as_of=as_of, group_by=group_by, buckets=buckets, distributors=narrowed)
    report.bucket_set = chosen
    report.drill = drill
    report.account = account
    report.invoices = (
        selectors.aging_invoices(for_user=user, as_of=as_of, distributor=account, buckets=buckets) if account else []
    )
    return report


def aging_csv(report: selectors.AgingReport) -> HttpResponse:
    """What the aging page shows, as CSV: the rows, the totals and, for one account, its invoices."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="aging-{report.as_of.isoformat()}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 (Chinese names) only with the byte-order mark
    writer = csv.writer(response)
    labels = [str(b.label) for b in report.buckets]
    writer.writerow([str(selectors.GROUP_LABELS[report.group_by]), *labels, _("Total"), _("Unapplied"), _("DSO")])
    for r in report.rows:
        writer.writerow([r.label, *(r.amounts[b.key] for b in report.buckets), r.total, r.unapplied, r.dso or ""])
    totals = report.totals
    writer.writerow(
        [
            _("Total"),
            *(totals[b.key] for b in report.buckets),
            totals["total"],
            totals["unapplied"],
            totals["dso"] or "",
        ]
    )
    if report.invoices:
        writer.writerow([])
        writer.writerow([_("Invoice"), _("Due"), _("Days past due"), _("Bucket"), _("Open amount")])
        for row in report.invoices:
            writer.writerow(
                [
                    row.invoice.number,
                    row.invoice.due_date.isoformat(),
                    row.days_past_due,
                    row.bucket.label,
                    row.open_amount,
                ]
            )
    return response


class AgingView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default: today."),
            OpenApiParameter("group_by", str, enum=list(selectors.GROUPS), description="Default: distributor."),
            OpenApiParameter("buckets", int, description="A saved bucket set; default: the standard buckets."),
            OpenApiParameter("thresholds", str, description="Any buckets: days past due, e.g. 15,30,45,60."),
            OpenApiParameter("region", int, description="Only this region's accounts (drill down)."),
            OpenApiParameter("team", int, description="Only this team's accounts."),
            OpenApiParameter("rep", int, description="Only this rep's accounts."),
            OpenApiParameter("distributor", int, description="Only this account, with its invoices."),
            OpenApiParameter("format_type", str, enum=["json", "csv"], description="Default: json."),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        """Aging of the receivables in your scope as of a date, in buckets of days past due, per group; with
        ``distributor`` also that account's invoices; ``format_type=csv`` exports the same as CSV."""
        report = aging_from_params(request.user, request.query_params)
        if request.query_params.get("format_type") == "csv":
            return aging_csv(report)
        return Response(aging_payload(report))


def worklist_payload(row: selectors.WorklistRow) -> dict:
    d, last = row.distributor, row.last_activity
    promise = row.broken_promise or row.active_promise
    return {
        "distributor": d.pk,
        "code": d.code,
        "name": d.name,
        "owner": d.owner_id,
        "overdue_amount": money(row.overdue_amount),
        "open_amount": money(row.open_amount),
        "oldest_due_date": row.oldest_due.isoformat() if row.oldest_due else None,
        "days_overdue": row.days_overdue,
        "score": money(row.score),
        "overdue_invoices": row.overdue_invoices,
        "last_activity": None
        if last is None
        else {"id": last.pk, "kind": last.kind, "occurred_on": last.occurred_on.isoformat(), "by": last.by_id},
        "promise": None
        if promise is None
        else {
            "id": promise.pk,
            "promised_on": promise.promised_on.isoformat(),
            "promised_amount": money(promise.promised_amount),
            "state": promise.state,
        },
        "broken_promise": row.broken_promise is not None,
        "promise_reliability": None if row.promise_reliability is None else str(row.promise_reliability),
        "open_dispute": row.open_dispute,
        "open_tasks": row.open_tasks,
    }


class WorklistView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("region", int),
            OpenApiParameter("team", int),
            OpenApiParameter("rep", int),
            OpenApiParameter("bucket", str, description="1_30, 31_60, 61_90, 91_180 or over_180 (money in it)."),
            OpenApiParameter("promise", str, enum=["active", "broken", "none"]),
            OpenApiParameter("dispute", str, enum=["yes", "no"]),
            OpenApiParameter("hold", str, enum=["hold", "warn", "none"]),
            OpenApiParameter("sort", str, enum=list(selectors.WORKLIST_SORTS)),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        """Who to chase today: accounts with money past due or a broken promise, biggest amount × days first (or
        ``sort``), filtered as on the page; with each account's promise, reliability and credit state."""
        query = selectors.WorklistQuery.from_params(request.query_params)
        if query.errors:
            raise ValidationError(query.errors)
        today = timezone.localdate()
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.worklist(for_user=request.user, on=today, query=query), request, view=self
        )
        rows = selectors.worklist_rows(distributors=page, on=today)
        states = holds.credit_state([r.distributor.pk for r in rows], as_of=today)
        results = []
        for row in rows:
            payload = worklist_payload(row)
            state = states.get(row.distributor.pk)
            payload["credit_state"] = state.state if state else "ok"
            payload["amount_to_pay"] = money(state.amount_to_pay) if state else "0.00"
            results.append(payload)
        return paginator.get_paginated_response(results)


class SavedWorklistViewSerializer(serializers.ModelSerializer):
    class Meta:
        model = SavedWorklistView
        fields = ["id", "name", "query", "created_at"]
        read_only_fields = ["created_at"]

    def validate_query(self, value):
        query = selectors.WorklistQuery.from_params(QueryDict(value or ""))
        if query.errors:
            raise ValidationError(query.errors)
        return query.as_query_string()

    def validate_name(self, value):
        user = self.context["request"].user
        taken = SavedWorklistView.objects.filter(user=user, name=value.strip())
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("You already have a view with this name."))
        return value.strip()

    def create(self, validated_data):
        return SavedWorklistView.objects.create(user=self.context["request"].user, **validated_data)


class SavedWorklistViewViewSet(viewsets.ModelViewSet):
    """Your saved worklist views: a name and the worklist's query string (filters and sort). Only your own."""

    serializer_class = SavedWorklistViewSerializer
    queryset = SavedWorklistView.objects.none()  # for the schema; each user's own below

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedWorklistView.objects.none()
        return SavedWorklistView.objects.filter(user=self.request.user)


def credit_state_payload(state) -> dict:
    return {
        "distributor": state.distributor_id,
        "state": state.state,
        "blocks": state.held,
        "reasons": state.reasons,
        "message": state.message,
        "amount_to_pay": money(state.amount_to_pay),
        "balance": money(state.balance),
        "open_amount": money(state.owed),
        "limit": money(state.limit),
        "exceeds_limit": state.exceeds_limit,
        "hold_by_hand": None
        if state.manual is None
        else {
            "id": state.manual.pk,
            "kind": state.manual.kind,
            "reason": state.manual.reason,
            "until": state.manual.until.isoformat() if state.manual.until else None,
            "by": state.manual.placed_by_id,
        },
    }


class CreditCheckView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("distributor", int, required=True),
            OpenApiParameter("amount", str, description="The amount to add (an order, an invoice)."),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        """The credit check of an order of ``amount``: state ok / warn / hold (the hold rules, a hold by hand, the
        credit limit), the reasons and the amount to pay to release it."""
        pk = request.query_params.get("distributor", "")
        if not pk.isdigit():
            raise ValidationError({"distributor": [_("Give a distributor id.")]})
        distributor = get_object_or_404(distributors_with_money_visible_to(request.user), pk=pk)
        amount = parse_amount(request.query_params.get("amount"), field="amount", default=ZERO)
        check = holds.credit_check(distributor=distributor, extra_amount=amount)
        return Response(credit_state_payload(check.state))


class StatementView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATE, description="Default: first day of the month of `end`."),
            OpenApiParameter("end", OpenApiTypes.DATE, description="Default: today."),
            OpenApiParameter(
                "from", OpenApiTypes.DATE, deprecated=True, description="The old name of `start`, still accepted."
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, deprecated=True, description="The old name of `end`, still accepted."
            ),
            OpenApiParameter("format_type", str, enum=["json", "pdf", "xlsx"], description="Default: json."),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The statement (JSON), or the PDF / .xlsx file."),
            404: OpenApiResponse(description="No such distributor in your scope."),
        },
    )
    def get(self, request, distributor: int):
        """Statement of account (对账单) of a distributor for a date range (``start``, ``end``, as on the account
        page; the old ``from`` / ``to`` still work): lines, balances, open invoices, aging."""
        account = distributors_with_money_visible_to(request.user).filter(pk=distributor).first()
        if account is None:
            raise Http404
        try:
            # One name in page and API: start / end; from / to (the API's first names) are still accepted.
            start_name = "start" if "start" in request.query_params else "from"
            end_name = "end" if "end" in request.query_params else "to"
            start, end = statements.check_range(_date_param(request, start_name), _date_param(request, end_name))
        except ValueError as exc:
            raise ValidationError({"start": [str(exc)]}) from None
        fmt = request.query_params.get("format_type") or "json"
        if fmt not in ("json", "pdf", "xlsx"):
            raise ValidationError({"format_type": [_("Choose json, pdf or xlsx.")]})
        with translation.override(request.user.language or translation.get_language()):
            data = statements.statement(distributor=account, start=start, end=end)
            if fmt == "pdf":
                response = HttpResponse(
                    statements.render_pdf(data=data, printed_by=request.user), content_type="application/pdf"
                )
            elif fmt == "xlsx":
                response = HttpResponse(statements.render_xlsx(data=data), content_type=statements.XLSX_CONTENT_TYPE)
            else:
                return Response(statement_payload(data))
        response["Content-Disposition"] = f'attachment; filename="{statements.filename(data, fmt)}"'
        response["Cache-Control"] = "private, no-store"
        return response


def statement_payload(data: statements.Statement) -> dict:
    return {
        "distributor": data.distributor.pk,
        "start": data.start.isoformat(),
        "end": data.end.isoformat(),
        "from": data.start.isoformat(),  # the old names, kept for existing callers
        "to": data.end.isoformat(),
        "opening_balance": money(data.opening_balance),
        "lines": [
            {
                "date": line.day.isoformat(),
                "kind": line.kind,
                "reference": line.reference,
                "description": line.description,
                "debit": money(line.debit),
                "credit": money(line.credit),
                "balance": money(line.balance),
                "due_date": line.due_date.isoformat() if line.due_date else None,
            }
            for line in data.lines
        ],
        "total_debit": money(data.total_debit),
        "total_credit": money(data.total_credit),
        "closing_balance": money(data.closing_balance),
        "open_invoices": [
            {"invoice": inv.pk, "number": inv.number, "due_date": inv.due_date.isoformat(), "open_amount": money(o)}
            for inv, o, _days in data.open_invoices
        ],
        "aging": aging_payload(data.aging)["totals"],
    }


# --- Credit holds -----------------------------------------------------------------------------------------------


class CreditHoldRuleSerializer(serializers.ModelSerializer):
    min_share = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, allow_null=True, help_text="0.2 for 20 %."
    )

    class Meta:
        model = CreditHoldRule
        fields = [
            "id",
            "name",
            "condition",
            "tier",
            "over_days",
            "up_to_days",
            "min_share",
            "action",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def create(self, validated_data):
        return holds.save_rule(by=self.context["request"].user, **validated_data)

    def update(self, instance, validated_data):
        return holds.save_rule(by=self.context["request"].user, rule=instance, **validated_data)


class CreditHoldRuleViewSet(NoDeleteViewSet):
    """Credit hold rules by aging bucket (the admin writes; everyone reads). Switch one off with
    ``is_active: false``; rules are not deleted. Overlapping days for the same tier are a 400."""

    serializer_class = CreditHoldRuleSerializer
    permission_classes = [IsAdminOrReadOnly]
    queryset = CreditHoldRule.objects.all()


class CreditHoldSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditHold
        fields = [
            "id",
            "distributor",
            "kind",
            "reason",
            "until",
            "placed_by",
            "placed_at",
            "ended_at",
            "ended_by",
            "end_reason",
        ]
        read_only_fields = fields


class HoldRequestSerializer(serializers.Serializer):
    distributor = MoneyDistributorField()
    reason = serializers.CharField(max_length=255)
    until = serializers.DateField(required=False, allow_null=True, help_text="A release: the day it runs until.")


class CreditHoldViewSet(viewsets.ReadOnlyModelViewSet):
    """Holds and releases by hand (finance), newest first; ``hold`` and ``release`` act on one account.
    The account's credit state (rules + hand + limit): ``GET /api/receivables/credit-check/?distributor=``."""

    serializer_class = CreditHoldSerializer
    filterset_fields = ["distributor", "kind"]

    def get_queryset(self):
        return CreditHold.objects.visible_to(self.request.user)

    def _act(self, request, act):
        if not holds.can_manage_holds(request.user):
            raise PermissionDenied(_("Only finance holds and releases accounts."))
        serializer = HoldRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = act(data)
        state = holds.credit_state_of(data["distributor"])
        return Response(
            {
                "hold": None if result is None else CreditHoldSerializer(result).data,
                "credit": credit_state_payload(state),
            },
            status=status.HTTP_201_CREATED if result is not None and result.ended_at is None else status.HTTP_200_OK,
        )

    @extend_schema(request=HoldRequestSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"])
    def hold(self, request):
        """Put one account on hold by hand, with a reason (audited); it stays until released by hand."""
        return self._act(
            request,
            lambda d: holds.place_hold(distributor=d["distributor"], reason=d["reason"], by=request.user),
        )

    @extend_schema(request=HoldRequestSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"])
    def release(self, request):
        """Release one account by hand, with a reason: ends a hold by hand; when the rules hold the account,
        releases it until ``until``."""
        return self._act(
            request,
            lambda d: holds.release_hold(
                distributor=d["distributor"], reason=d["reason"], until=d.get("until"), by=request.user
            ),
        )
