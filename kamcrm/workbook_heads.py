"""Heading rows of the app's .xlsx workbooks (a title, a row of column labels): bold text cells.

Kept beside :mod:`kamcrm.workbooks` (whose ``cell`` keeps formula-like text as text) so that the reports' workbooks
share one way to write a heading."""

from openpyxl.styles import Font

from kamcrm import workbooks


def head_row(sheet, labels) -> list:
    """``labels`` (lazy translations too) as bold text cells, ready for ``sheet.append``."""
    cells = []
    for label in labels:
        cell = workbooks.cell(sheet, str(label), "General")  # always a cell, to be made bold
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells
