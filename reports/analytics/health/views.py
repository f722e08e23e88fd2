"""Account health pages: the team table (/reports/health/), one account (/reports/health/<id>/), the home block."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from distributors.models import Distributor
from reports.analytics.dashboards import selectors as dashboard
from reports.analytics.health import selectors as health

HOME_ROWS = 8


def scope_from(request) -> dashboard.Scope:
    """``?level=team&id=3`` (a scope the user oversees, else 404), or the user's own (:func:`health.health_scope`)."""
    params = request.query_params if hasattr(request, "query_params") else request.GET
    level = params.get("level")
    if not level:
        return health.health_scope(request.user)
    try:
        pk = int(params["id"]) if params.get("id") else None
        return dashboard.resolve_scope(for_user=request.user, level=level, pk=pk)
    except (ValueError, dashboard.ScopeNotFound):
        raise Http404 from None


@login_required
def health_table(request):
    scope = scope_from(request)
    rows = health.scope_health(for_user=request.user, scope=scope)
    return render(request, "reports/health.html", {"scope": scope, "rows": rows})


@login_required
def health_block(request):
    """The home page's block (loaded by HTMX): the worst accounts of the user's own table."""
    rows = health.scope_health(for_user=request.user)
    return render(
        request,
        "reports/_health_block.html",
        {"rows": rows[:HOME_ROWS], "total": len(rows), "red": sum(1 for r in rows if r.light == health.RED)},
    )


@login_required
def account_health(request, pk: int):
    distributor = get_object_or_404(Distributor.objects.visible_to(request.user), pk=pk)
    return render(
        request,
        "reports/account_health.html",
        {"h": health.account_health(for_user=request.user, distributor=distributor)},
    )
