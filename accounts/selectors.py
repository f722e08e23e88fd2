"""Reads of users and the org structure, always through ``visible_to``."""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from .models import Region, Role, Team, User
from .scope import oversees_company


def region_list(*, for_user: User) -> QuerySet[Region]:
    return (
        Region.objects.visible_to(for_user)
        .annotate(
            team_count=Count("teams", distinct=True),
        )
        .order_by("name")
    )


def team_list(*, for_user: User) -> QuerySet[Team]:
    return (
        Team.objects.visible_to(for_user)
        .select_related("region", "kam")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True)))
        .order_by("region__name", "name")
    )


def user_list(*, for_user: User) -> QuerySet[User]:
    return User.objects.visible_to(for_user).select_related("team__region", "region").order_by("username")


@dataclass
class HomeSummary:
    role: str
    role_label: str
    team: Team | None = None
    kam: User | None = None
    region: Region | None = None
    members: list[User] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def home_summary(*, user: User) -> HomeSummary:
    """What the home page says about the user's place in the org: team, KAM, region, and what they oversee."""
    role = user.effective_role
    team = Team.objects.select_related("region", "kam").filter(pk=user.team_id).first() if user.team_id else None
    region = team.region if team else (Region.objects.filter(pk=user.region_id).first() if user.region_id else None)
    summary = HomeSummary(
        role=role, role_label=Role(role).label, team=team, kam=team.kam if team else None, region=region
    )
    if role == Role.KAM and team is not None and team.kam_id == user.pk:
        summary.members = list(team.members.filter(is_active=True).exclude(pk=user.pk).order_by("username"))
    elif role in (Role.REGIONAL_MANAGER, Role.FINANCE, Role.ADMIN):
        teams = team_list(for_user=user)
        if region is not None:
            teams = teams.filter(region=region)
        summary.teams = list(teams)
    if role == Role.ADMIN:
        summary.counts = {
            "regions": Region.objects.count(),
            "teams": Team.objects.count(),
            "users": User.objects.filter(is_active=True).count(),
        }
    return summary


def teams_overseen_by(user):
    role = getattr(user, "effective_role", None)
    if oversees_company(user):
        return Team.objects.all()
    if role in (Role.REGIONAL_MANAGER, Role.FINANCE) and user.region_id:
        return Team.objects.filter(region_id=user.region_id)
    if role == Role.KAM:
        return Team.objects.filter(kam=user)
    return Team.objects.none()


def regions_overseen_by(user):
    role = getattr(user, "effective_role", None)
    if oversees_company(user):
        return Region.objects.all()
    if role in (Role.REGIONAL_MANAGER, Role.FINANCE) and user.region_id:
        return Region.objects.filter(pk=user.region_id)
    return Region.objects.none()
