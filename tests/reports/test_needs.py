"""Customer needs and strategy combinations from the outside: indicators from the dashboards' figures flag needs,
the visit form and the API suggest the combination for an account's open needs, reps note needs on visits, usage
and outcome per strategy; scope, bad input, both languages."""

from datetime import timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import tasks
from reports.analytics.rollups import services as rollups
from reports.models import AccountIndicator, AccountNeed, Need, Order, OrderLine, ServiceStrategy, Visit
from tests import factories as f

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)
LAST_MONTH = (MONTH - timedelta(days=1)).replace(day=1)


@pytest.fixture
def catalogue(db):
    """The need catalogue and the KZB strategies, as the data migration writes them."""
    import_module("reports.migrations.0024_need_catalogue").create(apps, None)
    return {n.code: n for n in Need.objects.all()}


def _sell(distributor, amount: Decimal, *, day, key: bool = True, orders: int = 1) -> None:
    """``orders`` confirmed orders of ``amount`` each, of a key brand's product (or not)."""
    brand = f.BrandFactory(code="KEY" if key else "OTHER", is_key=key)
    product = f.ProductFactory(brand=brand)
    for _i in range(orders):
        order = Order.objects.create(
            distributor=distributor,
            rep=distributor.owner,
            order_date=day,
            status="confirmed",
            created_by=distributor.owner,
        )
        OrderLine.objects.create(
            order=order, product=product, quantity=1, unit_price=amount, unit_cost=amount * 0, amount=amount
        )
        Order.objects.filter(pk=order.pk).update(amount=amount, gross_profit=amount)
    rollups.refresh(distributor_ids=[distributor.pk])


def _codes(answer) -> set[str]:
    return {s["code"] for s in answer.json()["strategies"]}


# --- The suggestion when an indicator crosses its threshold ----------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=st.one_of(st.integers(-3, 3), st.integers(-50_000, 50_000)), orders=st.integers(1, 3))
def test_the_suggestion_follows_the_average_order_value_around_its_threshold(
    org, api_for, client_for, catalogue, cents, orders
):
    need = catalogue["low-order-value"]
    value = need.threshold + Decimal(cents) / 100
    if value <= 0:
        return
    card = f.DistributorFactory(owner=org.rep_a1)
    _sell(card, value.quantize(Decimal("0.01")), day=LAST_MONTH + timedelta(days=3), orders=orders)
    tasks.compute_indicators.delay(LAST_MONTH.isoformat())  # the monthly beat task
    indicator = api_for(org.rep_a1).get(f"/api/account-indicators/?distributor={card.pk}").json()["results"][0]
    assert Decimal(indicator["average_order_value"]) == value  # sales ÷ orders, from the dashboard's figures
    assert indicator["key_brand_share"] == "1.0000" and indicator["sales_change"] is None
    answer = api_for(org.rep_a1).get(f"/api/distributors/{card.pk}/strategy-suggestion/")
    flagged = [n["code"] for n in answer.json()["open_needs"]]
    form = client_for(org.rep_a1).get(f"/reports/visits/new/?distributor={card.pk}").content.decode()
    if value < need.threshold:  # strictly below
        assert flagged == ["low-order-value"]
        assert _codes(answer) == {s.code for s in need.strategies.all()} == {"KZB04", "KZB05", "KZB09"}
        assert "strategy-suggestion" in form and "KZB09" in form
        opened = AccountNeed.objects.get(distributor=card)
        assert (opened.source, opened.indicator_month, opened.indicator_value) == ("indicator", LAST_MONTH, value)
        assert opened.opened_on == MONTH  # the day after the month closed
    else:
        assert flagged == [] and _codes(answer) == set()
        assert "No open needs at this account." in form


def test_key_brand_share_and_sales_change_flag_their_needs_and_a_rerun_opens_nothing_twice(org, api_for, catalogue):
    card = f.DistributorFactory(owner=org.rep_a1)
    before = LAST_MONTH - timedelta(days=10)
    _sell(card, Decimal("10000.00"), day=before, key=False)
    _sell(card, Decimal("2500.00"), day=LAST_MONTH + timedelta(days=1), key=True)
    _sell(card, Decimal("4500.00"), day=LAST_MONTH + timedelta(days=2), key=False)
    for _run in range(2):
        tasks.compute_indicators.delay(LAST_MONTH.isoformat())
    row = AccountIndicator.objects.get(distributor=card, month=LAST_MONTH)
    assert (row.sales_amount, row.previous_sales_amount, row.orders) == (Decimal("7000.00"), Decimal("10000.00"), 2)
    assert (row.sales_change, row.key_brand_share, row.average_order_value) == (
        Decimal("-0.3000"),  # exactly the threshold: not below it
        Decimal("0.3571"),
        Decimal("3500.00"),
    )
    # The dashboard shows the same sales for the account and month.
    board = (
        api_for(org.kam_a1)
        .get(f"/api/dashboard/?level=team&id={org.team_a1.pk}&children=distributor&date={LAST_MONTH.isoformat()}")
        .json()
    )
    assert next(c for c in board["children"] if c["id"] == card.pk)["figures"]["sales_amount"] == "7000.00"
    assert list(AccountNeed.objects.filter(distributor=card).values_list("need__code", flat=True)) == [
        "key-brands-weak"
    ]
    suggestion = api_for(org.kam_a1).get(f"/api/distributors/{card.pk}/strategy-suggestion/").json()
    assert {s["code"] for s in suggestion["strategies"]} == {"KZB02", "KZB04", "KZB07"}


def test_the_beat_schedule_runs_the_indicator_task(migration_data):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(name="Reports: account indicators and likely needs")
    assert task.task == "reports.tasks.compute_indicators"
    assert (task.crontab.day_of_month, task.crontab.hour) == ("1", "4")
    assert ServiceStrategy.objects.filter(code__startswith="KZB").count() == 10
    assert Need.objects.get(code="out-of-stock").label == "Out of stock"


# --- Needs observed on visits, closing them, outcome per strategy -------------------------------------------------


def _visit(api, card, **extra):
    started = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    if started > timezone.localtime():
        started -= timedelta(days=1)
    body = {"distributor": card.pk, "started_at": started.isoformat(), "purpose": "order_taking", **extra}
    return api.post("/api/visits/", body, format="json")


def test_a_need_observed_on_a_visit_opens_and_its_strategy_outcome_counts(org, cards, api_for, catalogue):
    rep = api_for(org.rep_a1)
    out_of_stock = catalogue["out-of-stock"]
    answer = _visit(rep, cards.a1, needs_observed=[out_of_stock.pk])
    assert answer.status_code == 201, answer.json()
    assert answer.json()["needs_observed"] == [out_of_stock.pk]
    opened = AccountNeed.objects.get(distributor=cards.a1)
    assert (opened.source, opened.status, opened.visit_id) == ("observation", "open", answer.json()["id"])
    # Observed again: still one open need.
    assert _visit(rep, cards.a1, needs_observed=[out_of_stock.pk]).status_code == 201
    assert AccountNeed.objects.filter(distributor=cards.a1).count() == 1
    suggestion = rep.get(f"/api/distributors/{cards.a1.pk}/strategy-suggestion/").json()
    assert {s["code"] for s in suggestion["strategies"]} == {"KZB01", "KZB05"}
    # The rep applies a strategy of the combination, then closes the need as met.
    kzb01 = ServiceStrategy.objects.get(code="KZB01")
    assert _visit(rep, cards.a1, strategies=[kzb01.pk]).status_code == 201
    closed = rep.post(f"/api/account-needs/{opened.pk}/close/", {"outcome": "met", "note": "补货到位"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    outcomes = {r["code"]: r for r in api_for(org.kam_a1).get("/api/strategy-outcomes/").json()["results"]}
    assert (outcomes["KZB01"]["visits"], outcomes["KZB01"]["needs_addressed"], outcomes["KZB01"]["needs_met"]) == (
        1,
        1,
        1,
    )
    assert outcomes["KZB01"]["met_rate"] == "1.0000" and outcomes["KZB05"]["needs_addressed"] == 0
    # Another region's manager sees none of it.
    outcomes_b = {r["code"]: r for r in api_for(org.rm_b).get("/api/strategy-outcomes/").json()["results"]}
    assert outcomes_b["KZB01"]["visits"] == 0 and outcomes_b["KZB01"]["needs_addressed"] == 0
    page = api_for(org.kam_a1)
    assert page.get("/api/account-needs/?status=closed").json()["count"] == 1


# --- Scope --------------------------------------------------------------------------------------------------------


def test_another_teams_rep_gets_404_on_every_need_endpoint(org, cards, api_for, client_for, catalogue):
    need = AccountNeed.objects.create(
        distributor=cards.a1, need=catalogue["near-expiry"], source="observation", opened_on=TODAY, opened_by=org.rep_a1
    )
    _sell(cards.a1, Decimal("100.00"), day=LAST_MONTH)
    tasks.compute_indicators.delay(LAST_MONTH.isoformat())
    indicator = AccountIndicator.objects.get(distributor=cards.a1, month=LAST_MONTH)
    for user in (org.rep_b1, org.rep_a2, org.kam_b1):
        api = api_for(user)
        assert api.get(f"/api/account-needs/{need.pk}/").status_code == 404
        assert api.post(f"/api/account-needs/{need.pk}/close/", {"outcome": "met"}, format="json").status_code == 404
        assert api.get(f"/api/distributors/{cards.a1.pk}/strategy-suggestion/").status_code == 404
        assert api.get(f"/api/account-indicators/{indicator.pk}/").status_code == 404
        assert api.get("/api/account-needs/").json()["count"] == 0
        client = client_for(user)
        assert client.post(f"/reports/account-needs/{need.pk}/close/", {"outcome": "met"}).status_code == 404
        assert client.get(f"/reports/needs/card/{cards.a1.pk}/").status_code == 404
        assert (
            "strategy-suggestion"
            not in client.get(f"/reports/visits/suggestion/?distributor={cards.a1.pk}").content.decode()
        )
        assert f"account-need-{need.pk}" not in client.get("/reports/account-needs/").content.decode()
    # The teammate sees it (a rep reads the team's cards), the KAM and regional manager too.
    for user in (org.rep_a1b, org.kam_a1, org.rm_a):
        assert api_for(user).get(f"/api/account-needs/{need.pk}/").status_code == 200
    need.refresh_from_db()
    assert need.status == "open"


# --- Bad input ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"need": 999999}, "need"),
        ({"distributor": "b1"}, "distributor"),  # another region's account: "does not exist"
        ({"note": "x" * 300}, "note"),
        ({"distributor": "abc"}, "distributor"),
    ],
)
def test_bad_account_need_is_a_field_error_and_nothing_is_saved(org, cards, api_for, catalogue, body, field):
    data = {"distributor": cards.a1.pk, "need": catalogue["near-expiry"].pk, **body}
    if data["distributor"] == "b1":
        data["distributor"] = cards.b1.pk
    answer = api_for(org.rep_a1).post("/api/account-needs/", data, format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not AccountNeed.objects.exists()


def test_bad_close_and_bad_visit_needs_are_field_errors(org, cards, api_for, catalogue):
    rep = api_for(org.rep_a1)
    created = rep.post(
        "/api/account-needs/", {"distributor": cards.a1.pk, "need": catalogue["near-expiry"].pk}, format="json"
    )
    assert created.status_code == 201
    url = f"/api/account-needs/{created.json()['id']}/close/"
    assert "outcome" in rep.post(url, {"outcome": "maybe"}, format="json").json()
    assert rep.post(url, {"outcome": "not_met"}, format="json").status_code == 200
    again = rep.post(url, {"outcome": "met"}, format="json")
    assert again.status_code == 400 and "status" in again.json()
    assert api_for(org.finance).post(url, {"outcome": "met"}, format="json").status_code in (403, 404)
    inactive = catalogue["staff-knowledge"]
    Need.objects.filter(pk=inactive.pk).update(is_active=False)
    visits = Visit.objects.count()
    for bad in ([inactive.pk], [999999], ["x"]):
        answer = _visit(rep, cards.a1, needs_observed=bad)
        assert answer.status_code == 400 and "needs_observed" in answer.json(), answer.json()
    assert Visit.objects.count() == visits


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"strategies": []}, "strategies"),
        ({"threshold": None}, "threshold"),
        ({"indicator": "weather"}, "indicator"),
        ({"code": "sales-falling"}, "code"),
        ({"code": ""}, "code"),
        ({"threshold": "1e20"}, "threshold"),
    ],
)
def test_admin_keeps_the_catalogue_with_field_errors(org, api_for, catalogue, body, field):
    kzb = list(ServiceStrategy.objects.filter(code__in=["KZB02", "KZB03"]).values_list("pk", flat=True))
    data = {
        "code": "slow-season",
        "name": "Slow season",
        "name_zh": "淡季",
        "strategies": kzb,
        "indicator": "sales_amount",
        "comparison": "below",
        "threshold": "500.00",
    }
    admin = api_for(org.admin)
    answer = admin.post("/api/needs/", {**data, **body}, format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not Need.objects.filter(code="slow-season").exists()
    assert api_for(org.kam_a1).post("/api/needs/", data, format="json").status_code == 403
    good = admin.post("/api/needs/", data, format="json")
    assert good.status_code == 201 and good.json()["strategy_codes"] == ["KZB02", "KZB03"]


# --- Pages in both languages --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"), [("en", ["Out of stock", "Customer needs"]), ("zh-hans", ["断货", "客户需求"])]
)
def test_need_pages_render_in_both_languages(org, cards, client_for, catalogue, language, words):
    AccountNeed.objects.create(
        distributor=cards.a1,
        need=catalogue["out-of-stock"],
        source="observation",
        opened_on=TODAY,
        opened_by=org.rep_a1,
    )
    org.kam_a1.language = language
    org.kam_a1.save(update_fields=["language"])
    client = client_for(org.kam_a1)
    client.cookies["django_language"] = language
    for url in (
        "/reports/needs/",
        "/reports/account-needs/",
        "/reports/strategies/outcomes/",
        f"/reports/visits/new/?distributor={cards.a1.pk}",
        f"/reports/needs/card/{cards.a1.pk}/",
    ):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert any(word in text for word in words), url
    listing = client.get("/reports/account-needs/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words[0] in listing


def test_needs_noted_and_closed_in_the_browser(org, cards, client_for, catalogue):
    client = client_for(org.rep_a1)
    bad = client.post("/reports/account-needs/", {"distributor": cards.b1.pk, "need": catalogue["near-expiry"].pk})
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()
    assert not AccountNeed.objects.exists()
    good = client.post("/reports/account-needs/", {"distributor": cards.a1.pk, "need": catalogue["near-expiry"].pk})
    assert good.status_code == 302
    need = AccountNeed.objects.get()
    assert client.post(f"/reports/account-needs/{need.pk}/close/", {"outcome": "met"}).status_code == 302
    need.refresh_from_db()
    assert (need.status, need.outcome, need.closed_by) == ("closed", "met", org.rep_a1)
    admin = client_for(org.admin)
    edit = admin.post(f"/reports/needs/{need.need_id}/", {"code": "near-expiry", "name": "Near-expiry stock"})
    assert edit.status_code == 200 and "is-invalid" in edit.content.decode()  # no strategy chosen
    assert client.get("/reports/needs/new/").status_code == 403


def test_a_strategy_in_a_needs_combination_is_not_deleted(org, api_for, catalogue):
    kzb01 = ServiceStrategy.objects.get(code="KZB01")
    answer = api_for(org.admin).delete(f"/api/strategies/{kzb01.pk}/")
    assert answer.status_code == 400
    assert catalogue["out-of-stock"].strategies.filter(pk=kzb01.pk).exists()
