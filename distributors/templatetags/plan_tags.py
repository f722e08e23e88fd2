"""Template helpers of the plan pages, and the home page's list of overdue action items."""

from decimal import Decimal

from django import template

from ..plans import selectors

register = template.Library()


@register.filter
def pct(rate: Decimal | None) -> str:
    """A completion rate (0.8750) as a percentage with one decimal (87.5 %); — when there is no target."""
    if rate is None or rate == "":
        return "—"
    return f"{Decimal(rate) * 100:.1f} %"


@register.filter
def rate_class(rate: Decimal | None) -> str:
    """Bootstrap text colour of a completion rate: on track (≥ 100 %), close (≥ 80 %), behind."""
    if rate is None or rate == "":
        return "text-muted"
    if rate >= 1:
        return "text-success"
    return "text-warning" if rate >= Decimal("0.8") else "text-danger"


@register.filter
def field(form, name: str):
    """``form[name]`` for a name built in the template."""
    return form[name]


@register.inclusion_tag("plans/_home_overdue.html", takes_context=True)
def overdue_action_items(context, limit: int = 10):
    """The signed-in user's overdue action items (oldest due first), for the home page."""
    user = context["request"].user
    items = list(selectors.overdue_action_items(user=user)[: limit + 1]) if user.is_authenticated else []
    return {"items": items[:limit], "more": len(items) > limit}
