"""Contest pages: the contests covering the user (and the form that sets one), one contest's leaderboard."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamcrm.forms import BootstrapFormMixin, add_service_errors
from reports.contests import services as contests
from reports.contests.models import Contest


class ContestForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    metric = forms.ChoiceField(label=gettext_lazy("Metric"), choices=Contest.Metric.choices)
    kind = forms.ChoiceField(label=gettext_lazy("Period"), choices=Contest.Kind.choices)
    date = forms.DateField(
        label=gettext_lazy("A day of the period"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    scope = forms.ChoiceField(label=gettext_lazy("Who takes part"))
    prize = forms.CharField(
        label=gettext_lazy("Prize"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams, regions = contests.scopes_for_setter(user)
        choices = [("", "—")]
        choices += [(f"region:{r.pk}", _("Region %(name)s") % {"name": r.name}) for r in regions.order_by("name")]
        choices += [(f"team:{t.pk}", _("Team %(name)s") % {"name": t.name}) for t in teams.order_by("name")]
        self.fields["scope"].choices = choices
        self.fields["scope"].required = False
        self.fields["date"].initial = timezone.localdate()

    def scope_ids(self) -> tuple[int | None, int | None]:
        kind, _sep, pk = (self.cleaned_data.get("scope") or "").partition(":")
        return (int(pk), None) if kind == "team" else (None, int(pk)) if kind == "region" else (None, None)


@login_required
def contest_list(request):
    today = timezone.localdate()
    found = list(contests.contests_visible_to(request.user).order_by("-end", "name")[:100])
    form = ContestForm(request.POST or None, user=request.user) if contests.may_set(request.user) else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            team, region = form.scope_ids()
            try:
                contest = contests.create_contest(
                    name=form.cleaned_data["name"],
                    metric=form.cleaned_data["metric"],
                    kind=form.cleaned_data["kind"],
                    day=form.cleaned_data["date"],
                    team=team,
                    region=region,
                    prize=form.cleaned_data["prize"],
                    by=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc, {"team": "scope", "region": "scope", "kind": "kind"})
            else:
                messages.success(request, _("Contest set."))
                return redirect("reports:contest", pk=contest.pk)
    rows = [{"contest": c, "status": contests.status(c, today)} for c in found]
    return render(request, "reports/contests/list.html", {"rows": rows, "form": form})


@login_required
def contest_detail(request, pk: int):
    contest = contests.contests_visible_to(request.user).filter(pk=pk).first()
    if contest is None:
        raise Http404
    context = {
        "contest": contest,
        "status": contests.status(contest),
        "places": contests.standings(contest),
        "rate": contest.metric in contests.RATE_METRICS,
        "money": contest.metric in contests.MONEY_METRICS,
    }
    return render(request, "reports/contests/detail.html", context)
