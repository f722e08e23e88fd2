"""One rule for values typed into query strings, paths and money records (issue 17).

- Dates: every date a user gives — a query parameter, a date in a path, the dates of money records
  (invoices, credit notes, payments, orders) — lies between ``KAMCRM_DATE_MIN`` and ``KAMCRM_DATE_MAX``
  (2000-01-01 … 2099-12-31 unless configured; the dashboards' window). Outside it is a 400 with a field
  error, never an overflow deep in a query.
- Day counts ("not visited for N days") are whole numbers between 0 and ``KAMCRM_MAX_DAY_COUNT``.
- Amounts in query strings are finite decimals (no NaN, no infinity) that fit the money columns.

The parsers raise Django's ``ValidationError`` with a field dict: the API's exception handler turns it into
a 400 with field errors, forms show it at the field, and ``BadInputMiddleware`` turns an uncaught one on a
page into a 400 page.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

MONEY_LIMIT = Decimal("999999999999.99")  # DecimalField(max_digits=14, decimal_places=2)


def date_window() -> tuple[date, date]:
    """The first and last day a user may give (settings ``KAMCRM_DATE_MIN`` / ``KAMCRM_DATE_MAX``)."""
    return settings.KAMCRM_DATE_MIN, settings.KAMCRM_DATE_MAX


def _window_message() -> str:
    first, last = date_window()
    return _("Choose a date between %(first)s and %(last)s.") % {"first": first, "last": last}


def validate_date_in_window(value: date | None) -> None:
    """A validator for form and model fields: ``None`` passes, a date outside the window does not."""
    if value is None:
        return
    first, last = date_window()
    if not first <= value <= last:
        raise ValidationError(_window_message(), code="date_window")


def date_errors(**dates: date | None) -> dict[str, list[str]]:
    """{field: its messages} for every field whose date lies outside the window (a service's field errors)."""
    errors = {}
    for field, value in dates.items():
        try:
            validate_date_in_window(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    return errors


def check_dates(**dates: date | None) -> None:
    """Raise one ValidationError naming every field whose date lies outside the window."""
    errors = date_errors(**dates)
    if errors:
        raise ValidationError(errors)


def parse_date_param(value: str | None, *, field: str, default: date | None = None) -> date | None:
    """A ``YYYY-MM-DD`` query parameter: ``default`` when empty; ValidationError({field: …}) when it is not a
    real day (2026-02-30) or lies outside the window."""
    if value is None or value == "":
        return default
    try:
        parsed = parse_date(str(value))
    except ValueError:  # well formed but not a day, such as 2026-02-30
        parsed = None
    if parsed is None:
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]})
    check_dates(**{field: parsed})
    return parsed


def path_date(value: str | None) -> date | None:
    """A date in a URL path: None when it is not a real day inside the window (the caller answers 404)."""
    try:
        return parse_date_param(value, field="date")
    except ValidationError:
        return None


def max_day_count() -> int:
    return settings.KAMCRM_MAX_DAY_COUNT


def parse_day_count(value, *, field: str) -> int | None:
    """A number of days (a whole number from 0 to ``KAMCRM_MAX_DAY_COUNT``), or None when empty."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        raise ValidationError({field: [_("Enter a whole number of days.")]})
    if not 0 <= number <= max_day_count():
        raise ValidationError({field: [_("Enter a number of days from 0 to %(max)s.") % {"max": max_day_count()}]})
    return int(number)


def parse_amount(value, *, field: str, default: Decimal | None = None) -> Decimal | None:
    """An amount in a query string: a finite decimal no larger than a money column holds."""
    if value is None or value == "":
        return default
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: [_("Enter a number.")]})
    if abs(amount) > MONEY_LIMIT:
        raise ValidationError({field: [_("The amount is too large.")]})
    return amount


class WindowDateField(forms.DateField):
    """A form / filter date field that keeps to the date window."""

    default_validators = [validate_date_in_window]


class DayCountField(forms.IntegerField):
    """A form / filter field for a number of days, bounded by ``KAMCRM_MAX_DAY_COUNT``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", max_day_count())
        super().__init__(**kwargs)
