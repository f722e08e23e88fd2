"""Training pages: the sessions of the user's teams (and the form that records one), one session with its
attendees, the review needs it answers and its effect on the attendees' figures."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from distributors.models import Distributor
from kamcrm.forms import BootstrapFormMixin, add_service_errors
from reports.training import services as training
from reports.training.models import TrainingSession


class TrainingForm(BootstrapFormMixin, forms.Form):
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=200)
    held_on = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    trainer = forms.CharField(label=gettext_lazy("Trainer"), max_length=100)
    audience = forms.ChoiceField(label=gettext_lazy("Audience"), choices=TrainingSession.Audience.choices)
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=None)
    attendee_reps = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Reps attending"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    distributor = forms.ModelChoiceField(label=gettext_lazy("Distributor"), queryset=None, required=False)
    attendee_contacts = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Distributor staff attending"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    scorecards = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Training needs from reviews"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        teams = training.teams_for(user)
        self.fields["team"].queryset = teams
        self.fields["attendee_reps"].queryset = User.objects.filter(
            team__in=teams, role__in=[Role.REP, Role.KAM], is_active=True
        ).order_by("username")
        self.fields["attendee_reps"].label_from_instance = lambda u: u.display_name
        self.fields["distributor"].queryset = (
            Distributor.objects.visible_to(user).filter(owner__team__in=teams).order_by("code")
        )
        self.fields["distributor"].label_from_instance = lambda d: f"{d.code} {d.display_name}"
        self.fields["attendee_contacts"].queryset = training.contacts_for(user).order_by("distributor__code", "name")
        self.fields["attendee_contacts"].label_from_instance = lambda c: f"{c.distributor.display_name}: {c.name}"
        self.fields["scorecards"].queryset = training.open_training_needs(user).filter(
            start__gte=timezone.localdate() - timedelta(days=190)
        )  # the last six months' reviews
        self.fields["scorecards"].label_from_instance = lambda s: (
            f"{s.rep.display_name} {s.start:%Y-%m}: {s.training_needs[:80]}"
        )
        self.fields["held_on"].initial = timezone.localdate()
        if teams.count() == 1:
            self.fields["team"].initial = teams.first()


@login_required
def training_list(request):
    if request.user.effective_role == Role.FINANCE:
        raise Http404
    found = training.sessions_visible_to(request.user)[:100]
    form = TrainingForm(request.POST or None, user=request.user) if training.may_record(request.user) else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                session = training.record_session_from(form.cleaned_data, by=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Training session recorded."))
                return redirect("reports:training_session", pk=session.pk)
    return render(request, "reports/training/list.html", {"sessions": found, "form": form})


@login_required
def training_detail(request, pk: int):
    session = training.sessions_visible_to(request.user).filter(pk=pk).first()
    if session is None:
        raise Http404
    return render(
        request,
        "reports/training/detail.html",
        {"session": session, "effect": training.effect(session, for_user=request.user)},
    )
