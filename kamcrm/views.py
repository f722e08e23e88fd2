from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts import selectors as org_selectors

from . import health


@require_GET
@never_cache
def healthz(request):
    """200 while the database answers (503 when it does not), with broker and worker status."""
    database = health.database_status()
    body = {"database": database, "broker": health.broker_status(), "worker": health.worker_status()}
    return JsonResponse(body, status=200 if database == "ok" else 503)


@login_required
def home(request):
    return render(request, "home.html", {"org": org_selectors.home_summary(user=request.user)})
