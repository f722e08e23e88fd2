"""The filters of the weekly and monthly reports, shared by the list page and /api/period-reports/."""

import django_filters as filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from kamcrm.filters import DateFilter
from reports.analytics.models import PeriodReport


def _reps(request):
    """The reps the caller has reports of (a foreign id is a "not one of the choices" error)."""
    if request is None or not getattr(request.user, "is_authenticated", False):
        return User.objects.none()
    reports = PeriodReport.objects.visible_to(request.user).filter(rep__isnull=False).order_by()
    return User.objects.filter(pk__in=reports.values("rep_id")).order_by("first_name", "last_name", "username")


def _teams(request):
    """The teams the caller has reports of, their own or their reps'."""
    if request is None or not getattr(request.user, "is_authenticated", False):
        return Team.objects.none()
    reports = PeriodReport.objects.visible_to(request.user).order_by()
    return Team.objects.filter(
        Q(pk__in=reports.filter(team__isnull=False).values("team_id"))
        | Q(pk__in=reports.filter(rep__isnull=False).values("rep__team_id"))
    ).order_by("name")


class PeriodReportFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=PeriodReport.Kind.choices, label=_("Kind"))
    level = filters.ChoiceFilter(choices=PeriodReport.Level.choices, label=_("Level"))
    rep = filters.ModelChoiceFilter(queryset=_reps, label=_("Rep"))
    team = filters.ModelChoiceFilter(
        queryset=_teams,
        method="filter_team",
        label=_("Team"),
        help_text=_("The team's reports and its reps' (add level=team for the team's alone)."),
    )
    start = DateFilter(label=_("Period start"))
    date = DateFilter(
        method="filter_date", label=_("Period containing"), help_text=_("Reports whose period contains this day.")
    )

    class Meta:
        model = PeriodReport
        fields = ["kind", "level", "rep", "team", "start", "date"]

    def filter_team(self, queryset, name, value):
        return queryset.filter(Q(team=value) | Q(rep__team=value)) if value else queryset

    def filter_date(self, queryset, name, value):
        return queryset.filter(start__lte=value, end__gte=value) if value else queryset
