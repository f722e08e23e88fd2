"""A weekly or monthly report as a PDF (WeasyPrint) and as an .xlsx workbook (openpyxl).

Like the printed plan (``distributors/plan_pdf.py``) the HTML is self-contained, the URL fetcher refuses all but
``data:`` URLs, the text is in the language active when it is rendered and Chinese renders with WenQuanYi Micro
Hei. The workbook writes money as exact decimals with a money format (never through a float) and rates as
numbers with a percent format; its headers are in the active language. Callers pass a report already in their
user's scope (``period_reports.report_detail``).
"""

import io

import openpyxl
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from distributors.cards.exports import CONTENT_TYPES
from kamcrm import pdf, workbooks
from kamcrm.pdf import css_content
from kamcrm.workbooks import MONEY_FORMAT, head_row
from reports.analytics.models import PeriodReport
from reports.analytics.period_reports.services import ChildRow, ReportView, report_view

TEMPLATE = "reports/period_reports/report_pdf.html"
RATE_FORMAT = "0.0%"


def filename(report: PeriodReport, extension: str) -> str:
    """ASCII-safe: kind, level, the subject's id and the period's first day (``weekly-rep-12-2026-11-23.pdf``)."""
    subject = report.rep_id or report.team_id
    return f"{report.kind}-{report.level}-{subject}-{report.start.isoformat()}.{extension}"


# --- PDF ---------------------------------------------------------------------------------------------------------


def pdf_context(*, view: ReportView, for_user: User | None) -> dict:
    printed_at = timezone.localtime()
    printed = (
        _("Printed %(at)s by %(user)s") % {"at": date_format(printed_at, "Y-m-d H:i"), "user": for_user.display_name}
        if for_user is not None
        else _("Printed %(at)s") % {"at": date_format(printed_at, "Y-m-d H:i")}
    )
    return {
        "view": view,
        "report": view.report,
        "header_left": css_content(_("KAM CRM")),
        "header_right": css_content(view.title),
        "footer_left": css_content(printed),
        "footer_right": css_content(_("Page %(page)s of %(pages)s"), counters=True),
    }


def render_pdf(*, view: ReportView, for_user: User | None) -> bytes:
    """The report as PDF bytes, A4 landscape, in the active language."""
    return pdf.render_pdf(template=TEMPLATE, context=pdf_context(view=view, for_user=for_user))


# --- Workbook ------------------------------------------------------------------------------------------------------


def _cell(sheet, value, number_format: str = ""):
    return workbooks.cell(sheet, value, number_format)


def _money_or_count(sheet, value, is_money: bool):
    return _cell(sheet, value, MONEY_FORMAT if is_money else "0")


def _child_values(sheet, child: ChildRow) -> list:
    f = child.figures
    return [
        _cell(sheet, child.label),
        _cell(sheet, f.get("sales_target"), MONEY_FORMAT),
        _cell(sheet, f.get("sales_amount"), MONEY_FORMAT),
        _cell(sheet, f.get("sales_rate"), RATE_FORMAT),
        _cell(sheet, f.get("gross_profit_target"), MONEY_FORMAT),
        _cell(sheet, f.get("gross_profit"), MONEY_FORMAT),
        _cell(sheet, f.get("gross_profit_rate"), RATE_FORMAT),
        _cell(sheet, f.get("collection_due"), MONEY_FORMAT),
        _cell(sheet, f.get("collected"), MONEY_FORMAT),
        _cell(sheet, f.get("collection_rate"), RATE_FORMAT),
        _cell(sheet, f.get("outlet_target"), "0"),
        _cell(sheet, f.get("active_outlets"), "0"),
        _cell(sheet, f.get("visits_planned"), "0"),
        _cell(sheet, f.get("visits"), "0"),
        _cell(sheet, f.get("overdue_amount"), MONEY_FORMAT),
    ]


def _child_head(first: str) -> list[str]:
    return [
        first,
        _("Sales target"),
        _("Sales amount"),
        _("Sales rate"),
        _("Gross profit target"),
        _("Gross profit"),
        _("Gross profit rate"),
        _("Money due"),
        _("Collected"),
        _("Collection rate"),
        _("Outlet target"),
        _("Active outlets"),
        _("Visits planned"),
        _("Visits made"),
        _("Overdue money"),
    ]


def render_xlsx(*, view: ReportView) -> bytes:
    """The report as an .xlsx workbook: the report, its figures, the children, the top and bottom accounts and the
    comments, one sheet each."""
    report = view.report
    workbook = openpyxl.Workbook(write_only=True)

    sheet = workbook.create_sheet(title=str(_("Report"))[:31])
    sheet.append(head_row(sheet, [view.title]))
    for label, value in (
        (_("Kind"), report.get_kind_display()),
        (_("Level"), report.get_level_display()),
        (_("Rep") if report.rep_id else _("Team"), report.subject_label),
        (_("From"), report.start),
        (_("To"), report.end),
        (_("Generated at"), report.generated_at),
        (_("Figures computed at"), view.computed_at),
        (view.review_label, view.notes.review.text if view.notes.review else "—"),
    ):
        sheet.append([_cell(sheet, str(label)), _cell(sheet, value)])

    sheet = workbook.create_sheet(title=str(_("Figures"))[:31])
    sheet.append(head_row(sheet, [_("Figure"), _("Target"), _("Actual"), _("Rate")]))
    for row in view.rows:
        sheet.append(
            [
                _cell(sheet, row.label),
                _money_or_count(sheet, row.target, row.is_money),
                _money_or_count(sheet, row.actual, row.is_money),
                _cell(sheet, row.rate, RATE_FORMAT),
            ]
        )
    for label, value, is_money in view.others:
        sheet.append([_cell(sheet, label), None, _money_or_count(sheet, value, is_money), None])

    sheet = workbook.create_sheet(title=str(view.children_label or _("Breakdown"))[:31])
    sheet.append(head_row(sheet, _child_head(view.children_label)))
    for child in view.children:
        sheet.append(_child_values(sheet, child))

    sheet = workbook.create_sheet(title=str(_("Top and bottom accounts"))[:31])
    sheet.append(head_row(sheet, [_("List"), _("Account"), _("Sales target"), _("Sales amount"), _("Sales rate")]))
    for list_label, accounts in ((_("Top accounts"), view.top_accounts), (_("Bottom accounts"), view.bottom_accounts)):
        for account in accounts:
            sheet.append(
                [
                    _cell(sheet, str(list_label)),
                    _cell(sheet, account.label),
                    _cell(sheet, account.figures.get("sales_target"), MONEY_FORMAT),
                    _cell(sheet, account.figures.get("sales_amount"), MONEY_FORMAT),
                    _cell(sheet, account.figures.get("sales_rate"), RATE_FORMAT),
                ]
            )

    sheet = workbook.create_sheet(title=str(_("Comments"))[:31])
    sheet.append(head_row(sheet, [_("When"), _("By"), _("Comment")]))
    for comment in view.notes.comments:
        sheet.append(
            [_cell(sheet, comment.created_at), _cell(sheet, comment.author.display_name), _cell(sheet, comment.text)]
        )

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Responses -----------------------------------------------------------------------------------------------------


def file_response(*, report: PeriodReport, for_user: User, fmt: str) -> HttpResponse:
    """The report as a PDF (inline) or .xlsx (attachment) download, in the active language."""
    view = report_view(report=report, for_user=for_user)
    if fmt == "pdf":
        response = HttpResponse(render_pdf(view=view, for_user=for_user), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename(report, "pdf")}"'
    else:
        response = HttpResponse(render_xlsx(view=view), content_type=CONTENT_TYPES["xlsx"])
        response["Content-Disposition"] = f'attachment; filename="{filename(report, "xlsx")}"'
    response["Cache-Control"] = "private, no-store"
    return response
