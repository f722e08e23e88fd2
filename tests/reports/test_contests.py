"""Contests from the outside: set with checked metric and scope, live leaderboard from the dashboard's figures on
the dashboard and home pages, results frozen exactly once after the period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports import tasks
from reports.contests import services as contests
from reports.models import Contest, ContestResult
from tests.reports.test_scorecards import _sell, criteria, sales  # noqa: F401,F811  (fixtures)

TODAY = timezone.localdate()


def _set(api, **overrides):
    body = {"name": "Spring push", "metric": "sales_rate", "kind": "month", "prize": "A trip to Hangzhou"}
    body.update(overrides)
    return api.post("/api/contests/", body, format="json")


@pytest.fixture
def contest(api_for, org, sales):  # noqa: F811
    answer = _set(api_for(org.kam_a1), team=org.team_a1.pk)
    assert answer.status_code == 201, answer.json()
    return Contest.objects.get(pk=answer.json()["id"])


def test_leaderboard_is_the_dashboards_ranking_of_the_metric(api_for, org, contest):
    board = api_for(org.rep_a1).get(f"/api/contests/{contest.pk}/").json()["leaderboard"]
    dash = api_for(org.kam_a1).get(f"/api/dashboard/?level=team&id={org.team_a1.pk}&children=rep").json()
    rates = {child["id"]: child["figures"]["sales_rate"] for child in dash["children"] if child["id"]}
    assert {row["rep"]: row["value"] for row in board} == rates
    assert [row["rep"] for row in board][:2] == [org.rep_a1b.pk, org.rep_a1.pk]  # 125 % before 33 %
    assert [row["position"] for row in board][:2] == [1, 2]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"metric": "happiness"}, "metric"),
        ({"metric": ""}, "metric"),
        ({}, "scope"),  # no team, no region
        ({"team": "TEAM", "region": "REGION"}, "scope"),
        ({"team": "OTHER_TEAM"}, "team"),
        ({"kind": "fortnight"}, "kind"),
        ({"date": (TODAY.replace(day=1) - timedelta(days=1)).isoformat()}, "date"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_contest_is_a_field_error_and_nothing_is_saved(api_for, org, cards, overrides, field):
    values = {"TEAM": org.team_a1.pk, "REGION": org.region_a.pk, "OTHER_TEAM": org.team_b1.pk}
    overrides = {k: values.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
    if "team" not in overrides and "region" not in overrides and field != "scope":
        overrides["team"] = org.team_a1.pk
    answer = _set(api_for(org.kam_a1), **overrides)
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not Contest.objects.exists()


def test_empty_scope_and_who_may_set(api_for, org, cards):
    empty = org.team_a2.__class__.objects.create(name="Empty team", region=org.region_a)
    assert "scope" in _set(api_for(org.rm_a), team=empty.pk).json()
    assert _set(api_for(org.rep_a1), team=org.team_a1.pk).status_code == 403
    assert _set(api_for(org.rm_a), region=org.region_a.pk).status_code == 201  # a manager for the region


def test_scope_from_the_outside(api_for, client_for, org, contest):
    for user in (org.rep_a1, org.rep_a1b, org.kam_a1, org.rm_a, org.admin):
        assert api_for(user).get(f"/api/contests/{contest.pk}/").status_code == 200, user
        assert client_for(user).get(f"/reports/contests/{contest.pk}/").status_code == 200, user
    for user in (org.rep_a2, org.kam_a2, org.rep_b1, org.rm_b):
        assert api_for(user).get(f"/api/contests/{contest.pk}/").status_code == 404, user
        assert client_for(user).get(f"/reports/contests/{contest.pk}/").status_code == 404, user
        assert api_for(user).get("/api/contests/").json()["count"] == 0, user


def test_live_leaderboard_on_home_and_dashboard(client_for, org, contest):
    for url in ("/", "/dashboard/"):
        page = client_for(org.rep_a1).get(url).content.decode()
        assert f'data-contest="{contest.pk}"' in page and "Spring push" in page, url
    assert f'data-contest="{contest.pk}"' not in client_for(org.rep_b1).get("/").content.decode()


def test_results_are_frozen_exactly_once_after_the_close(api_for, org, cards, contest):
    after = contest.end + timedelta(days=1)
    live = api_for(org.rep_a1).get(f"/api/contests/{contest.pk}/").json()["leaderboard"]
    assert contests.freeze_due(today=contest.end) == []  # still running on its last day
    assert contests.freeze_due(today=after) == [contest.pk]
    contest.refresh_from_db()
    frozen_at = contest.frozen_at
    first = list(ContestResult.objects.filter(contest=contest).values_list("rep_id", "position", "value"))
    assert [(row["rep"], row["position"], row["value"]) for row in live] == [
        (rep, position, None if value is None else f"{value:.4f}") for rep, position, value in first
    ]
    assert first[0][:2] == (org.rep_a1b.pk, 1)
    # Again (the beat task, a retry): nothing changes; new sales after the close do not move the results.
    _sell(cards.a1, "9000.00", day=contest.start)
    from reports.analytics.rollups import services as rollups

    rollups.rebuild()
    tasks.freeze_contests.delay(after.isoformat())
    assert contests.freeze_due(today=after) == []
    contest.refresh_from_db()
    assert contest.frozen_at == frozen_at
    assert list(ContestResult.objects.filter(contest=contest).values_list("rep_id", "position", "value")) == first
    board = api_for(org.rep_a1).get(f"/api/contests/{contest.pk}/").json()
    assert board["status"] == "frozen" and board["leaderboard"] == live


def test_page_sets_a_contest_with_form_errors(client_for, org, cards):
    kam = client_for(org.kam_a1)
    bad = kam.post("/reports/contests/", {"name": "X", "metric": "sales_rate", "kind": "month", "scope": ""})
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()
    assert not Contest.objects.exists()
    good = kam.post(
        "/reports/contests/",
        {"name": "Collect it all", "metric": "collection_rate", "kind": "month", "scope": f"team:{org.team_a1.pk}"},
    )
    assert good.status_code == 302
    assert Contest.objects.get().team == org.team_a1
    assert client_for(org.rep_a1).post("/reports/contests/", {"name": "Mine"}).status_code == 404


def test_participants_are_notified_when_set_and_of_their_place_once(org, contest):
    from accounts.models import Notification

    set_for = Notification.objects.filter(kind="contest_set").values_list("recipient__username", flat=True)
    assert sorted(set_for) == ["rep_a1", "rep_a1b"]  # the team's reps, not the KAM who set it
    after = contest.end + timedelta(days=1)
    contests.freeze_due(today=after)
    contests.freeze_due(today=after)
    contest.refresh_from_db()
    contest.frozen_at = None  # even a second freeze of the same contest notifies nobody twice
    contest.save(update_fields=["frozen_at"])
    ContestResult.objects.filter(contest=contest).delete()
    contests.freeze_due(today=after)
    results = Notification.objects.filter(kind="contest_result")
    assert results.count() == ContestResult.objects.filter(contest=contest).count() == 3
    mine = results.get(recipient=org.rep_a1b)
    assert mine.params["position"] == "1" and mine.params["count"] == "3"
