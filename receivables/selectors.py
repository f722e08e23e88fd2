"""Reads of receivables, always through ``visible_to`` (or a distributor queryset the caller already scoped).

Aging "as of D" follows ../shared/API.md: only invoices and credit notes issued on or before D count; an
allocation (payment, credit note, write-off) counts from its ``paid_on`` when that is on or before D; days
past due = D − due date; rows are grouped by the account's current owner. It is computed from dated rows, so
the same request gives the same answer on any later day unless records dated on or before D are added.

How it stays fast (../shared/PERF-NOTES.md): the open amount today is kept on the invoice, so "as of today"
reads only open invoices (a partial index). For a past date D the invoices open at D are those open today
plus those with an allocation after D (``last_applied_on > D``), and their open amount at D is today's plus
the allocations after D — only recent rows are read, whatever the size of the history.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Region, Team, User
from distributors.models import Distributor
from distributors.plans.arithmetic import rate
from kamcrm import prepared
from kamcrm.money import ZERO, cents

from . import summary
from .models import (
    DEFAULT_CURRENCY,
    ActivityKind,
    AgingBucketSet,
    Allocation,
    CollectionActivity,
    CollectionTask,
    CreditHold,
    CreditHoldKind,
    CreditHoldRule,
    CreditNote,
    HoldAction,
    Invoice,
    OpenSummary,
    Payment,
    RuleCondition,
    TaskStatus,
    WriteOff,
    WriteOffStatus,
    distributors_with_money_visible_to,
    money_scope,
)


def may_see_money(*, user: User, distributor: Distributor) -> bool:
    """The money rule for one account: may ``user`` see its receivables, payments and the money collected on it?

    The narrow rule (``models.money_scope``): the account's current owner, their KAM, the region's manager,
    finance of the company or the region, the admin — not a teammate who may see the card. Every card timeline
    source with an amount of money (invoices, payments, visits' collections ...) asks this one function.
    """
    return distributors_with_money_visible_to(user).filter(pk=distributor.pk).exists()


DEFAULT_THRESHOLDS = (30, 60, 90, 180)
GROUPS = {
    "distributor": "distributor_id",
    "rep": "distributor__owner_id",
    "team": "distributor__owner__team_id",
    "region": "distributor__owner__team__region_id",
}
GROUP_LABELS = {
    "distributor": gettext_lazy("Distributor"),
    "rep": gettext_lazy("Rep"),
    "team": gettext_lazy("Team"),
    "region": gettext_lazy("Region"),
}
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)


def _today() -> date:
    return timezone.localdate()


# --- Buckets ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    low: int | None  # fewest days past due in the bucket; None: not yet due
    high: int | None  # most days past due; None: no upper end

    def q(self, as_of: date, prefix: str = "") -> Q:
        """The invoices (by due date, reached through ``prefix``) that fall in this bucket on ``as_of``."""
        due = f"{prefix}due_date"
        if self.low is None:
            return Q(**{f"{due}__gte": as_of})
        q = Q(**{f"{due}__lte": as_of - timedelta(days=self.low)})
        if self.high is not None:
            q &= Q(**{f"{due}__gte": as_of - timedelta(days=self.high)})
        return q


def buckets_for(thresholds=DEFAULT_THRESHOLDS) -> list[Bucket]:
    """[30, 60, 90, 180] → not_due, 1_30, 31_60, 61_90, 91_180, over_180 (keys and labels as in API.md)."""
    buckets = [Bucket("not_due", _("Not due"), None, None)]
    low = 1
    for threshold in thresholds:
        buckets.append(Bucket(f"{low}_{threshold}", f"{low}–{threshold}", low, threshold))
        low = threshold + 1
    buckets.append(Bucket(f"over_{thresholds[-1]}", _("Over %(days)s") % {"days": thresholds[-1]}, low, None))
    return buckets


def bucket_set(pk: int | str | None = None) -> tuple[AgingBucketSet | None, list[Bucket]]:
    """The saved bucket set ``pk`` (or the admin's default one, or the standard buckets). Raises DoesNotExist."""
    if pk not in (None, ""):
        chosen = AgingBucketSet.objects.get(pk=pk)
    else:
        chosen = AgingBucketSet.objects.filter(is_default=True).first()
    return chosen, buckets_for(tuple(chosen.thresholds) if chosen else DEFAULT_THRESHOLDS)


# --- Open amounts as of a date ----------------------------------------------------------------------------------


def open_invoices_as_of(invoices: QuerySet[Invoice], as_of: date) -> QuerySet[Invoice]:
    """``invoices`` that were open on ``as_of``, annotated with ``open_at`` (their open amount that day)."""
    invoices = invoices.filter(issue_date__lte=as_of)
    if as_of >= _today():
        # Nothing is ever dated after today, so today's open amount is the amount open on as_of.
        return invoices.filter(open_amount__gt=0).annotate(open_at=F("open_amount"))
    later = (
        Allocation.objects.filter(invoice=OuterRef("pk"), paid_on__gt=as_of)
        .order_by()
        .values("invoice")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return invoices.filter(Q(open_amount__gt=0) | Q(last_applied_on__gt=as_of)).annotate(
        open_at=F("open_amount") + Coalesce(Subquery(later, output_field=MONEY_FIELD), Value(ZERO))
    )


def _grouped(queryset: QuerySet, group: str | None, **aggregates) -> dict:
    """{group key: {aggregate: value}} in one query; a single "" key when ``group`` is None."""
    if group is None:
        return {"": queryset.order_by().aggregate(**aggregates)}
    return {row.pop("_group"): row for row in queryset.order_by().values(_group=F(group)).annotate(**aggregates)}


def _invoice_q(for_user: User | None, distributors, prefix: str = "", **invoice_filters) -> Q:
    """Invoices in scope (``for_user`` None: no scope), of ``distributors`` if given, matching ``invoice_filters``;
    reached through ``prefix`` ("" from Invoice, "invoice__" from Allocation)."""
    q = Q(**{f"{prefix}{name}": value for name, value in invoice_filters.items()})
    if for_user is not None:
        q &= money_scope(for_user, distributor=f"{prefix}distributor")
    if distributors is not None:
        q &= Q(**{f"{prefix}distributor__in": distributors})
    return q


CREDIT_USED = "_credit_used"  # allocations after D made from payments or credit notes (for the unapplied credit)


def open_sums(
    *,
    for_user: User | None,
    as_of: date,
    group: str | None,
    sums: dict[str, Q],
    distributors: QuerySet[Distributor] | None = None,
    credit_used: bool = False,
    **invoice_filters,
) -> dict:
    """{group key: {name: Σ open amount on ``as_of`` of the invoices matching ``sums[name]``}} in two queries.

    ``sums`` maps a name to a filter on the invoice's fields (a bucket by due date, or ``Q()`` for all). An
    invoice's open amount on D is today's plus its allocations dated after D, so the answer is today's open
    amounts of the invoices issued by D (a partial index on open invoices) plus the allocations dated after D
    grouped the same way — only recent rows are read, whatever the size of the history. With ``credit_used``
    the same pass also sums, under ``CREDIT_USED``, what payments and credit notes paid after D (see _unapplied).
    """
    today_q = _invoice_q(for_user, distributors, issue_date__lte=as_of, open_amount__gt=0, **invoice_filters)
    result = _grouped(
        Invoice.objects.filter(today_q), group, **{name: Sum("open_amount", filter=q) for name, q in sums.items()}
    )
    if as_of < _today():
        issued = Q(**{f"invoice__{k}": v for k, v in {"issue_date__lte": as_of, **invoice_filters}.items()})
        aggregates = {name: Sum("amount", filter=issued & _prefixed(q, "invoice__")) for name, q in sums.items()}
        later_q = Q(paid_on__gt=as_of) & _invoice_q(for_user, distributors, "invoice__")
        if credit_used:
            aggregates[CREDIT_USED] = Sum("amount", filter=Q(payment__isnull=False) | Q(credit_note__isnull=False))
        else:
            later_q &= issued  # only the allocations that change the sums
        later = _grouped(Allocation.objects.filter(later_q), f"invoice__{group}" if group else None, **aggregates)
        for key, row in later.items():
            target = result.setdefault(key, dict.fromkeys(sums))
            for name, value in row.items():
                target[name] = (target.get(name) or ZERO) + (value or ZERO)
    return result


def _prefixed(q: Q, prefix: str) -> Q:
    """The same filter reached through ``prefix`` (a Q of plain lookups, as buckets make)."""
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    clone.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (f"{prefix}{child[0]}", child[1]) for child in q.children
    ]
    return clone


def _unapplied(
    for_user: User | None,
    distributors: QuerySet[Distributor] | None,
    group: str | None,
    as_of: date,
    credit_used: dict | None = None,
) -> dict:
    """{group key: money received or credited but not yet applied to an invoice on ``as_of``} (positive amounts).

    Today's unallocated amounts, with the movements dated after ``as_of`` taken back out: payments and credit
    notes dated later did not exist yet, allocations dated later had not yet used any of the credit (pass
    ``credit_used`` {group key: amount} when ``open_sums`` has already summed those).
    """
    result: dict = defaultdict(lambda: ZERO)
    past = as_of < _today()

    def add(model, date_field: str, left: str, left_q: Q):
        queryset = model.objects.filter(_invoice_q(for_user, distributors))
        aggregates = {"now": Sum(left, filter=left_q)}
        if past:
            later_q = Q(**{f"{date_field}__gt": as_of})
            queryset = queryset.filter(left_q | later_q)
            aggregates["later"] = Sum("amount", filter=later_q)
        else:
            queryset = queryset.filter(left_q)
        for key, row in _grouped(queryset, group, **aggregates).items():
            result[key] += (row["now"] or ZERO) - (row.get("later") or ZERO)

    add(Payment, "paid_on", "unallocated_amount", ~Q(unallocated_amount=0))
    add(CreditNote, "issue_date", "unapplied_amount", Q(unapplied_amount__gt=0))
    if past:
        if credit_used is None:
            used = Allocation.objects.filter(
                Q(paid_on__gt=as_of) & (Q(payment__isnull=False) | Q(credit_note__isnull=False))
            ).filter(_invoice_q(for_user, distributors, "invoice__"))
            credit_used = {
                k: r["total"]
                for k, r in _grouped(used, f"invoice__{group}" if group else None, total=Sum("amount")).items()
            }
        for key, amount in credit_used.items():
            result[key] += amount or ZERO
    return dict(result)


# --- Aging -------------------------------------------------------------------------------------------------------


@dataclass
class AgingRow:
    key: int | None
    label: str
    amounts: dict[str, Decimal]
    total: Decimal
    unapplied: Decimal  # zero or negative: credit waiting to be applied
    buckets: list = field(default_factory=list, repr=False)
    dso: Decimal | None = None  # days sales outstanding on as_of (days_sales_outstanding)

    @property
    def cells(self) -> list[tuple[Bucket, Decimal]]:
        return [(b, self.amounts[b.key]) for b in self.buckets]


@dataclass
class AgingReport:
    as_of: date
    group_by: str
    buckets: list[Bucket]
    rows: list[AgingRow]
    totals: dict[str, Decimal]
    bucket_set: AgingBucketSet | None = None

    @property
    def total(self) -> Decimal:
        return self.totals["total"]

    @property
    def total_cells(self) -> list[tuple[Bucket, Decimal]]:
        return [(b, self.totals[b.key]) for b in self.buckets]


def _labels(group_by: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if group_by == "rep":
        return {u.pk: u.display_name for u in User.objects.filter(pk__in=keys)}
    model = {"distributor": Distributor, "team": Team, "region": Region}[group_by]
    if len(keys) > 1000:  # the whole company by account: one plain read beats a 20,000-id IN list
        wanted = set(keys)
        return {pk: name for pk, name in model.objects.values_list("pk", "name") if pk in wanted}
    return dict(model.objects.filter(pk__in=keys).values_list("pk", "name"))


def aging(
    *,
    for_user: User | None,
    as_of: date,
    group_by: str = "distributor",
    buckets: list[Bucket] | None = None,
    distributors: QuerySet[Distributor] | None = None,
) -> AgingReport:
    """Open receivables in ``for_user``'s scope on ``as_of``, in buckets of days past due, per group.

    ``group_by`` ∈ distributor, rep, team, region (the account's current owner). ``distributors`` narrows to
    some accounts (still within scope). Rows only for groups with a non-zero total or unapplied credit; the
    unapplied credit is not part of ``total``. Raises ValueError for an unknown ``group_by``.
    ``for_user=None`` is for the system's own jobs (scheduled statements) that pass ``distributors``.
    """
    if group_by not in GROUPS:
        raise ValueError(group_by)
    buckets = buckets or buckets_for()
    group = GROUPS[group_by]
    sums = open_sums(
        for_user=for_user,
        as_of=as_of,
        group=group,
        sums={b.key: b.q(as_of) for b in buckets},
        distributors=distributors,
        credit_used=True,
    )
    used = {key: row.pop(CREDIT_USED, None) for key, row in sums.items()} if as_of < _today() else None
    unapplied = _unapplied(for_user, distributors, group, as_of, credit_used=used)
    labels = _labels(group_by, set(sums) | set(unapplied))
    rows = []
    for key in set(sums) | set(unapplied):
        amounts = {b.key: cents(sums.get(key, {}).get(b.key)) for b in buckets}
        total = sum(amounts.values(), ZERO)
        credit = -cents(unapplied.get(key))
        if total or credit:
            label = labels.get(key) or "—"
            rows.append(AgingRow(key, str(label), amounts, total, credit, buckets))
    rows.sort(key=lambda r: (-r.total, r.label))
    totals = {b.key: sum((r.amounts[b.key] for r in rows), ZERO) for b in buckets}
    totals["total"] = sum((r.total for r in rows), ZERO)
    totals["unapplied"] = sum((r.unapplied for r in rows), ZERO)
    # DSO per row and in total: the open amounts are the rows' totals; every group's sales count in the total,
    # also those with nothing open today.
    sales = credit_sales(as_of=as_of, group=group, for_user=for_user, distributors=distributors)
    for row in rows:
        row.dso = days_sales_outstanding(row.total, sales.get(row.key, ZERO))
    totals["dso"] = days_sales_outstanding(totals["total"], sum(sales.values(), ZERO))
    return AgingReport(as_of=as_of, group_by=group_by, buckets=buckets, rows=rows, totals=totals)


def _in_bucket(bucket: Bucket, days: int) -> bool:
    """Whether ``days`` past due falls in ``bucket`` (the same edges as ``Bucket.q``)."""
    if bucket.low is None:
        return days <= 0
    return days >= bucket.low and (bucket.high is None or days <= bucket.high)


@dataclass
class AgingInvoiceRow:
    invoice: Invoice
    open_amount: Decimal
    days_past_due: int
    bucket: Bucket


def aging_invoices(
    *, for_user: User, as_of: date, distributor: Distributor, buckets: list[Bucket]
) -> list[AgingInvoiceRow]:
    """The invoices behind one account's aging row on ``as_of``: each open invoice with its open amount that day and
    its bucket (the drill from an account to its invoices; they add up to the account's row). One query."""
    rows = []
    invoices = open_invoices_as_of(Invoice.objects.visible_to(for_user).filter(distributor=distributor), as_of)
    for inv in invoices.order_by("due_date", "number"):
        if not inv.open_at:
            continue
        days = (as_of - inv.due_date).days
        bucket = next(
            b
            for b in buckets
            if (b.low is None and days <= 0)
            or (b.low is not None and days >= b.low and (b.high is None or days <= b.high))
        )
        rows.append(AgingInvoiceRow(inv, cents(inv.open_at), days, bucket))
    return rows


def open_total_as_of(*, distributors: QuerySet[Distributor], as_of: date) -> Decimal:
    """Σ open invoice amounts of ``distributors`` on ``as_of`` (the aging total, without buckets)."""
    figures = open_sums(for_user=None, as_of=as_of, group=None, sums={"total": Q()}, distributors=distributors)
    return cents(figures[""]["total"])


# --- Collection figures (the dashboards' definitions in API.md) ------------------------------------------------------


@dataclass
class CollectionFigures:
    collection_due: Decimal = ZERO
    collected: Decimal = ZERO
    payments_received: Decimal = ZERO

    @property
    def collection_rate(self) -> Decimal | None:
        """collected ÷ collection_due with 4 places; None when nothing was due."""
        return rate(self.collected, self.collection_due)


def collection_figures(
    *, distributors: QuerySet[Distributor], start: date, end: date, group_by: str | None = None
) -> CollectionFigures | dict:
    """Collection due, collected and payments received for ``distributors`` in [start, end] (API.md).

    - collection_due: invoices issued and due on or before ``end``: the amount still open at the start of the
      period (those issued inside the period count in full);
      less what credit notes and approved write-offs took off them in the period (they are not collections);
    - collected: Σ payment allocations to those invoices with ``paid_on`` in the period (reversals net out);
    - payments_received: Σ payments with ``paid_on`` in the period, however allocated.

    With ``group_by`` (distributor, rep, team, region: current owner) returns {key: CollectionFigures}.
    """
    group = GROUPS[group_by] if group_by else None
    invoices = Invoice.objects.filter(distributor__in=distributors, issue_date__lte=end, due_date__lte=end)
    before_start = start - timedelta(days=1)
    # Issued before the period (so on or before the day before it) and due by its end: open at its start.
    carried = open_sums(
        for_user=None,
        as_of=before_start,
        group=group,
        sums={"total": Q()},
        distributors=distributors,
        due_date__lte=end,
    )
    new = _grouped(invoices.filter(issue_date__gte=start), group, total=Sum("amount"))
    collected = _grouped(
        Allocation.objects.filter(
            payment__isnull=False, paid_on__gte=start, paid_on__lte=end, invoice__in=invoices.values("pk")
        ),
        f"invoice__{group}" if group else None,
        total=Sum("amount"),
    )
    # Credit notes and approved write-offs are not collections: what they took off in the period is no longer due
    # (what they took off before it is already out of the amount open at its start).
    credited = _grouped(
        Allocation.objects.filter(
            payment__isnull=True, paid_on__gte=start, paid_on__lte=end, invoice__in=invoices.values("pk")
        ),
        f"invoice__{group}" if group else None,
        total=Sum("amount"),
    )
    received = _grouped(
        Payment.objects.filter(distributor__in=distributors, paid_on__gte=start, paid_on__lte=end),
        group,
        total=Sum("amount"),
    )
    result: dict = defaultdict(CollectionFigures)
    for key, row in carried.items():
        result[key].collection_due += cents(row["total"])
    for key, row in new.items():
        result[key].collection_due += cents(row["total"])
    for key, row in collected.items():
        result[key].collected += cents(row["total"])
    for key, row in credited.items():
        result[key].collection_due -= cents(row["total"])
    for key, row in received.items():
        result[key].payments_received += cents(row["total"])
    if group_by is None:
        return result.get("") or CollectionFigures()
    return dict(result)


def collection_due_in_period(*, distributors: QuerySet[Distributor], start: date, end: date) -> Decimal:
    return collection_figures(distributors=distributors, start=start, end=end).collection_due


def collected_in_period(*, distributors: QuerySet[Distributor], start: date, end: date) -> Decimal:
    return collection_figures(distributors=distributors, start=start, end=end).collected


DSO_WINDOW_DAYS = summary.DSO_WINDOW_DAYS


def days_sales_outstanding(
    open_amount: Decimal, credit_sales: Decimal, *, window_days: int = DSO_WINDOW_DAYS
) -> Decimal | None:
    """DSO (days sales outstanding), the one definition every screen uses:

        DSO on D = receivables open on D ÷ net credit sales of the ``window_days`` days ending on D × window_days

    - receivables open on D: the aging's total as of D (invoices issued on or before D, less payments, credit notes
      and approved write-offs applied with ``paid_on`` on or before D; credit not yet applied to an invoice is not
      subtracted, as in the aging's ``total``);
    - net credit sales: invoices issued in [D − window_days + 1, D] less credit notes issued in that window (every
      sale is invoiced on credit terms, and a credit note takes back part of a sale).

    A trailing window (90 days by default) rather than the period's own days, so that a day, a week and a year
    measure the same thing and a quiet month does not make DSO jump. One decimal place, halves up; None when
    there were no net credit sales in the window (nothing to measure against).
    """
    if credit_sales is None or credit_sales <= 0:
        return None
    return (Decimal(open_amount) / Decimal(credit_sales) * window_days).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class DsoParts:
    """What a DSO is made of; parts of several groups add up, their DSO is recomputed from the sums."""

    open_amount: Decimal = ZERO
    credit_sales: Decimal = ZERO

    def __add__(self, other: "DsoParts") -> "DsoParts":
        return DsoParts(self.open_amount + other.open_amount, self.credit_sales + other.credit_sales)

    @property
    def dso(self) -> Decimal | None:
        return days_sales_outstanding(self.open_amount, self.credit_sales)


def credit_sales(
    *, as_of: date, group: str | None, for_user: User | None = None, distributors: QuerySet[Distributor] | None = None
) -> dict:
    """{group key: net credit sales of the ``DSO_WINDOW_DAYS`` days ending on ``as_of``} (invoices less credit notes
    issued in the window: ``summary.credit_sales``), scoped as :func:`open_sums`; "" key when ``group`` is None."""
    return summary.credit_sales(on=as_of, group=group, where=_invoice_q(for_user, distributors))


DSO_OPEN = "_dso_open"  # the name under which open_sums_and_dso_parts sums every open amount


def dso_parts(*, as_of: date, group: str | None, distributors: QuerySet[Distributor] | None = None) -> dict:
    """{group key: DsoParts} on ``as_of`` for the invoices of ``distributors`` (None: all); ``group`` is a path
    from the invoice (``GROUPS`` values, "" key when None). See :func:`days_sales_outstanding` for the formula."""
    return open_sums_and_dso_parts(as_of=as_of, group=group, sums={}, distributors=distributors)[1]


def open_sums_and_dso_parts(
    *, as_of: date, group: str | None, sums: dict[str, Q], distributors: QuerySet[Distributor] | None = None
) -> tuple[dict, dict]:
    """(:func:`open_sums` of ``sums``, :func:`dso_parts`) on the same day and accounts, from one read of the open
    amounts (a dashboard shows the overdue money beside DSO: one pass instead of two)."""
    opened = open_sums(for_user=None, as_of=as_of, group=group, sums={**sums, DSO_OPEN: Q()}, distributors=distributors)
    return opened, _dso_parts_of(opened, as_of=as_of, group=group, distributors=distributors)


def _dso_parts_of(opened: dict, *, as_of: date, group: str | None, distributors) -> dict:
    """{key: DsoParts} from the open amounts summed under ``DSO_OPEN`` in ``opened`` (taken out of it) and the
    credit sales of the window ending on ``as_of``."""
    result: dict = defaultdict(DsoParts)
    for key, row in opened.items():
        result[key].open_amount += cents(row.pop(DSO_OPEN))
    for key, amount in credit_sales(as_of=as_of, group=group, distributors=distributors).items():
        result[key].credit_sales += amount
    return dict(result)


OVERDUE = "overdue"  # the name under which overdue_and_dso_parts sums the money past due


def overdue_and_dso_parts(*, as_of: date, group: str | None, cards: Q | None = None) -> tuple[dict, dict]:
    """:func:`open_sums_and_dso_parts` with one sum, ``OVERDUE`` (the open amounts due before ``as_of``): what a
    dashboard shows. On today, from the accounts' one-row summaries (``OpenSummary``: a row per account with
    money open or credit sales, kept with every write of an invoice, a credit note or an open amount, and
    recomputed for each new day) instead of every open invoice and every invoice of the DSO window (the company's
    took ~100 ms to add up, their rows ~30 ms). An account whose row is of another day (the nightly recompute has
    not run yet) is read from its invoices, as any other day is. ``cards``: a filter on the accounts (None: all).

    Grouped, its read is compiled once per shape (``kamcrm.prepared``): a dashboard asks it on every view."""
    distributors = None if cards is None else Distributor.objects.filter(cards)
    overdue = {OVERDUE: Q(due_date__lt=as_of)}
    if as_of != _today():
        return open_sums_and_dso_parts(as_of=as_of, group=group, sums=overdue, distributors=distributors)

    def summaries(cards: Q | None):
        rows = OpenSummary.objects.filter(Q(open_invoices__gt=0) | ~Q(credit_sales=0))
        return rows if cards is None else rows.filter(distributor__in=Distributor.objects.filter(cards))

    def sums(as_of: date) -> dict:
        fresh = Q(as_of=as_of)
        return {
            OVERDUE: Sum("overdue_amount", filter=fresh),
            DSO_OPEN: Sum("open_amount", filter=fresh),
            "sales": Sum("credit_sales", filter=fresh),
            "stale": Count("pk", filter=~fresh),
        }

    if group is None:
        opened = _grouped(summaries(cards), None, **sums(as_of))
    else:
        found = prepared.rows(
            f"receivables.open_summaries:{group}",
            lambda cards, as_of: summaries(cards).order_by().values(_group=F(group)).annotate(**sums(as_of)),
            cards=cards,
            as_of=as_of,
        )
        opened = {row.pop("_group"): row for row in found}
    parts: dict = defaultdict(DsoParts)
    stale = 0
    for key, row in opened.items():
        parts[key].open_amount += cents(row.pop(DSO_OPEN))
        parts[key].credit_sales += cents(row.pop("sales"))
        stale += row.pop("stale") or 0
    if stale:
        ids = list(summaries(cards).exclude(as_of=as_of).values_list("distributor_id", flat=True))
        read, read_parts = open_sums_and_dso_parts(as_of=as_of, group=group, sums=overdue, distributors=ids)
        for key, row in read.items():
            opened.setdefault(key, {OVERDUE: None})[OVERDUE] = (opened[key][OVERDUE] or ZERO) + (row[OVERDUE] or ZERO)
        for key, part in read_parts.items():
            parts[key].open_amount += part.open_amount
            parts[key].credit_sales += part.credit_sales
    return opened, dict(parts)


def dso(*, distributors: QuerySet[Distributor], as_of: date) -> Decimal | None:
    """DSO of ``distributors`` together on ``as_of`` (:func:`days_sales_outstanding`)."""
    return dso_parts(as_of=as_of, group=None, distributors=distributors).get("", DsoParts()).dso


# --- Lists and the worklist -------------------------------------------------------------------------------------------


def find_accounts(*, for_user: User, q: str, limit: int = 10) -> list[Distributor]:
    """Up to ``limit`` accounts whose receivables ``for_user`` may see, matching ``q`` in the code, name, short name
    or city (codes that start with it first); none for fewer than 2 characters. One query."""
    q = (q or "").strip()[:50]
    if len(q) < 2:
        return []
    return list(
        distributors_with_money_visible_to(for_user)
        .filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(short_name__icontains=q) | Q(city__icontains=q))
        .annotate(code_first=Case(When(code__istartswith=q, then=Value(0)), default=Value(1)))
        .select_related("owner")
        .order_by("code_first", "code")[:limit]
    )


@dataclass
class ClaimTarget:
    """Where part of a rep's claim will go once finance confirms it (oldest due first), and why to look twice."""

    invoice: Invoice
    amount: Decimal
    write_off_proposed: bool = False
    disputed: bool = False

    @property
    def warn(self) -> bool:
        return self.write_off_proposed or self.disputed


def claim_preview(*, claims) -> dict[int, list[ClaimTarget]]:
    """{claim id: [ClaimTarget]} for pending ``claims``: the invoices confirming it would pay, oldest due first (the
    order ``services.confirm_payment_claim`` allocates in), each flagged when a write-off is proposed on it or it
    is in an open dispute (about it or the whole account). Three queries for any number of claims."""
    claims = [c for c in claims if c.status == "pending"]
    accounts = {c.distributor_id for c in claims}
    if not accounts:
        return {}
    invoices: dict[int, list[Invoice]] = defaultdict(list)
    for inv in Invoice.objects.filter(distributor__in=accounts, open_amount__gt=0).order_by(
        "due_date", "issue_date", "number"
    ):
        invoices[inv.distributor_id].append(inv)
    proposed = set(
        WriteOff.objects.filter(invoice__distributor__in=accounts, status=WriteOffStatus.PROPOSED).values_list(
            "invoice_id", flat=True
        )
    )
    disputed_invoices, disputed_accounts = set(), set()
    for account, invoice in CollectionActivity.objects.filter(
        distributor__in=accounts, kind=ActivityKind.DISPUTE, resolved_on__isnull=True
    ).values_list("distributor_id", "invoice_id"):
        (disputed_invoices.add(invoice) if invoice else disputed_accounts.add(account))
    result = {}
    for claim in claims:
        left, targets = claim.amount, []
        for inv in invoices[claim.distributor_id]:
            if left <= 0 or inv.currency != DEFAULT_CURRENCY:
                continue
            take = min(left, inv.open_amount)
            left -= take
            targets.append(
                ClaimTarget(
                    inv,
                    take,
                    write_off_proposed=inv.pk in proposed,
                    disputed=inv.pk in disputed_invoices or inv.distributor_id in disputed_accounts,
                )
            )
        result[claim.pk] = targets
    return result


def invoice_list(*, for_user: User) -> QuerySet[Invoice]:
    return Invoice.objects.visible_to(for_user).select_related("distributor__owner")


def payment_list(*, for_user: User) -> QuerySet[Payment]:
    return (
        Payment.objects.visible_to(for_user)
        .select_related("distributor", "reverses")
        .prefetch_related("allocations__invoice")
    )


class DaysBetween(Func):
    """Whole days from the date expression to ``as_of`` (as_of − date), on PostgreSQL and SQLite."""

    output_field = IntegerField()

    def __init__(self, expression, as_of: date):
        super().__init__(expression)
        self.as_of = as_of

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(%s::date - {sql})", [self.as_of.isoformat(), *params]

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(julianday(%s) - julianday({sql}) AS INTEGER)", [self.as_of.isoformat(), *params]


class PromiseState:
    """Outcome of a promise to pay: running until its date, then kept, partly kept or broken."""

    ACTIVE = "active"
    KEPT = "kept"
    PARTLY_KEPT = "partly_kept"
    BROKEN = "broken"
    NOT_KEPT = (PARTLY_KEPT, BROKEN)
    LABELS = {
        ACTIVE: gettext_lazy("Running"),
        KEPT: gettext_lazy("Kept"),
        PARTLY_KEPT: gettext_lazy("Partly kept"),
        BROKEN: gettext_lazy("Broken"),
    }


def promise_payments(on: date | None = None) -> Subquery:
    """Σ payments of the promise's account from the day of the promise until the promised date (and until ``on``
    when given), less reversals in that time — for a promise row."""
    paid = Payment.objects.filter(
        distributor=OuterRef("distributor"),
        paid_on__gte=OuterRef("occurred_on"),
        paid_on__lte=OuterRef("promised_on"),
    )
    if on is not None:
        paid = paid.filter(paid_on__lte=on)
    paid = paid.order_by().values("distributor").annotate(total=Sum("amount")).values("total")
    return Coalesce(Subquery(paid, output_field=MONEY_FIELD), Value(ZERO))


def promises(*, on: date) -> QuerySet[CollectionActivity]:
    """Promises to pay, annotated with ``paid`` (what arrived from the promise until its date, as known on ``on``)
    and ``state`` on ``on``: kept once the promised amount has arrived; after the promised date partly kept (some
    arrived) or broken (nothing did); active until then."""
    return (
        CollectionActivity.objects.filter(kind=ActivityKind.PROMISE)
        .annotate(paid=promise_payments(on))
        .annotate(
            state=Case(
                When(paid__gte=F("promised_amount"), then=Value(PromiseState.KEPT)),
                When(promised_on__lt=on, paid__gt=0, then=Value(PromiseState.PARTLY_KEPT)),
                When(promised_on__lt=on, then=Value(PromiseState.BROKEN)),
                default=Value(PromiseState.ACTIVE),
            )
        )
    )


def broken_promises(*, on: date) -> QuerySet[CollectionActivity]:
    """Promises whose date has passed without the whole promised amount (broken or partly kept)."""
    return promises(on=on).filter(state__in=PromiseState.NOT_KEPT)


def promise_ledger(*, for_user: User, on: date | None = None) -> QuerySet[CollectionActivity]:
    """Every promise to pay in ``for_user``'s scope with its outcome on ``on`` (today): ``paid``, ``state`` and the
    linked invoices; newest first. The account's receivables page, the worklist and ``/api/promises/`` read it."""
    return (
        promises(on=on or _today())
        .filter(money_scope(for_user))
        .select_related("distributor", "by", "invoice", "escalation_task")
        .prefetch_related("promise_invoices")
        .order_by("-occurred_on", "-pk")
    )


RELIABILITY_WINDOW_DAYS = 365


def promise_reliability(distributor_ids, *, as_of: date | None = None) -> dict[int, Decimal | None]:
    """{distributor id: promise reliability on ``as_of`` (today)} for every id in ``distributor_ids``.

    Reliability = promises kept ÷ promises made, over the promises whose date fell in the 12 months (365 days)
    before ``as_of`` — their outcome is final (a running promise is neither kept nor broken yet, so it is left
    out). "Kept" means the whole promised amount arrived by the promised date; a partly kept promise is not
    kept. A Decimal with 4 places (0.7500 = 75 %); None when no promise fell due in the window. One query. The
    caller has checked scope.
    """
    as_of = as_of or _today()
    ids = [int(pk) for pk in distributor_ids]
    result: dict[int, Decimal | None] = dict.fromkeys(ids)
    if not ids:
        return result
    rows = (
        promises(on=as_of)
        .filter(
            distributor__in=ids,
            promised_on__lt=as_of,
            promised_on__gte=as_of - timedelta(days=RELIABILITY_WINDOW_DAYS),
        )
        .order_by()
        .values("distributor")
        .annotate(made=Count("pk"), kept=Count("pk", filter=Q(state=PromiseState.KEPT)))
    )
    for row in rows:
        result[row["distributor"]] = rate(Decimal(row["kept"]), Decimal(row["made"]))
    return result


@dataclass
class WorklistRow:
    distributor: Distributor
    overdue_amount: Decimal
    open_amount: Decimal
    oldest_due: date | None
    days_overdue: int
    score: Decimal
    overdue_invoices: int
    last_activity: CollectionActivity | None = None
    broken_promise: CollectionActivity | None = None
    active_promise: CollectionActivity | None = None
    open_dispute: bool = False
    open_tasks: int = 0
    invoices: list = field(default_factory=list)
    promise_reliability: Decimal | None = None


# The worklist's sorts, over the figures of each account's open invoices (ties broken by the account's code).
WORKLIST_SORTS = {
    "score": ("-score", "-overdue_amount", "code"),
    "overdue": ("-overdue_amount", "code"),
    "days": (F("oldest_due").asc(nulls_last=True), "code"),
    "open": ("-open_total", "code"),
    "code": ("code",),
    "name": (Subquery(Distributor.objects.filter(pk=OuterRef("distributor")).values("name")).asc(), "code"),
}
# The same sorts over the accounts' rows of ``OpenSummary`` (the fast path of ``worklist``).
SUMMARY_SORTS = {
    "score": ("-score", "-overdue_amount", "distributor__code"),
    "overdue": ("-overdue_amount", "distributor__code"),
    "days": (F("oldest_due").asc(nulls_last=True), "distributor__code"),
    "open": ("-open_amount", "distributor__code"),
    "code": ("distributor__code",),
    "name": ("distributor__name", "distributor__code"),
}
WORKLIST_FILTERS = ("region", "team", "rep", "bucket", "promise", "dispute", "hold")


@dataclass
class WorklistQuery:
    """The worklist's filters and sort (page and API alike); empty means "all". ``errors`` holds bad values."""

    region: int | None = None
    team: int | None = None
    rep: int | None = None
    bucket: str = ""  # a key of the standard buckets with money past due: 1_30, 31_60 … over_180
    promise: str = ""  # active, broken (not kept), none
    dispute: str = ""  # yes, no
    hold: str = ""  # hold, warn (any rule warning or hold), none
    sort: str = "score"
    errors: dict = field(default_factory=dict)

    def as_query_string(self) -> str:
        """The filters and sort as a URL query string (what a saved view keeps)."""
        values = {name: getattr(self, name) for name in (*WORKLIST_FILTERS, "sort")}
        return urlencode(
            {k: v for k, v in values.items() if v not in (None, "") and not (k == "sort" and v == "score")}
        )

    @classmethod
    def from_params(cls, params) -> "WorklistQuery":
        query, errors = cls(), {}
        for name in ("region", "team", "rep"):
            raw = (params.get(name) or "").strip()
            if raw:
                if raw.isdigit() and len(raw) < 10:
                    setattr(query, name, int(raw))
                else:
                    errors[name] = [_("Choose from the list.")]
        choices = {
            "bucket": [b.key for b in buckets_for() if b.low is not None],
            "promise": ["active", "broken", "none"],
            "dispute": ["yes", "no"],
            "hold": ["hold", "warn", "none"],
            "sort": list(WORKLIST_SORTS),
        }
        for name, allowed in choices.items():
            raw = (params.get(name) or "").strip()
            if raw:
                if raw in allowed:
                    setattr(query, name, raw)
                else:
                    errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}]
        query.errors = errors
        return query


def _hold_q(on: date, *, warn_too: bool) -> Q:
    """Accounts the credit rules hold (or warn about) on ``on``, as SQL: a hold by hand, or an overdue-money rule
    of the account's tier whose bucket holds money (above its share of the balance) and no release by hand.
    The same rules as ``holds.credit_state`` (which also looks at credit limits: not part of this filter)."""
    manual = CreditHold.objects.filter(distributor=OuterRef("pk"), ended_at__isnull=True)
    q = Q(Exists(manual.filter(kind=CreditHoldKind.HOLD)))
    open_total = Subquery(
        Invoice.objects.filter(distributor=OuterRef("pk"), open_amount__gt=0)
        .order_by()
        .values("distributor")
        .annotate(v=Sum("open_amount"))
        .values("v"),
        output_field=MONEY_FIELD,
    )
    rules_q = Q(pk__in=[])
    actions = (HoldAction.HOLD, HoldAction.WARN) if warn_too else (HoldAction.HOLD,)
    for rule in CreditHoldRule.objects.filter(is_active=True, condition=RuleCondition.OVERDUE, action__in=actions):
        in_range = Q(due_date__lt=on - timedelta(days=rule.over_days))
        if rule.up_to_days is not None:
            in_range &= Q(due_date__gte=on - timedelta(days=rule.up_to_days))
        bucket = Invoice.objects.filter(in_range, distributor=OuterRef("pk"), open_amount__gt=0).order_by()
        if rule.min_share is None:
            hit = Q(Exists(bucket))
        else:
            amount = Subquery(
                bucket.values("distributor").annotate(v=Sum("open_amount")).values("v"), output_field=MONEY_FIELD
            )
            hit = Q(Exists(bucket)) & Q(
                pk__in=Distributor.objects.annotate(_amount=amount, _total=open_total)
                .filter(_amount__gt=F("_total") * rule.min_share)
                .values("pk")
            )
        if rule.tier:
            hit &= Q(tier=rule.tier)
        rules_q |= hit
    released = Exists(manual.filter(kind=CreditHoldKind.RELEASE, until__gte=on))
    q |= rules_q & ~Q(released)
    if warn_too:
        q |= Q(released)  # released by hand: a warning
    return q


class Worklist(Sequence):
    """The worklist's accounts in order, paged lazily (Django's and DRF's paginators page it like a queryset):
    ``ranked`` is one grouped read of the accounts' open invoices, sorted and counted in the database; a page reads
    its accounts (owner included) by id, each annotated with the figures ``overdue_amount``, ``score``,
    ``oldest_due``, ``overdue_invoices`` and ``open_total``."""

    ordered = True
    FIGURES = ("overdue_amount", "score", "oldest_due", "overdue_invoices", "open_total")

    def __init__(self, ranked: QuerySet):
        self.ranked = ranked

    def count(self) -> int:
        return self.ranked.count()

    def __len__(self) -> int:
        return self.count()

    def _page(self, rows: list[dict]) -> list[Distributor]:
        found = Distributor.objects.select_related("owner").in_bulk([row["distributor"] for row in rows])
        page = []
        for row in rows:
            distributor = found[row["distributor"]]
            for name in self.FIGURES:
                setattr(distributor, name, row[name])
            page.append(distributor)
        return page

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._page(list(self.ranked[index]))
        return self._page([self.ranked[index]])[0]

    def __iter__(self):
        return iter(self._page(list(self.ranked)))


def worklist(*, for_user: User, on: date | None = None, query: WorklistQuery | None = None) -> Worklist:
    """Accounts to chase on ``on``: money past due or a broken promise, biggest amount × days overdue first (or
    ``query.sort``), narrowed by ``query``'s filters (region, team, rep, bucket, promise, dispute, hold).

    Each account's figures: overdue_amount, open_total, oldest_due, score (Σ open × days overdue) and
    overdue_invoices. When every account's ``OpenSummary`` row is of ``on`` (``receivables.summary``: kept by the
    money writers, recomputed nightly) the ranking is an index-ordered read of those rows; otherwise one grouped
    read of the open invoices (the partial index ``invoice_open_due`` carries every column it reads). Both are
    sorted and paged in the database; an account whose only reason is a broken promise is there with its open
    invoices (nothing past due).
    """
    on = on or _today()
    query = query or WorklistQuery()
    accounts = distributors_with_money_visible_to(for_user)
    if query.region:
        accounts = accounts.filter(owner__team__region_id=query.region)
    if query.team:
        accounts = accounts.filter(owner__team_id=query.team)
    if query.rep:
        accounts = accounts.filter(owner_id=query.rep)
    if query.bucket:
        bucket = next(b for b in buckets_for() if b.key == query.bucket)
        in_bucket = Invoice.objects.filter(bucket.q(on), distributor=OuterRef("pk"), open_amount__gt=0)
        accounts = accounts.filter(Exists(in_bucket))
    later_promise = CollectionActivity.objects.filter(
        distributor=OuterRef("distributor"), kind=ActivityKind.PROMISE, occurred_on__gt=OuterRef("occurred_on")
    )
    broken = broken_promises(on=on).exclude(Exists(later_promise)).values("distributor")
    if query.promise == "broken":
        accounts = accounts.filter(pk__in=broken)
    elif query.promise in ("active", "none"):
        running = promises(on=on).filter(distributor=OuterRef("pk"), state=PromiseState.ACTIVE)
        accounts = accounts.filter(Exists(running)) if query.promise == "active" else accounts.exclude(Exists(running))
    if query.dispute:
        open_dispute = CollectionActivity.objects.filter(
            distributor=OuterRef("pk"), kind=ActivityKind.DISPUTE, resolved_on__isnull=True
        )
        accounts = (
            accounts.filter(Exists(open_dispute)) if query.dispute == "yes" else accounts.exclude(Exists(open_dispute))
        )
    if query.hold == "hold":
        accounts = accounts.filter(_hold_q(on, warn_too=False))
    elif query.hold == "warn":
        accounts = accounts.filter(_hold_q(on, warn_too=True))
    elif query.hold == "none":
        accounts = accounts.exclude(_hold_q(on, warn_too=True))

    if not summary.stale(on=on):
        # Every account's row is of this day: the page is an index-ordered read of the rows (receivables.summary).
        rows = OpenSummary.objects.filter(open_invoices__gt=0).filter(
            Q(overdue_invoices__gt=0) | Q(distributor__in=broken)
        )
        if accounts.query.has_filters():  # not for those who see every account: no semi-join to plan around
            rows = rows.filter(distributor__in=accounts.values("pk"))
        ranked = (
            rows.annotate(open_total=F("open_amount"))
            .values("distributor", "overdue_amount", "score", "oldest_due", "overdue_invoices", "open_total")
            .order_by(*SUMMARY_SORTS.get(query.sort, SUMMARY_SORTS["score"]))
        )
        return Worklist(ranked)
    late = Q(due_date__lt=on)
    ranked = (
        Invoice.objects.filter(open_amount__gt=0, distributor__in=accounts.values("pk"))
        .order_by()
        .values("distributor")
        .annotate(
            overdue_amount=Coalesce(Sum("open_amount", filter=late), Value(ZERO)),
            score=Coalesce(
                Sum(
                    ExpressionWrapper(F("open_amount") * DaysBetween("due_date", on), output_field=MONEY_FIELD),
                    filter=late,
                ),
                Value(ZERO),
            ),
            oldest_due=Min("due_date", filter=late),
            overdue_invoices=Count("due_date", filter=late),  # not "pk": the index has no id
            open_total=Sum("open_amount"),
        )
        .filter(Q(overdue_invoices__gt=0) | Q(distributor__in=broken))
        .annotate(code=Subquery(Distributor.objects.filter(pk=OuterRef("distributor")).values("code")))
        .order_by(*WORKLIST_SORTS.get(query.sort, WORKLIST_SORTS["score"]))
    )
    return Worklist(ranked)


def worklist_rows(*, distributors: list[Distributor], on: date | None = None) -> list[WorklistRow]:
    """Rows for one page of :func:`worklist`: adds the last activity, promises, reliability, disputes, tasks."""
    on = on or _today()
    pks = [d.pk for d in distributors]
    last = {}
    for activity in (
        CollectionActivity.objects.filter(distributor__in=pks)
        .select_related("by")
        .order_by("distributor", "-occurred_on", "-pk")
    ):
        last.setdefault(activity.distributor_id, activity)
    broken, active = {}, {}
    for promise in promises(on=on).filter(distributor__in=pks).order_by("distributor", "-occurred_on", "-pk"):
        if promise.distributor_id in broken or promise.distributor_id in active:
            continue  # only the newest promise of an account counts
        if promise.state in PromiseState.NOT_KEPT:
            broken[promise.distributor_id] = promise
        elif promise.state == PromiseState.ACTIVE:
            active[promise.distributor_id] = promise
    disputes = set(
        CollectionActivity.objects.filter(
            distributor__in=pks, kind=ActivityKind.DISPUTE, resolved_on__isnull=True
        ).values_list("distributor_id", flat=True)
    )
    tasks = dict(
        CollectionTask.objects.filter(distributor__in=pks, status=TaskStatus.OPEN)
        .values("distributor")
        .annotate(n=Count("pk"))
        .values_list("distributor", "n")
    )
    reliability = promise_reliability(pks, as_of=on)
    rows = []
    for d in distributors:
        rows.append(
            WorklistRow(
                distributor=d,
                overdue_amount=cents(d.overdue_amount),
                open_amount=cents(d.open_total),
                oldest_due=d.oldest_due,
                days_overdue=(on - d.oldest_due).days if d.oldest_due else 0,
                score=cents(d.score),
                overdue_invoices=d.overdue_invoices,
                last_activity=last.get(d.pk),
                broken_promise=broken.get(d.pk),
                active_promise=active.get(d.pk),
                open_dispute=d.pk in disputes,
                open_tasks=tasks.get(d.pk, 0),
                promise_reliability=reliability[d.pk],
            )
        )
    return rows


def open_collection_tasks(*, rep: User, on_or_before: date | None = None) -> QuerySet[CollectionTask]:
    """A rep's open "visit to collect" tasks (for the rep's overdue list and day plan in the visits app)."""
    tasks = CollectionTask.objects.filter(assigned_to=rep, status=TaskStatus.OPEN).select_related("distributor")
    if on_or_before is not None:
        tasks = tasks.filter(due_on__lte=on_or_before)
    return tasks


def account_summary(*, distributor: Distributor, on: date | None = None) -> dict:
    """Figures for an account's receivables page: open, overdue, unapplied credit, last payment (the credit state
    is ``holds.credit_state``'s)."""
    on = on or _today()
    open_invoices = Invoice.objects.filter(distributor=distributor, open_amount__gt=0)
    figures = open_invoices.aggregate(
        open=Sum("open_amount"), overdue=Sum("open_amount", filter=Q(due_date__lt=on)), oldest=Min("due_date")
    )
    last_payment = Payment.objects.filter(distributor=distributor, reverses__isnull=True).aggregate(d=Max("paid_on"))
    unapplied = _unapplied(None, Distributor.objects.filter(pk=distributor.pk), None, on).get("", ZERO)
    return {
        "open": cents(figures["open"]),
        "overdue": cents(figures["overdue"]),
        "unapplied": cents(unapplied),
        "balance": cents(figures["open"]) - cents(unapplied),
        "oldest_due": figures["oldest"],
        "last_payment_on": last_payment["d"],
    }
