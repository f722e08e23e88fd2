"""Visits and orders on the customer card's business dealings."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from distributors.cards.timeline import Entry, register
from receivables.selectors import may_see_money


@register
def visits(distributor, for_user, limit):
    """Every visit to the account; the money collected on it only under the money rule (like payments)."""
    show_money = may_see_money(user=for_user, distributor=distributor)
    for v in distributor.visits.select_related("rep").order_by("-started_at")[:limit]:
        yield Entry(
            at=v.started_at,
            kind="visit",
            kind_label=_("Visit"),
            title=f"{v.get_kind_display()} · {v.get_purpose_display()} · {v.rep.display_name}",
            detail=v.outcome,
            url=reverse("reports:visit_detail", args=[v.pk]),
            amount=(v.collected_amount or None) if show_money else None,
        )


@register
def orders(distributor, for_user, limit):
    for o in distributor.orders.order_by("-order_date", "-pk")[:limit]:
        yield Entry(
            at=o.order_date,
            kind="order",
            kind_label=_("Order"),
            title=f"#{o.pk} · {o.get_status_display()}",
            detail=o.note,
            url=reverse("reports:order_detail", args=[o.pk]),
            amount=o.amount,
        )
