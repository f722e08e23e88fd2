"""Whoever changes something sees it on their next dashboard (``cache.note_write``): a dashboard shown while the
worker recomputes it is never shown to the one who made the write."""

from reports.analytics.dashboards import cache

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class WritersSeeTheirWritesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            user = getattr(request, "user", None)  # after the view: DRF's token user too
            if user is not None and user.is_authenticated:
                cache.note_write(user.pk)  # never raises: a committed write never answers 5xx
        return response
