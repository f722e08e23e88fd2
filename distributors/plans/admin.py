"""Django admin for plans: seasonal profiles are kept here by the admin; plans are shown read-only (they change
only through plans.services, so the workflow and the audit trail stay whole).

Imported from ``distributors/admin.py``, which Django's admin autodiscovery imports.
"""

from django.contrib import admin

from kamcrm.admin import ReadOnlyAdmin

from .models import AccountPlan, ActionItem, MonthlyPlan, Objective, QuarterlyPlan, RepSplit, SeasonalProfile


@admin.register(SeasonalProfile)
class SeasonalProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", *SeasonalProfile.MONTHS]
    list_filter = ["is_active"]
    search_fields = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "description", "is_active"]}),
        ("%", {"fields": [tuple(SeasonalProfile.MONTHS[i : i + 3]) for i in range(0, 12, 3)]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.plans.exists()


class MonthlyPlanInline(admin.TabularInline):
    model = MonthlyPlan
    extra = 0
    can_delete = False
    readonly_fields = ["month", "volume", "sales_amount", "gross_profit", "collection_amount", "outlet_coverage"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(QuarterlyPlan)
class QuarterlyPlanAdmin(ReadOnlyAdmin):
    list_display = ["distributor", "year", "quarter", "revision", "status", "sales_amount", "approved_by"]
    list_filter = ["status", "year", "quarter", "distributor__owner__team__region"]
    search_fields = ["distributor__code", "distributor__name"]
    inlines = [MonthlyPlanInline]


@admin.register(RepSplit)
class RepSplitAdmin(ReadOnlyAdmin):
    list_display = ["monthly_plan", "rep", "share_pct", "sales_amount"]
    search_fields = ["rep__username", "monthly_plan__plan__distributor__code"]


class ObjectiveInline(admin.TabularInline):
    model = Objective
    extra = 0


@admin.register(AccountPlan)
class AccountPlanAdmin(ReadOnlyAdmin):
    list_display = ["distributor", "year", "created_by", "updated_at"]
    search_fields = ["distributor__code", "distributor__name"]
    inlines = [ObjectiveInline]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin):
    list_display = ["task", "account_plan", "owner", "due_on", "status"]
    list_filter = ["status"]
