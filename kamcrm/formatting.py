"""Numbers as users read them, in the active language: money always with thousands separators (20,583.24).

Templates use ``floatformat:"2g"``; messages, e-mails, PDFs and workbooks built in Python use :func:`money`.
"""

from decimal import Decimal

from django.utils import formats


def money(value, places: int = 2) -> str:
    """``Decimal("20583.2")`` -> ``"20,583.20"`` in the active language's separators; None -> ``"—"``."""
    if value is None or value == "":
        return "—"
    return formats.number_format(Decimal(str(value)), places, use_l10n=True, force_grouping=True)
