"""Admin bases the apps share (kamcrm is no installed app itself, so Django does not autodiscover this module)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only services write: the admin lists and shows them, never adds, changes or deletes one."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
