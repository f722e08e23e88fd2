"""Forms of the receivables pages. They only parse input; the services validate the money and save it."""

import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Team
from kamcrm.forms import BootstrapFormMixin
from kamcrm.validation import WindowDateField
from kamcrm.validators import TextLengthValidator

from .models import (
    ActivityKind,
    Invoice,
    PaymentMethod,
    ScheduleFrequency,
    StatementSchedule,
    distributors_with_money_visible_to,
)
from .selectors import GROUP_LABELS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"max_digits": 14, "decimal_places": 2}


class DistributorCodeField(forms.CharField):
    """An account typed by its code (a select of 20,000 accounts is no help); only accounts in scope are found."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("Distributor code"))
        kwargs.setdefault("max_length", 30)
        super().__init__(*args, **kwargs)
        self.user = None

    def clean(self, value):
        code = super().clean(value).strip()
        if not code:
            return None
        distributor = distributors_with_money_visible_to(self.user).filter(code__iexact=code).first()
        if distributor is None:
            raise forms.ValidationError(_("No distributor with code %(code)s in your scope.") % {"code": code})
        return distributor


class ScopedForm(BootstrapFormMixin, forms.Form):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, DistributorCodeField):
                field.user = user


class InvoiceForm(ScopedForm):
    distributor = DistributorCodeField()
    number = forms.CharField(label=_("Invoice number"), max_length=40)
    issue_date = forms.DateField(label=_("Issue date"), widget=DATE, initial=timezone.localdate)
    payment_terms_days = forms.IntegerField(
        label=_("Payment terms (days)"),
        required=False,
        min_value=0,
        max_value=365,
        help_text=_("Empty: the account's terms."),
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=DATE, help_text=_("Empty: issue date + payment terms.")
    )
    amount = forms.DecimalField(label=_("Amount"), **MONEY)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    order_refs = forms.CharField(label=_("Orders"), max_length=255, required=False)
    notes = forms.CharField(
        validators=[TextLengthValidator()], label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PaymentForm(ScopedForm):
    OLDEST, MANUAL, NONE = "oldest", "manual", "none"
    distributor = DistributorCodeField()
    amount = forms.DecimalField(label=_("Amount"), **MONEY)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE, initial=timezone.localdate)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=80, required=False)
    notes = forms.CharField(
        validators=[TextLengthValidator()], label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    allocation = forms.ChoiceField(
        label=_("Allocate"),
        choices=[
            (OLDEST, _("Oldest due first")),
            (MANUAL, _("By hand, as entered below")),
            (NONE, _("Not now (keep as unallocated credit)")),
        ],
        initial=OLDEST,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocation"].widget.attrs["class"] = "form-check-input"

    def allocations(self, open_invoices) -> list | None:
        """The allocations the form asks for: None (oldest first), [] or [(invoice, amount)] from alloc_<pk> inputs."""
        mode = self.cleaned_data["allocation"]
        if mode == self.OLDEST:
            return None
        if mode == self.NONE:
            return []
        chosen = []
        for invoice in open_invoices:
            raw = (self.data.get(f"alloc_{invoice.pk}") or "").strip().replace(",", "")
            if not raw:
                continue
            try:
                amount = Decimal(raw)
            except ArithmeticError:
                raise forms.ValidationError(
                    _("Enter a number for invoice %(number)s.") % {"number": invoice.number}
                ) from None
            if amount:
                chosen.append((invoice, amount))
        return chosen


class CreditNoteForm(ScopedForm):
    distributor = DistributorCodeField()
    number = forms.CharField(label=_("Credit note number"), max_length=40)
    issue_date = forms.DateField(label=_("Issue date"), widget=DATE, initial=timezone.localdate)
    amount = forms.DecimalField(label=_("Amount"), **MONEY)
    invoice = forms.ModelChoiceField(
        label=_("Invoice"),
        queryset=Invoice.objects.none(),
        required=False,
        help_text=_("Empty: kept as credit on the account."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)

    def __init__(self, *args, invoices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if invoices is not None:
            self.fields["invoice"].queryset = invoices


class ActivityForm(ScopedForm):
    kind = forms.ChoiceField(label=_("Type"), choices=ActivityKind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    invoice = forms.ModelChoiceField(
        label=_("Invoice"),
        queryset=Invoice.objects.none(),
        required=False,
        empty_label=_("The whole account"),
    )
    note = forms.CharField(
        validators=[TextLengthValidator()], label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    promised_on = forms.DateField(label=_("Promised payment date"), required=False, widget=DATE)
    promised_amount = forms.DecimalField(label=_("Promised amount"), required=False, **MONEY)
    promised_by = forms.CharField(label=_("Promised by"), max_length=100, required=False)
    invoices = forms.ModelMultipleChoiceField(
        label=_("Invoices promised"),
        queryset=Invoice.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A promise may cover several invoices; none ticked: the whole account."),
    )
    extended_to = forms.DateField(label=_("Extended to"), required=False, widget=DATE)
    dispute_reason = forms.CharField(label=_("Dispute reason"), max_length=255, required=False)

    def __init__(self, *args, invoices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invoices"].widget.attrs["class"] = "form-check-input"
        if invoices is not None:
            self.fields["invoice"].queryset = invoices
            self.fields["invoices"].queryset = invoices
            self.fields["invoices"].label_from_instance = lambda inv: (
                _("%(number)s, due %(day)s, open %(open)s")
                % {
                    "number": inv.number,
                    "day": inv.due_date.isoformat(),
                    "open": f"{inv.open_amount:,.2f}",
                }
            )


class ReverseForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why is it reversed?"), max_length=500)
    reversed_on = forms.DateField(label=_("Reversed on"), widget=DATE, initial=timezone.localdate)


class WriteOffForm(BootstrapFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount"), **MONEY)
    reason = forms.CharField(
        validators=[TextLengthValidator()], label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ClaimForm(ScopedForm):
    distributor = DistributorCodeField()
    amount = forms.DecimalField(label=_("Amount collected"), **MONEY)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    collected_on = forms.DateField(label=_("Collected on"), widget=DATE, initial=timezone.localdate)
    notes = forms.CharField(
        validators=[TextLengthValidator()], label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConfirmClaimForm(BootstrapFormMixin, forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=80, required=False)


class RejectForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=255)


class StatementForm(BootstrapFormMixin, forms.Form):
    start = WindowDateField(label=_("From"), widget=DATE)
    end = WindowDateField(label=_("To"), widget=DATE)


class AgingForm(forms.Form):
    as_of = WindowDateField(label=_("As of"), widget=DATE, required=False)
    group_by = forms.ChoiceField(label=_("Group by"), choices=list(GROUP_LABELS.items()), required=False)


class ResolveForm(BootstrapFormMixin, forms.Form):
    resolution = forms.CharField(label=_("Resolution"), max_length=255)


class ScheduleForm(BootstrapFormMixin, forms.ModelForm):
    distributor_codes = forms.CharField(
        label=_("Distributor codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Codes separated by commas, spaces or new lines."),
    )

    class Meta:
        model = StatementSchedule
        fields = ["name", "frequency", "day", "teams", "regions", "is_active"]
        widgets = {"teams": forms.SelectMultiple(attrs={"size": 5}), "regions": forms.SelectMultiple(attrs={"size": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["frequency"].choices = ScheduleFrequency.choices
        self.fields["teams"].queryset = Team.objects.visible_to(user).select_related("region")
        self.fields["regions"].queryset = Region.objects.visible_to(user)
        if self.instance.pk:
            self.fields["distributor_codes"].initial = " ".join(
                self.instance.distributors.values_list("code", flat=True)
            )

    def clean_distributor_codes(self):
        codes = [c for c in re.split(r"[\s,;，；]+", self.cleaned_data["distributor_codes"]) if c]
        found = {d.code.upper(): d for d in distributors_with_money_visible_to(self.user).filter(code__in=codes)}
        missing = [c for c in codes if c.upper() not in found]
        if missing:
            raise forms.ValidationError(_("Not in your scope: %(codes)s") % {"codes": ", ".join(missing)})
        return list(found.values())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("frequency") == ScheduleFrequency.WEEKLY and (cleaned.get("day") or 0) > 7:
            self.add_error("day", _("A weekly schedule sends on day 1 (Monday) to 7 (Sunday)."))
        return cleaned
