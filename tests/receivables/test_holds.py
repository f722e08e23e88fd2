"""Credit holds by aging bucket: the admin's rules at their edges, per tier and by share of the balance; holds and
releases by hand (audited); the hold lifts by itself when the money arrives; orders refused with the reason and
the amount to pay; the banner on the card and the visit form; the API in scope."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import Notification
from kamcrm.audit.models import AuditEvent
from receivables import holds
from receivables.models import CreditHold, CreditHoldRule
from reports.models import Order
from tests import factories as f


@pytest.fixture(autouse=True)
def credit_limits(cards):
    """Limits high enough that only the aging rules speak (a limit of 0 means no credit at all)."""
    from distributors.models import Distributor

    Distributor.objects.update(credit_limit=D("1000000.00"))


@pytest.fixture
def rule(org, api_for):
    """rule(**fields): the admin replaces the rules with this one, through the API."""

    def make(**fields):
        CreditHoldRule.objects.update(is_active=False)
        body = {"name": "rule", "over_days": 60, "action": "hold", **fields}
        response = api_for(org.admin).post("/api/credit-hold-rules/", body, format="json")
        assert response.status_code == 201, response.json()
        return CreditHoldRule.objects.get(pk=response.json()["id"])

    return make


@pytest.fixture
def order_for(org, api_for):
    product = f.ProductFactory(unit_price=D("10.00"))

    def post(distributor, *, by=None, quantity="1"):
        return api_for(by or org.rep_a1).post(
            "/api/orders/",
            {
                "distributor": distributor.pk,
                "rep": distributor.owner_id,
                "order_date": timezone.localdate().isoformat(),
                "lines": [{"product": product.pk, "quantity": quantity}],
            },
            format="json",
        )

    return post


def _state(api, distributor) -> dict:
    return api.get("/api/receivables/credit-check/", {"distributor": distributor.pk}).json()


@pytest.mark.parametrize(("days", "held"), [(59, False), (60, False), (61, True), (400, True)])
def test_more_than_60_days_holds_new_orders_from_day_61(org, cards, money, day, rule, order_for, api_for, days, held):
    rule(over_days=60, action="hold")
    money.invoice(cards.a1, D("250.00"), day(-days - 30), due=day(-days))
    money.invoice(cards.a1, D("100.00"), day(-5))  # not due: never part of the hold
    state = _state(api_for(org.rep_a1), cards.a1)
    assert (state["state"], state["blocks"]) == (("hold", True) if held else ("ok", False))
    response = order_for(cards.a1)
    if held:
        assert response.status_code == 400 and state["amount_to_pay"] == "250.00"
        assert "250.00" in str(response.json()) and "more than 60 days past due" in str(response.json())
        assert not Order.objects.exists()
    else:
        assert response.status_code == 201, response.json()


def test_a_warn_rule_lets_the_order_through_with_its_warning(org, cards, money, day, rule, order_for):
    rule(over_days=60, action="warn")
    money.invoice(cards.a1, D("250.00"), day(-100), due=day(-61))
    response = order_for(cards.a1)
    assert response.status_code == 201 and Order.objects.count() == 1


@pytest.mark.parametrize(
    ("old", "state", "to_pay"),
    [("150.00", "ok", "0.00"), ("200.00", "ok", "0.00"), ("250.00", "hold", "62.50"), ("800.00", "hold", "750.00")],
)
def test_over_90_days_and_above_a_share_of_the_balance(org, cards, money, day, rule, api_for, old, state, to_pay):
    """1,000 owed in all; the rule holds when money over 90 days is above 20 % of it. Paying x (oldest first)
    leaves (old − x) ÷ (1,000 − x): at most 20 % once x ≥ (old − 200) ÷ 0.8."""
    rule(over_days=90, min_share="0.2")
    money.invoice(cards.a1, D(old), day(-200), due=day(-91))
    money.invoice(cards.a1, D("1000.00") - D(old), day(-10))
    got = _state(api_for(org.finance), cards.a1)
    assert (got["state"], got["amount_to_pay"]) == (state, to_pay)
    if state == "hold":  # paying exactly that much releases the account
        [oldest] = cards.a1.invoices.filter(due_date=day(-91))
        money.pay(cards.a1, D(to_pay), day(0), allocations=[(oldest, D(to_pay))])
        assert _state(api_for(org.finance), cards.a1)["state"] == "ok"


def test_a_rule_for_one_tier_leaves_the_others_alone(org, cards, money, day, rule, api_for):
    type(cards.a1).objects.filter(pk=cards.a1.pk).update(tier="A")
    type(cards.a1).objects.filter(pk=cards.a2.pk).update(tier="C")
    rule(tier="A", over_days=30)
    for card in (cards.a1, cards.a2):
        money.invoice(card, D("10.00"), day(-70), due=day(-40))
    states = holds.credit_state([cards.a1.pk, cards.a2.pk])
    assert (states[cards.a1.pk].state, states[cards.a2.pk].state) == ("hold", "ok")


def test_rules_may_not_overlap_and_only_the_admin_writes_them(org, api_for):
    admin = api_for(org.admin)
    CreditHoldRule.objects.update(is_active=False)
    assert (
        admin.post("/api/credit-hold-rules/", {"name": "61-90", "over_days": 60, "up_to_days": 90, "action": "warn"})
    ).status_code == 201
    cases = [
        {"name": "over 80", "over_days": 80, "action": "hold"},  # 81–90 overlaps 61–90
        {"name": "all tiers 0-61", "over_days": 0, "up_to_days": 61, "action": "warn"},
        {"name": "A 70-", "tier": "A", "over_days": 70, "action": "hold"},  # overlaps the all-tier rule
        {"name": "down", "over_days": 120, "up_to_days": 100, "action": "hold"},
        {"name": "share", "over_days": 120, "min_share": "1.5", "action": "hold"},
    ]
    for body in cases:
        response = admin.post("/api/credit-hold-rules/", body, format="json")
        assert response.status_code == 400, (body, response.json())
    assert admin.post("/api/credit-hold-rules/", {"name": "90+", "over_days": 90, "action": "hold"}).status_code == 201
    assert CreditHoldRule.objects.filter(is_active=True).count() == 2
    assert api_for(org.finance).post("/api/credit-hold-rules/", {"name": "x", "over_days": 400}).status_code == 403
    assert api_for(org.rep_a1).get("/api/credit-hold-rules/").status_code == 200


def test_finance_holds_and_releases_by_hand_with_a_reason_audited_and_in_scope(
    org, cards, money, day, rule, api_for, order_for
):
    rule(over_days=60, action="hold")
    finance = api_for(org.finance_a)
    held = finance.post("/api/credit-holds/hold/", {"distributor": cards.a1.pk, "reason": "Cheque bounced"})
    assert held.status_code == 201 and held.json()["credit"]["state"] == "hold"
    assert "Cheque bounced" in held.json()["credit"]["message"]
    assert order_for(cards.a1).status_code == 400
    # Bad input and scope: no reason, another region's account, a rep.
    assert finance.post("/api/credit-holds/hold/", {"distributor": cards.a2.pk, "reason": ""}).status_code == 400
    assert finance.post("/api/credit-holds/hold/", {"distributor": cards.b1.pk, "reason": "x"}).status_code == 400
    assert (
        api_for(org.rep_a1).post("/api/credit-holds/hold/", {"distributor": cards.a1.pk, "reason": "x"}).status_code
        == 403
    )
    assert api_for(org.rep_b1).get("/api/credit-holds/").json()["count"] == 0

    released = finance.post("/api/credit-holds/release/", {"distributor": cards.a1.pk, "reason": "Paid in cash"})
    assert released.status_code == 200 and released.json()["credit"]["state"] == "ok"
    assert order_for(cards.a1).status_code == 201
    told = Notification.objects.values_list("kind", "recipient__username")
    assert sorted(told) == [
        ("credit_hold_placed", "kam_a1"),
        ("credit_hold_placed", "rep_a1"),
        ("credit_hold_released", "kam_a1"),
        ("credit_hold_released", "rep_a1"),
    ]
    actions = set(AuditEvent.objects.filter(content_type__model="credithold").values_list("action", flat=True))
    assert {"credit_hold_placed", "credit_hold_ended"} <= actions

    # A rule's hold: released by hand until a day (needed), then the rule holds again.
    money.invoice(cards.a1, D("50.00"), day(-100), due=day(-61))
    body = {"distributor": cards.a1.pk, "reason": "Boss promised Friday"}
    assert finance.post("/api/credit-holds/release/", body).status_code == 400
    body["until"] = day(3).isoformat()
    assert finance.post("/api/credit-holds/release/", body).status_code == 201
    assert _state(finance, cards.a1)["state"] == "warn" and order_for(cards.a1).status_code == 201
    assert holds.credit_state([cards.a1.pk], as_of=day(4))[cards.a1.pk].state == "hold"


def test_the_hold_lifts_by_itself_and_shows_on_the_card_the_visit_form_and_the_account(
    org, cards, money, day, rule, client_for
):
    rule(over_days=60, action="hold")
    invoice = money.invoice(cards.a1, D("300.00"), day(-100), due=day(-61), number="HOLD-1")
    rep = client_for(org.rep_a1)
    card = rep.get(f"/distributors/{cards.a1.pk}/").content.decode()
    visit_form = rep.get(f"/reports/visits/new/?distributor={cards.a1.pk}").content.decode()
    account = client_for(org.finance).get(f"/receivables/accounts/{cards.a1.pk}/").content.decode()
    for page in (card, visit_form, account):
        assert 'id="credit-banner" data-state="hold"' in page and "300.00" in page
    # A teammate sees the card but not the account's money: no banner.
    assert 'id="credit-banner"' not in client_for(org.rep_a1b).get(f"/distributors/{cards.a1.pk}/").content.decode()
    money.pay(cards.a1, D("300.00"), day(0), allocations=[(invoice, D("300.00"))])
    assert 'id="credit-banner"' not in rep.get(f"/distributors/{cards.a1.pk}/").content.decode()


def test_finance_holds_and_releases_from_the_account_page(org, cards, client_for):
    client = client_for(org.finance)
    url = f"/receivables/accounts/{cards.a1.pk}/"
    assert client.post(f"{url}credit/hold/", {"reason": "Owner disappeared"}).status_code == 302
    page = client.get(url).content.decode()
    assert 'data-state="hold"' in page and "Owner disappeared" in page
    client.post(f"{url}credit/release/", {"reason": "Found him"})
    assert CreditHold.objects.get().ended_by == org.finance
    assert 'id="credit-banner"' not in client.get(url).content.decode()
    assert client_for(org.rep_a1).post(f"{url}credit/hold/", {"reason": "x"}).status_code == 403
    assert (
        client_for(org.finance_a).post(f"/receivables/accounts/{cards.b1.pk}/credit/hold/", {"reason": "x"}).status_code
        == 404
    )


def test_release_until_is_within_the_window(org, cards, money, day, rule, api_for):
    rule(over_days=0)
    money.invoice(cards.a1, D("5.00"), day(-40), due=day(-1))
    for until in (day(-1), day(holds.MAX_RELEASE_DAYS + 1)):
        body = {"distributor": cards.a1.pk, "reason": "x", "until": until.isoformat()}
        assert api_for(org.finance).post("/api/credit-holds/release/", body).status_code == 400
    assert not CreditHold.objects.exists()
