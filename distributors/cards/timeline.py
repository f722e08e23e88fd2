"""The card's business dealings (业务往来): one timeline fed by every app that has dated records.

An app registers a source — ``source(distributor, for_user, limit) -> iterable of Entry`` —
with :func:`register`; the card merges them newest first. Visits, orders,
invoices and payments plug in from their own apps the same way complaints and
suggestions do below.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Entry:
    at: datetime | date
    kind: str  # stable key: "complaint", "visit", "invoice" ...
    kind_label: str
    title: str
    detail: str = ""
    url: str = ""
    amount: object = None  # Decimal for money records

    @property
    def sort_key(self) -> datetime:
        if isinstance(self.at, datetime):
            return self.at
        return timezone.make_aware(datetime.combine(self.at, time.max))


Source = Callable[..., Iterable[Entry]]
SOURCES: list[Source] = []


def register(source: Source) -> Source:
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def timeline(*, distributor, for_user, limit: int = 50) -> list[Entry]:
    """The newest ``limit`` entries about ``distributor`` from all sources, newest first."""
    entries = [entry for source in SOURCES for entry in source(distributor, for_user, limit)]
    entries.sort(key=lambda e: e.sort_key, reverse=True)
    return entries[:limit]


@register
def complaints(distributor, for_user, limit):
    for c in distributor.complaints.select_related("owner").order_by("-received_on", "-pk")[:limit]:
        yield Entry(
            at=c.received_on,
            kind="complaint",
            kind_label=_("Complaint"),
            title=f"{c.get_kind_display()} · {c.get_status_display()}",
            detail=c.description,
            url=reverse("distributors:complaint_edit", args=[distributor.pk, c.pk]),
        )


@register
def suggestions(distributor, for_user, limit):
    for s in distributor.suggestions.order_by("-received_on", "-pk")[:limit]:
        yield Entry(
            at=s.received_on,
            kind="suggestion",
            kind_label=_("Suggestion"),
            title=s.get_status_display(),
            detail=s.content,
            url=reverse("distributors:suggestion_edit", args=[distributor.pk, s.pk]),
        )
