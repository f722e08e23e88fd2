"""Forms of the sales ledger: an order and its lines (the visit form builds on them), and whom a manager acts for."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from distributors.models import Distributor, Product
from kamcrm.forms import BootstrapFormMixin
from reports.visits import services
from reports.visits.models import Order

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def rep_field(user: User) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        queryset=User.objects.reps_in_scope_of(user).filter(role__in=["rep", "kam"]).order_by("username"),
        label=_("Rep"),
    )
    field.label_from_instance = lambda u: u.display_name
    return field


class LineForm(BootstrapFormMixin, forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True).select_related("brand"), label=_("Product"), required=False
    )
    quantity = forms.DecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "placeholder": _("Quantity")}),
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "placeholder": _("Unit price")}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].label_from_instance = lambda p: f"{p.name} · {p.unit_price}"
        self.fields["product"].empty_label = _("Product")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("product") and cleaned.get("quantity") is None:
            self.add_error("quantity", _("How many?"))
        if cleaned.get("quantity") is not None and not cleaned.get("product") and "product" not in self.errors:
            self.add_error("product", _("Choose a product."))
        return cleaned

    def line(self) -> services.LineInput | None:
        if not self.cleaned_data.get("product"):
            return None
        return services.LineInput(
            product=self.cleaned_data["product"],
            quantity=self.cleaned_data["quantity"],
            unit_price=self.cleaned_data.get("unit_price"),
        )


OrderLineFormSet = forms.formset_factory(LineForm, extra=3)  # the order page: three blank lines


class OrderForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Order
        fields = ["distributor", "rep", "order_date", "erp_number", "note"]
        widgets = {"order_date": DATE}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["distributor"].queryset = Distributor.objects.visible_to(user).order_by("code")
        self.fields["rep"] = rep_field(user)
        if user.effective_role == "rep":
            self.fields["rep"].disabled = True
        self.initial["rep"] = self.initial.get("rep") or user.pk
        self.initial["order_date"] = self.initial.get("order_date") or timezone.localdate()
