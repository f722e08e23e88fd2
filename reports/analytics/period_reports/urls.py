from django.urls import path

from kamcrm.replicas import reads_from_replica
from reports.analytics.period_reports import views

app_name = "period_reports"

urlpatterns = [
    path("", reads_from_replica(views.report_list), name="list"),
    path("<int:pk>/", reads_from_replica(views.report_detail), name="detail"),
    path("<int:pk>/report.pdf", reads_from_replica(views.report_pdf), name="pdf"),
    path("<int:pk>/report.xlsx", reads_from_replica(views.report_xlsx), name="xlsx"),
    path("<int:pk>/comments/", views.comment_add, name="comment_add"),
]
