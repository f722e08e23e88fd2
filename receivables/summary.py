"""Each account's open money in one row (``OpenSummary``), so the worklist ranks 20,000 accounts by reading ~25
rows of an index instead of grouping every open invoice.

Kept in the transaction of every write of ``Invoice.open_amount``: ``services.record_invoice`` and
``services._apply`` (every allocation: payments, claims, credit notes, write-offs, reversals) call
:func:`refresh`. Writers of one account are serialised by :func:`lock_accounts` (a transaction-level advisory lock
per account, taken before the invoices are locked), so the row is recomputed from the invoices as committed by the
writer before — never from a stale read. The overdue figures depend on the day: the nightly task
(:func:`refresh_all`) recomputes every row for the new day; until it has, the worklist reads the invoices.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from kamcrm.money import ZERO, cents

from .models import CreditNote, Invoice, OpenSummary

LOCK_SPACE = 731_214  # the first key of this module's advisory locks (the second is the distributor id)
CHUNK = 1_000
FIELDS = [
    "as_of",
    "open_amount",
    "open_invoices",
    "overdue_amount",
    "overdue_invoices",
    "oldest_due",
    "score",
    "credit_sales",
]
DSO_WINDOW_DAYS = 90  # the days of credit sales that DSO weighs the open money against


def lock_accounts(distributor_ids: Iterable[int]) -> None:
    """Serialise writers of these accounts' money until the transaction ends (PostgreSQL; SQLite serialises every
    writer already). Taken in id order, before any invoice lock, so two writers never wait on each other in a
    circle."""
    ids = sorted({int(pk) for pk in distributor_ids if pk is not None})
    if not ids or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, s.id) FROM (SELECT unnest(%s::int[]) AS id ORDER BY 1) s",
            [LOCK_SPACE, ids],
        )


def _window(on: date) -> Q:
    """Invoices or credit notes issued in the ``DSO_WINDOW_DAYS`` days ending on ``on``."""
    return Q(issue_date__gte=on - timedelta(days=DSO_WINDOW_DAYS - 1), issue_date__lte=on)


def credit_sales(*, on: date, group: str | None, where: Q) -> dict:
    """{group key: net credit sales of the ``DSO_WINDOW_DAYS`` days ending on ``on``}: Σ the invoices less Σ the
    credit notes issued in the window, of those matching ``where`` (a filter through ``distributor``, which both
    have), grouped at ``group`` (a path from them; "" key when None). Two grouped queries."""
    window = _window(on) & where
    result: dict = defaultdict(lambda: ZERO)
    for model, sign in ((Invoice, 1), (CreditNote, -1)):
        rows = model.objects.filter(window).order_by()
        if group is None:
            sums = [("", rows.aggregate(total=Sum("amount"))["total"])]
        else:
            sums = rows.values(_group=F(group)).annotate(total=Sum("amount")).values_list("_group", "total")
        for key, total in sums:
            result[key] += sign * cents(total)
    return dict(result)


def figures(rows: Iterable[tuple[int, date, object]], *, on: date) -> dict[int, OpenSummary]:
    """Summaries from open invoices given as (distributor id, due date, open amount), as of ``on``."""
    found: dict[int, OpenSummary] = {}
    for distributor_id, due, open_amount in rows:
        row = found.get(distributor_id)
        if row is None:
            row = found[distributor_id] = _empty(distributor_id, on)
        row.open_amount += open_amount
        row.open_invoices += 1
        if due < on:
            row.overdue_amount += open_amount
            row.overdue_invoices += 1
            row.score += open_amount * (on - due).days
            row.oldest_due = due if row.oldest_due is None else min(row.oldest_due, due)
    return found


def _empty(distributor_id: int, on: date) -> OpenSummary:
    return OpenSummary(
        distributor_id=distributor_id,
        as_of=on,
        open_amount=ZERO,
        open_invoices=0,
        overdue_amount=ZERO,
        overdue_invoices=0,
        oldest_due=None,
        score=ZERO,
        credit_sales=ZERO,
    )


def _write(ids: list[int], on: date) -> None:
    open_rows = Invoice.objects.filter(distributor__in=ids, open_amount__gt=0).values_list(
        "distributor_id", "due_date", "open_amount"
    )
    found = figures(open_rows, on=on)
    rows = [found.get(pk) or _empty(pk, on) for pk in ids]
    sales = credit_sales(on=on, group="distributor_id", where=Q(distributor__in=ids))
    for row in rows:
        row.credit_sales = sales.get(row.distributor_id, ZERO)
    OpenSummary.objects.bulk_create(rows, update_conflicts=True, unique_fields=["distributor"], update_fields=FIELDS)


def refresh(distributor_ids: Iterable[int], *, on: date | None = None) -> None:
    """Recompute these accounts' rows from their open invoices (inside the writer's transaction)."""
    ids = sorted({int(pk) for pk in distributor_ids})
    if not ids:
        return
    lock_accounts(ids)  # already held by the writer: advisory locks are re-entrant
    _write(ids, on or timezone.localdate())


def refresh_all(*, on: date | None = None) -> int:
    """Every account with a row, an open invoice or credit sales, recomputed as of ``on`` (today), in chunks of
    1,000 accounts, each its own transaction under the accounts' locks (writers of other accounts go on).
    Idempotent. Returns how many rows it wrote."""
    on = on or timezone.localdate()
    window = _window(on)
    ids = sorted(
        set(OpenSummary.objects.values_list("distributor_id", flat=True))
        | set(Invoice.objects.filter(open_amount__gt=0).values_list("distributor_id", flat=True).distinct())
        | set(Invoice.objects.filter(window).values_list("distributor_id", flat=True).distinct())
        | set(CreditNote.objects.filter(window).values_list("distributor_id", flat=True).distinct())
    )
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        with transaction.atomic():
            lock_accounts(chunk)
            _write(chunk, on)
    return len(ids)


def stale(*, on: date) -> bool:
    """Whether some account with money open has a row of another day: then the rows cannot rank ``on``."""
    return OpenSummary.objects.filter(Q(as_of__lt=on) | Q(as_of__gt=on), open_invoices__gt=0).exists()
