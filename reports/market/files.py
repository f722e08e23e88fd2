"""The monthly market report as an .xlsx workbook (every cell through ``kamcrm.workbooks``, so a product name
such as ``=HYPERLINK(...)`` stays text), in the active language."""

import io

import openpyxl
from django.http import HttpResponse
from django.utils.translation import gettext as _

from kamcrm import workbooks
from kamcrm.workbooks import MONEY_FORMAT, XLSX_CONTENT_TYPE, head_row
from reports.market.selectors import MarketReport, month_label

RATE_FORMAT = "0.0%"


def title(report: MarketReport) -> str:
    return _("Market report of %(region)s, %(month)s") % {
        "region": report.region.name,
        "month": month_label(report.month),
    }


def filename(report: MarketReport) -> str:
    """ASCII-safe: ``market-<region id>-<YYYY-MM>.xlsx``."""
    return f"market-{report.region.pk}-{month_label(report.month)}.xlsx"


def _who(item) -> str:
    return item.competitor or str(_("Ours"))


def render_xlsx(report: MarketReport) -> bytes:
    """Sheets: price ranges, stock trend, competitor presence."""
    c = workbooks.cell
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=str(_("Prices"))[:31])
    sheet.append(head_row(sheet, [title(report)]))
    sheet.append(
        head_row(sheet, [_("Product or brand"), _("Whose"), _("Checks"), _("Lowest"), _("Median"), _("Highest")])
    )
    for p in report.prices:
        sheet.append(
            [
                c(sheet, p.item.label),
                c(sheet, _who(p.item)),
                c(sheet, p.checks),
                c(sheet, p.low, MONEY_FORMAT),
                c(sheet, p.median, MONEY_FORMAT),
                c(sheet, p.high, MONEY_FORMAT),
            ]
        )
    sheet = book.create_sheet(title=str(_("Stock"))[:31])
    sheet.append(head_row(sheet, [_("Product or brand"), _("Whose"), *(month_label(m) for m in report.months)]))
    for s in report.stock:
        sheet.append([c(sheet, s.item.label), c(sheet, _who(s.item)), *(c(sheet, v) for v in s.stock)])
    sheet = book.create_sheet(title=str(_("Competitor presence"))[:31])
    sheet.append(head_row(sheet, [_("Competitor"), *(month_label(m) for m in report.months)]))
    sheet.append([c(sheet, str(_("Visits with a market check"))), *(c(sheet, n) for n in report.visits_checked)])
    for p in report.presence:
        sheet.append([c(sheet, p.competitor), *(c(sheet, v, RATE_FORMAT) for v in p.share)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_response(report: MarketReport) -> HttpResponse:
    response = HttpResponse(render_xlsx(report), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename(report)}"'
    response["Cache-Control"] = "private, no-store"
    return response
