"""Plan pages under /plans/: distributor plans, account plans and action items."""

from django.urls import path

from kamcrm.replicas import reads_from_replica

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_new, name="new"),
    path("export.xlsx", reads_from_replica(views.plan_list_xlsx), name="export"),
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/edit/", views.plan_edit, name="edit"),
    path("<int:pk>/submit/", views.plan_submit, name="submit"),
    path("<int:pk>/approve/", views.plan_approve, name="approve"),
    path("<int:pk>/return/", views.plan_return, name="return"),
    path("<int:pk>/revise/", views.plan_revise, name="revise"),
    path("<int:pk>/confirm/", views.plan_confirm, name="confirm"),
    path("<int:pk>/signed-copy/", views.signed_copy, name="signed_copy"),
    path("<int:pk>/plan.pdf", views.plan_pdf, name="pdf"),
    path("<int:pk>/plan.xlsx", views.plan_xlsx, name="xlsx"),
    path("accounts/", views.account_plan_list, name="account_list"),
    path("accounts/new/", views.account_plan_edit, name="account_new"),
    path("accounts/<int:pk>/", views.account_plan_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", views.account_plan_edit, name="account_edit"),
    path("accounts/<int:pk>/objectives/new/", views.objective_edit, name="objective_new"),
    path("accounts/<int:pk>/objectives/<int:objective_pk>/", views.objective_edit, name="objective_edit"),
    path("accounts/<int:pk>/actions/new/", views.action_item_edit, name="action_new"),
    path("accounts/<int:pk>/actions/<int:item_pk>/", views.action_item_edit, name="action_edit"),
    path("action-items/", views.my_action_items, name="action_items"),
]
