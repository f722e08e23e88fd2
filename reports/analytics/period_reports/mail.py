"""E-mailing a weekly or monthly report: :func:`email_report` claims a report (``emailed_at`` set where it is
still NULL) before sending, so it goes out at most once: a rep's report to the team's KAM, a team's to the regional
managers of its region, each in their own language with the PDF attached."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from kamcrm.money import money_text
from reports.analytics.models import PeriodReport
from reports.analytics.period_reports.files import filename, render_pdf
from reports.analytics.period_reports.services import ReportView, managers, parse_figures, report_view

# --- E-mail --------------------------------------------------------------------------------------------------------


def recipients(report: PeriodReport) -> list[User]:
    """Who gets the report by e-mail: its managers (``period_reports.managers``: a rep's the team's KAM, a team's
    the regional managers of its region) — active users with an e-mail address, one per address."""
    seen, result = set(), []
    for user in managers(report):
        address = (user.email or "").strip().lower()
        if user.is_active and address and address not in seen:
            seen.add(address)
            result.append(user)
    return result


def report_url(report: PeriodReport) -> str:
    """The report's page: absolute when ``settings.SITE_URL`` is set, else the path."""
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{reverse('period_reports:detail', args=[report.pk])}"


def _fmt_rate(value) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def email_lines(view: ReportView) -> list[str]:
    """The key figures as text lines, in the active language."""
    rows = {row.key: row for row in view.rows}
    others = parse_figures((view.report.figures or {}).get("figures", {}))
    sales, profit, collection, visits = rows["sales"], rows["gross_profit"], rows["collection"], rows["visits"]
    return [
        _("Sales amount: %(actual)s of %(target)s target (%(rate)s)")
        % {"actual": money_text(sales.actual), "target": money_text(sales.target), "rate": _fmt_rate(sales.rate)},
        _("Gross profit: %(actual)s of %(target)s target (%(rate)s)")
        % {"actual": money_text(profit.actual), "target": money_text(profit.target), "rate": _fmt_rate(profit.rate)},
        _("Collection: %(collected)s collected of %(due)s due (%(rate)s)")
        % {
            "collected": money_text(collection.actual),
            "due": money_text(collection.target),
            "rate": _fmt_rate(collection.rate),
        },
        _("Visits: %(made)s made of %(planned)s planned") % {"made": visits.actual, "planned": visits.target},
        _("Overdue money: %(amount)s") % {"amount": money_text(others.get("overdue_amount"))},
    ]


def _message(report: PeriodReport, user: User, connection) -> EmailMessage:
    with translation.override(user.language or settings.LANGUAGE_CODE):
        view = report_view(report=report, for_user=user)
        subject = view.title
        body = render_to_string(
            "reports/period_reports/email.txt",
            {"view": view, "recipient": user, "lines": email_lines(view), "link": report_url(report)},
        )
        pdf = render_pdf(view=view, for_user=user)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], connection=connection)
    message.attach(filename(report, "pdf"), pdf, "application/pdf")
    return message


def email_report(*, report_id: int) -> str | None:
    """E-mail a report to its managers (see :func:`recipients`), each in their language, with the PDF; at most once.

    Returns the addresses it went to ("" when nobody with an address manages the subject — recorded, not retried),
    or None when the report is missing or already claimed. When sending raises, the claim is released and the
    error re-raised, so a retry sends it — to the recipients not reached yet (kept in ``emailed_to``).
    """
    claimed_at = timezone.now()
    if not PeriodReport.objects.filter(pk=report_id, emailed_at__isnull=True).update(emailed_at=claimed_at):
        return None
    report = PeriodReport.objects.select_related("rep__team__kam", "team").get(pk=report_id)
    sent = [a.strip() for a in report.emailed_to.split(",") if a.strip()]
    connection = get_connection()
    try:
        for user in recipients(report):
            if user.email.strip().lower() in {a.lower() for a in sent}:
                continue  # reached before a failed attempt
            _message(report, user, connection).send()
            sent.append(user.email.strip())
    except Exception:
        PeriodReport.objects.filter(pk=report_id, emailed_at=claimed_at).update(
            emailed_at=None, emailed_to=", ".join(sent)[:500]
        )
        raise
    emailed_to = ", ".join(sent)[:500]
    PeriodReport.objects.filter(pk=report_id).update(emailed_to=emailed_to)
    return emailed_to
