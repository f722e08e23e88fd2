from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "receivables"
    verbose_name = _("Receivables")

    def ready(self) -> None:
        from distributors.cards import card_context

        # Invoices, payments, credit notes and collection work appear on the customer card's timeline.
        from . import holds, timeline  # noqa: F401

        # The card's hold / warning banner is the credit rule of this app (holds.credit_state).
        card_context.register(holds.card_context)
