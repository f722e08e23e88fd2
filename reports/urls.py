from django.urls import path

from reports.analytics.health.views import account_health, health_block, health_table
from reports.contests.views import contest_detail, contest_list
from reports.cycle import day_views
from reports.cycle.views import (
    comment_add,
    my_month,
    my_week,
    plan_detail,
    plan_edit,
    review_detail,
    review_edit,
    schedule_detail,
    schedule_edit,
    strategy_delete,
    strategy_edit,
    strategy_list,
    summary_edit,
    team_notes,
)
from reports.market.views import market_page, market_xlsx
from reports.needs.views import (
    account_need_close,
    account_need_list,
    card_needs,
    need_catalogue,
    need_edit,
    strategy_outcomes,
    visit_suggestion,
)
from reports.pickups.views import card_pickups, shipment_new
from reports.scorecards.views import scorecard_detail, scorecard_file, scorecard_list
from reports.training.views import training_detail, training_list
from reports.visit_entry import views as entry_views
from reports.visits import views
from reports.visits.order_import_views import order_import_confirm, order_import_preview, order_import_upload

app_name = "reports"

urlpatterns = [
    path("health/", health_table, name="health"),
    path("health/home/", health_block, name="health_block"),
    path("health/<int:pk>/", account_health, name="account_health"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", entry_views.visit_edit, name="visit_new"),
    path("visits/accounts/", entry_views.account_search, name="account_search"),
    path("visits/suggestion/", visit_suggestion, name="visit_suggestion"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", entry_views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/late/", views.visit_late_decision, name="visit_late_decision"),
    path("visits/overdue/", views.overdue_visits, name="overdue_visits"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_edit, name="order_new"),
    path("orders/import/", order_import_upload, name="order_import"),
    path("orders/import/preview/", order_import_preview, name="order_import_preview"),
    path("orders/import/confirm/", order_import_confirm, name="order_import_confirm"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/status/", views.order_status, name="order_status"),
    path("my-day/", day_views.my_day, name="my_day"),
    path("day/", day_views.daily_report, name="today"),
    path("day/<str:day>/", day_views.daily_report, name="daily_report"),
    path("team-days/", day_views.team_days, name="team_days"),
    path("team-days/<int:pk>/", day_views.review_day, name="review_day"),
    path("cycle/month/", my_month, name="my_month"),
    path("cycle/month/<str:month>/", my_month, name="my_month"),
    path("cycle/month/<str:month>/plan/", plan_edit, name="plan_edit"),
    path("cycle/month/<str:month>/summary/", summary_edit, name="summary_edit"),
    path("cycle/week/", my_week, name="my_week"),
    path("cycle/week/<str:week>/", my_week, name="my_week"),
    path("cycle/week/<str:week>/schedule/", schedule_edit, name="schedule_edit"),
    path("cycle/week/<str:week>/review/", review_edit, name="review_edit"),
    path("cycle/plans/<int:pk>/", plan_detail, name="plan_detail"),
    path("cycle/schedules/<int:pk>/", schedule_detail, name="schedule_detail"),
    path("cycle/reviews/<int:pk>/", review_detail, name="review_detail"),
    path("cycle/<str:kind>/<int:pk>/comments/", comment_add, name="comment_add"),
    path("cycle/team/", team_notes, name="team_notes"),
    path("pickups/<int:pk>/", card_pickups, name="card_pickups"),
    path("orders/<int:pk>/shipments/new/", shipment_new, name="shipment_new"),
    path("contests/", contest_list, name="contests"),
    path("contests/<int:pk>/", contest_detail, name="contest"),
    path("scorecards/", scorecard_list, name="scorecards"),
    path("scorecards/<int:rep>/", scorecard_detail, name="scorecard"),
    path("scorecards/<int:rep>/scorecard.pdf", scorecard_file, {"fmt": "pdf"}, name="scorecard_pdf"),
    path("scorecards/<int:rep>/scorecard.xlsx", scorecard_file, {"fmt": "xlsx"}, name="scorecard_xlsx"),
    path("market/", market_page, name="market"),
    path("market/market.xlsx", market_xlsx, name="market_xlsx"),
    path("strategies/", strategy_list, name="strategy_list"),
    path("strategies/outcomes/", strategy_outcomes, name="strategy_outcomes"),
    path("strategies/new/", strategy_edit, name="strategy_new"),
    path("strategies/<int:pk>/", strategy_edit, name="strategy_edit"),
    path("strategies/<int:pk>/delete/", strategy_delete, name="strategy_delete"),
    path("needs/", need_catalogue, name="needs"),
    path("needs/new/", need_edit, name="need_new"),
    path("needs/<int:pk>/", need_edit, name="need_edit"),
    path("needs/card/<int:pk>/", card_needs, name="card_needs"),
    path("account-needs/", account_need_list, name="account_needs"),
    path("account-needs/<int:pk>/close/", account_need_close, name="account_need_close"),
    path("training/", training_list, name="training"),
    path("training/<int:pk>/", training_detail, name="training_session"),
]
