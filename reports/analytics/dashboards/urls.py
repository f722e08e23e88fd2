from django.urls import path

from kamcrm.replicas import reads_from_replica
from reports.analytics.dashboards import views

app_name = "dashboard"

urlpatterns = [
    path("", reads_from_replica(views.dashboard_page), name="page"),
    path("trend/", reads_from_replica(views.trend_partial), name="trend"),
]
