"""Receivables on the customer card's timeline (业务往来): invoices, credit notes, payments, collection activities
and reminders. Registered with ``distributors.timeline`` when the app is ready.

The card is visible to the rep's whole team, money only under the narrow rule: a reader who may not see the
account's receivables gets no entries from these sources.
"""

import functools

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distributors.cards import timeline
from distributors.cards.timeline import Entry

from .models import CollectionActivity, CreditNote, Invoice, Payment, ReminderSent
from .reminders import describe
from .selectors import may_see_money


def _money_source(entries):
    """Register ``entries(distributor, limit)`` as a timeline source that gives entries only to a reader who may
    see the account's receivables."""

    @functools.wraps(entries)
    def source(distributor, for_user, limit):
        if may_see_money(user=for_user, distributor=distributor):
            yield from entries(distributor, limit)

    return timeline.register(source)


@_money_source
def invoices(distributor, limit):
    for inv in Invoice.objects.filter(distributor=distributor).order_by("-issue_date", "-pk")[:limit]:
        yield Entry(
            at=inv.issue_date,
            kind="invoice",
            kind_label=gettext_lazy("Invoice"),
            title=_("Invoice %(number)s · due %(due)s · %(status)s")
            % {"number": inv.number, "due": inv.due_date.isoformat(), "status": inv.get_status_display()},
            detail=_("Open %(open)s") % {"open": f"{inv.open_amount:,.2f}"} if inv.open_amount else "",
            url=reverse("receivables:invoice_detail", args=[inv.pk]),
            amount=inv.amount,
        )


@_money_source
def credit_notes(distributor, limit):
    for note in CreditNote.objects.filter(distributor=distributor).select_related("invoice")[:limit]:
        yield Entry(
            at=note.issue_date,
            kind="credit_note",
            kind_label=gettext_lazy("Credit note"),
            title=_("Credit note %(number)s") % {"number": note.number}
            + (f" · {note.invoice.number}" if note.invoice else ""),
            detail=note.reason,
            url=reverse("receivables:account", args=[distributor.pk]),
            amount=note.amount,
        )


@_money_source
def payments(distributor, limit):
    for pay in Payment.objects.filter(distributor=distributor).order_by("-paid_on", "-pk")[:limit]:
        title = (
            _("Payment reversed")
            if pay.is_reversal
            else _("Payment · %(method)s") % {"method": pay.get_method_display()}
        )
        yield Entry(
            at=pay.paid_on,
            kind="payment",
            kind_label=gettext_lazy("Payment"),
            title=f"{title} {pay.reference}".strip(),
            detail=pay.notes,
            url=reverse("receivables:payment_detail", args=[pay.pk]),
            amount=pay.amount,
        )


@_money_source
def collection_activities(distributor, limit):
    activities = CollectionActivity.objects.filter(distributor=distributor).select_related("invoice", "by")
    for activity in activities.order_by("-occurred_on", "-pk")[:limit]:
        parts = [activity.get_kind_display()]
        if activity.invoice:
            parts.append(activity.invoice.number)
        if activity.promised_on:
            parts.append(
                _("pay %(amount)s by %(day)s")
                % {"amount": f"{activity.promised_amount:,.2f}", "day": activity.promised_on}
            )
        if activity.extended_to:
            parts.append(_("extended to %(day)s") % {"day": activity.extended_to})
        if activity.dispute_reason:
            parts.append(activity.dispute_reason)
        yield Entry(
            at=activity.occurred_on,
            kind="collection",
            kind_label=gettext_lazy("Collection"),
            title=" · ".join(str(p) for p in parts),
            detail=f"{activity.note} ({activity.by.display_name})".strip(),
            url=reverse("receivables:account", args=[distributor.pk]),
        )


@_money_source
def reminders(distributor, limit):
    seen = {}
    sent = (
        ReminderSent.objects.filter(invoice__distributor=distributor, outcome=ReminderSent.Outcome.SENT)
        .select_related("level", "invoice")
        .order_by("-run_date", "-pk")[: limit * 5]
    )
    for reminder in sent:
        key = (reminder.run_date, reminder.level_id)
        seen.setdefault(key, []).append(reminder)
    for (run_date, _level), group in list(seen.items())[:limit]:
        level = group[0].level
        title = describe(level)
        if level.stop_supply and any(r.invoice.open_amount > 0 for r in group):
            title = _("Stop-supply warning: %(level)s") % {"level": title}
        yield Entry(
            at=run_date,
            kind="reminder",
            kind_label=gettext_lazy("Reminder"),
            title=title,
            detail=", ".join(r.invoice.number for r in group),
            url=reverse("receivables:account", args=[distributor.pk]),
        )
