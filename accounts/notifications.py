"""Notifications: the one service that tells a user something happened to them (the bell, and e-mail).

Callers in distributors, receivables and reports import :func:`notify` from here (accounts is the lowest domain
layer; it never imports them). Each event is named by ``(recipient, kind, key)`` and notifies once: calling
:func:`notify` again for the same event — a retried task, a double submit — returns False and sends nothing.

Titles live in :data:`KINDS`, translatable and formatted with the stored ``params`` when shown, so one
notification reads in the language of whoever looks at it; the e-mail goes out in the recipient's language after
the write commits (through the task outbox, so a broker outage never fails the write).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, OperationalError, transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kamcrm.outbox.services import IfBrokerDown, enqueue_on_commit

from .models import Notification, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    """A kind of notification: its code (stored) and its title, a lazy translation with ``%(name)s`` params."""

    code: str
    title: Promise
    email: bool = True  # False when the event already sends its own e-mail (a period report comes with its PDF)


KINDS: dict[str, Kind] = {}


def register_kind(code: str, title: Promise, *, email: bool = True) -> Kind:
    """Add a kind (apps above accounts may add theirs); registering the same code again replaces the title."""
    kind = Kind(code=code, title=title, email=email)
    KINDS[code] = kind
    return kind


# The events of the issue that exist today, and the two the promise ledger / credit hold raise (issue 14).
register_kind("plan_submitted", _("%(by)s submitted the plan %(plan)s for your approval."))
register_kind("plan_returned", _("Your plan %(plan)s was returned: %(comment)s"))
register_kind("plan_approved", _("Your plan %(plan)s was approved."))
register_kind("day_reopened", _("%(by)s reopened your day report of %(day)s: %(comment)s"))
register_kind("day_commented", _("%(by)s commented on your day report of %(day)s: %(comment)s"))
register_kind("task_assigned", _("%(by)s assigned you a task: %(task)s"))
register_kind("write_off_proposed", _("%(by)s proposes writing off %(amount)s for %(distributor)s."))
register_kind("write_off_approved", _("The write-off of %(amount)s for %(distributor)s was approved."))
register_kind("write_off_rejected", _("The write-off of %(amount)s for %(distributor)s was rejected."))
register_kind("promise_broken", _("%(distributor)s broke the promise to pay %(amount)s by %(day)s."))
register_kind("credit_hold_placed", _("%(distributor)s was put on credit hold."))
register_kind("credit_hold_released", _("The credit hold on %(distributor)s was released."))
register_kind("period_report_ready", _("The period report %(report)s is ready."), email=False)

# Params shown as money: stored as plain decimal strings, shown with the reader's separators.
MONEY_PARAMS = frozenset({"amount"})


class _Params(dict):
    """A missing param reads as "…" instead of failing the whole page (a kind's title gained a param later)."""

    def __missing__(self, key):
        return "…"


def _display_params(params: dict) -> _Params:
    shown = _Params()
    for name, value in (params or {}).items():
        if name in MONEY_PARAMS and value not in (None, ""):
            with contextlib.suppress(InvalidOperation, ValueError):
                value = formats.number_format(Decimal(str(value)), 2, use_l10n=True, force_grouping=True)
        shown[name] = value
    return shown


def title(notification: Notification) -> str:
    """What the notification says, in the active language."""
    kind = KINDS.get(notification.kind)
    if kind is None:
        return str(_("Something changed that concerns you."))
    try:
        return str(kind.title) % _display_params(notification.params)
    except (TypeError, ValueError):
        return str(kind.title)


def notify(*, recipient: User | None, kind: str, key: str, params: dict | None = None, url: str = "") -> bool:
    """Tell ``recipient`` about an event, once. Returns True when this call created the notification.

    ``key`` names the event within its kind (e.g. the plan's id and its submission time), so a retry of the same
    event is a no-op. Nobody (None) or an inactive user is not notified (False). The e-mail, when the user wants
    it and has an address, is queued after the caller's transaction commits; sending never fails the caller.
    Raises ValueError for an unknown kind (a programming error).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if recipient is None or not recipient.is_active:
        return False
    params = {name: ("" if value is None else str(value).replace("\x00", "")) for name, value in (params or {}).items()}
    key = str(key).replace("\x00", "\\0")  # PostgreSQL text cannot hold NUL; kept distinct from other keys
    try:
        with transaction.atomic():
            notification, created = Notification.objects.get_or_create(
                recipient=recipient,
                kind=kind,
                key=key[:200],
                defaults={"params": params, "url": url.replace("\x00", "")[:500]},
            )
    except IntegrityError:  # the same event raced in from another process: it notified already
        return False
    if created and KINDS[kind].email and recipient.notify_by_email and recipient.email:
        enqueue_on_commit(send_notification_email, args=[notification.pk], if_broker_down=IfBrokerDown.OUTBOX)
    return created


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{path}"


def email_notification(*, notification_id: int) -> bool:
    """E-mail one notification to its recipient in their language, at most once. Returns True when sent.

    The row is claimed first (``emailed_at``); when sending raises, the claim is released and the error re-raised,
    so the task's retry sends it.
    """
    claimed_at = timezone.now()
    claimed = Notification.objects.filter(
        pk=notification_id, emailed_at__isnull=True, recipient__is_active=True
    ).update(emailed_at=claimed_at)
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    user = notification.recipient
    if not (user.notify_by_email and user.email):
        return False
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = title(notification)
        subject = str(_("KAM CRM: %(title)s")) % {"title": text}
        body = render_to_string(
            "accounts/notification_email.txt",
            {"recipient": user, "title": text, "link": absolute_url(notification.url)},
        )
    try:
        EmailMessage(subject[:200], body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    except Exception:
        Notification.objects.filter(pk=notification_id, emailed_at=claimed_at).update(emailed_at=None)
        raise
    return True


@shared_task(
    name="accounts.tasks.send_notification_email",
    acks_late=True,
    autoretry_for=(OperationalError, OSError),
    retry_backoff=True,
    max_retries=5,
    ignore_result=True,
)
def send_notification_email(notification_id: int) -> None:
    """Thin task (defined here so :func:`notify` can queue it; accounts.tasks re-exports it)."""
    email_notification(notification_id=notification_id)


# --- reads and the user's own writes ---------------------------------------------------------------------------


def notification_list(*, for_user: User, unread_only: bool = False):
    """The user's notifications, newest first."""
    qs = Notification.objects.visible_to(for_user)
    return qs.unread() if unread_only else qs


def unread_count(*, for_user: User) -> int:
    return Notification.objects.visible_to(for_user).unread().count()


def mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of the user's notifications read (reading it twice keeps the first time)."""
    if notification.recipient_id != user.pk:
        raise Notification.DoesNotExist
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())
