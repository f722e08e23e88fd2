from django import template

from kamcrm.money import money_text

register = template.Library()


@register.filter
def money(value) -> str:
    """Money as printed documents show it in every language: thousands separators, 2 decimals (1,234,567.50)."""
    return money_text(value, empty="")
