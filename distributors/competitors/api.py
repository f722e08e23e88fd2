"""``/api/competitors/``, ``/api/competitor-brands/``, ``/api/competitor-products/``: the competitor catalogue.

Reference data like our brand catalogue: everyone signed in reads it, the admin keeps it (403 for other writes);
deactivate instead of deleting (a market check may name the product)."""

from rest_framework import serializers

from ..cards.api import CatalogueViewSet
from ..cards.models import Product
from .models import Competitor, CompetitorBrand, CompetitorProduct


class CompetitorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Competitor
        fields = ["id", "code", "name", "note", "is_active"]


class CompetitorBrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = CompetitorBrand
        fields = ["id", "competitor", "name", "is_active"]


class CompetitorProductSerializer(serializers.ModelSerializer):
    competitor = serializers.IntegerField(source="brand.competitor_id", read_only=True)
    compares_with = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False, allow_null=True)

    class Meta:
        model = CompetitorProduct
        fields = ["id", "brand", "competitor", "name", "unit", "compares_with", "is_active"]


class CompetitorViewSet(CatalogueViewSet):
    queryset = Competitor.objects.all()
    serializer_class = CompetitorSerializer
    filterset_fields = ["is_active"]
    search_fields = ["code", "name"]


class CompetitorBrandViewSet(CatalogueViewSet):
    queryset = CompetitorBrand.objects.select_related("competitor")
    serializer_class = CompetitorBrandSerializer
    filterset_fields = ["competitor", "is_active"]
    search_fields = ["name"]


class CompetitorProductViewSet(CatalogueViewSet):
    queryset = CompetitorProduct.objects.select_related("brand__competitor")
    serializer_class = CompetitorProductSerializer
    filterset_fields = ["brand", "brand__competitor", "is_active"]
    search_fields = ["name", "brand__name"]
