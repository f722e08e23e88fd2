"""Bad input is a 400 with field errors (or a 404 / a message on the page), never a 500 (issue 17).

The quoted reproductions stand for classes: every date outside the window, every day count too large to be a
date, every amount that is not a finite number.
"""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from receivables.models import CreditNote, Invoice, Payment
from reports.models import Order
from tests import factories as f

HYPOTHESIS = hsettings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))

OUTSIDE_WINDOW = ["0001-01-01", "1999-12-31", "2100-01-01", "9999-12-31"]
HOSTILE_NUMBERS = ["NaN", "nan", "inf", "-inf", "Infinity", "1e999999", "9" * 60, "-5", "1000000000", "abc", "1e3"]


def outside_window_dates():
    low = getattr(settings, "KAMCRM_DATE_MIN", date(2000, 1, 1))
    high = getattr(settings, "KAMCRM_DATE_MAX", date(2099, 12, 31))
    return st.one_of(st.dates(max_value=low - timedelta(days=1)), st.dates(min_value=high + timedelta(days=1))).map(
        date.isoformat
    )


# --- Parsers ---------------------------------------------------------------------------------------------------


def test_deeply_nested_json_is_a_400(org, api_for):
    client = api_for(org.finance)
    for body in ("[" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000, "[" * 200 + "]" * 200):
        response = client.generic("POST", "/api/payments/", body, content_type="application/json")
        assert response.status_code == 400, body[:20]
    assert not Payment.objects.exists()


def test_unauthenticated_deep_json_is_not_a_500(db):
    response = APIClient().generic("POST", "/api/auth/token/", "[" * 100_000, content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("amount", HOSTILE_NUMBERS)
def test_credit_check_amount_is_a_finite_number(org, cards, api_for, amount):
    response = api_for(org.rep_a1).get("/api/receivables/credit-check/", {"distributor": cards.a1.pk, "amount": amount})
    if amount in ("-5", "1000000000", "1e3"):
        assert response.status_code in (200, 400)
    else:
        assert response.status_code == 400, response.content
        assert "amount" in response.json()


# --- Dates in query strings and paths ---------------------------------------------------------------------------


@HYPOTHESIS
@given(as_of=outside_window_dates())
def test_aging_as_of_outside_the_window_is_a_400(org, api_for, client_for, as_of):
    response = api_for(org.finance).get("/api/receivables/aging/", {"as_of": as_of})
    assert response.status_code == 400 and "as_of" in response.json()
    page = client_for(org.finance).get("/receivables/aging/", {"as_of": as_of})
    assert page.status_code == 200  # the page shows the message next to the field
    assert "Choose a date between" in page.content.decode()


@pytest.mark.parametrize("day", ["2026-02-30", "0001-01-01", "9999-12-31", "2026-13-01", "1999-12-31"])
def test_daily_report_of_an_impossible_day_is_a_404(org, client_for, day):
    assert client_for(org.rep_a1).get(f"/reports/day/{day}/").status_code == 404
    assert client_for(org.kam_a1).get("/reports/team-days/", {"date": day}).status_code in (400, 404)


@pytest.mark.parametrize("days", ["1000000000", "99999999999999999999", "1e12", "-1", "NaN", "inf"])
def test_not_visited_days_is_bounded(org, cards, api_for, client_for, days):
    api = api_for(org.rep_a1)
    for url in (
        "/api/distributors/",
        "/api/distributors/export/",
        f"/api/distributors/{cards.a1.pk}/history/",
        f"/api/distributors/{cards.a1.pk}/timeline/",
    ):
        response = api.get(url, {"not_visited_days": days})
        assert response.status_code in (200, 400), (url, response.status_code)
        if url == "/api/distributors/":
            assert response.status_code == 400 and "not_visited_days" in response.json()
    page = client_for(org.rep_a1).get("/distributors/", {"not_visited_days": days})
    assert page.status_code == 200
    assert "alert-warning" in page.content.decode()  # the page says what is wrong with the filter


def test_not_visited_days_within_bounds_still_filters(org, cards, api_for):
    response = api_for(org.rep_a1).get("/api/distributors/", {"not_visited_days": "3650"})
    assert response.status_code == 200


# --- The token endpoint ---------------------------------------------------------------------------------------


@HYPOTHESIS
@given(username=st.text(min_size=256, max_size=400, alphabet=st.characters(blacklist_categories=["Cs", "Cc"])))
def test_token_with_a_very_long_username_is_a_400(db, username):
    cache.clear()  # the endpoint's throttle would answer 429 after a few examples
    response = APIClient().post("/api/auth/token/", {"username": username, "password": "x"}, format="json")
    assert response.status_code == 400


# --- Money records stay within the date window -----------------------------------------------------------------


@HYPOTHESIS
@given(day=outside_window_dates())
def test_money_record_dates_outside_the_window_are_400(org, cards, api_for, day):
    finance = api_for(org.finance)
    today = timezone.localdate().isoformat()
    cases = [
        ("/api/invoices/", {"number": "W-1", "distributor": cards.a1.pk, "issue_date": day, "amount": "10.00"}),
        (
            "/api/invoices/",
            {"number": "W-2", "distributor": cards.a1.pk, "issue_date": today, "due_date": day, "amount": "10.00"},
        ),
        ("/api/payments/", {"distributor": cards.a1.pk, "paid_on": day, "amount": "10.00", "method": "cash"}),
        ("/api/credit-notes/", {"number": "C-1", "distributor": cards.a1.pk, "issue_date": day, "amount": "1.00"}),
    ]
    for url, payload in cases:
        response = finance.post(url, payload, format="json")
        assert response.status_code == 400, (url, payload, response.content)
        field = "due_date" if "due_date" in payload else next(k for k in payload if payload[k] == day)
        assert field in response.json(), response.json()
    product = f.ProductFactory(unit_price=Decimal("10.00"))
    order = api_for(org.kam_a1).post(
        "/api/orders/",
        {
            "distributor": cards.a1.pk,
            "rep": org.rep_a1.pk,
            "order_date": day,
            "lines": [{"product": product.pk, "quantity": "1"}],
        },
        format="json",
    )
    assert order.status_code == 400 and "order_date" in order.json()
    assert not Invoice.objects.exists() and not Payment.objects.exists() and not CreditNote.objects.exists()
    assert not Order.objects.exists()


def test_money_record_dates_inside_the_window_still_work(org, cards, api_for):
    today = timezone.localdate()
    response = api_for(org.finance).post(
        "/api/invoices/",
        {
            "number": "OK-1",
            "distributor": cards.a1.pk,
            "issue_date": today.isoformat(),
            "due_date": (today + timedelta(days=60)).isoformat(),
            "amount": "10.00",
        },
        format="json",
    )
    assert response.status_code == 201, response.content


# --- Orders and plans: values no business has --------------------------------------------------------------------


def test_an_order_of_a_billion_units_is_refused(org, cards, api_for):
    product = f.ProductFactory(unit_price=Decimal("1.00"))
    response = api_for(org.kam_a1).post(
        "/api/orders/",
        {"distributor": cards.a1.pk, "rep": org.rep_a1.pk, "lines": [{"product": product.pk, "quantity": "999999999"}]},
        format="json",
    )
    assert response.status_code == 400 and "lines" in response.json()
    assert not Order.objects.exists()


def test_a_gross_profit_target_above_the_sales_target_is_refused(org, cards, api_for):
    payload = {
        "distributor": cards.a1.pk,
        "year": 2027,
        "quarter": 1,
        "volume": 100,
        "sales_amount": "1000.00",
        "gross_profit": "5000.00",
        "collection_amount": "900.00",
        "outlet_coverage": 10,
        "new_outlets": 1,
    }
    response = api_for(org.kam_a1).post("/api/plans/", payload, format="json")
    assert response.status_code == 400 and "gross_profit" in response.json(), response.content


def test_json_body_size_check_does_not_break_normal_posts(org, cards, api_for):
    body = json.dumps({"distributor": cards.a1.pk, "paid_on": timezone.localdate().isoformat(), "amount": "1.00"})
    response = api_for(org.finance).generic("POST", "/api/payments/", body, content_type="application/json")
    assert response.status_code == 400 and "method" in response.json()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_dates_of_a_reps_records_keep_to_the_window_too(org, cards, api_for, day):
    rep = api_for(org.rep_a1)
    cases = [
        ("/api/daily-reports/", {"date": day}, "date"),
        ("/api/work-plans/", {"month": day}, "month"),
        ("/api/weekly-schedules/", {"week_start": day}, "week_start"),
        ("/api/reviews/", {"period_start": day, "kind": "weekly", "text": "ok"}, "period_start"),
        (
            "/api/visits/",
            {"distributor": cards.a1.pk, "kind": "in_person", "started_at": f"{day}T10:00:00+08:00"},
            "started_at",
        ),
    ]
    for url, payload, field in cases:
        response = rep.post(url, payload, format="json")
        assert response.status_code == 400, (url, response.status_code)
        assert field in response.json() or "non_field_errors" in response.json(), (url, response.json())
