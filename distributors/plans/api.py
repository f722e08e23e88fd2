"""Plans API: /api/plans/ (quarterly plans with nested monthly plans and rep splits; actions ``submit``,
``approve``, ``return``, ``revise``, ``confirm``), /api/account-plans/ (with nested SMART objectives),
/api/action-items/ and /api/seasonal-profiles/ — scoped exactly like the pages (same selectors and filters).

Writes go through ``plans.services``: a step the caller's role may never take is a 403, bad input or a step
the plan's state does not allow is a 400 with field errors, a plan outside the caller's scope a 404.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.api import VisiblePrimaryKeyField
from accounts.models import User
from accounts.permissions import IsAdminOrReadOnly
from kamcrm.filters import DjangoFilterBackend
from kamcrm.validators import TextLengthValidator
from kamcrm.viewsets import NoDeleteViewSet, PdfAPIView, pdf_responses

from ..cards.exports import CONTENT_TYPES
from ..cards.filters import valid_rows
from ..cards.models import Contact, Distributor
from . import selectors, services
from .arithmetic import TARGET_FIELDS, Targets
from .exports import plan_workbook_response, signed_copy_response
from .filters import ActionItemFilter, PlanFilter
from .models import (
    AccountPlan,
    ActionItem,
    Distribution,
    MonthlyPlan,
    Objective,
    PlanStep,
    QuarterlyPlan,
    RepSplit,
    SeasonalProfile,
    SplitMethod,
)
from .pdf import plan_pdf_response

MONEY_FIELD = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


def _targets_from(data: dict, default: Targets | None = None) -> Targets:
    base = (default or Targets()).as_dict()
    base.update({name: data[name] for name in TARGET_FIELDS if name in data})
    return Targets(**base)


class TargetsInput(serializers.Serializer):
    """The six targets as input; each defaults to zero when left out."""

    volume = serializers.IntegerField(min_value=0, required=False)
    sales_amount = serializers.DecimalField(**MONEY_FIELD, required=False)
    gross_profit = serializers.DecimalField(**MONEY_FIELD, required=False)
    collection_amount = serializers.DecimalField(**MONEY_FIELD, required=False)
    outlet_coverage = serializers.IntegerField(min_value=0, required=False)
    new_outlets = serializers.IntegerField(min_value=0, required=False)


class RepSplitSerializer(TargetsInput, serializers.ModelSerializer):
    rep = VisiblePrimaryKeyField(queryset=User.objects.filter(is_active=True))
    share_pct = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False)

    class Meta:
        model = RepSplit
        fields = ["rep", "share_pct", *TARGET_FIELDS]
        validators = []


class MonthlyPlanSerializer(TargetsInput, serializers.ModelSerializer):
    month = serializers.DateField(required=False, help_text=_("The first day of the month."))
    rep_splits = RepSplitSerializer(many=True, required=False)

    class Meta:
        model = MonthlyPlan
        fields = ["month", *TARGET_FIELDS, "rep_splits"]
        validators = []


class PlanStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanStep
        fields = ["action", "by", "at", "comment"]


class RepShareSerializer(serializers.Serializer):
    rep = VisiblePrimaryKeyField(queryset=User.objects.filter(is_active=True))
    share_pct = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)


# Who moved the plan through its steps and when: shown, never written through the API.
_WORKFLOW_FIELDS = [
    "created_by",
    "created_at",
    "submitted_by",
    "submitted_at",
    "approved_by",
    "approved_at",
    "returned_by",
    "returned_at",
    "return_comment",
    "superseded_at",
    "updated_at",
]


class PlanSerializer(TargetsInput, serializers.ModelSerializer):
    distributor = VisiblePrimaryKeyField(queryset=Distributor.objects.all())
    seasonal_profile = serializers.PrimaryKeyRelatedField(
        queryset=SeasonalProfile.objects.all(), allow_null=True, required=False
    )
    monthly_plans = MonthlyPlanSerializer(
        many=True,
        required=False,
        help_text=_(
            "The three months, each with its rep splits. Give the months' targets when distribution is manual, "
            "and the rep splits' shares (split by percentage) or targets (split by amount)."
        ),
    )
    rep_shares = RepShareSerializer(
        many=True, required=False, write_only=True, help_text=_("The same percentage split for all three months.")
    )
    steps = PlanStepSerializer(many=True, read_only=True)
    signed_copy = serializers.SerializerMethodField(
        help_text=_("Where to download the signed copy (only for those who may see the plan), or null.")
    )
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = QuarterlyPlan
        fields = [
            "id",
            "distributor",
            "year",
            "quarter",
            "revision",
            "previous_revision",
            "status",
            *TARGET_FIELDS,
            "distribution",
            "seasonal_profile",
            "split_method",
            "notes",
            "monthly_plans",
            "rep_shares",
            "confirmed_by",
            "confirmed_on",
            "signed_copy",
            *_WORKFLOW_FIELDS,
            "steps",
            "can_edit",
        ]
        read_only_fields = [
            "revision",
            "previous_revision",
            "status",
            "confirmed_by",
            "confirmed_on",
            *_WORKFLOW_FIELDS,
        ]
        validators = []  # one active plan per quarter is the service's rule, with its own message

    def get_signed_copy(self, plan) -> str | None:
        if not plan.signed_copy:
            return None
        return self.context["request"].build_absolute_uri(reverse("plan-signed-copy", args=[plan.pk]))

    def get_can_edit(self, plan) -> bool:
        if not plan.is_editable:
            return False
        if hasattr(plan, "editable"):  # annotated by the viewset's queryset: no query per plan in lists
            return plan.editable
        return QuarterlyPlan.objects.editable_by(self.context["request"].user).filter(pk=plan.pk).exists()

    def save_through_service(self, plan: QuarterlyPlan | None = None) -> QuarterlyPlan:
        data = self.validated_data
        current = _current_input(plan) if plan is not None else {}
        targets = _targets_from(data, Targets.of(plan) if plan is not None else None)
        distribution = data.get("distribution", current.get("distribution", Distribution.EVEN))
        split_method = data.get("split_method", current.get("split_method", SplitMethod.PERCENTAGE))
        months_data = data.get("monthly_plans")
        months, splits, month_splits = None, None, current.get("month_splits")
        if months_data is not None:
            months = [_targets_from(m) for m in months_data]
            if any("rep_splits" in m for m in months_data):
                month_splits = [[_split_input(s, split_method) for s in m.get("rep_splits", [])] for m in months_data]
        elif distribution == Distribution.MANUAL:
            months = current.get("months")
        if "rep_shares" in data:
            split_method, month_splits = SplitMethod.PERCENTAGE, None
            splits = [services.SplitInput(rep=s["rep"], share_pct=s["share_pct"]) for s in data["rep_shares"]]
        content = services.PlanContent(
            targets=targets,
            distribution=distribution,
            seasonal_profile=data.get("seasonal_profile", current.get("seasonal_profile")),
            months=months if distribution == Distribution.MANUAL else None,
            split_method=split_method,
            splits=splits,
            month_splits=month_splits,
            notes=data.get("notes", current.get("notes", "")),
        )
        by = self.context["request"].user
        if plan is None:
            self.instance = services.draft_plan(
                by=by,
                distributor=data.get("distributor"),
                year=data.get("year"),
                quarter=data.get("quarter"),
                content=content,
            )
        else:
            for name in ("distributor", "year", "quarter"):
                if name in data and data[name] != getattr(plan, name):
                    raise DjangoValidationError({name: [_("A plan's distributor and quarter cannot change.")]})
            self.instance = services.change_draft(by=by, plan=plan, content=content)
        return self.instance


def _split_input(data: dict, split_method: str) -> services.SplitInput:
    if split_method == SplitMethod.AMOUNT:
        return services.SplitInput(rep=data["rep"], targets=_targets_from(data))
    return services.SplitInput(rep=data["rep"], share_pct=data.get("share_pct"))


def _current_input(plan: QuarterlyPlan) -> dict:
    """What a PATCH leaves as it is: the plan's current months, splits and settings as service input."""
    months = list(plan.monthly_plans.order_by("month").prefetch_related("rep_splits__rep"))
    return {
        "distribution": plan.distribution,
        "seasonal_profile": plan.seasonal_profile,
        "split_method": plan.split_method,
        "notes": plan.notes,
        "months": [Targets.of(m) for m in months],
        "month_splits": [
            [services.SplitInput(rep=s.rep, share_pct=s.share_pct, targets=Targets.of(s)) for s in m.rep_splits.all()]
            for m in months
        ]
        or None,
    }


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(validators=[TextLengthValidator()], required=False, allow_blank=True, default="")


class ReturnSerializer(serializers.Serializer):
    comment = serializers.CharField(
        validators=[TextLengthValidator()], help_text=_("What should change before the plan can be approved.")
    )


class ReviseSerializer(serializers.Serializer):
    reason = serializers.CharField(validators=[TextLengthValidator()], required=False, allow_blank=True, default="")


class ConfirmSerializer(serializers.Serializer):
    confirmed_by = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all(), help_text=_("A contact id."))
    confirmed_on = serializers.DateField()
    signed_copy = serializers.FileField(required=False, help_text=_("The signed plan: PDF or photo, up to 10 MB."))

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.fields["confirmed_by"].queryset = Contact.objects.filter(distributor=plan.distributor_id)


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _rate(value) -> str | None:
    return None if value is None else f"{value:.4f}"


def plan_vs_actual_json(row: selectors.PlanVsActual) -> dict:
    return {
        "label": row.label,
        "start": row.start,
        "end": row.end,
        "rep": row.rep.pk if row.rep else None,
        "target": {n: (v if isinstance(v, int) else _money(v)) for n, v in row.target.as_dict().items()},
        "actual": {
            "volume": _money(row.actual.volume),
            "sales_amount": _money(row.actual.sales_amount),
            "gross_profit": _money(row.actual.gross_profit),
            "collection_amount": _money(row.actual.collection_amount),
            "outlet_coverage": row.actual.outlet_coverage,
            "new_outlets": row.actual.new_outlets,
        },
        "rates": {n: _rate(v) for n, v in row.rates.items()},
        "sources": sorted(row.actual.sources),
    }


def _with_editable(queryset, user):
    """``queryset`` (plans or account plans) with ``editable``: whether ``user`` may change each row."""
    return queryset.annotate(editable=Exists(queryset.model.objects.editable_by(user).filter(pk=OuterRef("pk"))))


class PlanViewSet(NoDeleteViewSet):
    """Quarterly plans with their monthly plans and rep splits. Plans are never deleted (revisions keep history)."""

    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["year", "quarter", "status", "updated_at", "distributor__code"]
    search_fields = []

    def get_queryset(self):
        plans = selectors.plan_list(for_user=self.request.user)
        return _with_editable(plans, self.request.user).prefetch_related("monthly_plans__rep_splits", "steps")

    def get_parsers(self):
        if getattr(self, "action", None) == "confirm":
            return [MultiPartParser(), FormParser(), JSONParser()]
        return super().get_parsers()

    def create(self, request, *args, **kwargs):
        if not services.can_plan(request.user):
            raise PermissionDenied(_("Only a KAM or an administrator can draft plans."))
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save_through_service()
        return Response(self._fresh(serializer.instance), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        plan = self.get_object()
        if not services.can_plan(request.user):
            raise PermissionDenied(_("Only a KAM or an administrator can change plans."))
        serializer = self.get_serializer(plan, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        serializer.save_through_service(plan)
        return Response(self._fresh(plan))

    def _fresh(self, plan: QuarterlyPlan) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=plan.pk)).data

    def _step(self, request, function, serializer_class, **extra):
        plan = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        function(plan=plan, by=request.user, **serializer.validated_data, **extra)
        return Response(self._fresh(plan))

    @extend_schema(request=CommentSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft or returned plan to the regional manager (KAM, admin)."""
        return self._step(request, services.submit_plan, CommentSerializer)

    @extend_schema(request=CommentSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a submitted plan (regional manager, admin; not your own plan)."""
        return self._step(request, services.approve_plan, CommentSerializer)

    @extend_schema(request=ReturnSerializer, responses=PlanSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Return a submitted plan to the KAM with a comment (regional manager, admin)."""
        return self._step(request, services.return_plan, ReturnSerializer)

    @extend_schema(request=ReviseSerializer, responses={201: PlanSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Start a revision of an approved plan: a new draft; the approved one stays until the revision is approved."""
        plan = self.get_object()
        serializer = ReviseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revision = services.revise_plan(plan=plan, by=request.user, reason=serializer.validated_data["reason"])
        return Response(self._fresh(revision), status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": ConfirmSerializer}, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Record the distributor contact who confirmed the plan, the date, and the signed copy (multipart)."""
        plan = self.get_object()
        serializer = ConfirmSerializer(data=request.data, plan=plan)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.record_confirmation(
            plan=plan,
            by=request.user,
            contact=data["confirmed_by"],
            confirmed_on=data["confirmed_on"],
            signed_copy=data.get("signed_copy"),
        )
        return Response(self._fresh(plan))

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF or photo")}
    )
    @action(detail=True, methods=["get"], url_path="signed-copy", url_name="signed-copy")
    def signed_copy(self, request, pk=None):
        """The signed copy of the plan (PDF or photo), for those who may see the plan."""
        return signed_copy_response(plan=self.get_object())

    @extend_schema(
        responses=inline_serializer(
            "PlanVsActual",
            {
                "label": serializers.CharField(),
                "start": serializers.DateField(),
                "end": serializers.DateField(),
                "target": serializers.DictField(),
                "actual": serializers.DictField(),
                "rates": serializers.DictField(),
                "sources": serializers.ListField(child=serializers.CharField()),
            },
            many=True,
        )
    )
    @action(detail=True, methods=["get"])
    def actuals(self, request, pk=None):
        """Plan vs actual: the three months and the quarter, with completion rates (4-place decimal strings)."""
        plan = selectors.plan_detail(for_user=request.user, pk=self.get_object().pk)
        return Response([plan_vs_actual_json(row) for row in selectors.plan_months_vs_actual(plan=plan)])

    @extend_schema(responses=PlanSerializer(many=True))
    @action(detail=True, methods=["get"])
    def revisions(self, request, pk=None):
        """Every version of this distributor's plan for the quarter, oldest first."""
        plan = self.get_object()
        ids = [p.pk for p in selectors.revision_history(plan=plan)]
        plans = self.get_queryset().filter(pk__in=ids).order_by("revision")
        return Response(self.get_serializer(plans, many=True).data)


# --- Account plans ----------------------------------------------------------------------------------------


class ObjectiveSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False)

    class Meta:
        model = Objective
        fields = ["id", "statement", "measure", "target_value", "due_on", "rationale"]


class ActionItemSerializer(serializers.ModelSerializer):
    account_plan = VisiblePrimaryKeyField(queryset=AccountPlan.objects.all())
    owner = VisiblePrimaryKeyField(queryset=User.objects.filter(is_active=True))
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "account_plan",
            "objective",
            "task",
            "owner",
            "due_on",
            "status",
            "completion_note",
            "completed_on",
            "is_overdue",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["completed_on", "created_by", "created_at", "updated_at"]

    def get_is_overdue(self, item) -> bool:
        return item.is_overdue()

    def validate_account_plan(self, value):
        if self.instance is not None and value != self.instance.account_plan:
            raise serializers.ValidationError(_("An action item cannot move to another account plan."))
        return value


class AccountPlanSerializer(serializers.ModelSerializer):
    distributor = VisiblePrimaryKeyField(queryset=Distributor.objects.all())
    objectives = ObjectiveSerializer(
        many=True,
        required=False,
        help_text=_("SMART objectives. On write, the list replaces the plan's: with an id to keep and change one."),
    )
    action_items = ActionItemSerializer(many=True, read_only=True)
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = AccountPlan
        fields = [
            "id",
            "distributor",
            "year",
            "vision",
            "objectives",
            "action_items",
            "created_by",
            "created_at",
            "updated_at",
            "can_edit",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]
        validators = []

    def get_can_edit(self, plan) -> bool:
        if hasattr(plan, "editable"):
            return plan.editable
        return services.can_edit_account_plan(self.context["request"].user, plan)

    def validate(self, attrs):
        if self.instance is not None and "distributor" in attrs and attrs["distributor"] != self.instance.distributor:
            raise serializers.ValidationError(
                {"distributor": [_("An account plan cannot move to another distributor.")]}
            )
        if (
            self.instance is None
            and AccountPlan.objects.filter(distributor=attrs.get("distributor"), year=attrs.get("year")).exists()
        ):
            raise serializers.ValidationError(
                {"year": [_("This distributor already has an account plan for the year.")]}
            )
        return attrs

    def save_through_service(self, plan: AccountPlan | None = None) -> AccountPlan:
        data = dict(self.validated_data)
        objectives = data.pop("objectives", None)
        plan = plan or AccountPlan()
        for name, value in data.items():
            setattr(plan, name, value)
        self.instance = services.save_account_plan(
            account_plan=plan, by=self.context["request"].user, objectives=objectives
        )
        return self.instance


class AccountPlanViewSet(NoDeleteViewSet):
    """Account plans of key accounts: vision, SMART objectives (nested), action items (read here; write at
    /api/action-items/)."""

    serializer_class = AccountPlanSerializer
    filterset_fields = ["distributor", "year"]
    search_fields = ["distributor__name", "distributor__code", "vision"]
    ordering_fields = ["year", "updated_at"]

    def get_queryset(self):
        plans = selectors.account_plan_list(for_user=self.request.user)
        return _with_editable(plans, self.request.user).prefetch_related("objectives", "action_items")

    def create(self, request, *args, **kwargs):
        if not services.can_plan(request.user):
            raise PermissionDenied(_("Only a KAM or an administrator can write account plans."))
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.save_through_service()

    def perform_update(self, serializer):
        serializer.save_through_service(serializer.instance)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response.data = self.get_serializer(self.get_queryset().get(pk=kwargs["pk"])).data
        return response


class ActionItemViewSet(NoDeleteViewSet):
    """Action items of account plans. The KAM writes them; the owner updates status and completion note.
    Not deleted: set ``status`` to ``dropped`` with a note."""

    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter
    search_fields = ["task"]
    ordering_fields = ["due_on", "status", "updated_at"]

    def get_queryset(self):
        return selectors.action_item_list(for_user=self.request.user)

    def _save(self, serializer, instance=None):
        item = instance or ActionItem()
        for name, value in serializer.validated_data.items():
            setattr(item, name, value)
        serializer.instance = services.save_action_item(item=item, by=self.request.user)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class SeasonalProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = SeasonalProfile
        fields = ["id", "name", "description", "is_active", *SeasonalProfile.MONTHS]

    def validate(self, attrs):
        profile = SeasonalProfile()
        for name in SeasonalProfile.MONTHS:
            setattr(profile, name, attrs.get(name, getattr(self.instance, name, profile.__dict__[name])))
        try:
            profile.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"non_field_errors": exc.messages}) from None
        return attrs


class SeasonalProfileViewSet(NoDeleteViewSet):
    """Seasonal profiles (named monthly percentages): everyone reads, the admin role writes; deactivate, not delete."""

    queryset = SeasonalProfile.objects.all()
    serializer_class = SeasonalProfileSerializer
    permission_classes = [IsAdminOrReadOnly]
    filterset_fields = ["is_active"]
    search_fields = ["name"]


# --- Files: the plan as PDF, plans as .xlsx ----------------------------------------------------------------


class PlanPdfView(PdfAPIView):
    """GET /api/plans/<id>/plan.pdf — the printed plan, in the caller's language; 404 outside scope."""

    @extend_schema(
        operation_id="plans_pdf",
        tags=["plans"],
        responses=pdf_responses(pdf="The plan, A4 landscape.", missing="No such plan in your scope."),
    )
    def get(self, request, pk: int):
        with translation.override(request.user.language or translation.get_language()):
            try:
                plan = selectors.plan_detail(for_user=request.user, pk=pk)
            except QuarterlyPlan.DoesNotExist:
                raise Http404 from None
            return plan_pdf_response(plan=plan, for_user=request.user)


class PlanExportView(GenericAPIView):
    """GET /api/plans/export/?<the list's filters> — plans, months and rep splits as .xlsx (scoped and filtered
    like /api/plans/)."""

    filterset_class = PlanFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = None

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)

    def get_queryset(self):
        return selectors.plan_list(for_user=self.request.user).prefetch_related("monthly_plans__rep_splits__rep")

    @extend_schema(
        operation_id="plans_export",
        responses={(200, CONTENT_TYPES["xlsx"]): OpenApiResponse(OpenApiTypes.BINARY, description="Excel workbook")},
        filters=True,
    )
    def get(self, request):
        # The page export's rule: a filter value that does not validate is a 400, never dropped.
        plans = valid_rows(PlanFilter(request.query_params, queryset=self.get_queryset(), request=request))
        plans = plans.order_by("year", "quarter", "distributor__code", "revision")
        return plan_workbook_response(plans=list(plans), filename=f"plans-{timezone.localdate():%Y%m%d}")
