"""Django admin for customer cards and the brand catalogue. Card saves go through the services (rules + audit)."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from . import services
from .models import Brand, Complaint, Contact, Distributor, DistributorBrand, Product, ProductCategory, Suggestion


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "manufacturer", "is_own", "is_key", "is_active"]
    list_filter = ["is_own", "is_key", "is_active"]
    search_fields = ["code", "name", "manufacturer"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "brand", "unit", "unit_price", "unit_cost", "is_active"]
    list_filter = ["brand", "is_active"]
    search_fields = ["sku", "name"]


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class ContactInline(admin.StackedInline):
    model = Contact
    extra = 0


class BrandSharesFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        shares = [
            (f.cleaned_data["brand"], f.cleaned_data["share_pct"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        try:
            services.check_brand_shares(shares)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["brands"]) from exc


class DistributorBrandInline(admin.TabularInline):
    model = DistributorBrand
    formset = BrandSharesFormSet
    extra = 0


@admin.register(Distributor)
class DistributorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "status", "tier", "owner"]
    list_filter = ["status", "tier", "attractiveness", "relationship_stage", "owner__team__region", "owner__team"]
    search_fields = ["code", "name", "short_name", "city"]
    raw_id_fields = ["owner"]
    filter_horizontal = ["product_categories"]
    inlines = [DistributorBrandInline, ContactInline]

    def save_model(self, request, obj, form, change):
        services.save_distributor(distributor=obj, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # terminate a card instead: its history must stay


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ["distributor", "kind", "nature", "status", "received_on", "owner"]
    list_filter = ["kind", "nature", "status"]
    raw_id_fields = ["distributor", "owner", "recorded_by"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["distributor", "received_on", "status"]
    list_filter = ["status"]
    raw_id_fields = ["distributor", "recorded_by"]
