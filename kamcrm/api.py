"""Conventions shared by every API endpoint (see ../shared/API.md)."""

import copy

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


# For a ModelSerializer on a hot path (a rep logs dozens of visits a day): its fields are built from the model once
# per class, then copied for each instance (building them from the model's fields was a third of a visit POST's
# serializer time). Only for a serializer whose fields do not depend on the instance, its context or the request. (A
# comment, not a docstring: the OpenAPI schema would take it as the description of every serializer that mixes it in.)
class FieldsBuiltOnce:
    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return {name: _copied(field) for name, field in built.items()}


# Fields holding fields (a nested serializer or list of them, a many-related field, a list or dict field) get children
# of their own: the field is copied shallowly and its child copied the same way, with the copy as its parent (a nested
# serializer's fields are built when first used, and the built ones never are). A plain field is copied shallowly. (A
# deep copy, as DRF copies declared fields, builds each field again from its arguments, querysets included: most of
# the copying time.) The built ones are never bound, and binding a copy sets the copy's own name, parent, label and
# source; what the copies share (choices, validators, error messages, a queryset that every lookup clones) is read,
# never changed.
_CHILDREN = (
    (serializers.ListSerializer, "child"),
    (serializers.ManyRelatedField, "child_relation"),
    (serializers.ListField, "child"),
    (serializers.DictField, "child"),
)


def _copied(field):
    copied = copy.copy(field)
    child_name = next((name for kind, name in _CHILDREN if isinstance(field, kind)), None)
    if child_name is not None:
        child = _copied(getattr(field, child_name))
        setattr(copied, child_name, child)
        child.parent = copied  # bound as the original's child was (no name, no source of its own), to the copy
    return copied


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def _field_errors(exc: DjangoValidationError) -> dict | list:
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def exception_handler(exc, context):
    """DRF's handler, plus: a model/service ValidationError is a 400 with field errors, never a 500."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(_field_errors(exc))
    elif isinstance(exc, ProtectedError):
        exc = ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [str(exc.args[0])]})
    return drf_exception_handler(exc, context)


class DocsPermission(permissions.BasePermission):
    """``/api/schema/`` and ``/api/docs/``: open, or for signed-in users only when
    ``KAMCRM_API_DOCS_REQUIRE_LOGIN`` is on (production settings)."""

    def has_permission(self, request, view):
        return not settings.KAMCRM_API_DOCS_REQUIRE_LOGIN or bool(request.user and request.user.is_authenticated)


class JSONErrorsNegotiation(BaseContentNegotiation):
    """The PDF is a plain response; errors (401, 404) are always JSON, whatever the client accepts."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
