"""``/api/scorecards/``: reps' scorecards (推销人员绩效考核), scoped like the pages; ``/api/rating-criteria/``.

- ``GET /api/scorecards/?period=month|quarter&date=&team=``: a team's reps ranked (a rep gets their own row);
- ``GET /api/scorecards/{rep}/?period=&date=``: one rep's scorecard; ``POST`` the same URL with
  ``{"period", "date", "ratings": {code: score}, "training_needs"}`` to rate (a manager only: 403 otherwise);
- ``GET /api/scorecards/{rep}/pdf/`` and ``/xlsx/`` with the same query string.

A rep outside the caller's scope is a 404, like a missing one.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import IsAdminOrReadOnly
from kamcrm.api import JSONErrorsNegotiation
from kamcrm.validation import parse_date_param
from kamcrm.workbooks import XLSX_CONTENT_TYPE
from reports.scorecards import services as scorecards
from reports.scorecards.files import file_response
from reports.scorecards.models import RatingCriterion

PARAMETERS = [
    OpenApiParameter("period", str, enum=list(scorecards.KINDS), description="Default: month."),
    OpenApiParameter("date", OpenApiTypes.DATE, description="A day of the period; default: today."),
]


def parse_period(params, *, prefix_errors: dict | None = None):
    """The month or quarter named by ``period`` and ``date`` (query string or body); 400 for bad values."""
    errors = dict(prefix_errors or {})
    kind = params.get("period") or "month"
    if kind not in scorecards.KINDS:
        errors["period"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(scorecards.KINDS)}]
    day = None
    try:
        day = parse_date_param(params.get("date") or None, field="date", default=timezone.localdate())
    except DjangoValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return scorecards.period_of(kind, day)


def rep_or_404(user, pk):
    rep = scorecards.reps_in_scope(user).filter(pk=pk).select_related("team").first()
    if rep is None:
        raise Http404
    return rep


class ScorecardListView(APIView):
    @extend_schema(
        operation_id="scorecards_list",
        parameters=[*PARAMETERS, OpenApiParameter("team", int, description="Default: your team (or region's first).")],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        """A team's reps for the month or quarter, ranked on the sales rate as the team dashboard ranks them (the
        same figures), with their overall ratings (0–1) and rating positions, complaints and training needs."""
        period = parse_period(request.query_params)
        user = request.user
        if user.effective_role == Role.REP and not scorecards.teams_in_scope(user).exists():
            if user.team_id is None:
                raise Http404
            found = scorecards.team_scorecards(team=user.team, period=period)
            found.rows = [row for row in found.rows if row.rep_id == user.pk]
            return Response(scorecards.team_json(found))
        teams = scorecards.teams_in_scope(user)
        raw = request.query_params.get("team")
        if raw:
            try:
                team = teams.filter(pk=int(raw)).first()
            except ValueError:
                raise ValidationError({"team": [_("Enter a whole number.")]}) from None
        else:
            team = teams.filter(kam=user).first() or teams.first()
        if team is None:
            raise Http404
        return Response(scorecards.team_json(scorecards.team_scorecards(team=team, period=period)))


class RatingsInSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=list(scorecards.KINDS), default="month")
    date = serializers.DateField(required=False)
    ratings = serializers.DictField(
        child=serializers.CharField(allow_null=True, allow_blank=True), required=False, default=dict
    )
    training_needs = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=10_000)


class ScorecardDetailView(APIView):
    @extend_schema(parameters=PARAMETERS, responses=OpenApiTypes.OBJECT)
    def get(self, request, rep: int):
        """One rep's scorecard: results (the rep's dashboard figures and pacing), relationship, ratings with the
        scale and weight of each criterion, the overall rating, positions in the team, training needs and the
        three earlier periods."""
        user = rep_or_404(request.user, rep)
        period = parse_period(request.query_params)
        return Response(scorecards.rep_json(scorecards.rep_scorecard(rep=user, period=period)))

    @extend_schema(request=RatingsInSerializer, responses=OpenApiTypes.OBJECT)
    def post(self, request, rep: int):
        """Rate the rep for the period and note training needs (the rep's KAM, regional manager or the admin).
        A score outside its criterion's scale is a 400 under ``ratings.<code>``; nothing is saved then."""
        user = rep_or_404(request.user, rep)
        body = RatingsInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        day = data.get("date") or timezone.localdate()
        period = parse_period({"period": data["period"], "date": day.isoformat()})
        try:
            scorecards.save_scorecard(
                rep=user,
                period=period,
                scores=data.get("ratings") or {},
                training_needs=data.get("training_needs"),
                by=request.user,
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        except DjangoValidationError as exc:
            errors = exc.message_dict
            ratings = {code: messages for code, messages in errors.items() if code != "training_needs"}
            out = {"ratings": ratings} if ratings else {}
            if "training_needs" in errors:
                out["training_needs"] = errors["training_needs"]
            raise ValidationError(out) from None
        return Response(scorecards.rep_json(scorecards.rep_scorecard(rep=user, period=period)))


class _FileView(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsNegotiation
    fmt = "pdf"

    def get(self, request, rep: int):
        user = rep_or_404(request.user, rep)
        period = parse_period(request.query_params)
        with translation.override(request.user.language or translation.get_language()):
            card = scorecards.rep_scorecard(rep=user, period=period)
            return file_response(card=card, for_user=request.user, fmt=self.fmt)


class ScorecardPdfView(_FileView):
    fmt = "pdf"

    @extend_schema(
        parameters=PARAMETERS,
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The scorecard.")},
    )
    def get(self, request, rep: int):
        """The scorecard as a PDF, in the caller's language."""
        return super().get(request, rep)


class ScorecardXlsxView(_FileView):
    fmt = "xlsx"

    @extend_schema(
        parameters=PARAMETERS,
        responses={(200, XLSX_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="Excel workbook.")},
    )
    def get(self, request, rep: int):
        """The scorecard as an .xlsx workbook (results, review, earlier periods)."""
        return super().get(request, rep)


class RatingCriterionSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = RatingCriterion
        fields = ["id", "code", "name", "name_zh", "label", "scale_min", "scale_max", "weight", "position", "active"]

    def validate(self, attrs):
        low = attrs.get("scale_min", getattr(self.instance, "scale_min", None))
        high = attrs.get("scale_max", getattr(self.instance, "scale_max", None))
        if low is not None and high is not None and high <= low:
            raise ValidationError({"scale_max": [_("The highest score must be above the lowest.")]})
        weight = attrs.get("weight")
        if weight is not None and weight <= 0:
            raise ValidationError({"weight": [_("The weight must be above zero.")]})
        return attrs


class RatingCriterionViewSet(viewsets.ModelViewSet):
    """The criteria reps are rated on in their scorecards, each with its scale and weight: everyone signed in
    reads them, the admin keeps them. A criterion used in a rating cannot be deleted (400): make it inactive."""

    queryset = RatingCriterion.objects.all()
    serializer_class = RatingCriterionSerializer
    permission_classes = [IsAdminOrReadOnly]
    pagination_class = None
