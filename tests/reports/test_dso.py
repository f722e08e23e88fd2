"""DSO from the outside: the dashboard (API and page, total and ranking), the aging (API and page, rows and
totals) all show ``receivables.selectors.days_sales_outstanding``, and a naive recomputation over random invoices,
payments and credit notes agrees to 0.1 day."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.models import Distributor
from receivables import services
from receivables.models import Allocation, CreditNote, Invoice

TODAY = timezone.localdate()
D = Decimal


def naive_dso(distributors: list[int], as_of) -> str | None:
    """Open on D (invoices issued by D less every allocation dated by D) ÷ (invoices − credit notes issued in the
    90 days to D) × 90, straight from the rows."""
    invoices = [i for i in Invoice.objects.filter(distributor_id__in=distributors) if i.issue_date <= as_of]
    open_amount = sum(
        (
            i.amount - sum((a.amount for a in Allocation.objects.filter(invoice=i) if a.paid_on <= as_of), D(0))
            for i in invoices
        ),
        D(0),
    )
    first = as_of - timedelta(days=89)
    notes = CreditNote.objects.filter(distributor_id__in=distributors)
    sales = sum((i.amount for i in invoices if i.issue_date >= first), D(0)) - sum(
        (c.amount for c in notes if first <= c.issue_date <= as_of), D(0)
    )
    if sales <= 0:
        return None
    return f"{(open_amount / sales * 90).quantize(D('0.1'), rounding=ROUND_HALF_UP):.1f}"


def _make_history(org, accounts, invoices, payments, credits):
    made = []
    for n, (who, cents, back) in enumerate(invoices):
        made.append(
            services.record_invoice(
                distributor=accounts[who % len(accounts)],
                number=f"H-{n}",
                issue_date=TODAY - timedelta(days=back),
                due_date=TODAY - timedelta(days=back) + timedelta(days=30),
                payment_terms_days=None,
                amount=D(cents) / 100,
                by=org.finance,
            )
        )
    for which, share, later in payments:
        invoice = made[which % len(made)]
        invoice.refresh_from_db()
        amount = (invoice.open_amount * D(share) / 100).quantize(D("0.01"))
        paid_on = min(invoice.issue_date + timedelta(days=later), TODAY)
        if amount > 0:
            services.record_payment(
                distributor=invoice.distributor,
                amount=amount,
                paid_on=paid_on,
                method="bank_transfer",
                reference="",
                allocations=[(invoice, amount)],
                by=org.finance,
            )
    for n, (which, cents, later, applied) in enumerate(credits):
        invoice = made[which % len(made)]
        invoice.refresh_from_db()
        amount = min(D(cents) / 100, invoice.open_amount) if applied else D(cents) / 100
        if amount > 0:
            services.record_credit_note(
                distributor=invoice.distributor,
                number=f"HC-{n}",
                issue_date=min(invoice.issue_date + timedelta(days=later), TODAY),
                amount=amount,
                invoice=invoice if applied else None,
                by=org.finance,
            )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    invoices=st.lists(
        st.tuples(st.integers(0, 3), st.integers(100, 500_000), st.integers(0, 200)), min_size=1, max_size=8
    ),
    payments=st.lists(st.tuples(st.integers(0, 7), st.integers(1, 100), st.integers(0, 120)), max_size=6),
    credits=st.lists(
        st.tuples(st.integers(0, 7), st.integers(100, 100_000), st.integers(0, 60), st.booleans()), max_size=3
    ),
    back=st.integers(0, 150),
)
def test_dso_on_dashboard_and_aging_equals_a_naive_recomputation(
    org, cards, api_for, invoices, payments, credits, back
):
    accounts = [cards.a1, cards.a1_second, cards.a1b, cards.a2]
    as_of = TODAY - timedelta(days=back)
    with transaction.atomic():
        _make_history(org, accounts, invoices, payments, credits)
        team = [d.pk for d in Distributor.objects.filter(owner__team=org.team_a1)]
        region = [d.pk for d in Distributor.objects.filter(owner__team__region=org.region_a)]
        # The dashboard: the team on a day (its end is D) and its reps in the ranking.
        body = api_for(org.kam_a1).get(f"/api/dashboard/?level=team&id={org.team_a1.pk}&period=day&date={as_of}")
        assert body.status_code == 200
        assert body.json()["figures"]["dso"] == naive_dso(team, as_of)
        children = {c["id"]: c["figures"]["dso"] for c in body.json()["children"]}
        assert children[org.rep_a1.pk] == naive_dso([cards.a1.pk, cards.a1_second.pk], as_of)
        assert children[org.rep_a1b.pk] == naive_dso([cards.a1b.pk], as_of)
        # The aging as of D, by rep (the regional manager's scope: region A): each row and the total.
        aging = api_for(org.rm_a).get(f"/api/receivables/aging/?as_of={as_of}&group_by=rep").json()
        assert aging["totals"]["dso"] == naive_dso(region, as_of)
        for row in aging["rows"]:
            owned = list(Distributor.objects.filter(owner_id=row["key"]).values_list("pk", flat=True))
            assert row["dso"] == naive_dso(owned, as_of)
        transaction.set_rollback(True)


@pytest.fixture
def receivable(org, cards):
    """Acme: 9,000 invoiced 60 days ago (3,000 paid), 1,000 credited on it; team A2 owes 500 of 500 invoiced."""
    invoice = services.record_invoice(
        distributor=cards.a1,
        number="D-1",
        issue_date=TODAY - timedelta(days=60),
        due_date=TODAY - timedelta(days=30),
        payment_terms_days=None,
        amount=D("9000.00"),
        by=org.finance,
    )
    services.record_payment(
        distributor=cards.a1,
        amount=D("3000.00"),
        paid_on=TODAY - timedelta(days=10),
        method="bank_transfer",
        reference="",
        allocations=[(invoice, D("3000.00"))],
        by=org.finance,
    )
    services.record_credit_note(
        distributor=cards.a1,
        number="DC-1",
        issue_date=TODAY - timedelta(days=5),
        amount=D("1000.00"),
        invoice=invoice,
        by=org.finance,
    )
    services.record_invoice(
        distributor=cards.a2,
        number="D-2",
        issue_date=TODAY - timedelta(days=20),
        due_date=TODAY + timedelta(days=10),
        payment_terms_days=None,
        amount=D("500.00"),
        by=org.finance,
    )


def test_dso_shows_on_the_dashboard_page_and_the_aging_page(org, receivable, client_for):
    # Acme: 5,000 open ÷ (9,000 − 1,000) × 90 = 56.25 → 56.3; team A2: 500 ÷ 500 × 90 = 90.0.
    page = client_for(org.rm_a).get(f"/dashboard/?level=region&id={org.region_a.pk}&period=month").content.decode()
    assert 'id="dso"' in page and "DSO" in page
    assert f'data-dso="{org.team_a1.pk}">56.3<' in page and f'data-dso="{org.team_a2.pk}">90.0<' in page
    aging = client_for(org.rm_a).get("/receivables/aging/?group_by=team").content.decode()
    assert f'data-dso="{org.team_a1.pk}">56.3<' in aging and f'data-dso="{org.team_a2.pk}">90.0<' in aging
    # The total: 5,500 ÷ 8,500 × 90 = 58.2.
    assert 'id="aging-dso">58.2<' in aging


def test_a_rep_sees_only_their_own_dso_and_another_teams_is_404(org, receivable, api_for):
    mine = api_for(org.rep_a1).get("/api/receivables/aging/?group_by=distributor").json()
    assert mine["totals"]["dso"] == "56.3" and [r["key"] for r in mine["rows"]] == [receivable_pk(org)]
    assert api_for(org.rep_a1).get(f"/api/dashboard/?level=team&id={org.team_a2.pk}").status_code == 404


def receivable_pk(org):
    return Distributor.objects.get(code="A1-001").pk


def test_dso_speaks_chinese(org, receivable, client_for):
    org.rm_a.language = "zh-hans"
    org.rm_a.save(update_fields=["language"])
    page = client_for(org.rm_a).get(f"/dashboard/?level=region&id={org.region_a.pk}&period=month").content.decode()
    assert "应收账款周转天数" in page and "天" in page[page.index('id="dso"') :][:80]
    aging = client_for(org.rm_a).get("/receivables/aging/?group_by=team").content.decode()
    assert "DSO（周转天数）" in aging and 'id="aging-dso">58.2<' in aging
