"""Viewset bases shared by the apps' APIs (apart from kamcrm.api, which DRF's settings import while DRF loads)."""

from rest_framework import mixins, viewsets


class NoDeleteViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and update; no DELETE (records are deactivated, terminated or revised instead)."""
