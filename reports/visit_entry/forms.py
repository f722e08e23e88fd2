"""The visit form and its parts: the visit, the stock seen, the order's lines, the market checks, the photos."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from distributors.models import Brand, Contact, Distributor
from kamcrm.forms import BootstrapFormMixin
from reports.cycle import services as cycle_services
from reports.market import services as market_checks
from reports.needs.models import Need
from reports.visits import services
from reports.visits.forms import DATE, DATETIME, LineForm, rep_field
from reports.visits.models import Visit, VisitPhoto
from reports.visits.photos import validate_photo


class VisitForm(BootstrapFormMixin, forms.ModelForm):
    client_ref = forms.UUIDField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = Visit
        fields = [
            "distributor",
            "kind",
            "started_at",
            "ended_at",
            "purpose",
            "purpose_note",
            "contacts_met",
            "outcome",
            "brands_discussed",
            "strategies",
            "needs_observed",
            "collected_amount",
            "collection_method",
            "follow_up_action",
            "follow_up_due",
            "latitude",
            "longitude",
            "location_accuracy_m",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "started_at": DATETIME,
            "ended_at": DATETIME,
            "follow_up_due": DATE,
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "contacts_met": forms.CheckboxSelectMultiple,
            "brands_discussed": forms.CheckboxSelectMultiple,
            "strategies": forms.CheckboxSelectMultiple,
            "needs_observed": forms.CheckboxSelectMultiple,
            "latitude": forms.HiddenInput,
            "longitude": forms.HiddenInput,
            "location_accuracy_m": forms.HiddenInput,
            "collected_amount": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["distributor"].queryset = services.distributors_for_visit(rep=user)
        self.fields["distributor"].widget = forms.HiddenInput()
        self.fields["brands_discussed"].queryset = Brand.objects.filter(is_active=True)
        self.fields["strategies"].queryset = cycle_services.strategies_active()
        self.fields["needs_observed"].queryset = Need.objects.filter(is_active=True)
        self.fields["needs_observed"].label_from_instance = lambda need: need.label
        distributor_id = (
            self.data.get("distributor")
            if self.is_bound
            else self.instance.distributor_id or self.initial.get("distributor")  # a My day "Log visit" link
        )

        self.fields["contacts_met"].queryset = Contact.objects.filter(distributor_id=distributor_id or 0)
        if user.effective_role != "rep":
            self.fields["rep"] = rep_field(user)
            self.fields["rep"].initial = self.instance.rep_id or user.pk
            self.fields["rep"].widget.attrs["class"] = "form-select"
            # A manager logs visits for the reps of their scope, on those reps' accounts.

            self.fields["distributor"].queryset = Distributor.objects.visible_to(user)
        if not self.instance.pk:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial["started_at"] = self.initial.get("started_at") or now
            self.initial["ended_at"] = self.initial.get("ended_at") or now


class StockForm(BootstrapFormMixin, forms.Form):
    brand = forms.ModelChoiceField(
        queryset=Brand.objects.filter(is_active=True), label=_("Brand"), required=False, empty_label=_("Brand")
    )
    units = forms.IntegerField(
        label=_("Units"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": _("Units")}),
    )


def _shelf_count(label) -> forms.IntegerField:
    """A count seen on the shelf (stock, facings): optional, whole, from 0 to what the column holds."""
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=2_000_000_000,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "0", "placeholder": label}),
    )


class MarketLineForm(BootstrapFormMixin, forms.Form):
    """One market-check line: our product or brand, or a competitor's product, with what was seen on the shelf."""

    item = forms.ChoiceField(label=_("Product or brand"), required=False)
    price = forms.DecimalField(
        label=_("Shelf price"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0", "placeholder": _("Price")}),
    )
    stock = _shelf_count(_("Stock"))
    facings = _shelf_count(_("Facings"))

    def __init__(self, *args, catalogue: market_checks.MarketCatalogue, **kwargs):
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        self.fields["item"].choices = catalogue.choices

    def clean(self):
        cleaned = super().clean()
        figures = [cleaned.get(name) for name in ("price", "stock", "facings")]
        has_figure = any(v is not None for v in figures)
        if cleaned.get("item") and not has_figure and not (self.errors.keys() & {"price", "stock", "facings"}):
            self.add_error("price", _("Enter a price, the stock or the facings."))
        if has_figure and not cleaned.get("item") and "item" not in self.errors:
            self.add_error("item", _("Choose a product or brand."))
        return cleaned

    def line(self) -> market_checks.MarketLineInput | None:
        if not getattr(self, "cleaned_data", None) or not self.cleaned_data.get("item"):
            return None
        return self.catalogue.line(
            self.cleaned_data["item"],
            price=self.cleaned_data.get("price"),
            stock=self.cleaned_data.get("stock"),
            facings=self.cleaned_data.get("facings"),
        )


class PhotoForm(forms.Form):
    display = forms.ImageField(label=_("Display photos"), required=False, validators=[validate_photo])
    stock = forms.ImageField(label=_("Stock photos"), required=False, validators=[validate_photo])
    document = forms.ImageField(label=_("Signed documents"), required=False, validators=[validate_photo])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"accept": "image/*", "capture": "environment", "class": "form-control"})

    def photos(self) -> list[tuple[str, object]]:
        return [
            (kind, self.cleaned_data[kind])
            for kind in (k for k, _label in VisitPhoto.Kind.choices)
            if self.cleaned_data.get(kind)
        ]


StockFormSet = forms.formset_factory(StockForm, extra=2)
MarketFormSet = forms.formset_factory(MarketLineForm, extra=1)  # the visit form's "Add check" adds more
LineFormSet = forms.formset_factory(LineForm, extra=1)  # the visit form's "Add line" adds more
