"""Money, one way everywhere: ``Decimal`` with two places, rounded half up, printed with thousands separators.

Every app imports its constants and helpers from here (``CENT``, ``ZERO``, :func:`cents`, :func:`money_text`,
:func:`amount_text`); model fields spread ``MONEY`` (``models.DecimalField(**MONEY)``).
"""

from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MONEY = {"max_digits": 14, "decimal_places": 2}
NO_VALUE = "—"


def cents(value) -> Decimal:
    """``value`` (a Decimal, int, str or None) to the cent, half up; None and "" are zero."""
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def money_text(value, *, empty: str = NO_VALUE) -> str:
    """For people: thousands separators and exactly two decimals (``1,234,567.50``); ``empty`` for no value;
    never ``-0.00``."""
    if value is None or value == "":
        return empty
    return f"{cents(value) + ZERO:,.2f}"


def amount_text(value) -> str:
    """For machines (API, CSV): two decimals, no separators (``1234567.50``); ``0.00`` for no value."""
    return f"{cents(value) + ZERO:.2f}"
