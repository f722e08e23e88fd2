from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "receivables"
    verbose_name = _("Receivables")

    def ready(self) -> None:
        from distributors import card_context

        # Invoices, payments, credit notes and collection work appear on the customer card's timeline.
        from . import selectors, timeline  # noqa: F401

        card_context.register(selectors.card_context)
