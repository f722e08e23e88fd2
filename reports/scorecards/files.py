"""A rep's scorecard as a PDF (``kamcrm.pdf``) and an .xlsx workbook (``kamcrm.workbooks``), in the active language.

Callers pass a scorecard already in their user's scope (``scorecards.rep_scorecard`` after the scope check).
"""

import io

import openpyxl
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from kamcrm import pdf, workbooks
from kamcrm.pdf import css_content
from kamcrm.workbooks import MONEY_FORMAT, XLSX_CONTENT_TYPE, head_row
from reports.scorecards.services import RepScorecard

TEMPLATE = "reports/scorecards/scorecard_pdf.html"
RATE_FORMAT = "0.0%"


def title(card: RepScorecard) -> str:
    return _("Scorecard of %(rep)s, %(period)s") % {"rep": card.rep.display_name, "period": card.period.label()}


def filename(card: RepScorecard, extension: str) -> str:
    """ASCII-safe: ``scorecard-<rep id>-<period>-<first day>.<ext>``."""
    return f"scorecard-{card.rep.pk}-{card.period.kind}-{card.period.start.isoformat()}.{extension}"


def result_rows(card: RepScorecard) -> list[tuple]:
    """(label, target, actual, rate, expected rate, is money) of the results section — page, PDF and workbook."""
    f = card.figures
    return [
        (_("Sales amount"), f.sales_target, f.planned_sales_amount, f.sales_rate, f.expected_rate("sales"), True),
        (
            _("Gross profit"),
            f.gross_profit_target,
            f.planned_gross_profit,
            f.gross_profit_rate,
            f.expected_rate("gross_profit"),
            True,
        ),
        (_("Collection rate"), f.collection_due, f.collected, f.collection_rate, f.expected_rate("collection"), True),
        (_("Market target"), f.outlet_target, f.planned_active_outlets, f.market_rate, f.expected_rate("market"), 0),
        (_("Visits"), f.visits_planned, f.visits, f.visit_rate, f.expected_rate("visit"), False),
    ]


def render_pdf(*, card: RepScorecard, for_user: User) -> bytes:
    printed = _("Printed %(at)s by %(user)s") % {
        "at": date_format(timezone.localtime(), "Y-m-d H:i"),
        "user": for_user.display_name,
    }
    context = {
        "card": card,
        "title": title(card),
        "results": result_rows(card),
        "header_left": css_content(_("KAM CRM")),
        "header_right": css_content(title(card)),
        "footer_left": css_content(printed),
        "footer_right": css_content(_("Page %(page)s of %(pages)s"), counters=True),
    }
    return pdf.render_pdf(template=TEMPLATE, context=context)


def render_xlsx(*, card: RepScorecard) -> bytes:
    """Sheets: results, relationship and ratings, earlier periods."""
    c = workbooks.cell
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=str(_("Results"))[:31])
    sheet.append(head_row(sheet, [title(card)]))
    sheet.append(head_row(sheet, [_("Figure"), _("Target"), _("Actual"), _("Rate"), _("Expected by today")]))
    for label, target, actual, rate, expected, is_money in result_rows(card):
        number = MONEY_FORMAT if is_money else "0"
        sheet.append(
            [
                c(sheet, str(label)),
                c(sheet, target, number),
                c(sheet, actual, number),
                c(sheet, rate, RATE_FORMAT),
                c(sheet, expected, RATE_FORMAT),
            ]
        )
    sheet.append([c(sheet, str(_("Rank in team (sales rate)"))), c(sheet, card.position), c(sheet, card.team_size)])

    sheet = book.create_sheet(title=str(_("Review"))[:31])
    sheet.append(head_row(sheet, [_("Item"), _("Value"), _("Scale")]))
    sheet.append([c(sheet, str(_("Visits made"))), c(sheet, card.figures.visits), None])
    sheet.append([c(sheet, str(_("Visits planned"))), c(sheet, card.figures.visits_planned), None])
    sheet.append([c(sheet, str(_("Accounts overdue for a visit"))), c(sheet, card.figures.overdue_visits), None])
    sheet.append([c(sheet, str(_("Complaints received"))), c(sheet, card.complaints), None])
    reliability = c(sheet, card.promise_reliability, RATE_FORMAT)
    sheet.append([c(sheet, str(_("Promise reliability of the accounts"))), reliability, None])
    for line in card.ratings:
        scale = f"{line.criterion.scale_min.normalize()}–{line.criterion.scale_max.normalize()}"
        sheet.append([c(sheet, line.criterion.label), c(sheet, line.score, "0.0"), c(sheet, scale)])
    sheet.append([c(sheet, str(_("Overall rating"))), c(sheet, card.rating, RATE_FORMAT), None])
    sheet.append([c(sheet, str(_("Training needs"))), c(sheet, card.training_needs or "—"), None])

    sheet = book.create_sheet(title=str(_("Earlier periods"))[:31])
    sheet.append(
        head_row(sheet, [_("Period"), _("Sales amount"), _("Sales rate"), _("Collection rate"), _("Overall rating")])
    )
    for point in card.history:
        sheet.append(
            [
                c(sheet, point.period.label()),
                c(sheet, point.figures.sales_amount, MONEY_FORMAT),
                c(sheet, point.figures.sales_rate, RATE_FORMAT),
                c(sheet, point.figures.collection_rate, RATE_FORMAT),
                c(sheet, point.rating, RATE_FORMAT),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_response(*, card: RepScorecard, for_user: User, fmt: str) -> HttpResponse:
    """The scorecard as a PDF (inline) or .xlsx (attachment)."""
    if fmt == "pdf":
        response = HttpResponse(render_pdf(card=card, for_user=for_user), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename(card, "pdf")}"'
    else:
        response = HttpResponse(render_xlsx(card=card), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename(card, "xlsx")}"'
    response["Cache-Control"] = "private, no-store"
    return response
