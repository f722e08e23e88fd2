"""Training records from the outside: a session recorded with its attendees and the review needs it answers, its
effect read from the dashboards' figures, scope, bad input, both languages."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import Scorecard, TrainingSession
from tests import factories as f
from tests.reports.test_scorecards import _sell

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)
LAST_MONTH = (MONTH - timedelta(days=1)).replace(day=1)
TWO_MONTHS_AGO = (LAST_MONTH - timedelta(days=1)).replace(day=1)


@pytest.fixture
def review(org):
    return Scorecard.objects.create(
        rep=org.rep_a1,
        kind="month",
        start=TWO_MONTHS_AGO,
        end=LAST_MONTH - timedelta(days=1),
        training_needs="催收电话：约定付款日期和金额。",
        reviewed_by=org.kam_a1,
    )


def _record(api, **overrides):
    body = {
        "topic": "Collection calls",
        "held_on": (LAST_MONTH + timedelta(days=10)).isoformat(),
        "trainer": "Wang Li",
        "audience": "reps",
        "team": overrides.pop("team_pk", None),
        "attendee_reps": [],
        "notes": "Role play.",
    }
    body.update(overrides)
    return api.post("/api/training-sessions/", body, format="json")


def test_a_session_for_reps_measures_the_attendees_figures_before_and_after(org, cards, api_for, review):
    _sell(cards.a1, "1000.00", day=TWO_MONTHS_AGO + timedelta(days=2))
    _sell(cards.a1, "1500.00", day=MONTH)
    _sell(cards.a1b, "300.00", day=MONTH)
    from reports.analytics.rollups import services as rollups

    rollups.rebuild()
    answer = _record(
        api_for(org.kam_a1),
        team_pk=org.team_a1.pk,
        attendee_reps=[org.rep_a1.pk, org.rep_a1b.pk],
        scorecards=[review.pk],
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["scorecards"] == [review.pk] and sorted(body["attendee_reps"]) == sorted(
        [org.rep_a1.pk, org.rep_a1b.pk]
    )
    effect = body["effect"]
    assert (effect["before"], effect["after"]) == (f"{TWO_MONTHS_AGO:%Y-%m}", f"{MONTH:%Y-%m}")
    assert effect["after_running"] is True
    rows = {row["label"]: row for row in effect["attendees"]}
    mine = rows[org.rep_a1.display_name]
    assert (mine["before"]["sales_amount"], mine["after"]["sales_amount"], mine["sales_change"]) == (
        "1000.00",
        "1500.00",
        "500.00",
    )
    # The same figures as the rep's dashboard for those months.
    for month, side in ((TWO_MONTHS_AGO, "before"), (MONTH, "after")):
        board = api_for(org.rep_a1).get(f"/api/dashboard/?level=rep&id={org.rep_a1.pk}&date={month.isoformat()}")
        assert board.json()["figures"]["sales_amount"] == mine[side]["sales_amount"]
    # A rep reads the team's session but only their own figures; the KAM everyone's.
    seen = api_for(org.rep_a1).get(f"/api/training-sessions/{body['id']}/").json()["effect"]["attendees"]
    assert [row["label"] for row in seen] == [org.rep_a1.display_name]
    assert len(api_for(org.kam_a1).get(f"/api/training-sessions/{body['id']}/").json()["effect"]["attendees"]) == 2


def test_a_session_for_a_distributors_staff(org, cards, api_for):
    staff = [f.ContactFactory(distributor=cards.a1), f.ContactFactory(distributor=cards.a1)]
    answer = _record(
        api_for(org.kam_a1),
        team_pk=org.team_a1.pk,
        audience="distributor",
        distributor=cards.a1.pk,
        attendee_contacts=[c.pk for c in staff],
        attendee_reps=[org.rep_a1.pk],
    )
    assert answer.status_code == 201, answer.json()
    kinds = [row["kind"] for row in answer.json()["effect"]["attendees"]]
    assert kinds == ["rep", "distributor"]
    assert TrainingSession.objects.get().attendee_contacts.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"topic": ""}, "topic"),
        ({"trainer": "   "}, "trainer"),
        ({"held_on": (TODAY + timedelta(days=3)).isoformat()}, "held_on"),
        ({"held_on": "1900-01-01"}, "held_on"),
        ({"held_on": "2026-02-30"}, "held_on"),
        ({"team_pk": "b1"}, "team"),
        ({"attendee_reps": []}, "attendee_reps"),
        ({"attendee_reps": "a2"}, "attendee_reps"),  # a rep of another team
        ({"audience": "everyone"}, "audience"),
        ({"audience": "distributor", "distributor": "b1"}, "distributor"),
        ({"audience": "distributor", "distributor": "a1", "attendee_contacts": "other"}, "attendee_contacts"),
        ({"scorecards": "other"}, "scorecards"),
        ({"scorecards": "later"}, "scorecards"),  # a review made after the session
    ],
)
def test_bad_session_is_a_field_error_and_nothing_is_saved(org, cards, api_for, overrides, field):
    resolve = {
        "b1": lambda: org.team_b1.pk if field == "team" else cards.b1.pk,
        "a2": lambda: [org.rep_a2.pk],
        "a1": lambda: cards.a1.pk,
        "later": lambda: [
            Scorecard.objects.create(rep=org.rep_a1, kind="month", start=MONTH, end=MONTH, reviewed_by=org.kam_a1).pk
        ],
        "other": lambda: (
            [f.ContactFactory(distributor=cards.a1b).pk]
            if field == "attendee_contacts"
            else [
                Scorecard.objects.create(
                    rep=org.rep_a2, kind="month", start=MONTH, end=MONTH, reviewed_by=org.kam_a2
                ).pk
            ]
        ),
    }
    data = {"team_pk": org.team_a1.pk, "attendee_reps": [org.rep_a1.pk]}
    for key, value in overrides.items():
        data[key] = resolve[value]() if isinstance(value, str) and value in resolve else value
    answer = _record(api_for(org.kam_a1), **data)
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not TrainingSession.objects.exists()


def test_scope_of_training_sessions(org, cards, api_for, client_for):
    answer = _record(api_for(org.kam_a1), team_pk=org.team_a1.pk, attendee_reps=[org.rep_a1.pk])
    pk = answer.json()["id"]
    for user in (org.rep_b1, org.rep_a2, org.kam_a2, org.rm_b, org.finance):
        assert api_for(user).get(f"/api/training-sessions/{pk}/").status_code == 404
        assert client_for(user).get(f"/reports/training/{pk}/").status_code == 404
    assert api_for(org.rep_b1).get("/api/training-sessions/").json()["count"] == 0
    for user in (org.rep_a1b, org.kam_a1, org.rm_a, org.admin):
        assert api_for(user).get(f"/api/training-sessions/{pk}/").status_code == 200
    # A rep reads but does not record; a KAM cannot record for another team.
    assert _record(api_for(org.rep_a1), team_pk=org.team_a1.pk, attendee_reps=[org.rep_a1.pk]).status_code == 403
    other = _record(api_for(org.kam_a2), team_pk=org.team_a1.pk, attendee_reps=[org.rep_a1.pk])
    assert other.status_code == 400 and "team" in other.json()


@pytest.mark.parametrize(("language", "word"), [("en", "Training"), ("zh-hans", "培训")])
def test_training_pages_render_in_both_languages_and_the_form_shows_errors(org, client_for, review, language, word):
    org.kam_a1.language = language
    org.kam_a1.save(update_fields=["language"])
    client = client_for(org.kam_a1)
    client.cookies["django_language"] = language
    bad = client.post(
        "/reports/training/",
        {"topic": "", "held_on": LAST_MONTH.isoformat(), "trainer": "Wang", "audience": "reps", "team": org.team_a1.pk},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode() and word in bad.content.decode()
    assert not TrainingSession.objects.exists()
    good = client.post(
        "/reports/training/",
        {
            "topic": "Negotiation",
            "held_on": LAST_MONTH.isoformat(),
            "trainer": "Wang",
            "audience": "reps",
            "team": org.team_a1.pk,
            "attendee_reps": [org.rep_a1.pk],
            "scorecards": [review.pk],
        },
    )
    assert good.status_code == 302, good.context["form"].errors
    session = TrainingSession.objects.get()
    page = client.get(f"/reports/training/{session.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert word in page and review.training_needs in page and org.rep_a1.display_name in page
