"""Helpers the server-rendered pages share (no app imports)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_url(request, url: str | None, fallback: str) -> str:
    """``url`` when it stays on this site (same host; https when the request is), else ``fallback``.

    Every "go back to ``next``" redirect goes through it, so no page can be turned into an open redirect."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def next_url(request, fallback: str) -> str:
    """The ``next`` the form posted (or the link carried), when it is safe; else ``fallback``."""
    return safe_url(request, request.POST.get("next") or request.GET.get("next"), fallback)


def paginate(request, rows, per_page: int) -> tuple[Page, QueryDict]:
    """The page of ``rows`` the request asks for (``?page=``; the first or the last one when it is not a page),
    and the request's query without ``page`` (a copy to change) for the pager's links."""
    page = Paginator(rows, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query


def act_and_say(request, act, done) -> None:
    """Run ``act()`` and say ``done(result)`` as a success message; when the service refuses (a
    ``ValidationError``), say its reasons as an error message instead."""
    try:
        result = act()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done(result))


def message_and_redirect(request, form, act, *, done: str, invalid: str, to: str, args=()):
    """A POST-only action page: when ``form`` is valid run ``act(**form.cleaned_data)`` and say ``done`` (or the
    service's refusal); when it is not, say ``invalid``. Then redirect to ``to`` (a URL name, with ``args``)."""
    if form.is_valid():
        act_and_say(request, lambda: act(**form.cleaned_data), lambda _result: done)
    else:
        messages.error(request, invalid)
    return redirect(to, *args)
