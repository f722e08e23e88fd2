"""The one scope rule of the company: who may see what an owning rep owns.

Every scoped model reaches an owning rep (a distributor's ``owner``, a visit's
``distributor__owner`` ...) and builds its ``QuerySet.visible_to(user)`` from
:func:`owned_by_scope`, so the rules below live in exactly one place:

- rep: rows they own;
- KAM: rows owned by members of the team they lead;
- regional manager: rows owned by members of teams in their region;
- finance: the whole company, or one region when the user is limited to it;
- admin (and any superuser): everything;
- inactive or anonymous users: nothing.
"""

from django.db.models import Q

from .roles import Role

NOTHING = Q(pk__in=[])


def _path(prefix: str, name: str) -> str:
    return f"{prefix}__{name}" if prefix else name


def owned_by_scope(user, *, owner: str, rep_sees_team: bool = False) -> Q:
    """Return a filter for rows whose owning rep, reached through the field path ``owner``, is in ``user``'s scope.

    ``owner`` is the path from the filtered model to the owning user
    (``"owner"``, ``"distributor__owner"``); ``""`` filters users themselves.
    ``rep_sees_team`` widens a rep's view to everything their team owns (customer
    cards: a rep can look up a teammate's account); edits still use the narrow rule.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    role = user.effective_role
    if role == Role.ADMIN:
        return Q()
    if role == Role.REP:
        if rep_sees_team:
            return Q(**{_path(owner, "team"): user.team_id}) if user.team_id else Q(**{owner or "pk": user.pk})
        return Q(**{owner or "pk": user.pk})
    if role == Role.KAM:
        return Q(**{_path(owner, "team__kam"): user.pk})
    if role == Role.REGIONAL_MANAGER:
        return Q(**{_path(owner, "team__region"): user.region_id}) if user.region_id else NOTHING
    if role == Role.FINANCE:
        return Q(**{_path(owner, "team__region"): user.region_id}) if user.region_id else Q()
    return NOTHING


# Whose *figures* a user may see as a whole (dashboards, team reports): a team's only for its KAM and above, a
# region's for its managers, the company's for admin and company-wide finance. A rep oversees none of them.


def oversees_company(user) -> bool:
    role = getattr(user, "effective_role", None)
    return role == Role.ADMIN or (role == Role.FINANCE and not user.region_id)
