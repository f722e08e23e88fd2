"""Statement of account (对账单) for a distributor and a date range: data, PDF (WeasyPrint), .xlsx, e-mail,
and the scheduled statements Celery sends.

The balance is what the distributor owes: invoices − credit notes − payments (a reversal adds back) −
approved write-offs, each counted on its own date. The closing balance equals the aging total as of the
end date minus the unapplied credit, to the cent (tests check it).
"""

import io
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from distributors.models import Contact, Distributor
from kamcrm import pdf, workbooks
from kamcrm.audit import services as audit
from kamcrm.money import ZERO
from kamcrm.pdf import css_content

from . import selectors
from .models import (
    Allocation,
    CreditNote,
    Invoice,
    MessageStatus,
    Payment,
    ReceivablesSettings,
    ScheduleFrequency,
    StatementSchedule,
    StatementSent,
    distributors_with_money_visible_to,
)

log = logging.getLogger(__name__)
MAX_DAYS = 3 * 366  # a statement covers at most about three years
XLSX_CONTENT_TYPE = workbooks.XLSX_CONTENT_TYPE


@dataclass
class StatementLine:
    day: date
    kind: str
    reference: str
    description: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    balance: Decimal = ZERO
    due_date: date | None = None


@dataclass
class Statement:
    distributor: Distributor
    start: date
    end: date
    opening_balance: Decimal
    lines: list[StatementLine]
    closing_balance: Decimal
    total_debit: Decimal
    total_credit: Decimal
    aging: selectors.AgingReport
    open_invoices: list = field(default_factory=list)  # [(invoice, open on end, days past due)]

    @property
    def aging_row(self):
        return self.aging.rows[0] if self.aging.rows else None


def _sum(queryset, name="amount") -> Decimal:
    return queryset.aggregate(total=Sum(name))["total"] or ZERO


def balance_as_of(*, distributor: Distributor, as_of: date) -> Decimal:
    """What ``distributor`` owes on ``as_of``: invoices − credit notes − payments − write-offs dated up to then."""
    return (
        _sum(Invoice.objects.filter(distributor=distributor, issue_date__lte=as_of))
        - _sum(CreditNote.objects.filter(distributor=distributor, issue_date__lte=as_of))
        - _sum(Payment.objects.filter(distributor=distributor, paid_on__lte=as_of))
        - _sum(Allocation.objects.filter(invoice__distributor=distributor, write_off__isnull=False, paid_on__lte=as_of))
    )


def check_range(start: date | None, end: date | None) -> tuple[date, date]:
    """The statement period, defaulting to the current month so far. Raises ValueError with a message."""
    today = timezone.localdate()
    end = end or today
    start = start or end.replace(day=1)
    if start > end:
        raise ValueError(_("The start date is after the end date."))
    if (end - start).days > MAX_DAYS:
        raise ValueError(_("A statement covers at most three years."))
    return start, end


def statement(*, distributor: Distributor, start: date, end: date) -> Statement:
    """The statement of ``distributor`` for [start, end]. The caller has checked the distributor's scope."""
    opening = balance_as_of(distributor=distributor, as_of=start - timedelta(days=1))
    lines: list[StatementLine] = []
    in_range = {"distributor": distributor}
    for inv in Invoice.objects.filter(**in_range, issue_date__gte=start, issue_date__lte=end):
        lines.append(
            StatementLine(inv.issue_date, "invoice", inv.number, _("Invoice"), debit=inv.amount, due_date=inv.due_date)
        )
    for note in CreditNote.objects.filter(**in_range, issue_date__gte=start, issue_date__lte=end).select_related(
        "invoice"
    ):
        description = _("Credit note") + (f" · {note.invoice.number}" if note.invoice else "")
        lines.append(StatementLine(note.issue_date, "credit_note", note.number, description, credit=note.amount))
    for pay in Payment.objects.filter(**in_range, paid_on__gte=start, paid_on__lte=end):
        if pay.amount < 0:
            lines.append(
                StatementLine(pay.paid_on, "reversal", pay.reference, _("Payment reversed"), debit=-pay.amount)
            )
        else:
            lines.append(
                StatementLine(pay.paid_on, "payment", pay.reference, pay.get_method_display(), credit=pay.amount)
            )
    for alloc in Allocation.objects.filter(
        invoice__distributor=distributor, write_off__isnull=False, paid_on__gte=start, paid_on__lte=end
    ).select_related("invoice"):
        lines.append(
            StatementLine(alloc.paid_on, "write_off", alloc.invoice.number, _("Written off"), credit=alloc.amount)
        )
    order = {"invoice": 0, "reversal": 1, "credit_note": 2, "payment": 3, "write_off": 4}
    lines.sort(key=lambda line: (line.day, order[line.kind], line.reference))
    balance = opening
    for line in lines:
        balance += line.debit - line.credit
        line.balance = balance
    just_this = Distributor.objects.filter(pk=distributor.pk)
    report = selectors.aging(for_user=None, as_of=end, group_by="distributor", distributors=just_this)
    open_invoices = [
        (inv, inv.open_at, (end - inv.due_date).days)
        for inv in selectors.open_invoices_as_of(Invoice.objects.filter(distributor=distributor), end).order_by(
            "due_date", "number"
        )
        if inv.open_at
    ]
    return Statement(
        distributor=distributor,
        start=start,
        end=end,
        opening_balance=opening,
        lines=lines,
        closing_balance=balance,
        total_debit=sum((line.debit for line in lines), ZERO),
        total_credit=sum((line.credit for line in lines), ZERO),
        aging=report,
        open_invoices=open_invoices,
    )


def _context(data: Statement, printed_by: User | None) -> dict:
    now = timezone.localtime()
    who = printed_by.display_name if printed_by else _("KAM CRM")
    return {
        "s": data,
        "d": data.distributor,
        "header_left": css_content(_("KAM CRM")),
        "header_right": css_content(f"{_('Statement of account')} · {data.distributor.code}"),
        "footer_left": css_content(
            _("Printed %(at)s by %(user)s") % {"at": date_format(now, "Y-m-d H:i"), "user": who}
        ),
        "footer_right": css_content(_("Page %(page)s of %(pages)s"), counters=True),
    }


def render_pdf(*, data: Statement, printed_by: User | None = None) -> bytes:
    """The statement as A4 PDF bytes in the active language (Chinese renders with the WenQuanYi font)."""
    return pdf.render_pdf(template="receivables/statement_pdf.html", context=_context(data, printed_by))


def render_xlsx(*, data: Statement) -> bytes:
    """The statement as an Excel workbook: the lines with running balance, then the open invoices and aging."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = str(_("Statement"))[:31]
    d = data.distributor

    def append(values: list) -> None:
        sheet.append(workbooks.row(sheet, values))

    append([_("Statement of account"), f"{d.code} {d.name}"])
    append([_("Period"), data.start, data.end])
    append([])
    append([_("Date"), _("Type"), _("Reference"), _("Description"), _("Debit"), _("Credit"), _("Balance")])
    append([data.start, "", "", _("Opening balance"), None, None, data.opening_balance])
    for line in data.lines:
        append(
            [
                line.day,
                line.kind,
                line.reference,
                line.description,
                line.debit or None,
                line.credit or None,
                line.balance,
            ]
        )
    append([data.end, "", "", _("Closing balance"), data.total_debit, data.total_credit, data.closing_balance])
    append([])
    append([_("Open invoices on %(day)s") % {"day": data.end.isoformat()}])
    append([_("Invoice"), _("Issue date"), _("Due date"), _("Days past due"), _("Amount"), _("Open amount")])
    for inv, open_at, days in data.open_invoices:
        append([inv.number, inv.issue_date, inv.due_date, max(days, 0), inv.amount, open_at])
    append([])
    append([_("Aging on %(day)s") % {"day": data.end.isoformat()}])
    append([b.label for b in data.aging.buckets] + [_("Total"), _("Unapplied")])
    append(
        [data.aging.totals[b.key] for b in data.aging.buckets]
        + [data.aging.totals["total"], data.aging.totals["unapplied"]]
    )
    for column, width in zip("ABCDEFG", (12, 14, 20, 30, 14, 14, 14), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(data: Statement, extension: str) -> str:
    return f"{data.distributor.code}-statement-{data.start:%Y%m%d}-{data.end:%Y%m%d}.{extension}"


def contact_language(distributor: Distributor) -> str:
    return ReceivablesSettings.load().contact_language or distributor.owner.language or settings.LANGUAGE_CODE


def primary_email(distributor: Distributor) -> str:
    contact = Contact.objects.filter(distributor=distributor, is_primary=True).exclude(email="").first()
    return contact.email if contact else ""


def _email(data: Statement, recipient: str, language: str, printed_by: User | None) -> EmailMessage:
    with translation.override(language):
        subject = _("Statement of account %(code)s, %(start)s – %(end)s") % {
            "code": data.distributor.code,
            "start": data.start.isoformat(),
            "end": data.end.isoformat(),
        }
        body = render_to_string("receivables/email/statement.txt", {"s": data, "d": data.distributor})
        pdf = render_pdf(data=data, printed_by=printed_by)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient])
    message.attach(filename(data, "pdf"), pdf, "application/pdf")
    return message


def email_statement(*, distributor: Distributor, start: date, end: date, by: User) -> str:
    """E-mail the statement (PDF attached, aging summary in the text) to the primary contact; returns the address.

    Raises ValueError when the account has no primary contact with an e-mail address. Audited.
    """
    recipient = primary_email(distributor)
    if not recipient:
        raise ValueError(_("The account has no primary contact with an e-mail address."))
    data = statement(distributor=distributor, start=start, end=end)
    _email(data, recipient, contact_language(distributor), by).send()
    audit.record(
        distributor,
        by=by,
        action="statement_emailed",
        after={"start": start.isoformat(), "end": end.isoformat(), "recipient": recipient},
    )
    return recipient


def email_statement_by_ids(*, distributor_id: int, start: date, end: date, user_id: int) -> None:
    user = User.objects.get(pk=user_id)
    distributor = distributors_with_money_visible_to(user).get(pk=distributor_id)
    email_statement(distributor=distributor, start=start, end=end, by=user)


# --- Scheduled statements ------------------------------------------------------------------------------------


def period_for(schedule: StatementSchedule, on: date) -> tuple[date, date] | None:
    """The period a schedule sends on ``on`` (None when it does not send that day)."""
    if schedule.frequency == ScheduleFrequency.MONTHLY:
        if on.day != schedule.day:
            return None
        end = on.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if on.isoweekday() != min(schedule.day, 7):
        return None
    monday = on - timedelta(days=on.weekday()) - timedelta(days=7)
    return monday, monday + timedelta(days=6)


def schedule_distributors(schedule: StatementSchedule):
    """The accounts a schedule covers (chosen accounts, teams, regions), within its creator's scope."""
    chosen = (
        Q(pk__in=schedule.distributors.values("pk"))
        | Q(owner__team__in=schedule.teams.values("pk"))
        | Q(owner__team__region__in=schedule.regions.values("pk"))
    )
    return distributors_with_money_visible_to(schedule.created_by).filter(chosen).select_related("owner")


def run_schedules(*, on: date) -> int:
    """Generate and e-mail the statements of every schedule due on ``on``; each at most once per account and
    period (a ``StatementSent`` row is claimed before the e-mail goes out). Returns how many were sent."""
    sent = 0
    for schedule in StatementSchedule.objects.filter(is_active=True).select_related("created_by"):
        period = period_for(schedule, on)
        if period is None:
            continue
        for distributor in schedule_distributors(schedule):
            recipient = primary_email(distributor)
            if (
                not recipient
                or StatementSent.objects.filter(
                    schedule=schedule, distributor=distributor, period_start=period[0], period_end=period[1]
                )
                .exclude(status=MessageStatus.PENDING)
                .exists()
            ):
                continue
            data = statement(distributor=distributor, start=period[0], end=period[1])
            if not data.lines and not data.closing_balance:
                continue  # nothing happened and nothing is owed: no statement
            with transaction.atomic():
                row, _created = StatementSent.objects.get_or_create(
                    schedule=schedule,
                    distributor=distributor,
                    period_start=period[0],
                    period_end=period[1],
                    defaults={"recipient_email": recipient},
                )
            claimed = StatementSent.objects.filter(pk=row.pk, status=MessageStatus.PENDING).update(
                status=MessageStatus.SENDING
            )
            if not claimed:
                continue  # another worker has it
            try:
                _email(data, recipient, contact_language(distributor), None).send()
            except Exception as exc:  # nothing went out: try again on the next run
                log.warning("Statement %s not sent: %s", row.pk, exc)
                StatementSent.objects.filter(pk=row.pk).update(status=MessageStatus.PENDING, error=str(exc)[:2000])
                continue
            StatementSent.objects.filter(pk=row.pk).update(status=MessageStatus.SENT, sent_at=timezone.now())
            sent += 1
    return sent
