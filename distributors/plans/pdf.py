"""A distributor plan as a PDF (WeasyPrint): targets by month, rep splits, plan vs actual, workflow and signatures.

Rendered by the one renderer ``kamcrm.pdf.render_pdf``; the text is in the language active when it is rendered,
and Chinese renders with WenQuanYi Micro Hei.
"""

from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import User
from kamcrm.pdf import css_content, render_pdf

from ..cards.pdf import money
from . import selectors
from .arithmetic import TARGET_FIELDS, TARGET_PLACES
from .models import QuarterlyPlan

TEMPLATE = "plans/plan_pdf.html"
EMPTY = "—"


def _value(name: str, value) -> str:
    if value is None:
        return EMPTY
    if TARGET_PLACES.get(name, 2) == 0 and not isinstance(value, Decimal):
        return f"{value:,}"
    return money(value)


def _rate(value: Decimal | None) -> str:
    return EMPTY if value is None else f"{value * 100:.1f} %"


def plan_context(*, plan: QuarterlyPlan, for_user: User) -> dict:
    """Everything the printed plan shows, formatted in the active language. ``plan`` comes from
    ``plans.selectors.plan_detail`` (scope checked, months and splits prefetched)."""
    labels = [(n, capfirst(str(QuarterlyPlan._meta.get_field(n).verbose_name))) for n in TARGET_FIELDS]
    months = list(plan.monthly_plans.all())
    targets = [
        {
            "label": label,
            "months": [_value(n, getattr(m, n)) for m in months],
            "quarter": _value(n, getattr(plan, n)),
        }
        for n, label in labels
    ]
    splits = [
        {
            "month": f"{m.month:%Y-%m}",
            "rows": [
                {
                    "rep": s.rep.display_name,
                    "share": "" if s.share_pct is None else f"{s.share_pct:.2f} %",
                    "values": [_value(n, getattr(s, n)) for n, _label in labels],
                }
                for s in m.rep_splits.all()
            ],
        }
        for m in months
    ]
    vs_actual = []
    for row in selectors.plan_months_vs_actual(plan=plan):
        rates = row.rates
        vs_actual.append(
            {
                "label": row.label,
                "values": [
                    (_value(n, getattr(row.target, n)), _value(n, getattr(row.actual, n)), _rate(rates[n]))
                    for n, _label in labels
                ],
            }
        )
    printed_at = timezone.localtime()
    return {
        "plan": plan,
        "labels": [label for _n, label in labels],
        "months": [f"{m.month:%Y-%m}" for m in months],
        "targets": targets,
        "splits": splits,
        "vs_actual": vs_actual,
        "steps": list(plan.steps.all()),
        "header_left": css_content(_("KAM CRM")),
        "header_right": css_content(f"{_('Distributor plan')} · {plan.distributor.code} · {plan.period_label}"),
        "footer_left": css_content(
            _("Printed %(at)s by %(user)s")
            % {"at": date_format(printed_at, "Y-m-d H:i"), "user": for_user.display_name}
        ),
        "footer_right": css_content(_("Page %(page)s of %(pages)s"), counters=True),
    }


def render_plan_pdf(*, plan: QuarterlyPlan, for_user: User) -> bytes:
    """The plan as printed by ``for_user``: PDF bytes, A4 landscape, in the active language."""
    return render_pdf(template=TEMPLATE, context=plan_context(plan=plan, for_user=for_user))


def plan_pdf_response(*, plan: QuarterlyPlan, for_user: User) -> HttpResponse:
    response = HttpResponse(render_plan_pdf(plan=plan, for_user=for_user), content_type="application/pdf")
    # The code only allows letters, digits, ".", "_" and "-", so it is safe inside the quoted filename.
    response["Content-Disposition"] = (
        f'inline; filename="plan-{plan.distributor.code}-{plan.period_label}-r{plan.revision}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
