"""The competitor catalogue page: everyone reads it (the reps pick from it on their visits); the admin adds and
edits competitors, their brands and products here (or in the Django admin / the API). Nothing is deleted: an
item no longer sold is made inactive, so market checks that name it stay readable."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from kamcrm.forms import BootstrapFormMixin

from ..cards.models import Product
from .models import Competitor, CompetitorBrand, CompetitorProduct


class CompetitorForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Competitor
        fields = ["code", "name", "note", "is_active"]


class CompetitorBrandForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = CompetitorBrand
        fields = ["competitor", "name", "is_active"]


class CompetitorProductForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = CompetitorProduct
        fields = ["brand", "name", "unit", "compares_with", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = CompetitorBrand.objects.select_related("competitor")
        self.fields["brand"].label_from_instance = lambda b: f"{b.competitor.name} · {b.name}"
        self.fields["compares_with"].queryset = Product.objects.filter(is_active=True).order_by("name")
        self.fields["compares_with"].label_from_instance = lambda p: p.name


KINDS = {
    "competitor": (Competitor, CompetitorForm, gettext_lazy("competitor")),
    "brand": (CompetitorBrand, CompetitorBrandForm, gettext_lazy("competitor brand")),
    "product": (CompetitorProduct, CompetitorProductForm, gettext_lazy("competitor product")),
}


@login_required
def competitor_list(request):
    """Competitors with their brands and products, inactive ones greyed."""
    competitors = Competitor.objects.prefetch_related(
        Prefetch(
            "brands",
            queryset=CompetitorBrand.objects.order_by("name").prefetch_related(
                Prefetch(
                    "products", queryset=CompetitorProduct.objects.select_related("compares_with").order_by("name")
                )
            ),
        )
    ).order_by("name")
    return render(
        request,
        "distributors/competitors.html",
        {"competitors": competitors, "can_edit": request.user.effective_role == Role.ADMIN},
    )


@login_required
def competitor_edit(request, kind: str, pk: int | None = None):
    if request.user.effective_role != Role.ADMIN:
        raise PermissionDenied
    if kind not in KINDS:
        raise Http404
    model, form_class, name = KINDS[kind]
    instance = get_object_or_404(model, pk=pk) if pk else model()
    initial = {}
    if not pk and kind == "brand" and request.GET.get("competitor", "").isdigit():
        initial["competitor"] = request.GET["competitor"]
    if not pk and kind == "product" and request.GET.get("brand", "").isdigit():
        initial["brand"] = request.GET["brand"]
    form = form_class(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        messages.success(request, _("%(kind)s %(name)s saved.") % {"kind": str(name).capitalize(), "name": saved})
        return redirect(reverse("distributors:competitors") + f"#competitor-{_competitor_of(saved).pk}")
    title = (_("Edit %(kind)s") if pk else _("New %(kind)s")) % {"kind": name}
    return render(request, "distributors/competitor_form.html", {"form": form, "title": title})


def _competitor_of(item) -> Competitor:
    if isinstance(item, Competitor):
        return item
    if isinstance(item, CompetitorBrand):
        return item.competitor
    return item.brand.competitor
