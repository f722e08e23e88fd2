"""Bad input on a page is a 400 page, never a 500 (issue 17)."""

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError as ApiValidationError


def _messages(exc) -> list[str]:
    if isinstance(exc, ApiValidationError):
        detail = exc.detail
        values = detail.values() if isinstance(detail, dict) else [detail]
        return [str(m) for value in values for m in (value if isinstance(value, list) else [value])]
    return exc.messages


class BadInputMiddleware:
    """A query string with a NUL character (which no database column can hold) is a 400, and so is a
    ValidationError a page did not catch (a query parameter outside the date window, say)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            message = _("The address contains a NUL character.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return render(request, "400.html", {"errors": [message]}, status=400)
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, ValidationError | ApiValidationError):
            return render(request, "400.html", {"errors": _messages(exc)}, status=400)
        return None
