from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Visits and reports")

    def ready(self) -> None:
        from accounts.models import Role
        from distributors import plan_selectors
        from kamcrm.views import register_home_page

        from . import (
            dashboard,
            rollup_signals,
            tasks,  # noqa: F401  (registers the tasks the services queue by name)
            timeline,  # noqa: F401  (registers visits and orders on the customer card)
            views,
        )

        rollup_signals.connect()
        # The plans pages' plan vs actual reads its actuals from the dashboards' one definition of each figure.
        plan_selectors.register_actuals_source(dashboard.plan_actuals)
        # A rep's home page is My day: one list of what to do today.
        register_home_page(Role.REP, views.my_day)
