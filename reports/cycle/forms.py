"""Forms of the "135" cycle pages, the daily report and the service-strategy library. They only collect input: the
rules live in ``reports.cycle.services`` and come back as field errors through ``add_service_errors``."""

from datetime import date

from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from distributors.models import Brand, Distributor
from kamcrm.forms import BootstrapFormMixin
from reports.cycle.models import MonthlyWorkPlan, Review, ScheduleEntry, ServiceStrategy, WeeklySchedule
from reports.visits import services
from reports.visits.models import DailyReport


def _account_label(d: Distributor) -> str:
    return f"{d.code} · {d.display_name}"


def rep_accounts(rep, keep_ids=()) -> QuerySet[Distributor]:
    """The accounts a rep may plan (their own first, then their team's), leaving out terminated ones unless
    already chosen."""
    if not keep_ids:
        return services.distributors_for_visit(rep=rep)
    own_first = Case(When(owner=rep, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        Distributor.objects.visible_to(rep)
        .filter(~Q(status="terminated") | Q(pk__in=keep_ids))
        .order_by(own_first, "short_name", "name")
    )


class WorkPlanForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = MonthlyWorkPlan
        fields = ["focus_accounts", "focus_brands", "market_goals", "notes"]
        widgets = {
            "focus_accounts": forms.SelectMultiple(attrs={"size": 8}),
            "focus_brands": forms.SelectMultiple(attrs={"size": 6}),
            "market_goals": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "focus_accounts": _("The accounts to push this month."),
            "market_goals": _("For example: new outlets, displays, a competitor to win back."),
        }

    def __init__(self, *args, rep, **kwargs):
        super().__init__(*args, **kwargs)
        chosen_accounts = list(self.instance.focus_accounts.values_list("pk", flat=True)) if self.instance.pk else []
        chosen_brands = list(self.instance.focus_brands.values_list("pk", flat=True)) if self.instance.pk else []
        self.fields["focus_accounts"].queryset = rep_accounts(rep, keep_ids=chosen_accounts)
        self.fields["focus_accounts"].label_from_instance = _account_label
        self.fields["focus_brands"].queryset = Brand.objects.filter(is_active=True) | Brand.objects.filter(
            pk__in=chosen_brands
        )


class ReviewForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Review
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 10})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.kind == Review.Kind.WEEKLY:
            self.fields["text"].label = _("Weekly review")
            self.fields["text"].help_text = _("What went well this week, what did not, and what you learnt.")
        else:
            self.fields["text"].label = _("Monthly summary")
            self.fields["text"].help_text = _("The month against the plan: results, problems, the market, next month.")


class ScheduleForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = WeeklySchedule
        fields = ["notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}


class StopForm(BootstrapFormMixin, forms.Form):
    """One stop of a day's route; a row without an account is left out."""

    sequence = forms.IntegerField(label=_("Stop"), min_value=1, max_value=99, required=False)
    distributor = forms.ModelChoiceField(queryset=Distributor.objects.none(), label=_("Account"), required=False)
    note = forms.CharField(label=_("Note"), max_length=ScheduleEntry._meta.get_field("note").max_length, required=False)

    def __init__(self, *args, accounts=None, account_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["distributor"]
        field.queryset = accounts if accounts is not None else Distributor.objects.none()
        field.label_from_instance = _account_label
        field.empty_label = _("— no stop —")
        if account_choices is not None:  # the same list for every row of the week: one query, not one per row
            field.choices = account_choices
        self.fields["sequence"].widget.attrs.update(
            {"inputmode": "numeric", "class": "form-control text-center", "aria-label": _("Stop")}
        )
        field.widget.attrs["aria-label"] = _("Account")


StopFormSet = forms.formset_factory(StopForm, extra=1)  # one empty row a day; "More stops" adds three


class DayStops:
    """The stops of one day of the schedule form: a formset with its own prefix."""

    def __init__(self, *, day: date, index: int, data, accounts, account_choices, stops: list[ScheduleEntry]):
        self.day = day
        self.prefix = f"d{index}"
        initial = [{"sequence": s.sequence, "distributor": s.distributor_id, "note": s.note} for s in stops]
        self.formset = StopFormSet(
            data,
            prefix=self.prefix,
            initial=initial,
            form_kwargs={"accounts": accounts, "account_choices": account_choices},
        )

    @property
    def label(self) -> str:
        return formats.date_format(self.day, "D j M")

    def entries(self) -> list[tuple[date, Distributor, str]]:
        """(day, distributor, note) in route order: by stop number, rows without a number where they stand."""
        rows = []
        for position, form in enumerate(self.formset.forms, start=1):
            data = form.cleaned_data
            if not data or not data.get("distributor"):
                continue
            rows.append((data.get("sequence") or position, position, data["distributor"], data.get("note", "")))
        rows.sort(key=lambda row: (row[0], row[1]))
        return [(self.day, distributor, note) for _seq, _pos, distributor, note in rows]


class CommentForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), strip=True)


class StrategyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = ServiceStrategy
        fields = ["code", "name", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class DailyNotesForm(BootstrapFormMixin, forms.ModelForm):
    """The rep's notes of the day (日感受)."""

    class Meta:
        model = DailyReport
        fields = ["happenings", "problems", "market_info", "competitor_activity"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in fields}


class DayCommentForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
