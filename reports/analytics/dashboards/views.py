"""The dashboard page: a scope's figures for a period, its children ranked, drill-down, charts and trends.

It reads the same query string and the same figures as ``GET /api/dashboard/`` (``dashboard_api.parse``).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

from accounts.scope import oversees_company
from reports.analytics.dashboards import cache as kept
from reports.analytics.dashboards import selectors as dashboard
from reports.analytics.dashboards.api import parse


def _float(value) -> float | None:
    return None if value is None else float(value)


def _query(**params) -> str:
    query = QueryDict(mutable=True)
    query.update({k: v for k, v in params.items() if v not in (None, "")})
    return f"{reverse('dashboard:page')}?{query.urlencode()}"


def paces(figures: dashboard.Figures) -> dict:
    """{rate name: {"name", "expected", "pace"}} for the page's pace badges (``Figures.expected_rate``/``pace``)."""
    return {
        name: {"name": name, "expected": figures.expected_rate(name), "pace": figures.pace(name)}
        for name in dashboard.RATES
    }


def _link(scope_level: str, pk, period: dashboard.Period, rank: str = "") -> str:
    return _query(level=scope_level, id=pk, period=period.kind, date=period.start.isoformat(), rank=rank)


def _breadcrumbs(user, scope: dashboard.Scope, period: dashboard.Period) -> list[dict]:
    """Company › region › team › rep, each a link when the user may open it."""
    chain = []
    obj = scope.obj
    if scope.level == "rep" and obj.team_id:
        chain = [("team", obj.team), ("region", obj.team.region)]
    elif scope.level == "team":
        chain = [("region", obj.region)]
    crumbs = []
    if oversees_company(user) and scope.level != "company":
        crumbs.append({"label": _("Company"), "url": _link("company", None, period)})
    for level, item in reversed(chain):
        try:
            dashboard.resolve_scope(for_user=user, level=level, pk=item.pk)
        except dashboard.ScopeNotFound:
            continue
        crumbs.append({"label": item.name, "url": _link(level, item.pk, period)})
    return crumbs


@login_required
def dashboard_page(request):
    try:
        scope, period, extra = parse(request)
    except ValidationError as exc:
        for problems in exc.detail.values():  # each message names what it wants (the choices, a date's format)
            for problem in problems:
                messages.error(request, str(problem))
        scope, period, extra = dashboard.default_scope(request.user), dashboard.period_containing("month", None), {}
    rank = request.GET.get("rank") or "sales"
    if rank not in dashboard.RATES:
        rank = "sales"
    board = kept.dashboard(
        scope=scope, period=period, children_level=extra.get("children"), reader=request.user.pk, stale_ok=True
    )
    ranked = board.ranking(rank)
    rows = []
    for position, child in enumerate(ranked, start=1):
        if child.level == "distributor":
            url = reverse("distributors:detail", args=[child.id]) if child.id else ""
        else:
            url = _link(child.level, child.id, period, rank) if child.id else ""
        rows.append(
            {
                "position": position if child.figures.rate(rank) is not None else "",
                "child": child,
                "url": url,
                "paces": paces(child.figures),
            }
        )
    chart = {
        "labels": [c.label for c in ranked],
        "values": [_float(c.figures.rate(rank)) for c in ranked],
        "name": str(dashboard.RATE_LABELS[rank]),
    }
    context = {
        "board": board,
        "paces": paces(board.figures),
        "scope": scope,
        "period": period,
        "rank": rank,
        "rows": rows,
        "chart": chart,
        "rates": [(key, dashboard.RATE_LABELS[key]) for key in dashboard.RATES],
        "periods": [(key, dashboard.PERIOD_LABELS[key]) for key in dashboard.PERIODS],
        "previous_url": _link(scope.level, scope.id, period.shifted(-1), rank),
        "next_url": _link(scope.level, scope.id, period.shifted(1), rank),
        "breadcrumbs": _breadcrumbs(request.user, scope, period),
        "child_levels": [(lvl, dashboard.LEVEL_LABELS[lvl]) for lvl in dashboard.child_levels(scope.level)],
        "child_level_label": dashboard.LEVEL_LABELS[board.children_level],
        "level_label": dashboard.LEVEL_LABELS[scope.level],
        "trend_url": reverse("dashboard:trend")
        + f"?level={scope.level}&period={period.kind}&date={period.start.isoformat()}"
        + (f"&id={scope.id}" if scope.id else ""),
        "api_url": reverse("api-dashboard")
        + f"?level={scope.level}&period={period.kind}&date={period.start.isoformat()}"
        + (f"&id={scope.id}" if scope.id else ""),
    }
    return render(request, "reports/dashboard.html", context)


@login_required
def trend_partial(request):
    """The last 12 periods against a year earlier (纵向比较): a chart and a table, loaded after the page."""
    try:
        scope, period, _extra = parse(request)
    except ValidationError:
        scope, period = dashboard.default_scope(request.user), dashboard.period_containing("month", None)
    points = kept.trend(scope=scope, period=period, reader=request.user.pk, stale_ok=True)
    chart = {
        "labels": [p.period.label() for p in points],
        "sales": [float(p.figures.sales_amount) for p in points],
        "sales_year_ago": [float(p.year_ago.sales_amount) for p in points],
        "collection": [
            float(p.figures.collection_rate) if p.figures.collection_rate is not None else None for p in points
        ],
        "names": {
            "sales": str(_("Sales amount")),
            "sales_year_ago": str(_("Sales a year earlier")),
            "collection": str(_("Collection rate")),
        },
    }
    return render(request, "reports/_dashboard_trend.html", {"points": points, "chart": chart, "period": period})
