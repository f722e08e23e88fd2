from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Visits and reports")

    def ready(self) -> None:
        from . import (
            rollup_signals,
            timeline,  # noqa: F401  (registers visits and orders on the customer card)
        )

        rollup_signals.connect()
