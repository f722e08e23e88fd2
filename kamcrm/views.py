from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import selectors as org_selectors
from accounts.models import Role
from reports.analytics.dashboards import selectors as dashboard
from reports.cycle import day_views

from . import health

# A rep's home page is My day: one list of what to do today (the project wiring may import every app).
HOME_PAGES: dict[str, Callable] = {Role.REP: day_views.my_day}


@require_GET
def service_worker(request):
    """The service worker at the site's root, so its scope covers every page (a file under /static/ could only
    control /static/). Its text is static/js/sw.js; no inline script, so the CSP stays strict."""
    path = finders.find("js/sw.js")
    with open(path, encoding="utf-8") as source:
        response = HttpResponse(source.read(), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"  # a new version reaches the phones on their next visit
    return response


@require_GET
@never_cache
def healthz(request):
    """200 while the database and the Celery broker answer; 503 naming the failing ones in ``failing`` when not.
    The worker's heartbeat is reported but does not fail the check (a worker restart is not an outage of the site).
    """
    checks = {"database": health.database_status(), "broker": health.broker_status()}
    failing = [name for name, status in checks.items() if status != "ok"]
    body = {**checks, "worker": health.worker_status(), "failing": failing}
    return JsonResponse(body, status=503 if failing else 200)


def _monday_review(user) -> dict | None:
    """Links for a manager's Monday review: last week's dashboard and reports, this month so far, the team's days."""
    if user.effective_role not in (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN, Role.FINANCE):
        return None
    scope = dashboard.default_scope(user)
    last_week = dashboard.period_containing("week", timezone.localdate() - timedelta(days=7))
    where = {"level": scope.level, **({"id": scope.id} if scope.id else {})}
    return {
        "scope": scope,
        "week": last_week,
        "week_url": f"{reverse('dashboard:page')}?{urlencode({**where, 'period': 'week', 'date': last_week.start})}",
        "month_url": f"{reverse('dashboard:page')}?{urlencode({**where, 'period': 'month'})}",
        "reports_url": f"{reverse('period_reports:list')}?{urlencode({'kind': 'weekly', 'start': last_week.start})}",
        "team_days": user.effective_role in (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN),
    }


@login_required
def home(request):
    page = HOME_PAGES.get(request.user.effective_role)  # a rep's home page is My day (the reports app's)
    if page is not None:
        return page(request)
    context = {"org": org_selectors.home_summary(user=request.user), "review": _monday_review(request.user)}
    return render(request, "home.html", context)
