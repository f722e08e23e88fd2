"""Django admin of the competitor catalogue: kept by the admin, deactivated instead of deleted."""

from django.contrib import admin

from .models import Competitor, CompetitorBrand, CompetitorProduct


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


@admin.register(CompetitorBrand)
class CompetitorBrandAdmin(admin.ModelAdmin):
    list_display = ["name", "competitor", "is_active"]
    list_filter = ["competitor", "is_active"]
    search_fields = ["name"]


@admin.register(CompetitorProduct)
class CompetitorProductAdmin(admin.ModelAdmin):
    list_display = ["name", "brand", "unit", "compares_with", "is_active"]
    list_filter = ["brand__competitor", "is_active"]
    search_fields = ["name", "brand__name"]
    autocomplete_fields = ["compares_with"]
