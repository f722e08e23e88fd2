"""Filters of the plan lists, shared by the pages, the export and the API."""

import django_filters as filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region, Team, User
from kamcrm.filters import text_search

from ..cards.filters import limit_to_card_scope
from .models import ActionItem, PlanStatus, QuarterlyPlan


class PlanFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"))
    year = filters.NumberFilter(label=_("Year"))
    quarter = filters.ChoiceFilter(choices=[(q, f"Q{q}") for q in range(1, 5)], label=_("Quarter"))
    status = filters.MultipleChoiceFilter(choices=PlanStatus.choices, label=_("Status"))
    distributor = filters.NumberFilter(field_name="distributor", label=_("Distributor"))
    owner = filters.ModelChoiceFilter(queryset=User.objects.none(), field_name="distributor__owner", label=_("Owner"))
    team = filters.ModelChoiceFilter(
        queryset=Team.objects.none(), field_name="distributor__owner__team", label=_("Team")
    )
    region = filters.ModelChoiceFilter(
        queryset=Region.objects.none(), field_name="distributor__owner__team__region", label=_("Region")
    )
    current = filters.BooleanFilter(method="only_current", label=_("Without superseded versions"))

    class Meta:
        model = QuarterlyPlan
        fields = ["q", "year", "quarter", "status", "distributor", "owner", "team", "region", "current"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or getattr(self.request, "user", None)
        if user is not None:
            limit_to_card_scope(self, user)

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("distributor__name", "distributor__short_name", "distributor__code"))

    def only_current(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(status=PlanStatus.SUPERSEDED) if value else queryset


class ActionItemFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=ActionItem.State.choices, label=_("Status"))
    overdue = filters.BooleanFilter(method="only_overdue", label=_("Overdue"))
    mine = filters.BooleanFilter(method="only_mine", label=_("Mine"))

    class Meta:
        model = ActionItem
        fields = ["account_plan", "objective", "owner", "status", "overdue", "mine"]

    def only_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = queryset.overdue_as_of(timezone.localdate())
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))

    def only_mine(self, queryset, name, value):
        if not value or self.request is None:
            return queryset
        return queryset.filter(owner=self.request.user)
