"""Tiers from measured data: sales, gross-profit %, DSO and overdue share; each change in the card's history by the
system, once; the measured attractiveness as a suggestion the KAM accepts on the portfolio grid or through the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from distributors.models import Distributor
from kamcrm.audit.models import AuditEvent
from receivables import services as money
from reports import tasks
from reports.analytics import tiers
from reports.analytics.rollups import services as rollups
from tests.reports.test_dashboard import _sell

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)
LAST_MONTH_END = MONTH - timedelta(days=1)
D = Decimal


def _invoice(org, card, amount, issued, due, number):
    return money.record_invoice(
        distributor=card,
        number=number,
        issue_date=issued,
        due_date=due,
        payment_terms_days=None,
        amount=D(amount),
        by=org.finance,
    )


@pytest.fixture
def measured(org, cards):
    """Last month Acme and Hangzhou Grocers each sold 6,000, Guangzhou Rivers 1,000 (all at 20 % gross profit).

    Acme's invoice was paid on time; Hangzhou's 6,000 invoice (issued 100 days before the month's end) is long
    overdue. Sales alone made Acme and Hangzhou both A; paying late makes Hangzhou the weaker account.
    """
    _sell(cards.a1, "6000.00", day=LAST_MONTH_END)
    _sell(cards.a2, "6000.00", day=LAST_MONTH_END)
    _sell(cards.b1, "1000.00", day=LAST_MONTH_END)
    paid = _invoice(
        org, cards.a1, "6000.00", LAST_MONTH_END - timedelta(days=20), LAST_MONTH_END + timedelta(days=10), "T-1"
    )
    money.record_payment(
        distributor=cards.a1,
        amount=D("6000.00"),
        paid_on=LAST_MONTH_END - timedelta(days=5),
        method="bank_transfer",
        reference="",
        allocations=[(paid, D("6000.00"))],
        by=org.finance,
    )
    _invoice(org, cards.a2, "6000.00", LAST_MONTH_END - timedelta(days=100), LAST_MONTH_END - timedelta(days=70), "T-2")
    rollups.rebuild()


def _tier(card) -> str:
    return Distributor.objects.get(pk=card.pk).tier


def test_dso_and_overdue_share_move_an_account_down(org, cards, measured):
    """Scores (weights 50/20/15/15): Acme 0.70 → B, Hangzhou 0.475 → C, Guangzhou 0.325 → C."""
    tiers.recompute_tiers(on=TODAY)
    assert (_tier(cards.a1), _tier(cards.a2), _tier(cards.b1)) == ("B", "C", "C")
    assert _tier(cards.a1b) == "C"  # no sales: C


def test_the_weights_are_settings(org, cards, measured, settings):
    settings.TIER_WEIGHTS = {"sales": 100, "gross_profit_pct": 0, "dso": 0, "overdue_share": 0}
    tiers.recompute_tiers(on=TODAY)
    # On sales alone Acme and Hangzhou tie at 0.75: both A.
    assert (_tier(cards.a1), _tier(cards.a2), _tier(cards.b1)) == ("A", "A", "C")


def test_each_change_is_recorded_once_by_the_system_even_when_the_task_runs_twice(
    org, cards, measured, api_for, client_for
):
    Distributor.objects.filter(pk=cards.a2.pk).update(tier="A")
    tasks.recompute_tiers(on=TODAY.isoformat())
    tasks.recompute_tiers(on=TODAY.isoformat())
    events = AuditEvent.objects.for_object(cards.a2).filter(action="tier_recomputed")
    assert events.count() == 1 and events.get().actor is None
    assert events.get().changes["tier"] == ("A", "C")
    history = api_for(org.kam_a2).get(f"/api/distributors/{cards.a2.pk}/history/").json()
    tier_rows = [row for row in history if row["field"] == "tier"]
    assert len(tier_rows) == 1 and tier_rows[0]["by"] is None
    assert (tier_rows[0]["before"], tier_rows[0]["after"]) == ("A", "C")
    page = client_for(org.kam_a2).get(f"/distributors/{cards.a2.pk}/").content.decode()
    assert 'data-by="system">System<' in page


def test_the_kam_accepts_a_suggestion_on_the_portfolio_grid(org, cards, measured, client_for):
    tiers.recompute_tiers(on=TODAY)
    # Hangzhou (medium on its card) measures C → low; Acme measures B → medium, as its card says: no suggestion.
    assert Distributor.objects.get(pk=cards.a2.pk).suggested_attractiveness == "low"
    assert Distributor.objects.get(pk=cards.a1.pk).suggested_attractiveness == ""
    kam = client_for(org.kam_a2)
    grid = kam.get("/distributors/portfolio/").content.decode()
    assert f'data-suggestion="{cards.a2.pk}"' in grid and "Accept" in grid
    response = kam.post(f"/distributors/{cards.a2.pk}/accept-attractiveness/")
    assert response.status_code == 302 and response["Location"].startswith("/distributors/portfolio/")
    card = Distributor.objects.get(pk=cards.a2.pk)
    assert (card.attractiveness, card.suggested_attractiveness) == ("low", "")
    event = AuditEvent.objects.for_object(card).get(action="attractiveness_suggestion_accepted")
    assert event.actor == org.kam_a2 and event.changes["attractiveness"] == ("medium", "low")
    assert f'data-suggestion="{cards.a2.pk}"' not in kam.get("/distributors/portfolio/").content.decode()
    # A second accept has nothing left to accept: a message, nothing changes, no 500.
    again = kam.post(f"/distributors/{cards.a2.pk}/accept-attractiveness/", follow=True)
    assert again.status_code == 200 and "There is no suggestion to accept." in again.content.decode()
    # The next run does not suggest it again (it now agrees).
    tiers.recompute_tiers(on=TODAY)
    assert Distributor.objects.get(pk=cards.a2.pk).suggested_attractiveness == ""


def test_the_grid_speaks_chinese(org, cards, measured, client_for):
    tiers.recompute_tiers(on=TODAY)
    org.kam_a2.language = "zh-hans"
    org.kam_a2.save(update_fields=["language"])
    grid = client_for(org.kam_a2).get("/distributors/portfolio/").content.decode()
    assert f'data-suggestion="{cards.a2.pk}"' in grid and "采纳" in grid and "实测" in grid


def test_the_suggestion_through_the_api_and_its_scope(org, cards, measured, api_for):
    tiers.recompute_tiers(on=TODAY)
    url = f"/api/distributors/{cards.a2.pk}/accept-attractiveness/"
    assert api_for(org.kam_a2).get(f"/api/distributors/{cards.a2.pk}/").json()["suggested_attractiveness"] == "low"
    # Another team's rep and KAM: 404, as for a card that does not exist; nothing changes.
    for outsider in (org.rep_b1, org.kam_b1, org.kam_a1, org.rep_a1):
        assert api_for(outsider).post(url).status_code == 404, outsider
    assert api_for(org.kam_a2).post("/api/distributors/999999/accept-attractiveness/").status_code == 404
    # Finance sees the card but does not edit cards: 403.
    assert api_for(org.finance).post(url).status_code == 403
    assert Distributor.objects.get(pk=cards.a2.pk).attractiveness == "medium"
    response = api_for(org.kam_a2).post(url)
    assert response.status_code == 200
    assert (response.json()["attractiveness"], response.json()["suggested_attractiveness"]) == ("low", "")
    again = api_for(org.kam_a2).post(url)
    assert again.status_code == 400 and "suggested_attractiveness" in again.json()


def test_the_page_accept_is_scoped(org, cards, measured, client_for):
    tiers.recompute_tiers(on=TODAY)
    assert client_for(org.rep_b1).post(f"/distributors/{cards.a2.pk}/accept-attractiveness/").status_code == 404
    assert client_for(org.kam_a2).get(f"/distributors/{cards.a2.pk}/accept-attractiveness/").status_code == 405
    assert Distributor.objects.get(pk=cards.a2.pk).attractiveness == "medium"
