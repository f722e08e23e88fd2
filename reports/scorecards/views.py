"""Scorecard pages: the team's reps ranked for a month or quarter, and one rep's scorecard with the rating form.

They read the same query string and the same functions as ``/api/scorecards/`` (``scorecard_api``).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError as ApiValidationError

from accounts.models import Role
from kamcrm.forms import BootstrapFormMixin, add_service_errors
from reports.scorecards import services as scorecards
from reports.scorecards.api import parse_period, rep_or_404
from reports.scorecards.files import file_response, result_rows


def _period(request):
    try:
        return parse_period(request.GET)
    except ApiValidationError as exc:
        for problems in exc.detail.values():
            for problem in problems:
                messages.error(request, str(problem))
        return scorecards.period_of("month", None)


def _query(period, **extra) -> str:
    query = QueryDict(mutable=True)
    query.update({"period": period.kind, "date": period.start.isoformat(), **{k: v for k, v in extra.items() if v}})
    return query.urlencode()


def _periods():
    return [(kind, scorecards.KIND_LABELS[kind]) for kind in scorecards.KINDS]


@login_required
def scorecard_list(request):
    """The team's reps ranked on the sales rate, with their ratings; a rep goes to their own scorecard."""
    period = _period(request)
    teams = scorecards.teams_in_scope(request.user)
    if not teams.exists():
        if request.user.effective_role == Role.REP:
            return redirect(reverse("reports:scorecard", args=[request.user.pk]) + "?" + _query(period))
        raise Http404
    team = None
    if request.GET.get("team", "").isdigit():
        team = teams.filter(pk=int(request.GET["team"])).first()
    team = team or teams.filter(kam=request.user).first() or teams.first()
    found = scorecards.team_scorecards(team=team, period=period)
    context = {
        "found": found,
        "period": period,
        "teams": teams,
        "team": team,
        "periods": _periods(),
        "previous_url": "?" + _query(period.shifted(-1), team=team.pk),
        "next_url": "?" + _query(period.shifted(1), team=team.pk),
        "query": _query(period),
        "api_url": reverse("api-scorecards") + "?" + _query(period, team=team.pk),
    }
    return render(request, "reports/scorecards/list.html", context)


class RatingsForm(BootstrapFormMixin, forms.Form):
    """A score per active criterion on its scale (blank: not rated) and the training needs."""

    training_needs = forms.CharField(
        label=gettext_lazy("Training needs"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.code}"] = forms.DecimalField(
                label=criterion.label,
                required=False,
                min_value=criterion.scale_min,
                max_value=criterion.scale_max,
                decimal_places=1,
                max_digits=5,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal", "class": "form-control"}),
                help_text=_("%(low)s to %(high)s, weight %(weight)s")
                % {
                    "low": criterion.scale_min.normalize(),
                    "high": criterion.scale_max.normalize(),
                    "weight": criterion.weight.normalize(),
                },
            )
        self.order_fields([*(f"score_{c.code}" for c in criteria), "training_needs"])

    def scores(self) -> dict:
        return {c.code: self.cleaned_data.get(f"score_{c.code}") for c in self.criteria}


@login_required
def scorecard_detail(request, rep: int):
    """One rep's scorecard; a manager rates the rep and notes training needs here (POST)."""
    person = rep_or_404(request.user, rep)
    period = _period(request)
    can_rate = scorecards.may_rate(request.user, person)
    criteria = scorecards.criteria()
    card = scorecards.rep_scorecard(rep=person, period=period)
    form = None
    if can_rate:
        initial = {f"score_{line.criterion.code}": line.score for line in card.ratings}
        initial["training_needs"] = card.training_needs
        form = RatingsForm(request.POST or None, criteria=criteria, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                scorecards.save_scorecard(
                    rep=person,
                    period=period,
                    scores=form.scores(),
                    training_needs=form.cleaned_data["training_needs"],
                    by=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc, {c.code: f"score_{c.code}" for c in criteria})
            else:
                messages.success(request, _("Scorecard saved."))
                return redirect(reverse("reports:scorecard", args=[person.pk]) + "?" + _query(period))
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "card": card,
        "results": result_rows(card),
        "period": period,
        "periods": _periods(),
        "form": form,
        "query": _query(period),
        "previous_url": "?" + _query(period.shifted(-1)),
        "next_url": "?" + _query(period.shifted(1)),
        "list_url": reverse("reports:scorecards") + "?" + _query(period, team=person.team_id)
        if scorecards.teams_in_scope(request.user).filter(pk=person.team_id).exists()
        else "",
        "api_url": reverse("api-scorecard", args=[person.pk]) + "?" + _query(period),
    }
    return render(request, "reports/scorecards/detail.html", context)


@login_required
def scorecard_file(request, rep: int, fmt: str):
    person = rep_or_404(request.user, rep)
    period = _period(request)
    with translation.override(request.user.language or translation.get_language()):
        card = scorecards.rep_scorecard(rep=person, period=period)
        return file_response(card=card, for_user=request.user, fmt=fmt)
