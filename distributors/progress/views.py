"""Progress table pages: a board (a column per stage) or a list, per rep or team, with conversion; one account's
progress form and its moves. Same reads and writes as ``/api/progress/``."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError as ApiValidationError

from accounts.models import Role, User
from accounts.scope import owned_by_scope
from accounts.selectors import teams_overseen_by
from kamcrm.forms import BootstrapFormMixin, add_service_errors

from ..cards import services
from ..cards.models import Distributor
from . import services as progress
from .api import period_from
from .models import ProgressStage


class MoveForm(BootstrapFormMixin, forms.Form):
    stage = forms.ModelChoiceField(label=gettext_lazy("Stage"), queryset=ProgressStage.objects.filter(active=True))
    next_step = forms.CharField(label=gettext_lazy("Next step"), required=False, max_length=255)
    next_step_on = forms.DateField(
        label=gettext_lazy("Next step on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expected_signing_on = forms.DateField(
        label=gettext_lazy("Expected signing date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    probability = forms.DecimalField(
        label=gettext_lazy("Probability (%)"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text=gettext_lazy("Blank: the stage's default."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (needed to move back)"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _int(value):
    return int(value) if value and str(value).isdigit() else None


@login_required
def progress_table(request):
    rep, team = _int(request.GET.get("rep")), _int(request.GET.get("team"))
    view = "list" if request.GET.get("view") == "list" else "board"
    try:
        start, end, kind = period_from(request.GET)
    except ApiValidationError:
        start, end, kind = period_from({})
    context = {
        "view": view,
        "rep": rep,
        "team": team,
        "reps": User.objects.filter(owned_by_scope(request.user, owner=""), role__in=[Role.REP, Role.KAM]).order_by(
            "username"
        ),
        "teams": teams_overseen_by(request.user).order_by("name"),
        "conversion": progress.conversion(for_user=request.user, start=start, end=end, team=team),
        "start": start,
        "end": end,
        "kind": kind,
    }
    if view == "list":
        context["accounts"] = progress.table(for_user=request.user, rep=rep, team=team)
    else:
        context["columns"] = progress.board(for_user=request.user, rep=rep, team=team)
    return render(request, "distributors/progress/table.html", context)


@login_required
def progress_detail(request, pk: int):
    account = Distributor.objects.visible_to(request.user).select_related("owner").filter(pk=pk).first()
    if account is None:
        raise Http404
    current = getattr(account, "progress", None) if hasattr(account, "progress") else None
    can_edit = services.can_edit(request.user, account) and account.status in progress.OPEN_STATUSES
    form = None
    if can_edit:
        initial = {}
        if current:
            initial = {
                "stage": current.stage,
                "next_step": current.next_step,
                "next_step_on": current.next_step_on,
                "expected_signing_on": current.expected_signing_on,
                "probability": current.probability,
            }
        form = MoveForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                progress.move(distributor=account, by=request.user, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Progress saved."))
                return redirect("distributors:progress", pk=account.pk)
    elif request.method == "POST":
        raise PermissionDenied
    context = {"d": account, "current": current, "form": form, "moves": progress.moves_of(account)}
    return render(request, "distributors/progress/detail.html", context)
