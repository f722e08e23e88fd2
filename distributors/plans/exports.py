"""Files out of plans: the Excel workbook (one sheet of plans, one of monthly plans, one of rep splits) and the
download of a plan's signed copy.

Headers and choice labels are in the active language; money is written as an exact decimal with a money
format, never through a float. The caller passes plans already limited to its user's scope.
"""

import io
import mimetypes
from collections.abc import Sequence
from pathlib import PurePath
from urllib.parse import quote

import openpyxl
from django.http import Http404, HttpResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kamcrm import workbooks
from kamcrm.workbooks import DATE_FORMAT, MONEY_FORMAT

from ..cards.exports import CONTENT_TYPES
from .arithmetic import TARGET_FIELDS, TARGET_PLACES
from .models import MonthlyPlan, QuarterlyPlan, RepSplit


def _label(model, name: str) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _cell(sheet, value, name: str = ""):
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return workbooks.cell(sheet, value, DATE_FORMAT)
    if name and TARGET_PLACES.get(name) == 2:
        return workbooks.cell(sheet, value, MONEY_FORMAT)
    return workbooks.cell(sheet, value)


def _person(user) -> str:
    return user.display_name if user else ""


def _plan_head(sheet, plan: QuarterlyPlan) -> list:
    """The columns every sheet starts with (under ``head``): the distributor, the quarter and the revision."""
    return [plan.distributor.code, _cell(sheet, plan.distributor.name), plan.period_label, plan.revision]


def plan_workbook(*, plans: Sequence[QuarterlyPlan]) -> bytes:
    """The plans, their months and rep splits as an .xlsx workbook (three sheets)."""
    workbook = openpyxl.Workbook(write_only=True)
    targets = [_label(QuarterlyPlan, n) for n in TARGET_FIELDS]
    head = [_("Distributor code"), _("Distributor"), _("Quarter"), _label(QuarterlyPlan, "revision")]

    sheet = workbook.create_sheet(title=str(_("Plans"))[:31])
    sheet.append(
        workbooks.row(
            sheet,
            [
                *head,
                _label(QuarterlyPlan, "status"),
                *targets,
                _label(QuarterlyPlan, "distribution"),
                _label(QuarterlyPlan, "split_method"),
                _label(QuarterlyPlan, "created_by"),
                _label(QuarterlyPlan, "submitted_at"),
                _label(QuarterlyPlan, "approved_by"),
                _label(QuarterlyPlan, "approved_at"),
                _label(QuarterlyPlan, "confirmed_by"),
                _label(QuarterlyPlan, "confirmed_on"),
            ],
        )
    )
    for plan in plans:
        sheet.append(
            workbooks.row(
                sheet,
                [
                    *_plan_head(sheet, plan),
                    plan.get_status_display(),
                    *[_cell(sheet, getattr(plan, n), n) for n in TARGET_FIELDS],
                    plan.get_distribution_display(),
                    plan.get_split_method_display(),
                    _person(plan.created_by),
                    _cell(sheet, plan.submitted_at),
                    _person(plan.approved_by),
                    _cell(sheet, plan.approved_at),
                    plan.confirmed_by.name if plan.confirmed_by_id else "",
                    _cell(sheet, plan.confirmed_on),
                ],
            )
        )

    sheet = workbook.create_sheet(title=str(_("Monthly plans"))[:31])
    sheet.append(workbooks.row(sheet, [*head, _label(MonthlyPlan, "month"), *targets]))
    for plan in plans:
        for monthly in plan.monthly_plans.all():
            sheet.append(
                workbooks.row(
                    sheet,
                    [
                        *_plan_head(sheet, plan),
                        f"{monthly.month:%Y-%m}",
                        *[_cell(sheet, getattr(monthly, n), n) for n in TARGET_FIELDS],
                    ],
                )
            )

    sheet = workbook.create_sheet(title=str(_("Rep splits"))[:31])
    sheet.append(
        workbooks.row(
            sheet,
            [
                *head,
                _label(MonthlyPlan, "month"),
                _("Rep (username)"),
                _("Rep"),
                _label(RepSplit, "share_pct"),
                *targets,
            ],
        )
    )
    for plan in plans:
        for monthly in plan.monthly_plans.all():
            for split in monthly.rep_splits.all():
                sheet.append(
                    workbooks.row(
                        sheet,
                        [
                            *_plan_head(sheet, plan),
                            f"{monthly.month:%Y-%m}",
                            split.rep.username,
                            split.rep.display_name,
                            split.share_pct,
                            *[_cell(sheet, getattr(split, n), n) for n in TARGET_FIELDS],
                        ],
                    )
                )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plan_workbook_response(*, plans: Sequence[QuarterlyPlan], filename: str) -> HttpResponse:
    """The download of ``plans`` as ``<filename>.xlsx`` (filename made of codes and quarters: ASCII-safe)."""
    response = HttpResponse(plan_workbook(plans=plans), content_type=CONTENT_TYPES["xlsx"])
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


def signed_copy_response(*, plan: QuarterlyPlan) -> HttpResponse:
    """The plan's signed copy (PDF or photo) as an inline download; Http404 when there is none.

    The caller has found ``plan`` through ``visible_to``: the file is never served from a public media URL.
    """
    if not plan.signed_copy:
        raise Http404
    name = PurePath(plan.signed_copy.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    with plan.signed_copy.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response
