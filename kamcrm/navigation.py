"""The main navigation, built per role. Later apps add their entries to NAV_ITEMS."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

ALL_ROLES = frozenset(Role.values)
SALES_ROLES = frozenset({Role.REP, Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN})


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset = ALL_ROLES
    icon: str = ""


NAV_ITEMS: list[NavItem] = [
    NavItem(_("Home"), "home"),
    NavItem(_("Dashboard"), "dashboard:page"),
    NavItem(_("My day"), "reports:my_day", frozenset({Role.REP, Role.KAM})),
    NavItem(_("Daily report"), "reports:today", frozenset({Role.REP, Role.KAM})),
    NavItem(_("My week"), "reports:my_week", frozenset({Role.REP})),
    NavItem(_("My plan"), "reports:my_month", frozenset({Role.REP})),
    NavItem(_("Distributors"), "distributors:list"),
    NavItem(_("Visits"), "reports:visit_list", frozenset({Role.REP, Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN})),
    NavItem(_("Orders"), "reports:order_list"),
    NavItem(_("Team's days"), "reports:team_days", frozenset({Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN})),
    NavItem(_("Team notes"), "reports:team_notes", frozenset({Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN})),
    NavItem(_("Weekly and monthly reports"), "period_reports:list"),
    NavItem(_("Contests"), "reports:contests"),
    NavItem(_("Scorecards"), "reports:scorecards", SALES_ROLES),
    NavItem(_("Training"), "reports:training", SALES_ROLES),
    NavItem(
        _("Strategy outcomes"), "reports:strategy_outcomes", frozenset({Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN})
    ),
    NavItem(_("Account health"), "reports:health"),
    NavItem(_("Portfolio"), "distributors:portfolio", frozenset({Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN})),
    NavItem(_("Progress table"), "distributors:progress_table", SALES_ROLES),
    NavItem(_("Customer needs"), "reports:account_needs"),
    NavItem(_("Market report"), "reports:market", SALES_ROLES),
    NavItem(_("Plans"), "plans:list"),
    NavItem(_("Service strategies"), "reports:strategy_list"),
    NavItem(_("Need catalogue"), "reports:needs"),
    NavItem(_("Competitors"), "distributors:competitors", SALES_ROLES),
    NavItem(_("Collections"), "receivables:worklist"),
    NavItem(
        _("Invoices"), "receivables:invoices", frozenset({Role.FINANCE, Role.ADMIN, Role.REGIONAL_MANAGER, Role.KAM})
    ),
    NavItem(_("Aging"), "receivables:aging"),
    NavItem(_("Bad debt"), "receivables:write_offs", frozenset({Role.FINANCE, Role.ADMIN, Role.REGIONAL_MANAGER})),
    NavItem(_("Organisation"), "accounts:org", frozenset({Role.ADMIN})),
    NavItem(_("API"), "swagger-ui"),
]


# Menus that group the entries above (by URL name); an entry not listed stands on its own.
MENUS: list[tuple[str | Promise, list[str]]] = [
    (
        _("My work"),
        [
            "reports:my_day",
            "reports:today",
            "reports:my_week",
            "reports:my_month",
            "reports:visit_list",
            "reports:order_list",
        ],
    ),
    (
        _("Accounts"),
        [
            "distributors:list",
            "reports:health",
            "distributors:portfolio",
            "distributors:progress_table",
            "reports:account_needs",
            "reports:market",
            "plans:list",
        ],
    ),
    (
        _("Team"),
        [
            "reports:team_days",
            "reports:team_notes",
            "period_reports:list",
            "reports:scorecards",
            "reports:contests",
            "reports:training",
            "reports:strategy_outcomes",
        ],
    ),
    (_("Money"), ["receivables:worklist", "receivables:invoices", "receivables:aging", "receivables:write_offs"]),
    (
        _("More"),
        ["reports:strategy_list", "reports:needs", "distributors:competitors", "accounts:org", "swagger-ui"],
    ),
]
# Entries that a role finds in another menu: a rep's own weekly and monthly reports are part of their work.
ROLE_MENUS: dict[str, dict[str, int]] = {
    Role.REP: {"period_reports:list": 0, "reports:scorecards": 0, "reports:contests": 0, "reports:training": 0}
}


def navigation(request):
    """The menu for the signed-in user's role: entries, grouped into drop-downs, the current one active."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = user.effective_role
    items = {}
    for item in NAV_ITEMS:
        if role not in item.roles:
            continue
        try:
            items[item.url_name] = {"label": item.label, "url": reverse(item.url_name), "active": False}
        except NoReverseMatch:
            continue
    # The entry whose URL is the longest prefix of the current path is the active one.
    matches = [
        i for i in items.values() if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    menu_of = {name: index for index, (_label, names) in enumerate(MENUS) for name in names}
    menu_of.update(ROLE_MENUS.get(role, {}))
    entries, menus = [], {}
    for name, entry in items.items():
        if name not in menu_of:
            entries.append(entry)
            continue
        index = menu_of[name]
        if index not in menus:
            menus[index] = {"label": MENUS[index][0], "children": [], "active": False}
            entries.append(menus[index])
        menus[index]["children"].append(entry)
        menus[index]["active"] |= entry["active"]
    # A menu with a single entry is just that entry.
    entries = [e["children"][0] if "children" in e and len(e["children"]) == 1 else e for e in entries]
    return {"nav_items": entries, "user_role_label": Role(role).label}
