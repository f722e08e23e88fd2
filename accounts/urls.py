from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.profile, name="profile"),
    path("account/language/", views.switch_language, name="switch_language"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/saved-filters/", views.saved_filter_save, name="saved_filter_save"),
    path("account/saved-filters/<int:pk>/delete/", views.saved_filter_delete, name="saved_filter_delete"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/count/", views.notification_count, name="notification_count"),
    path("notifications/menu/", views.notification_menu, name="notification_menu"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("org/", views.org, name="org"),
    path("org/regions/new/", views.region_edit, name="region_new"),
    path("org/regions/<int:pk>/", views.region_edit, name="region_edit"),
    path("org/regions/<int:pk>/delete/", views.region_delete, name="region_delete"),
    path("org/teams/new/", views.team_edit, name="team_new"),
    path("org/teams/<int:pk>/", views.team_edit, name="team_edit"),
    path("org/teams/<int:pk>/delete/", views.team_delete, name="team_delete"),
    path("org/users/", views.user_list, name="user_list"),
    path("org/users/new/", views.user_edit, name="user_new"),
    path("org/users/<int:pk>/", views.user_edit, name="user_edit"),
    path("org/users/<int:pk>/password/", views.user_password, name="user_password"),
]
