"""An account's pickup policies and the form that sets one (tiers one per line: ``from - up to: rebate %``)."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamcrm.forms import BootstrapFormMixin, add_service_errors

from ..cards.models import Distributor
from . import services as pickups

TIER_LINE = re.compile(r"^\s*([\d.,]+)\s*[-–~]\s*([\d.,]*)\s*[:：]\s*([\d.]+)\s*%?\s*$")


class PolicyForm(BootstrapFormMixin, forms.Form):
    valid_from = forms.DateField(label=gettext_lazy("From month"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label=gettext_lazy("To month"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    min_monthly_pickup = forms.DecimalField(
        label=gettext_lazy("Minimum monthly pickup"), min_value=0, max_digits=14, decimal_places=2
    )
    tiers = forms.CharField(
        label=gettext_lazy("Rebate tiers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "0 - 100000: 1\n100000 - : 2.5"}),
        help_text=gettext_lazy("One per line: from – up to (blank for no end): rebate %."),
    )
    terms = forms.CharField(
        label=gettext_lazy("Terms"), required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_tiers(self):
        result = []
        for number, line in enumerate((self.cleaned_data.get("tiers") or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = TIER_LINE.match(line)
            try:
                if not match:
                    raise InvalidOperation
                low, high, pct = (g.replace(",", "") for g in match.groups())
                result.append(pickups.TierInput(Decimal(low), Decimal(high) if high else None, Decimal(pct)))
            except InvalidOperation:
                raise ValidationError(_("Line %(n)s: write it as “from - up to: rebate %%”.") % {"n": number}) from None
        return result


@login_required
def pickup_policy(request, pk: int):
    distributor = Distributor.objects.visible_to(request.user).filter(pk=pk).first()
    if distributor is None:
        raise Http404
    can_set = pickups.may_set(request.user, distributor)
    form = PolicyForm(request.POST or None) if can_set else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                pickups.save_policy(distributor=distributor, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Pickup policy saved."))
                return redirect("distributors:pickup_policy", pk=distributor.pk)
    policies = distributor.pickup_policies.prefetch_related("tiers").order_by("-valid_from")
    return render(request, "distributors/pickup_policy.html", {"d": distributor, "form": form, "policies": policies})
