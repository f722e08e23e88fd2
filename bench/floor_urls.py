"""The benchmark's floors of a POST (``bench/writes.py load --target``): the app's URLs, plus two endpoints that do
nothing but answer 201, behind the same gunicorn, middleware and (for ``drf``) the same DRF view machinery, token
authentication and JSON parsing as ``POST /api/visits/``. What the machine spends on them is what any POST costs
before the visit's own work. Never part of the app: only ``bench/floor_settings.py`` uses this module."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response
from rest_framework.views import APIView


class DrfFloor(APIView):
    """Token authentication, the permission check, JSON parsed, a JSON answer: DRF's part of a POST."""

    def post(self, request):
        return Response({"received": len(request.data)}, status=201)


@csrf_exempt
def django_floor(request):
    """Django's part alone: the middleware and URL resolution, no authentication, the body read."""
    return HttpResponse(b'{"received": %d}' % len(request.body), status=201, content_type="application/json")


urlpatterns = [
    path("bench/floor/drf/", DrfFloor.as_view()),
    path("bench/floor/django/", django_floor),
    path("", include("kamcrm.urls")),
]
