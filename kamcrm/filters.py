"""Filters shared by every FilterSet: dates keep to the date window, day counts are bounded (issue 17)."""

import django_filters as filters
from django.db import models
from django.db.models import Q
from django.forms.utils import pretty_name
from django.utils.functional import lazy
from django.utils.translation import gettext
from django_filters import rest_framework

from .validation import DayCountField, WindowDateField


class DateFilter(filters.DateFilter):
    """A date filter that keeps to ``KAMCRM_DATE_MIN`` … ``KAMCRM_DATE_MAX`` (400 outside)."""

    field_class = WindowDateField


class DayCountFilter(filters.NumberFilter):
    """A number of days, 0 … ``KAMCRM_MAX_DAY_COUNT`` (400 outside)."""

    field_class = DayCountField


class FilterSet(rest_framework.FilterSet):
    """The base for API filters generated from ``filterset_fields``: model dates keep to the date window."""

    FILTER_DEFAULTS = {**rest_framework.FilterSet.FILTER_DEFAULTS, models.DateField: {"filter_class": DateFilter}}


class DjangoFilterBackend(rest_framework.DjangoFilterBackend):
    filterset_base = FilterSet


def _descending(label) -> str:
    return gettext("%(field)s (descending)") % {"field": label}


descending_label = lazy(_descending, str)


class OrderingFilter(filters.OrderingFilter):
    """django-filter's ordering, with labels that follow the reader's language: its own builds the descending
    labels once, at import, in English ("Code (descending)" on a Chinese page). Pass ``field_labels``."""

    def build_choices(self, fields, labels):
        ascending = [(param, labels.get(field, pretty_name(param))) for field, param in fields.items()]
        descending = [(f"-{param}", labels.get(f"-{param}", descending_label(label))) for param, label in ascending]
        return [choice for pair in zip(ascending, descending, strict=True) for choice in pair]


def text_search(queryset, value: str, fields: tuple[str, ...]):
    """The rows where any of ``fields`` contains ``value`` (case-insensitive); every row for a blank ``value``.

    The ``q`` search box of every list filter."""
    value = value.strip()
    if not value:
        return queryset
    query = Q()
    for field in fields:
        query |= Q(**{f"{field}__icontains": value})
    return queryset.filter(query)
