"""Filters shared by every FilterSet: dates keep to the date window, day counts are bounded (issue 17)."""

import django_filters as filters
from django.db import models
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
