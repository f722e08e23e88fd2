"""Issue 13, check-in honesty: "far from the account" (a setting) and "no location" show in the visit lists,
the daily report and the KAM's team-days review, and in the API."""

from decimal import Decimal

import pytest
from django.test import override_settings

from distributors.models import Distributor
from reports.cycle import services
from reports.models import Visit
from tests.reports.test_views import log_visit

SHANGHAI = (Decimal("31.230400"), Decimal("121.473700"))
# ~800 m north of it (0.0072 degrees of latitude)
NEARBY = (Decimal("31.237600"), Decimal("121.473700"))


@pytest.fixture
def day_of_visits(org, cards):
    Distributor.objects.filter(pk=cards.a1.pk).update(latitude=SHANGHAI[0], longitude=SHANGHAI[1])
    cards.a1.refresh_from_db()
    away = log_visit(org.rep_a1, cards.a1, outcome="At 800 m", latitude=NEARBY[0], longitude=NEARBY[1])
    silent = log_visit(org.rep_a1, cards.a1, outcome="No location")
    phone = log_visit(org.rep_a1, cards.a1, outcome="Phone call", kind="phone")
    report = services.daily_report_for(rep=org.rep_a1, day=away.visit_date)
    services.submit_daily_report(report=report, by=org.rep_a1)
    return away, silent, phone


@pytest.mark.parametrize(("threshold", "far"), [(500, True), (799, True), (800, False), (1000, False)])
def test_the_far_flag_follows_the_setting_everywhere(org, day_of_visits, client_for, api_for, threshold, far):
    away, silent, phone = day_of_visits
    assert 790 <= away.distance_from_account_m <= 810
    away.distance_from_account_m = 800
    Visit.objects.filter(pk=away.pk).update(distance_from_account_m=800)
    with override_settings(KAMCRM_FAR_FROM_ACCOUNT_M=threshold):
        pages = {
            "visit list": client_for(org.kam_a1).get("/reports/visits/").content.decode(),
            "daily report": client_for(org.rep_a1).get("/reports/day/").content.decode(),
            "review": client_for(org.kam_a1).get(f"/reports/team-days/?date={away.visit_date}").content.decode(),
        }
        api = {v["id"]: v["check_in"] for v in api_for(org.kam_a1).get("/api/visits/").json()["results"]}
    for name in ("visit list", "daily report"):
        assert ("far · 800 m" in pages[name]) is far, name
        assert pages[name].count("no location") == 1, name  # the in-person visit without one; not the call
    assert ("1 far" in pages["review"]) is far and "1 without location" in pages["review"]
    assert api == {away.pk: "far" if far else "ok", silent.pk: "no_location", phone.pk: ""}


def test_another_teams_kam_sees_no_flags_of_this_team(org, day_of_visits, client_for):
    away, _silent, _phone = day_of_visits
    review = client_for(org.kam_a2).get(f"/reports/team-days/?date={away.visit_date}").content.decode()
    assert "without location" not in review
    assert client_for(org.kam_a2).get(f"/reports/visits/{away.pk}/").status_code == 404
