"""Cells of every workbook (.xlsx) and CSV file the app writes, safe to open in Excel, WPS or LibreOffice.

A text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is what a spreadsheet runs as a
formula (the OWASP "CSV injection" rule): an invoice number ``=HYPERLINK(...)`` stored by one user would become a
live link in the statement e-mailed to a customer. Every writer goes through this module:

- in a CSV file such a text gets a leading apostrophe (``'=1+1``), which spreadsheets show as text;
- in an .xlsx workbook it is written as a text cell with Excel's own "quote prefix" (what Excel stores when one
  types ``'=1+1``), so the cell shows the exact text, never runs, and stays text when someone edits it.

Only text is escaped: numbers (negative ones too), money, dates and times stay what they are.
"""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would take ``text`` for a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def csv_text(value: str) -> str:
    """A text for a CSV cell: with a leading apostrophe when a spreadsheet would run it as a formula."""
    return f"'{value}" if is_formula_like(value) else value


def cell(sheet, value, number_format: str = ""):
    """``value`` ready for ``sheet.append`` (a write-only or an ordinary worksheet).

    Text that looks like a formula becomes a quote-prefixed text cell; money (``Decimal``) gets the money format,
    dates the date format and datetimes the local time (Excel has no time zones) with a date-time format, unless
    ``number_format`` says otherwise. Other values are returned as they are (plain values are cheaper).
    """
    if value is None or isinstance(value, Cell):  # nothing, or a cell made already
        return value
    if isinstance(value, Promise):  # a lazy translation
        value = str(value)
    if isinstance(value, str):
        if not is_formula_like(value):
            if not number_format:
                return value
            result = WriteOnlyCell(sheet, value=value)
            result.data_type = "s"
        else:
            result = WriteOnlyCell(sheet, value=value)
            result.data_type = "s"  # openpyxl would otherwise write a text starting with "=" as a formula
            result.quotePrefix = True
        if number_format:
            result.number_format = number_format
        return result
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        number_format = number_format or DATETIME_FORMAT
    elif isinstance(value, date):
        number_format = number_format or DATE_FORMAT
    elif isinstance(value, Decimal):
        number_format = number_format or MONEY_FORMAT
    if not number_format:
        return value
    result = WriteOnlyCell(sheet, value=value)
    result.number_format = number_format
    return result


def row(sheet, values) -> list:
    """Every value of a row through :func:`cell` (default formats; cells made already pass through)."""
    return [cell(sheet, value) for value in values]


def head_row(sheet, labels) -> list:
    """``labels`` (lazy translations too) as bold text cells, ready for ``sheet.append``: a heading row."""
    cells = []
    for label in labels:
        heading = cell(sheet, str(label), "General")  # always a cell, to be made bold
        heading.font = Font(bold=True)
        cells.append(heading)
    return cells
