from django.urls import path

from . import dashboard_views as views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard_page, name="page"),
    path("trend/", views.trend_partial, name="trend"),
]
