"""The distributor list's filters, shared by the page, the exports and the API."""

from datetime import timedelta

import django_filters as filters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Region, Team, User
from accounts.scope import owned_by_scope
from kamcrm.filters import DayCountFilter, OrderingFilter, text_search

from .models import Attractiveness, Distributor, RelationshipStage, RelationshipType, Status, Tier


def owner_queryset(user):
    """The owners ``user`` may filter cards by: reps and KAMs whose cards they may see."""
    return User.objects.filter(owned_by_scope(user, owner="", rep_sees_team=True)).filter(role__in=["rep", "kam"])


def limit_to_card_scope(filterset: filters.FilterSet, user) -> None:
    """Offer (and accept) only owners, teams and regions whose cards ``user`` may see: another team's rep, another
    region's KAM or team, a region outside a regional finance user's is not a valid choice (400 / form error)."""
    owners = User.objects.filter(owned_by_scope(user, owner="", rep_sees_team=True))
    filterset.filters["owner"].queryset = owner_queryset(user)
    teams = Team.objects.filter(pk__in=owners.filter(team__isnull=False).values("team"))
    filterset.filters["team"].queryset = teams
    filterset.filters["region"].queryset = Region.objects.filter(pk__in=teams.values("region"))


def valid_rows(filterset: filters.FilterSet):
    """The filtered rows; a filter value that does not validate raises ValidationError with field errors.

    The one rule of every export, page and API alike: a filter it cannot apply is refused (API: 400; page: a
    message and no file), never dropped — dropping it would export the whole scope.
    """
    if not filterset.is_bound:
        return filterset.queryset
    if not filterset.is_valid():
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def _without_empty_choices(data, names):
    """The list's "Any status" / "Any tier" option sends ``status=``: no filter, not an invalid choice (which made
    the export refuse the page's own query string)."""
    if data is None or not hasattr(data, "getlist") or not any(name in data for name in names):
        return data
    data = data.copy()
    for name in names:
        if name in data:
            values = [value for value in data.getlist(name) if value]
            if values:
                data.setlist(name, values)
            else:
                del data[name]
    return data


class DistributorFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Search"))
    status = filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"))
    tier = filters.MultipleChoiceFilter(choices=Tier.choices, label=_("Tier"))
    attractiveness = filters.ChoiceFilter(choices=Attractiveness.choices, label=_("Attractiveness"))
    relationship_stage = filters.ChoiceFilter(choices=RelationshipStage.choices, label=_("Relationship stage"))
    relationship_type = filters.ChoiceFilter(choices=RelationshipType.choices, label=_("Relationship type"))
    owner = filters.ModelChoiceFilter(queryset=User.objects.none(), label=_("Owner"))
    team = filters.ModelChoiceFilter(queryset=Team.objects.none(), field_name="owner__team", label=_("Team"))
    region = filters.ModelChoiceFilter(
        queryset=Region.objects.none(), field_name="owner__team__region", label=_("Region")
    )
    city = filters.CharFilter(field_name="city", lookup_expr="iexact", label=_("City"))
    not_visited_days = DayCountFilter(method="not_visited_for", label=_("Not visited for (days)"))
    ordering = OrderingFilter(
        fields=(
            ("code", "code"),
            ("name", "name"),
            ("city", "city"),
            ("tier", "tier"),
            ("status", "status"),
            ("last_visited_on", "last_visited_on"),
            ("updated_at", "updated"),
        ),
        field_labels={
            "code": _("Code"),
            "name": pgettext_lazy("company", "Name"),
            "city": _("City"),
            "tier": _("Tier"),
            "status": _("Status"),
            "last_visited_on": _("Last visit"),
            "updated_at": _("Updated"),
        },
        label=_("Sort by"),
        empty_label=_("Sort by code"),
    )

    class Meta:
        model = Distributor
        fields = [
            "q",
            "status",
            "tier",
            "attractiveness",
            "relationship_stage",
            "relationship_type",
            "owner",
            "team",
            "region",
            "city",
            "not_visited_days",
        ]

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(_without_empty_choices(data, ("status", "tier")), *args, **kwargs)
        user = user or getattr(self.request, "user", None)
        if user is not None:
            limit_to_card_scope(self, user)

    def search(self, queryset, name, value):
        return text_search(queryset, value, ("name", "short_name", "code", "city"))

    def not_visited_for(self, queryset, name, value):
        if value is None:
            return queryset
        cutoff = timezone.localdate() - timedelta(days=int(value))
        return queryset.filter(Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=cutoff))
