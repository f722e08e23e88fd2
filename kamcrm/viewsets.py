"""Viewset and view bases shared by the apps' APIs (apart from kamcrm.api, which DRF's settings import while DRF
loads)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import mixins, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from kamcrm.api import JSONErrorsNegotiation


class NoDeleteViewSet(
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """List, read, create and update; no DELETE (records are deactivated, terminated or revised instead)."""


class PdfAPIView(APIView):
    """An API view that answers with a PDF; its errors (401, 404) are JSON whatever the client accepts.
    Authentication and permission are the API's defaults: an expiring token or the session, signed in."""

    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONErrorsNegotiation


def pdf_responses(*, pdf: str, missing: str) -> dict:
    """``extend_schema(responses=...)`` of a PDF download: the file (``pdf`` describes it) or a 404 (``missing``)."""
    return {
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description=pdf),
        404: OpenApiResponse(description=missing),
    }
