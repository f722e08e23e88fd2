from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from kamcrm.forms import BootstrapFormMixin

from . import services
from .models import CARD_FIELDS, CARD_SECTIONS, Brand, Complaint, Contact, Distributor, ProductCategory, Suggestion

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _user_label(user: User) -> str:
    name = user.display_name
    return f"{name} ({user.team})" if user.team_id else name


class CreditTermsForm(BootstrapFormMixin, forms.ModelForm):
    """Finance's form for an account's credit limit and payment terms."""

    class Meta:
        model = Distributor
        fields = ["credit_limit", "payment_terms_days"]


class DistributorForm(BootstrapFormMixin, forms.ModelForm):
    product_categories = forms.ModelMultipleChoiceField(
        queryset=ProductCategory.objects.all(),
        required=False,
        label=_("Product categories"),
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    class Meta:
        model = Distributor
        fields = list(CARD_FIELDS)
        widgets = {"terminated_on": DATE, "assessment": forms.Textarea(attrs={"rows": 3})}

    SECTIONS = [(title, list(names)) for _key, title, names in CARD_SECTIONS]

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        owners = services.assignable_owners(user)
        if self.instance.pk and self.instance.owner_id:
            owners = owners | User.objects.filter(pk=self.instance.owner_id)
        self.fields["owner"].queryset = owners.distinct().order_by("team__name", "username")
        self.fields["owner"].label_from_instance = _user_label
        if user.effective_role == "rep":
            self.fields["owner"].disabled = True
            self.fields["owner"].initial = self.instance.owner_id or user.pk
        if self.instance.pk:
            self.fields["code"].disabled = True  # the code is the account's key in imports and the ERP
        if not services.can_set_credit_terms(user, self.instance if self.instance.pk else None):
            for name in services.CREDIT_TERMS:  # finance's to set (shown, not editable)
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Set by finance.")

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]


class BrandShareForm(BootstrapFormMixin, forms.Form):
    brand = forms.ModelChoiceField(queryset=Brand.objects.filter(is_active=True), label=_("Brand"))
    share_pct = forms.DecimalField(label=_("Share %"), min_value=0, max_value=100, decimal_places=2)


class BaseBrandShareFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        try:
            services.check_brand_shares(self.brands())
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["brands"]) from exc

    def brands(self) -> list[tuple]:
        return [
            (f.cleaned_data["brand"], f.cleaned_data["share_pct"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("brand")
        ]


BrandShareFormSet = forms.formset_factory(BrandShareForm, formset=BaseBrandShareFormSet, extra=2, can_delete=True)


class ReassignForm(BootstrapFormMixin, forms.Form):
    owner = forms.ModelChoiceField(queryset=User.objects.none(), label=_("New owner"))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = services.assignable_owners(user).order_by("team__name", "username")
        self.fields["owner"].label_from_instance = _user_label


class ContactForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = list(Contact.EDITABLE_FIELDS)
        widgets = {
            "birthday": DATE,
            **{name: forms.Textarea(attrs={"rows": 2}) for name in ("family", "hobbies", "personality", "notes")},
        }


class ComplaintForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Complaint
        fields = ["kind", "nature", "received_on", "description", "owner", "status", "resolution"]
        widgets = {
            "received_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "resolution": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.visible_to(user).filter(is_active=True).order_by("username")
        self.fields["owner"].label_from_instance = _user_label


class SuggestionForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Suggestion
        fields = ["received_on", "content", "status", "response"]
        widgets = {
            "received_on": DATE,
            "content": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 3}),
        }
