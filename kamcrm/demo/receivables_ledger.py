"""Demo receivables for ``manage.py seed_demo``: a year of invoices and payments of the demo customers, with a
believable spread of prompt and late payers, partial payments, a bounced acceptance bill, credit notes,
promises to pay (kept, active and broken), disputes and one bad debt waiting for a write-off decision.

Runs after ``accounts_org`` and ``distributors_cards`` (and ``reports_visits`` when present). Every
choice comes from a random stream keyed by the record's natural key (``random.Random("2026:<key>")``), so what an
invoice or a payment looks like never depends on the day the seed runs; a run on a later day adds what has become
due since (new months' invoices, payments whose date has now passed) and leaves the rest alone. Everything
goes through ``receivables.services`` (so open amounts, allocations and the audit trail are real), and each
record is looked up by its natural key first, so running the seed again writes nothing.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from distributors.cards.models import Status, Tier
from distributors.models import Distributor
from kamcrm.money import cents
from receivables import defaults, holds, reminders, services
from receivables.models import CollectionActivity, CreditHold, CreditNote, Invoice, Payment, SavedWorklistView, WriteOff

SEED = 2026
MONTHS = 12
# profile: (share of accounts, days late (low, high), share of an invoice paid at first (low, high))
PROFILES = {
    "prompt": ((-5, 3), (1.0, 1.0)),
    "steady": ((0, 20), (1.0, 1.0)),
    "late": ((15, 75), (0.5, 1.0)),
    "very_late": ((60, 150), (0.3, 0.8)),
}
AMOUNTS = {Tier.A: (60_000, 320_000), Tier.B: (15_000, 90_000), Tier.C: (3_000, 30_000)}
BAD_PAYER_INDEX = 3  # the fourth customer of the list stopped paying eight months ago: the bad-debt review
NOTES = {
    "call": ["财务说月底前安排付款", "Finance says the transfer is in the approval queue", "老板出差，下周再联系"],
    "visit": ["上门对账，确认欠款金额无误", "Visited with the statement; they agree the balance"],
    "email": ["Sent the statement of account by e-mail", "已发送对账单，请对方确认"],
}


def _rng(*key) -> random.Random:
    return random.Random(":".join(str(k) for k in (SEED, *key)))


def _profile(card: Distributor, index: int) -> str:
    if card.status == Status.UNQUALIFIED:
        return _rng("profile", card.code).choice(["late", "very_late"])
    return _rng("profile", card.code).choices(list(PROFILES), weights=[35, 35, 20, 10])[0]


def _months(today: date) -> list[date]:
    first = today.replace(day=1)
    months = []
    for back in range(MONTHS - 1, -1, -1):
        year, month = first.year, first.month - back
        while month < 1:
            year, month = year - 1, month + 12
        months.append(date(year, month, 1))
    return months


def _customers() -> list[Distributor]:
    existing = (Status.KEY, Status.QUALIFIED, Status.UNQUALIFIED)
    return list(Distributor.objects.filter(status__in=existing).select_related("owner").order_by("code"))


def _invoice(card: Distributor, number: str, issue: date, amount: Decimal, finance: User) -> Invoice:
    found = Invoice.objects.filter(number=number).first()
    if found is not None:
        return found
    rng = _rng("refs", number)
    return services.record_invoice(
        distributor=card,
        number=number,
        issue_date=issue,
        amount=amount,
        order_refs=f"ERP-SO-{issue:%y%m}{rng.randint(1000, 9999)}",
        by=finance,
    )


def _pay(invoice: Invoice, reference: str, amount: Decimal, paid_on: date, method: str, finance: User) -> Payment:
    found = Payment.objects.filter(distributor=invoice.distributor, reference=reference).first()
    if found is not None:
        return found
    invoice.refresh_from_db()
    amount = min(amount, invoice.open_amount)
    if amount <= 0:
        return None
    return services.record_payment(
        distributor=invoice.distributor,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
        allocations=[(invoice, amount)],
        by=finance,
    )


def _activity(card: Distributor, by: User, kind: str, day: date, **fields) -> None:
    # One of each kind per account from the demo, whatever the day the seed runs again.
    if CollectionActivity.objects.filter(distributor=card, kind=kind).exists():
        return
    services.log_collection_activity(distributor=card, kind=kind, occurred_on=day, by=by, **fields)


def _past_promise(card: Distributor, by: User, day: date, **fields) -> None:
    # History: a promise whose date has already passed (the service takes promises only for today or later).
    if CollectionActivity.objects.filter(distributor=card, kind="promise").exists():
        return
    CollectionActivity.objects.create(distributor=card, kind="promise", occurred_on=day, by=by, **fields)


def _seed_account(card: Distributor, index: int, today: date, finance: User) -> list[Invoice]:
    profile = "bad" if index == BAD_PAYER_INDEX else _profile(card, index)
    late, paid_share = PROFILES.get(profile, ((400, 500), (0.0, 0.0)))
    low, high = AMOUNTS[card.tier]
    invoices = []
    for month in _months(today):
        rng = _rng("month", card.code, month)
        for n in range(1, rng.choice([1, 1, 1, 2]) + 1):
            issue = month + timedelta(days=rng.randint(0, 27))
            if issue > today:
                continue
            amount = cents(rng.randint(low, high) + rng.randint(0, 99) / 100)
            invoice = _invoice(card, f"{card.code}-{month:%y%m}-{n}", issue, amount, finance)
            invoices.append(invoice)
            if profile == "bad" and issue > today - timedelta(days=240):
                continue  # stopped paying eight months ago
            pay = _rng("pay", invoice.number)
            method = pay.choices(["bank_transfer", "acceptance_bill", "cheque", "cash"], weights=[70, 20, 7, 3])[0]
            first_on = invoice.due_date + timedelta(days=pay.randint(*late))
            share = Decimal(str(round(pay.uniform(*paid_share), 2)))
            first = cents(invoice.amount * share)
            if first_on <= today and first > 0:
                _pay(invoice, f"{invoice.number}-P1", first, max(first_on, issue), method, finance)
            rest_on = first_on + timedelta(days=pay.randint(20, 60))
            if first < invoice.amount and rest_on <= today and pay.random() < 0.85:
                _pay(invoice, f"{invoice.number}-P2", invoice.amount - first, rest_on, method, finance)
    return invoices


def _seed_stories(cards: list[Distributor], today: date, finance: User) -> None:
    """The cases finance works through in the demo: returns, a bounced bill, credit, promises, disputes, bad debt."""
    # Goods returned: a credit note on a recent invoice of a few accounts.
    for card in cards[1:12:5]:
        invoice = Invoice.objects.filter(distributor=card, open_amount__gt=0).order_by("-issue_date").first()
        number = f"CN-{card.code}-01"
        if invoice and not CreditNote.objects.filter(number=number).exists():
            amount = min(cents(invoice.open_amount / 10), invoice.open_amount)
            services.record_credit_note(
                distributor=card,
                number=number,
                issue_date=min(today, invoice.issue_date + timedelta(days=7)),
                amount=amount,
                invoice=invoice,
                reason="退货：包装破损 Returned: damaged packaging",
                by=finance,
            )
    # An acceptance bill that bounced, reversed two weeks later; and money paid in advance (unallocated credit).
    bounced = Payment.objects.filter(
        method="acceptance_bill", reverses__isnull=True, paid_on__lt=today - timedelta(days=30)
    )
    bounced = bounced.filter(distributor__in=cards).order_by("paid_on", "pk").first()
    if bounced is not None and not Payment.objects.filter(reverses__distributor=bounced.distributor).exists():
        services.reverse_payment(
            payment=bounced,
            reason="承兑汇票被拒付 Acceptance bill dishonoured by the bank",
            reversed_on=bounced.paid_on + timedelta(days=14),
            by=finance,
        )
    prepaid = cards[0]
    if not Payment.objects.filter(distributor=prepaid, reference="ADVANCE-01").exists():
        services.record_payment(
            distributor=prepaid,
            amount=Decimal("50000.00"),
            paid_on=today - timedelta(days=3),
            method="bank_transfer",
            reference="ADVANCE-01",
            allocations=[],
            notes="预付款 Advance payment for next month's orders",
            by=finance,
        )
    # Collection work on the accounts with money past due (after the reversal above, so a second run sees the
    # same accounts and writes nothing).
    overdue_accounts = [
        c for c in cards if Invoice.objects.filter(distributor=c, open_amount__gt=0, due_date__lt=today).exists()
    ]
    for index, card in enumerate(overdue_accounts):
        rng = _rng("collect", card.code)
        rep = card.owner
        oldest = Invoice.objects.filter(distributor=card, open_amount__gt=0).order_by("due_date").first()
        _activity(card, finance, "call", today - timedelta(days=rng.randint(8, 20)), note=rng.choice(NOTES["call"]))
        if index % 3 == 0:
            _activity(card, rep, "visit", today - timedelta(days=rng.randint(3, 7)), note=rng.choice(NOTES["visit"]))
        if index % 4 == 1:  # a promise that is still running
            _activity(
                card,
                rep,
                "promise",
                today - timedelta(days=2),
                invoice=oldest,
                promised_on=today + timedelta(days=rng.randint(3, 12)),
                promised_amount=cents(oldest.open_amount),
                note="老板答应下周付清 The owner promised to settle next week",
            )
        if index % 4 == 2:  # a promise whose date passed without payment: the worklist flags it
            _past_promise(
                card,
                finance,
                today - timedelta(days=20),
                promised_on=today - timedelta(days=5),
                promised_amount=cents(oldest.open_amount / 2),
                note="答应先付一半 Promised half first",
            )
        if index % 5 == 3:
            _activity(
                card,
                rep,
                "dispute",
                today - timedelta(days=rng.randint(4, 15)),
                invoice=oldest,
                dispute_reason="数量不符：少发 12 箱 Quantity short by 12 cartons",
                note="等待仓库核对 Waiting for the warehouse to check",
            )
        if index % 7 == 5:
            _activity(card, finance, "extension", today - timedelta(days=6), extended_to=today + timedelta(days=15))
    # The bad debt: finance proposes writing off the oldest doubtful invoice; the regional manager decides.
    doubtful = (
        Invoice.objects.filter(distributor__in=cards, open_amount__gt=0, due_date__lt=today - timedelta(days=181))
        .order_by("due_date")
        .first()
    )
    if doubtful is not None and not WriteOff.objects.filter(invoice=doubtful).exists():
        services.propose_write_off(
            invoice=doubtful, reason="客户已停止经营，多次催收无果 The customer has ceased trading", by=finance
        )


@transaction.atomic
def seed() -> None:
    """Create or complete a year of demo receivables for the demo customers (run the org and cards seeds first)."""
    defaults.ensure()
    today = timezone.localdate()
    finance = User.objects.filter(username="finance").first()
    if finance is None:
        return
    cards = _customers()
    for index, card in enumerate(cards):
        _seed_account(card, index, today, finance)
    services.refresh_doubtful(on=today, by=None)
    _seed_stories(cards, today, finance)
    _seed_finance_desk(cards, today, finance)


def _seed_finance_desk(cards: list[Distributor], today: date, finance: User) -> None:
    """The finance desk (issue 14): promises not kept escalate (next reminder level + a KAM task, once), one
    account held by hand, and finance's saved worklist views. Safe to run again."""
    reminders.escalate_broken_promises(run_date=today)
    held = [c for c in cards if Invoice.objects.filter(distributor=c, open_amount__gt=0, due_date__lt=today).exists()]
    if held and not CreditHold.objects.exists():
        holds.place_hold(
            distributor=held[-1], reason="支票退票，待补款 Cheque bounced; waiting for the money", by=finance
        )
    for name, query in (
        ("Promises not kept · 未兑现承诺", "promise=broken"),
        ("On hold or warned · 停供/预警", "hold=warn&sort=overdue"),
        ("Disputes · 争议", "dispute=yes"),
    ):
        SavedWorklistView.objects.get_or_create(user=finance, name=name, defaults={"query": query})
