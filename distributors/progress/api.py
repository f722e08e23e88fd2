"""``/api/progress/``: the customer progress table (客户推进表), scoped like the customer cards.

- ``GET /api/progress/?rep=&team=``: the intent and potential accounts with their progress;
- ``GET /api/progress/{distributor}/``: one account's progress and its moves;
- ``POST /api/progress/{distributor}/move/``: put it on the table or move it (a backwards move needs ``reason``);
- ``GET /api/progress/conversion/?period=month|quarter&date=&team=``: conversion per rep;
- ``/api/progress-stages/``: the stages (the admin renames and orders them).
"""

import calendar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.permissions import IsAdminOrReadOnly
from kamcrm.validation import parse_date_param

from ..cards.models import Distributor
from . import services as progress
from .models import ProgressStage


class ProgressStageSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = ProgressStage
        fields = ["id", "code", "name", "name_zh", "label", "position", "probability", "is_signed", "active"]


class ProgressStageViewSet(viewsets.ModelViewSet):
    """The stages of the progress table: everyone signed in reads them, the admin renames and orders them. A stage
    an account has reached cannot be deleted (400): make it inactive."""

    queryset = ProgressStage.objects.all()
    serializer_class = ProgressStageSerializer
    permission_classes = [IsAdminOrReadOnly]
    pagination_class = None


def entry_json(account) -> dict:
    p = getattr(account, "progress", None)
    return {
        "distributor": account.pk,
        "code": account.code,
        "name": account.display_name,
        "status": account.status,
        "owner": account.owner_id,
        "owner_name": account.owner.display_name if account.owner_id else None,
        "stage": p.stage.code if p else None,
        "stage_label": p.stage.label if p else None,
        "next_step": p.next_step if p else "",
        "next_step_on": p.next_step_on.isoformat() if p and p.next_step_on else None,
        "expected_signing_on": p.expected_signing_on.isoformat() if p and p.expected_signing_on else None,
        "probability": f"{p.probability:.2f}" if p else None,
        "signed_on": p.signed_on.isoformat() if p and p.signed_on else None,
    }


class MoveSerializer(serializers.Serializer):
    stage = serializers.CharField(max_length=30, help_text="A stage code (see /api/progress-stages/).")
    next_step = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    next_step_on = serializers.DateField(required=False, allow_null=True)
    expected_signing_on = serializers.DateField(required=False, allow_null=True)
    probability = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


def _int(params, name):
    raw = params.get(name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: [_("Enter a whole number.")]}) from None


class ProgressViewSet(viewsets.GenericViewSet):
    """The customer progress table: intent and potential accounts you may see, with stage, next step, expected
    signing date and probability. Signing turns the account into an existing customer (the same card)."""

    queryset = ProgressStage.objects.none()
    serializer_class = MoveSerializer
    lookup_value_regex = r"\d+"

    def _table(self):
        params = self.request.query_params
        return progress.table(for_user=self.request.user, rep=_int(params, "rep"), team=_int(params, "team"))

    @extend_schema(
        operation_id="progress_list",
        parameters=[OpenApiParameter("rep", int), OpenApiParameter("team", int)],
        responses=OpenApiTypes.OBJECT,
    )
    def list(self, request):
        page = self.paginate_queryset(self._table())
        return self.get_paginated_response([entry_json(a) for a in page])

    def _account(self, pk):
        account = Distributor.objects.visible_to(self.request.user).select_related("owner").filter(pk=pk).first()
        if account is None:
            raise Http404
        return account

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def retrieve(self, request, pk=None):
        account = self._account(pk)
        moves = [
            {
                "from": m.from_stage.code if m.from_stage else None,
                "to": m.to_stage.code,
                "reason": m.reason,
                "moved_on": m.moved_on.isoformat(),
                "by": m.by_id,
            }
            for m in progress.moves_of(account)
        ]
        return Response({**entry_json(account), "moves": moves})

    @extend_schema(request=MoveSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Put the account on the table or move it. 400 with field errors: not intent/potential, unknown stage, a
        backwards move without ``reason``, a probability outside 0–100; 403 for a card you may only read."""
        account = self._account(pk)
        body = MoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        stage = ProgressStage.objects.filter(code=data["stage"], active=True).first()
        if stage is None:
            raise ValidationError({"stage": [_("Choose a stage.")]})
        try:
            progress.move(
                distributor=account,
                stage=stage,
                next_step=data.get("next_step", ""),
                next_step_on=data.get("next_step_on"),
                expected_signing_on=data.get("expected_signing_on"),
                probability=data.get("probability"),
                reason=data.get("reason", ""),
                by=request.user,
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return self.retrieve(request, pk=pk)

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, enum=["month", "quarter"]),
            OpenApiParameter("date", OpenApiTypes.DATE),
            OpenApiParameter("team", int),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=False, methods=["get"])
    def conversion(self, request):
        """Per rep: accounts on the table at the period's start, put on it during the period, signed in it, and the
        conversion rate signed ÷ (at start + new); the last row (rep null) is the total."""
        start, end, kind = period_from(request.query_params)
        rows = progress.conversion(for_user=request.user, start=start, end=end, team=_int(request.query_params, "team"))
        body = {"period": kind, "start": start.isoformat(), "end": end.isoformat()}
        return Response({**body, "results": progress.conversion_json(rows)})


def period_from(params):
    kind = params.get("period") or "month"
    if kind not in ("month", "quarter"):
        raise ValidationError({"period": [_("Choose one of: %(choices)s.") % {"choices": "month, quarter"}]})
    try:
        day = parse_date_param(params.get("date"), field="date", default=timezone.localdate())
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from None
    first_month = day.month if kind == "month" else (day.month - 1) // 3 * 3 + 1
    last_month = first_month if kind == "month" else first_month + 2
    start = day.replace(month=first_month, day=1)
    end = day.replace(month=last_month, day=calendar.monthrange(day.year, last_month)[1])
    return start, end, kind
