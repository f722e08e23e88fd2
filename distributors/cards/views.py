"""Customer-card pages. Objects are found through ``visible_to`` (a foreign card is a 404); writes go
through the services, whose errors are shown on the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import SavedFilter, Team
from kamcrm.forms import add_service_errors
from kamcrm.pages import paginate

from . import card_context, selectors, services, timeline
from .filters import DistributorFilter
from .forms import (
    BrandShareFormSet,
    ComplaintForm,
    ContactForm,
    CreditTermsForm,
    DistributorForm,
    ReassignForm,
    SuggestionForm,
)
from .models import Complaint, Contact, Distributor, Suggestion

PAGE_SIZE = 50


def _card_or_404(request, pk) -> Distributor:
    try:
        return selectors.distributor_card(for_user=request.user, pk=pk)
    except Distributor.DoesNotExist:
        raise Http404 from None


def _editable_or_403(request, pk) -> Distributor:
    distributor = _card_or_404(request, pk)
    if not services.can_edit(request.user, distributor):
        raise PermissionDenied
    return distributor


@login_required
def distributor_list(request):
    filterset = DistributorFilter(
        request.GET or None, queryset=selectors.distributor_list(for_user=request.user), request=request
    )
    queryset = filterset.qs if filterset.is_bound else filterset.queryset
    if not request.GET.get("ordering"):
        queryset = queryset.order_by("code")
    page, query = paginate(request, queryset, PAGE_SIZE)
    query.pop("owner_name", None)  # the type-ahead's text; the filter is ``owner``
    group_by = request.GET.get("group_by")
    groups = None
    if group_by in selectors.GROUP_BY and (not filterset.is_bound or filterset.is_valid()):
        groups = selectors.card_groups(queryset=queryset, group_by=group_by)
    group_query = query.copy()
    group_query.pop("group_by", None)
    group_query.pop(group_by or "", None)
    owner = filterset.form.cleaned_data.get("owner") if filterset.is_bound and filterset.is_valid() else None
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "can_create": services.can_create(request.user),
        "group_by": group_by if groups is not None else "",
        "group_by_choices": selectors.GROUP_BY,
        "group_by_label": selectors.GROUP_BY.get(group_by, ""),
        "groups": groups,
        "group_query": group_query.urlencode(),
        "owner_label": f"{owner.display_name} ({owner.username})" if owner else "",
        "saved_filters": SavedFilter.objects.visible_to(request.user).filter(list_name="distributors"),
    }
    template = (
        "distributors/_list_table.html"
        if request.htmx and request.htmx.target == "results"
        else ("distributors/list.html")
    )
    return render(request, template, context)


@login_required
def distributor_detail(request, pk):
    distributor = _card_or_404(request, pk)
    return render(
        request,
        "distributors/detail.html",
        {
            "d": distributor,
            "can_edit": services.can_edit(request.user, distributor),
            "can_reassign": services.can_reassign(request.user) and services.can_edit(request.user, distributor),
            "can_set_credit_terms": services.can_set_credit_terms(request.user, distributor),
            "can_record": request.user.effective_role != "finance",
            "personal_notes": selectors.can_see_personal_notes(request.user, distributor),
            "timeline": timeline.timeline(distributor=distributor, for_user=request.user),
            "history": selectors.evaluation_history(distributor=distributor),
            "complaints": distributor.complaints.select_related("owner"),
            "suggestions": distributor.suggestions.all(),
            **card_context.card_context(user=request.user, distributor=distributor),
        },
    )


def _brand_initial(distributor: Distributor) -> list[dict]:
    if not distributor.pk:
        return []
    return [{"brand": b.brand, "share_pct": b.share_pct} for b in distributor.brands_carried.all()]


@login_required
def distributor_edit(request, pk=None):
    if pk:
        distributor = _editable_or_403(request, pk)
    else:
        if not services.can_create(request.user):
            raise PermissionDenied
        distributor = Distributor(owner=request.user if request.user.effective_role == "rep" else None)
    form = DistributorForm(
        request.POST or None,
        instance=distributor,
        user=request.user,
        initial={"product_categories": distributor.product_categories.all()} if pk else None,
    )
    brands = BrandShareFormSet(request.POST or None, initial=_brand_initial(distributor), prefix="brands")
    if request.method == "POST" and form.is_valid() and brands.is_valid():
        try:
            saved = services.save_distributor(
                distributor=form.instance,
                by=request.user,
                brands=brands.brands(),
                categories=form.cleaned_data["product_categories"],
            )
        except ValidationError as exc:
            if "brands" in getattr(exc, "error_dict", {}):
                brands._non_form_errors = brands.error_class(exc.error_dict.pop("brands")[0].messages)
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Customer card %(name)s saved.") % {"name": saved})
            return redirect("distributors:detail", saved.pk)
    return render(request, "distributors/edit.html", {"form": form, "brands": brands, "d": distributor})


@login_required
def distributor_credit_terms(request, pk):
    """Finance (or the admin) sets an account's credit limit and payment terms; others may not (403)."""
    distributor = _card_or_404(request, pk)
    if not services.can_set_credit_terms(request.user, distributor):
        raise PermissionDenied
    form = CreditTermsForm(request.POST or None, instance=distributor)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_credit_terms(
                distributor=distributor,
                credit_limit=form.cleaned_data["credit_limit"],
                payment_terms_days=form.cleaned_data["payment_terms_days"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Credit terms of %(name)s saved.") % {"name": distributor})
            return redirect("distributors:detail", pk)
    return render(
        request,
        "distributors/form.html",
        {"form": form, "d": distributor, "title": _("Credit terms of %(name)s") % {"name": distributor}},
    )


@login_required
def distributor_reassign(request, pk):
    distributor = _card_or_404(request, pk)
    if not (services.can_reassign(request.user) and services.can_edit(request.user, distributor)):
        raise PermissionDenied
    form = ReassignForm(request.POST or None, user=request.user, initial={"owner": distributor.owner_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.reassign(distributor=distributor, owner=form.cleaned_data["owner"], by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s now belongs to %(owner)s.")
                % {"name": distributor, "owner": form.cleaned_data["owner"].display_name},
            )
            return redirect("distributors:detail", pk)
    return render(
        request,
        "distributors/form.html",
        {"form": form, "d": distributor, "title": _("Reassign %(name)s") % {"name": distributor}},
    )


def _child_form(request, distributor, form, save, success: str, title: str, delete_url: str = ""):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.instance)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("distributors:detail", distributor.pk)
    return render(
        request, "distributors/form.html", {"form": form, "d": distributor, "title": title, "delete_url": delete_url}
    )


@login_required
def contact_edit(request, pk, contact_pk=None):
    distributor = _editable_or_403(request, pk)
    contact = get_object_or_404(distributor.contacts, pk=contact_pk) if contact_pk else Contact(distributor=distributor)
    form = ContactForm(request.POST or None, instance=contact)
    return _child_form(
        request,
        distributor,
        form,
        lambda c: services.save_contact(contact=c, by=request.user),
        _("Contact saved."),
        _("Edit contact") if contact_pk else _("New contact"),
        delete_url=reverse("distributors:contact_delete", args=[pk, contact_pk]) if contact_pk else "",
    )


@login_required
@require_POST
def contact_delete(request, pk, contact_pk):
    distributor = _editable_or_403(request, pk)
    contact = get_object_or_404(distributor.contacts, pk=contact_pk)
    services.delete_contact(contact=contact, by=request.user)
    messages.success(request, _("Contact %(name)s removed.") % {"name": contact.name})
    return redirect("distributors:detail", pk)


def _recordable_or_403(request, pk) -> Distributor:
    distributor = _card_or_404(request, pk)
    if request.user.effective_role == "finance":
        raise PermissionDenied
    return distributor


@login_required
def complaint_edit(request, pk, complaint_pk=None):
    distributor = _recordable_or_403(request, pk)
    complaint = (
        get_object_or_404(distributor.complaints, pk=complaint_pk)
        if complaint_pk
        else Complaint(distributor=distributor, owner=request.user, received_on=timezone.localdate())
    )
    form = ComplaintForm(request.POST or None, instance=complaint, user=request.user)
    return _child_form(
        request,
        distributor,
        form,
        lambda c: services.save_complaint(complaint=c, by=request.user),
        _("Complaint saved."),
        _("Edit complaint") if complaint_pk else _("New complaint"),
    )


@login_required
def suggestion_edit(request, pk, suggestion_pk=None):
    distributor = _recordable_or_403(request, pk)
    suggestion = (
        get_object_or_404(distributor.suggestions, pk=suggestion_pk)
        if suggestion_pk
        else Suggestion(distributor=distributor, received_on=timezone.localdate())
    )
    form = SuggestionForm(request.POST or None, instance=suggestion)
    return _child_form(
        request,
        distributor,
        form,
        lambda s: services.save_suggestion(suggestion=s, by=request.user),
        _("Suggestion saved."),
        _("Edit suggestion") if suggestion_pk else _("New suggestion"),
    )


@login_required
@require_POST
def accept_attractiveness_suggestion(request, pk):
    """The portfolio grid's "accept": the card takes the measured attractiveness (audited); back to the grid."""
    distributor = _card_or_404(request, pk)
    try:
        saved = services.accept_attractiveness_suggestion(distributor=distributor, by=request.user)
    except PermissionDenied:
        messages.error(request, _("You can view this card but not change it."))
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(
            request,
            _("%(name)s is now rated %(attractiveness)s.")
            % {"name": saved.display_name, "attractiveness": saved.get_attractiveness_display()},
        )
    back = reverse("distributors:portfolio")
    if request.POST.get("team", "").isdigit():
        back += f"?team={request.POST['team']}"
    return redirect(back)


@login_required
def portfolio(request):
    """The key-account portfolio grid: attractiveness × relationship stage for the accounts in scope."""
    teams = Team.objects.visible_to(request.user).select_related("region")
    if request.user.effective_role == "rep":
        teams = teams.filter(pk=request.user.team_id)
    elif request.user.effective_role == "kam":
        teams = teams.filter(kam=request.user)
    team = None
    if request.GET.get("team", "").isdigit():
        team = get_object_or_404(teams, pk=request.GET["team"])
    rows, columns, cells = selectors.portfolio_grid(for_user=request.user, team=team)
    editable = set(
        Distributor.objects.editable_by(request.user)
        .filter(pk__in=[a.pk for accounts in cells.values() for a in accounts if a.suggested_attractiveness])
        .values_list("pk", flat=True)
    )
    grid = [(value, label, [(stage, cells[(value, stage)]) for stage, _label in columns]) for value, label in rows]
    return render(
        request,
        "distributors/portfolio.html",
        {
            "grid": grid,
            "columns": columns,
            "teams": teams,
            "team": team,
            "total": sum(len(v) for v in cells.values()),
            "editable": editable,
            "suggested": sum(1 for v in cells.values() for a in v if a.suggested_attractiveness),
        },
    )


@login_required
def owner_options(request):
    """The owner filter's type-ahead: up to 20 matching owners as ``<option>``s of a datalist (HTMX)."""
    people = selectors.owner_choices(for_user=request.user, q=request.GET.get("owner_name", ""))
    return render(request, "distributors/_owner_options.html", {"people": people})
