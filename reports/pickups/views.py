"""The card's pickups, shipments and stock (a partial the card loads, or a page), and recording a shipment."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distributors.models import Distributor
from kamcrm.forms import BootstrapFormMixin, add_service_errors
from reports.market import selectors as market_report
from reports.pickups import services as pickups
from reports.visits import selectors


class ShipmentForm(BootstrapFormMixin, forms.Form):
    shipped_on = forms.DateField(label=gettext_lazy("Shipped on"), widget=forms.DateInput(attrs={"type": "date"}))
    delivered_on = forms.DateField(
        label=gettext_lazy("Delivered on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    carrier = forms.CharField(label=gettext_lazy("Carrier"), required=False, max_length=100)
    reference = forms.CharField(label=gettext_lazy("Waybill number"), required=False, max_length=60)


@login_required
def card_pickups(request, pk: int):
    distributor = Distributor.objects.visible_to(request.user).filter(pk=pk).first()
    if distributor is None:
        raise Http404
    context = {
        "d": distributor,
        "months": pickups.monthly_pickups(distributor=distributor),
        "shipments": pickups.shipments_of(distributor),
        "stock": pickups.stock_by_brand(distributor=distributor),
    }
    context["market_visit"], context["market_lines"], context["market_region"] = market_report.latest_check_of(
        distributor=distributor, for_user=request.user
    )
    template = "reports/pickups/_card.html" if request.headers.get("HX-Request") else "reports/pickups/page.html"
    return render(request, template, context)


@login_required
def shipment_new(request, pk: int):
    order = get_object_or_404(selectors.order_list(for_user=request.user), pk=pk)
    form = ShipmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pickups.record_shipment(order=order, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Shipment recorded."))
            return redirect("reports:order_detail", pk=order.pk)
    return render(request, "reports/pickups/shipment_form.html", {"order": order, "form": form})
