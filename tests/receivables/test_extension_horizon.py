"""Promises and extensions pause reminders: a rep may give at most KAMCRM_MAX_EXTENSION_DAYS, the KAM or above more,
nobody beyond KAMCRM_MAX_EXTENSION_DAYS_MANAGER."""

from datetime import date, timedelta

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receivables.models import CollectionActivity

REP_DAYS, MANAGER_DAYS = 90, 365


@pytest.fixture(autouse=True)
def a1_owes(cards, money, day):
    """A promise is for no more than is open: A1 owes enough for the promises below."""
    from decimal import Decimal

    money.invoice(cards.a1, Decimal("1000.00"), day(-10), terms=30)


def _body(card, kind, offset_or_date):
    from django.utils import timezone

    when = offset_or_date if isinstance(offset_or_date, date) else timezone.localdate() + timedelta(offset_or_date)
    body = {"distributor": card.pk, "kind": kind}
    if kind == "extension":
        body["extended_to"] = when.isoformat()
    else:
        body.update({"promised_on": when.isoformat(), "promised_amount": "100.00"})
    return body


def _field(kind):
    return "extended_to" if kind == "extension" else "promised_on"


@pytest.mark.parametrize("kind", ["extension", "promise"])
def test_a_rep_logs_up_to_the_horizon_and_not_a_day_more(org, cards, api_for, kind):
    rep = api_for(org.rep_a1)
    assert rep.post("/api/collection-activities/", _body(cards.a1, kind, REP_DAYS)).status_code == 201
    response = rep.post("/api/collection-activities/", _body(cards.a1, kind, REP_DAYS + 1))
    assert response.status_code == 400 and _field(kind) in response.json()
    assert "90" in str(response.json()[_field(kind)])
    assert CollectionActivity.objects.count() == 1


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(beyond=st.integers(min_value=1, max_value=2_000_000), kind=st.sampled_from(["extension", "promise"]))
def test_far_dates_are_a_field_error_for_everyone(org, cards, api_for, beyond, kind):
    """Any day past the hard limit, up to 9999-12-31, for a rep, a KAM, finance and the admin."""
    from django.utils import timezone

    last = min(timezone.localdate() + timedelta(MANAGER_DAYS), date(9999, 12, 31) - timedelta(beyond))
    when = last + timedelta(beyond)
    for user, card in ((org.rep_a1, cards.a1), (org.kam_a1, cards.a1), (org.finance, cards.a1), (org.admin, cards.a1)):
        response = api_for(user).post("/api/collection-activities/", _body(card, kind, when))
        assert response.status_code == 400 and _field(kind) in response.json(), (user, when)
    assert not CollectionActivity.objects.exists()


@pytest.mark.parametrize("username", ["kam_a1", "rm_a", "finance_a", "admin"])
def test_the_kam_or_above_may_grant_more_within_the_hard_limit(org, cards, api_for, username):
    client = api_for(getattr(org, username))
    assert client.post("/api/collection-activities/", _body(cards.a1, "extension", 180)).status_code == 201
    assert client.post("/api/collection-activities/", _body(cards.a1, "extension", MANAGER_DAYS)).status_code == 201
    response = client.post("/api/collection-activities/", _body(cards.a1, "extension", MANAGER_DAYS + 1))
    assert response.status_code == 400 and "extended_to" in response.json()


@override_settings(KAMCRM_MAX_EXTENSION_DAYS=14)
def test_the_horizon_is_a_setting(org, cards, api_for):
    rep = api_for(org.rep_a1)
    assert rep.post("/api/collection-activities/", _body(cards.a1, "extension", 15)).status_code == 400
    assert rep.post("/api/collection-activities/", _body(cards.a1, "extension", 14)).status_code == 201


def test_the_page_form_shows_the_limit(org, cards, client_for):
    from django.utils import timezone

    url = f"/receivables/accounts/{cards.a1.pk}/activities/new/"
    far = (timezone.localdate() + timedelta(REP_DAYS + 30)).isoformat()
    data = {"kind": "extension", "occurred_on": timezone.localdate().isoformat(), "extended_to": far}
    response = client_for(org.rep_a1).post(url, data)
    assert response.status_code == 200 and "extended_to" in response.context["form"].errors
    assert not CollectionActivity.objects.exists()
