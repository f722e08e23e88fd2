from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value) -> str:
    """Money as printed documents show it in every language: thousands separators, 2 decimals (1,234,567.50)."""
    if value is None or value == "":
        return ""
    value = Decimal(value).quantize(Decimal("0.01"))
    return f"{(value if value else Decimal('0.00')):,.2f}"
