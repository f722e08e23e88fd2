from django.urls import path

from kamcrm.replicas import reads_from_replica

from . import import_views, views

app_name = "receivables"

urlpatterns = [
    path("", views.invoice_list, name="invoices"),
    path("invoices/new/", views.invoice_new, name="invoice_new"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/write-off/", views.write_off_propose, name="write_off_propose"),
    path("import/", import_views.import_upload, name="import"),
    path("import/preview/", import_views.import_preview, name="import_preview"),
    path("import/confirm/", import_views.import_confirm, name="import_confirm"),
    path("payments/", views.payment_list, name="payments"),
    path("payments/new/", views.payment_new, name="payment_new"),
    path("payments/accounts/", views.payment_accounts, name="payment_accounts"),
    path("payments/open-invoices/", views.payment_open_invoices, name="payment_open_invoices"),
    path("payments/<int:pk>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:pk>/reverse/", views.payment_reverse, name="payment_reverse"),
    path("payments/<int:pk>/allocate/", views.payment_allocate, name="payment_allocate"),
    path("credit-notes/new/", views.credit_note_new, name="credit_note_new"),
    path("aging/", reads_from_replica(views.aging), name="aging"),
    path("worklist/", views.worklist, name="worklist"),
    path("worklist/views/", views.worklist_view_save, name="worklist_view_save"),
    path("worklist/views/<int:pk>/delete/", views.worklist_view_delete, name="worklist_view_delete"),
    path("accounts/<int:pk>/", views.account, name="account"),
    path("accounts/<int:pk>/apply-credit/", views.account_apply_credit, name="account_apply_credit"),
    path("accounts/<int:pk>/credit/<str:action>/", views.account_hold, name="account_hold"),
    path("accounts/<int:pk>/activities/new/", views.activity_new, name="activity_new"),
    path("accounts/<int:pk>/statement.<str:fmt>", reads_from_replica(views.statement_download), name="statement"),
    path("accounts/<int:pk>/statement/email/", views.statement_email, name="statement_email"),
    path("activities/<int:pk>/resolve/", views.activity_resolve, name="activity_resolve"),
    path("tasks/<int:pk>/done/", views.task_complete, name="task_complete"),
    path("write-offs/", views.write_offs, name="write_offs"),
    path("write-offs/<int:pk>/<str:decision>/", views.write_off_decide, name="write_off_decide"),
    path("claims/", views.claims, name="claims"),
    path("claims/new/", views.claim_new, name="claim_new"),
    path("claims/<int:pk>/<str:decision>/", views.claim_decide, name="claim_decide"),
    path("statement-schedules/", views.schedules, name="schedules"),
    path("statement-schedules/new/", views.schedule_edit, name="schedule_new"),
    path("statement-schedules/<int:pk>/", views.schedule_edit, name="schedule_edit"),
]
