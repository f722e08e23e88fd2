from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from accounts import views as accounts_views
from distributors.cards import api as distributors_api
from distributors.cards.export_api import DistributorExportView
from distributors.cards.pdf_views import DistributorCardPdfView
from distributors.competitors.api import CompetitorBrandViewSet, CompetitorProductViewSet, CompetitorViewSet
from distributors.pickups.api import PickupPolicyViewSet
from distributors.plans import api as plan_api
from distributors.progress.api import ProgressStageViewSet, ProgressViewSet
from receivables import api as receivables_api
from reports.analytics.dashboards import api as dashboard_api
from reports.analytics.health import api as health_api
from reports.analytics.period_reports import api as period_report_api
from reports.contests import api as contest_api
from reports.cycle import api as cycle_api
from reports.cycle import day_api
from reports.market import api as market_api
from reports.needs import api as need_api
from reports.pickups import api as pickup_api
from reports.scorecards import api as scorecard_api
from reports.training import api as training_api
from reports.visit_entry import api as visit_entry_api
from reports.visits import api as reports_api

from . import views
from .replicas import reads_from_replica

router = DefaultRouter()
router.register("regions", accounts_api.RegionViewSet, basename="region")
router.register("teams", accounts_api.TeamViewSet, basename="team")
router.register("users", accounts_api.UserViewSet, basename="user")
router.register("notifications", accounts_api.NotificationViewSet, basename="notification")
router.register("saved-filters", accounts_api.SavedFilterViewSet, basename="saved-filter")
router.register("distributors", distributors_api.DistributorViewSet, basename="distributor")
router.register("contacts", distributors_api.ContactViewSet, basename="contact")
router.register("complaints", distributors_api.ComplaintViewSet, basename="complaint")
router.register("suggestions", distributors_api.SuggestionViewSet, basename="suggestion")
router.register("brands", distributors_api.BrandViewSet, basename="brand")
router.register("products", distributors_api.ProductViewSet, basename="product")
router.register("competitors", CompetitorViewSet, basename="competitor")
router.register("competitor-brands", CompetitorBrandViewSet, basename="competitor-brand")
router.register("competitor-products", CompetitorProductViewSet, basename="competitor-product")
router.register("visits", visit_entry_api.VisitViewSet, basename="visit")
router.register("orders", reports_api.OrderViewSet, basename="order")
router.register("daily-reports", day_api.DailyReportViewSet, basename="daily-report")
router.register("work-plans", cycle_api.WorkPlanViewSet, basename="work-plan")
router.register("weekly-schedules", cycle_api.WeeklyScheduleViewSet, basename="weekly-schedule")
router.register("reviews", cycle_api.ReviewViewSet, basename="review")
router.register("strategies", cycle_api.StrategyViewSet, basename="strategy")
router.register("plans", plan_api.PlanViewSet, basename="plan")
router.register("account-plans", plan_api.AccountPlanViewSet, basename="account-plan")
router.register("action-items", plan_api.ActionItemViewSet, basename="action-item")
router.register("seasonal-profiles", plan_api.SeasonalProfileViewSet, basename="seasonal-profile")
router.register("invoices", receivables_api.InvoiceViewSet, basename="invoice")
router.register("credit-notes", receivables_api.CreditNoteViewSet, basename="credit-note")
router.register("payments", receivables_api.PaymentViewSet, basename="payment")
router.register("allocations", receivables_api.AllocationViewSet, basename="allocation")
router.register("collection-activities", receivables_api.CollectionActivityViewSet, basename="collection-activity")
router.register("payment-claims", reports_api.PaymentClaimViewSet, basename="payment-claim")
router.register("write-offs", receivables_api.WriteOffViewSet, basename="write-off")
router.register("promises", receivables_api.PromiseViewSet, basename="promise")
router.register("credit-hold-rules", receivables_api.CreditHoldRuleViewSet, basename="credit-hold-rule")
router.register("credit-holds", receivables_api.CreditHoldViewSet, basename="credit-hold")
router.register("worklist-views", receivables_api.SavedWorklistViewViewSet, basename="worklist-view")
router.register("period-reports", period_report_api.PeriodReportViewSet, basename="period-report")
router.register("pickup-policies", PickupPolicyViewSet, basename="pickup-policy")
router.register("shipments", pickup_api.ShipmentViewSet, basename="shipment")
router.register("progress", ProgressViewSet, basename="progress")
router.register("progress-stages", ProgressStageViewSet, basename="progress-stage")
router.register("contests", contest_api.ContestViewSet, basename="contest")
router.register("rating-criteria", scorecard_api.RatingCriterionViewSet, basename="rating-criterion")
router.register("needs", need_api.NeedViewSet, basename="need")
router.register("account-needs", need_api.AccountNeedViewSet, basename="account-need")
router.register("account-indicators", need_api.AccountIndicatorViewSet, basename="account-indicator")
router.register("training-sessions", training_api.TrainingSessionViewSet, basename="training-session")
router.register("collection-tasks", receivables_api.CollectionTaskViewSet, basename="collection-task")

api_urlpatterns = [
    path("auth/token/", accounts_api.TokenView.as_view(), name="api-token"),
    path("auth/logout/", accounts_api.logout, name="api-logout"),
    path("me/", accounts_api.me, name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file (no inline script); Swagger UI's own inline styles are allowed
    # on this page only.
    path(
        "docs/",
        csp_update({"style-src": [SELF, UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="swagger-ui",
    ),
    path(
        "distributors/<int:pk>/card.pdf",
        reads_from_replica(DistributorCardPdfView.as_view()),
        name="api-distributor-card-pdf",
    ),
    path("distributors/<int:pk>/pickups/", pickup_api.CardPickupsView.as_view(), name="api-distributor-pickups"),
    path(
        "distributors/<int:pk>/strategy-suggestion/",
        need_api.StrategySuggestionView.as_view(),
        name="api-distributor-strategy-suggestion",
    ),
    path("strategy-outcomes/", need_api.StrategyOutcomeView.as_view(), name="api-strategy-outcomes"),
    path("distributors/export/", reads_from_replica(DistributorExportView.as_view()), name="api-distributor-export"),
    path("plans/<int:pk>/plan.pdf", reads_from_replica(plan_api.PlanPdfView.as_view()), name="api-plan-pdf"),
    path("plans/export/", reads_from_replica(plan_api.PlanExportView.as_view()), name="api-plan-export"),
    path("receivables/aging/", reads_from_replica(receivables_api.AgingView.as_view()), name="api-receivables-aging"),
    path("receivables/worklist/", receivables_api.WorklistView.as_view(), name="api-receivables-worklist"),
    path(
        "receivables/promise-reliability/",
        receivables_api.PromiseReliabilityView.as_view(),
        name="api-receivables-promise-reliability",
    ),
    path("receivables/apply-credit/", receivables_api.ApplyCreditView.as_view(), name="api-receivables-apply-credit"),
    path("receivables/credit-check/", receivables_api.CreditCheckView.as_view(), name="api-receivables-credit-check"),
    path(
        "statements/<int:distributor>/",
        reads_from_replica(receivables_api.StatementView.as_view()),
        name="api-statement",
    ),
    path("dashboard/", reads_from_replica(dashboard_api.DashboardView.as_view()), name="api-dashboard"),
    path("day-plan/", day_api.DayPlanView.as_view(), name="api-day-plan"),
    path("health/", health_api.HealthListView.as_view(), name="api-health"),
    path("health/<int:distributor>/", health_api.AccountHealthView.as_view(), name="api-account-health"),
    path(
        "dashboard/trend/", reads_from_replica(dashboard_api.DashboardTrendView.as_view()), name="api-dashboard-trend"
    ),
    path("scorecards/", scorecard_api.ScorecardListView.as_view(), name="api-scorecards"),
    path("scorecards/<int:rep>/", scorecard_api.ScorecardDetailView.as_view(), name="api-scorecard"),
    path("scorecards/<int:rep>/pdf/", scorecard_api.ScorecardPdfView.as_view(), name="api-scorecard-pdf"),
    path("scorecards/<int:rep>/xlsx/", scorecard_api.ScorecardXlsxView.as_view(), name="api-scorecard-xlsx"),
    path("market-report/", market_api.MarketReportView.as_view(), name="api-market-report"),
    path("market-report/xlsx/", market_api.MarketReportXlsxView.as_view(), name="api-market-report-xlsx"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", accounts_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("distributors/", include("distributors.urls")),
    path("plans/", include("distributors.plans.urls")),
    path("reports/", include("reports.urls")),
    path("dashboard/", include("reports.analytics.dashboards.urls")),
    path("period-reports/", include("reports.analytics.period_reports.urls")),
    path("receivables/", include("receivables.urls")),
    path("api/", include(api_urlpatterns)),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
