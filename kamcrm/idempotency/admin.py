from django.contrib import admin

from .models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    """Read-only: kept for IDEMPOTENCY_KEY_TTL_HOURS, then purged by beat."""

    list_display = ["created_at", "user", "key", "method", "path", "status_code"]
    search_fields = ["key", "user__username", "path"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
