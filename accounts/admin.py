"""Django admin for users and the org; saves go through the services so rules and audit apply."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Notification, Region, Team, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]

    def save_model(self, request, obj, form, change):
        services.save_region(region=obj, by=request.user)

    def delete_model(self, request, obj):
        services.delete_region(region=obj, by=request.user)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "kam"]
    list_filter = ["region"]
    search_fields = ["name", "kam__username"]
    autocomplete_fields = ["kam"]

    def save_model(self, request, obj, form, change):
        services.save_team(team=obj, by=request.user)

    def delete_model(self, request, obj):
        services.delete_team(team=obj, by=request.user)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "team", "region", "language", "is_active"]
    list_filter = ["role", "team__region", "team", "is_active", "is_superuser"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets[:2],
        (_("Role and organisation"), {"fields": ["role", "team", "region", "language"]}),
        *DjangoUserAdmin.fieldsets[2:],
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "usable_password", "password1", "password2"]}),
        (_("Role and organisation"), {"fields": ["role", "team", "region", "language", "email"]}),
    ]

    def save_model(self, request, obj, form, change):
        # The admin form already hashed any new password; save_user only validates, saves and audits.
        services.save_user(user=obj, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # users own records: deactivate instead


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "key", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind"]
    search_fields = ["recipient__username", "key"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at"]
