"""The main navigation, built per role. Later apps add their entries to NAV_ITEMS."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

ALL_ROLES = frozenset(Role.values)


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset = ALL_ROLES
    icon: str = ""


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home"),
    NavItem(_("Distributors"), "distributors:list"),
    NavItem(_("Portfolio"), "distributors:portfolio", frozenset({Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN})),
    NavItem(_("Organisation"), "accounts:org", frozenset({Role.ADMIN})),
    NavItem(_("API"), "swagger-ui"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = user.effective_role
    items = []
    for item in NAV_ITEMS:
        if role not in item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append(
            {
                "label": item.label,
                "url": url,
                "active": request.path.startswith(url) and url != "/" or request.path == url,
            }
        )
    return {"nav_items": items, "user_role_label": Role(role).label}
