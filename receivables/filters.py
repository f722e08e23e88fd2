"""FilterSets shared by the receivables pages and the API."""

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Region, Team, User
from kamcrm.filters import DateFilter, OrderingFilter, text_search

from .models import ActivityKind, ClaimStatus, CollectionActivity, Invoice, InvoiceStatus, Payment, PaymentClaim


class _ScopedChoices(filters.FilterSet):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        if user is not None:
            if "owner" in self.filters:
                self.filters["owner"].queryset = User.objects.visible_to(user).filter(role__in=["rep", "kam"])
            if "team" in self.filters:
                self.filters["team"].queryset = Team.objects.visible_to(user)
            if "region" in self.filters:
                self.filters["region"].queryset = Region.objects.visible_to(user)


class InvoiceFilter(_ScopedChoices):
    q = filters.CharFilter(method="search", label=_("Search"))
    status = filters.MultipleChoiceFilter(choices=InvoiceStatus.choices, label=_("Status"))
    open = filters.BooleanFilter(method="only_open", label=_("Open only"))
    overdue = filters.BooleanFilter(method="only_overdue", label=_("Overdue only"))
    issued_from = DateFilter(field_name="issue_date", lookup_expr="gte", label=_("Issued from"))
    issued_to = DateFilter(field_name="issue_date", lookup_expr="lte", label=_("Issued to"))
    due_from = DateFilter(field_name="due_date", lookup_expr="gte", label=_("Due from"))
    due_to = DateFilter(field_name="due_date", lookup_expr="lte", label=_("Due to"))
    owner = filters.ModelChoiceFilter(queryset=User.objects.none(), field_name="distributor__owner", label=_("Owner"))
    team = filters.ModelChoiceFilter(
        queryset=Team.objects.none(), field_name="distributor__owner__team", label=_("Team")
    )
    region = filters.ModelChoiceFilter(
        queryset=Region.objects.none(), field_name="distributor__owner__team__region", label=_("Region")
    )
    ordering = OrderingFilter(
        fields=(
            ("issue_date", "issue_date"),
            ("due_date", "due_date"),
            ("number", "number"),
            ("amount", "amount"),
            ("open_amount", "open_amount"),
        ),
        field_labels={
            "issue_date": _("Issue date"),
            "due_date": _("Due date"),
            "number": _("Number"),
            "amount": pgettext_lazy("money", "Amount"),
            "open_amount": _("Open amount"),
        },
        label=_("Sort by"),
        empty_label=_("Newest first"),
    )

    class Meta:
        model = Invoice
        fields = ["q", "distributor", "status", "currency", "open", "overdue"]

    def search(self, queryset, name, value):
        return text_search(
            queryset,
            value,
            ("number", "distributor__code", "distributor__name", "distributor__short_name", "order_refs"),
        )

    def only_open(self, queryset, name, value):
        return queryset.filter(open_amount__gt=0) if value else queryset

    def only_overdue(self, queryset, name, value):
        return queryset.overdue_as_of(timezone.localdate()) if value else queryset


class PaymentFilter(_ScopedChoices):
    q = filters.CharFilter(method="search", label=_("Search"))
    paid_from = DateFilter(field_name="paid_on", lookup_expr="gte", label=_("Paid from"))
    paid_to = DateFilter(field_name="paid_on", lookup_expr="lte", label=_("Paid to"))
    unallocated = filters.BooleanFilter(method="with_unallocated", label=_("With unallocated money"))

    class Meta:
        model = Payment
        fields = ["q", "distributor", "method", "unallocated"]

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("reference", "distributor__code", "distributor__name"))

    def with_unallocated(self, queryset, name, value):
        return queryset.filter(unallocated_amount__gt=0, reversal__isnull=True) if value else queryset


class CollectionActivityFilter(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=ActivityKind.choices)

    class Meta:
        model = CollectionActivity
        fields = ["distributor", "invoice", "kind"]


class PaymentClaimFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ClaimStatus.choices)

    class Meta:
        model = PaymentClaim
        fields = ["distributor", "rep", "status"]
