from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Visits and reports")

    def ready(self) -> None:
        from distributors.cards import card_context
        from distributors.plans import selectors as plan_selectors
        from reports import tasks  # noqa: F401  (registers the tasks the services queue by name)
        from reports.analytics.dashboards import cache as dashboard_cache
        from reports.analytics.dashboards import selectors as dashboard
        from reports.analytics.health import selectors as health
        from reports.analytics.rollups import generations
        from reports.analytics.rollups import signals as rollup_signals
        from reports.visits import timeline  # noqa: F401  (registers visits and orders on the customer card)

        rollup_signals.connect()
        # The dashboards people look at are recomputed after a change of their figures (DASHBOARD_WARM_SECONDS).
        generations.on_renewed(dashboard_cache.warm_after_change)
        # The plans pages' plan vs actual reads its actuals from the dashboards' one definition of each figure.
        plan_selectors.register_actuals_source(dashboard.plan_actuals)
        # The card's profile shows the balance, overdue amount and health light (reports.analytics.health.selectors).
        card_context.register(health.card_context)
