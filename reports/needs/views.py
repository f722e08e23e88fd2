"""Pages of customer needs and strategy combinations: the need catalogue (the admin keeps it), the accounts' needs
(flagged by the indicators or noted by reps; close one), usage and outcome per strategy, and the suggestion the
visit form loads for the chosen account."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from distributors.models import Distributor
from kamcrm.forms import BootstrapFormMixin, add_service_errors
from kamcrm.validation import path_date
from reports.cycle.models import ServiceStrategy
from reports.needs import services as needs
from reports.needs.models import AccountNeed, Need


class NeedForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Need
        fields = [
            "code",
            "name",
            "name_zh",
            "description",
            "strategies",
            "indicator",
            "comparison",
            "threshold",
            "position",
            "is_active",
        ]
        widgets = {"strategies": forms.CheckboxSelectMultiple, "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "threshold": gettext_lazy(
                "Rates as decimals: −0.2 is a fall of 20 per cent, 0.4 a share of 40 per cent; "
                "the average order value in money."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategies"].queryset = ServiceStrategy.objects.order_by("code")


class NoteNeedForm(BootstrapFormMixin, forms.Form):
    distributor = forms.ModelChoiceField(queryset=Distributor.objects.none(), label=gettext_lazy("Account"))
    need = forms.ModelChoiceField(queryset=Need.objects.none(), label=gettext_lazy("Need"))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=255)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["distributor"].queryset = Distributor.objects.visible_to(user).exclude(status="terminated")
        self.fields["distributor"].label_from_instance = lambda d: f"{d.code} {d.display_name}"
        self.fields["need"].queryset = Need.objects.filter(is_active=True)
        self.fields["need"].label_from_instance = lambda n: n.label


class CloseNeedForm(BootstrapFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[c for c in AccountNeed.Outcome.choices if c[0]],
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=255)


def _id(raw: str | None) -> int | None:
    """A whole-number id from a query string, or None (Unicode digits such as "²" are not ids)."""
    raw = raw or ""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else None


# --- The catalogue -------------------------------------------------------------------------------------------------


@login_required
def need_catalogue(request):
    return render(
        request,
        "reports/needs/catalogue.html",
        {"needs": needs.catalogue(), "can_edit": request.user.effective_role == Role.ADMIN},
    )


@login_required
def need_edit(request, pk: int | None = None):
    if request.user.effective_role != Role.ADMIN:
        raise PermissionDenied
    need = get_object_or_404(Need, pk=pk) if pk else Need()
    form = NeedForm(request.POST or None, instance=need)
    if request.method == "POST" and form.is_valid():
        try:
            saved = needs.save_need(need=form.instance, strategies=form.cleaned_data["strategies"], by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Need %(need)s saved.") % {"need": saved.label})
            return redirect("reports:needs")
    return render(
        request,
        "reports/cycle/form.html",
        {
            "form": form,
            "title": _("Edit customer need") if pk else _("New customer need"),
            "back_url": reverse("reports:needs"),
            "delete_url": "",
        },
    )


# --- The accounts' needs -------------------------------------------------------------------------------------------


@login_required
def account_need_list(request):
    """The needs of the accounts in scope: open ones by default (``?status=closed`` or ``all``), by source, need or
    account; a form to note a need seen at an account."""
    found = needs.account_needs_visible_to(request.user)
    status = request.GET.get("status", "open")
    if status in AccountNeed.Status.values:
        found = found.filter(status=status)
    source = request.GET.get("source", "")
    if source in AccountNeed.Source.values:
        found = found.filter(source=source)
    need = _id(request.GET.get("need"))
    if need is not None:
        found = found.filter(need_id=need)
    account = _id(request.GET.get("distributor"))
    if account is not None:
        found = found.filter(distributor_id=account)
    may_note = request.user.effective_role != Role.FINANCE
    form = NoteNeedForm(request.POST or None, user=request.user) if may_note else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                opened = needs.open_needs(
                    distributor=form.cleaned_data["distributor"],
                    needs=[form.cleaned_data["need"]],
                    by=request.user,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, {"needs": "need"})
            else:
                if opened:
                    messages.success(request, _("Need noted."))
                else:
                    messages.info(request, _("This need is already open at the account."))
                return redirect("reports:account_needs")
    page = Paginator(found.order_by("-opened_on", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/needs/account_needs.html",
        {
            "page": page,
            "form": form,
            "close_form": CloseNeedForm(),
            "status": status,
            "source": source,
            "need": need,
            "catalogue": Need.objects.all(),
            "may_note": may_note,
        },
    )


@login_required
def account_need_close(request, pk: int):
    account_need = needs.account_needs_visible_to(request.user).filter(pk=pk).first()
    if account_need is None or request.method != "POST":
        raise Http404
    form = CloseNeedForm(request.POST)
    if form.is_valid():
        try:
            needs.close_need(
                account_need=account_need,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Need closed."))
    else:
        messages.error(request, _("Say what came of it."))
    return redirect("reports:account_needs")


# --- Usage and outcome per strategy --------------------------------------------------------------------------------


def _month(value: str | None):
    if not value:
        return timezone.localdate().replace(day=1)
    day = path_date(f"{value}-01")
    if day is None:
        raise Http404
    return day


@login_required
def strategy_outcomes(request):
    """Usage and outcome per strategy in the user's scope, for a month (``?month=YYYY-MM``, this one by default)."""
    start = _month(request.GET.get("month"))
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    previous = (start - timedelta(days=1)).replace(day=1)
    return render(
        request,
        "reports/needs/outcomes.html",
        {
            "rows": needs.strategy_outcomes(for_user=request.user, start=start, end=end),
            "month": start,
            "previous_month": f"{previous:%Y-%m}",
            "next_month": f"{end + timedelta(days=1):%Y-%m}",
        },
    )


# --- The visit form's suggestion -----------------------------------------------------------------------------------


@login_required
def visit_suggestion(request):
    """HTMX: the open needs of the chosen account and the strategy combination suggested for them."""
    pk = _id(request.GET.get("distributor"))
    distributor = Distributor.objects.visible_to(request.user).filter(pk=pk).first() if pk is not None else None
    found = needs.suggestion(distributor=distributor) if distributor is not None else None
    return render(request, "reports/needs/_suggestion.html", {"suggestion": found})


# --- The card's needs ---------------------------------------------------------------------------------------------


@login_required
def card_needs(request, pk: int):
    """The account's latest indicators, its open needs with the suggested strategy combination, and the needs
    closed lately (a partial the customer card loads, or a page)."""
    distributor = Distributor.objects.visible_to(request.user).filter(pk=pk).first()
    if distributor is None:
        raise Http404
    context = {
        "d": distributor,
        "suggestion": needs.suggestion(distributor=distributor),
        "indicators": needs.indicators_visible_to(request.user).filter(distributor=distributor)[:3],
        "closed": needs.account_needs_visible_to(request.user)
        .filter(distributor=distributor, status=AccountNeed.Status.CLOSED)
        .order_by("-closed_on", "-pk")[:5],
    }
    template = "reports/needs/_card.html" if request.headers.get("HX-Request") else "reports/needs/card_page.html"
    return render(request, template, context)
