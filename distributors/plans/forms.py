"""Forms of the plan pages. They collect input; the rules (adding up, team, workflow) live in plans.services."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from kamcrm.forms import BootstrapFormMixin
from kamcrm.validators import TextLengthValidator

from ..cards.models import Contact, Distributor
from . import services
from .arithmetic import TARGET_FIELDS, TARGET_PLACES, Targets, quarter_of
from .models import AccountPlan, ActionItem, Distribution, Objective, QuarterlyPlan, SeasonalProfile, SplitMethod

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _target_field(name: str, required: bool = True) -> forms.Field:
    label = capfirst(QuarterlyPlan._meta.get_field(name).verbose_name)
    if TARGET_PLACES[name] == 0:
        return forms.IntegerField(label=label, min_value=0, required=required, initial=0 if required else None)
    return forms.DecimalField(
        label=label, min_value=0, max_digits=14, decimal_places=2, required=required, initial=0 if required else None
    )


def _user_label(user: User) -> str:
    return f"{user.display_name} ({user.username})"


class PlanStartForm(BootstrapFormMixin, forms.Form):
    """First step of a new plan: which distributor and quarter (the reps to split to depend on it)."""

    distributor = forms.ModelChoiceField(queryset=Distributor.objects.none(), label=_("Distributor"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("Quarter"), choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["distributor"].queryset = services.plannable_distributors(user).order_by("code")
        year, quarter = quarter_of(timezone.localdate())
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)  # usually next quarter is planned
        self.fields["year"].initial, self.fields["quarter"].initial = year, quarter


class PlanForm(BootstrapFormMixin, forms.Form):
    """A plan's targets, how its quarter is spread over the months, and how each month is split to the reps.

    Months by hand are fields ``m<1..3>_<target>``; a split by percentage is ``share_<rep id>`` (the same for
    every month); a split by amount is ``a<1..3>_<rep id>_<target>``.
    """

    distribution = forms.ChoiceField(label=_("Spread the quarter over its months"), choices=Distribution.choices)
    seasonal_profile = forms.ModelChoiceField(
        queryset=SeasonalProfile.objects.filter(is_active=True), required=False, label=_("Seasonal profile")
    )
    split_method = forms.ChoiceField(label=_("Split each month to the reps"), choices=SplitMethod.choices)
    notes = forms.CharField(
        validators=[TextLengthValidator()], label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, distributor: Distributor, months, plan: QuarterlyPlan | None = None, **kwargs):
        self.distributor, self.months, self.plan = distributor, months, plan
        self.reps = list(services.split_reps(distributor))
        super().__init__(*args, **kwargs)
        for name in TARGET_FIELDS:
            self.fields[name] = _target_field(name)
        for i in range(1, 4):
            for name in TARGET_FIELDS:
                self.fields[f"m{i}_{name}"] = _target_field(name, required=False)
        for rep in self.reps:
            self.fields[f"share_{rep.pk}"] = forms.DecimalField(
                label=_user_label(rep), min_value=0, max_value=100, decimal_places=2, required=False
            )
            for i in range(1, 4):
                for name in TARGET_FIELDS:
                    self.fields[f"a{i}_{rep.pk}_{name}"] = _target_field(name, required=False)
        # The fields render in the order the template asks for; BootstrapFormMixin styled them all above.
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")
        if not self.is_bound:
            self.initial.update(self._initial())

    def _initial(self) -> dict:
        plan = self.plan
        if plan is None:
            owner = self.distributor.owner
            return {"distribution": Distribution.EVEN, "split_method": SplitMethod.PERCENTAGE, f"share_{owner.pk}": 100}
        initial = {
            "distribution": plan.distribution,
            "seasonal_profile": plan.seasonal_profile_id,
            "split_method": plan.split_method,
            "notes": plan.notes,
            **Targets.of(plan).as_dict(),
        }
        for i, monthly in enumerate(plan.monthly_plans.all(), start=1):
            initial.update({f"m{i}_{n}": v for n, v in Targets.of(monthly).as_dict().items()})
            for split in monthly.rep_splits.all():
                if split.share_pct is not None:
                    initial[f"share_{split.rep_id}"] = split.share_pct
                initial.update({f"a{i}_{split.rep_id}_{n}": v for n, v in Targets.of(split).as_dict().items()})
        return initial

    # What the template lays out.
    def target_fields(self):
        return [self[name] for name in TARGET_FIELDS]

    def month_rows(self):
        return [(month, [self[f"m{i}_{n}"] for n in TARGET_FIELDS]) for i, month in enumerate(self.months, start=1)]

    def share_fields(self):
        return [(rep, self[f"share_{rep.pk}"]) for rep in self.reps]

    def amount_tables(self):
        return [
            (month, [(rep, [self[f"a{i}_{rep.pk}_{n}"] for n in TARGET_FIELDS]) for rep in self.reps])
            for i, month in enumerate(self.months, start=1)
        ]

    @staticmethod
    def target_labels():
        return [capfirst(QuarterlyPlan._meta.get_field(n).verbose_name) for n in TARGET_FIELDS]

    # What the service gets.
    def _targets(self, prefix: str) -> Targets:
        data = self.cleaned_data
        values = {n: data.get(f"{prefix}{n}") for n in TARGET_FIELDS}
        return Targets(
            **{n: (v if v is not None else (0 if TARGET_PLACES[n] == 0 else Decimal("0"))) for n, v in values.items()}
        )

    def plan_content(self) -> services.PlanContent:
        data = self.cleaned_data
        kwargs = {
            "targets": self._targets(""),
            "distribution": data["distribution"],
            "seasonal_profile": data.get("seasonal_profile"),
            "split_method": data["split_method"],
            "notes": data.get("notes", ""),
        }
        if data["distribution"] == Distribution.MANUAL:
            kwargs["months"] = [self._targets(f"m{i}_") for i in range(1, 4)]
        if data["split_method"] == SplitMethod.PERCENTAGE:
            shares = [
                services.SplitInput(rep=rep, share_pct=data[f"share_{rep.pk}"])
                for rep in self.reps
                if data.get(f"share_{rep.pk}")
            ]
            kwargs["splits"] = shares
        else:
            kwargs["month_splits"] = [
                [
                    services.SplitInput(rep=rep, targets=self._targets(f"a{i}_{rep.pk}_"))
                    for rep in self.reps
                    if any(data.get(f"a{i}_{rep.pk}_{n}") for n in TARGET_FIELDS)
                ]
                for i in range(1, 4)
            ]
        return services.PlanContent(**kwargs)


class CommentForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        validators=[TextLengthValidator()], label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("What should change"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The KAM sees this."),
        validators=[TextLengthValidator()],
    )


class ConfirmationForm(BootstrapFormMixin, forms.Form):
    confirmed_by = forms.ModelChoiceField(
        queryset=Contact.objects.none(), label=_("Confirmed by (distributor contact)")
    )
    confirmed_on = forms.DateField(label=_("Confirmed on"), widget=DATE)
    signed_copy = forms.FileField(
        label=_("Signed copy"), required=False, help_text=_("PDF or photo (JPEG, PNG, WebP, HEIC), up to 10 MB.")
    )

    def __init__(self, *args, plan: QuarterlyPlan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmed_by"].queryset = Contact.objects.filter(distributor=plan.distributor_id)
        self.fields["confirmed_on"].initial = timezone.localdate()


class AccountPlanForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = AccountPlan
        fields = ["distributor", "year", "vision"]
        widgets = {"vision": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["distributor"].disabled = True
            self.fields["distributor"].queryset = Distributor.objects.filter(pk=self.instance.distributor_id)
        else:
            self.fields["distributor"].queryset = services.plannable_distributors(user).order_by("code")
            self.fields["year"].initial = timezone.localdate().year


class ObjectiveForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["statement", "measure", "target_value", "due_on", "rationale"]
        widgets = {"due_on": DATE, "rationale": forms.Textarea(attrs={"rows": 2})}


class ActionItemForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ActionItem
        fields = ["task", "objective", "owner", "due_on", "status", "completion_note"]
        widgets = {"due_on": DATE, "completion_note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, editor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.instance.account_plan
        self.fields["objective"].queryset = plan.objectives.all()
        self.fields["owner"].queryset = services.action_item_owners(plan.distributor)
        self.fields["owner"].label_from_instance = _user_label
        if not editor:  # the owner updates progress only
            for name in ("task", "objective", "owner", "due_on"):
                self.fields[name].disabled = True
