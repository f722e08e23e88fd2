"""The customer progress table from the outside: moves, backwards moves need a reason, signing keeps the card,
conversion per period, scope."""

import itertools

import pytest

from distributors.models import Distributor, ProgressMove, ProgressStage
from reports.models import Visit
from tests import factories as f
from tests.reports.factories import VisitFactory


@pytest.fixture
def stages(db):
    from importlib import import_module

    from django.apps import apps

    import_module("distributors.migrations.0009_progress_stages_defaults").create(apps, None)
    return {s.code: s for s in ProgressStage.objects.all()}


@pytest.fixture
def prospect(org, stages):
    return f.DistributorFactory(
        code="P-001", name="Prospect Foods Co.", short_name="Prospect Foods", owner=org.rep_a1, status="potential"
    )


def _move(api, account, stage, **extra):
    return api.post(f"/api/progress/{account.pk}/move/", {"stage": stage, **extra}, format="json")


def test_moves_forward_back_with_a_reason_and_signing_keeps_the_card(api_for, org, prospect):
    rep = api_for(org.rep_a1)
    VisitFactory(distributor=prospect, rep=org.rep_a1)
    first = _move(rep, prospect, "contact", next_step="Send the price list", expected_signing_on="2027-03-31")
    assert first.status_code == 200, first.json()
    assert first.json()["probability"] == "10.00" and first.json()["next_step"] == "Send the price list"
    assert _move(rep, prospect, "proposal", probability="60").json()["probability"] == "60.00"
    back = _move(rep, prospect, "needs")
    assert back.status_code == 400 and "reason" in back.json()
    assert rep.get(f"/api/progress/{prospect.pk}/").json()["stage"] == "proposal"
    assert _move(rep, prospect, "needs", reason="The buyer changed; start again").status_code == 200
    signed = _move(rep, prospect, "signed")
    assert signed.status_code == 200 and signed.json()["signed_on"]
    prospect.refresh_from_db()
    assert prospect.status == "qualified"  # an existing customer now, the same card
    assert Visit.objects.filter(distributor=prospect).count() == 1
    moves = rep.get(f"/api/progress/{prospect.pk}/").json()["moves"]
    assert [(m["from"], m["to"]) for m in moves] == [
        (None, "contact"),
        ("contact", "proposal"),
        ("proposal", "needs"),
        ("needs", "signed"),
    ]
    assert moves[2]["reason"] == "The buyer changed; start again"
    assert prospect.pk not in [row["distributor"] for row in rep.get("/api/progress/").json()["results"]]
    conversion = api_for(org.kam_a1).get("/api/progress/conversion/?period=month").json()["results"]
    mine = next(row for row in conversion if row["rep"] == org.rep_a1.pk)
    assert (mine["new"], mine["signed"], mine["rate"]) == (1, 1, "1.0000")


@pytest.mark.parametrize(("high", "low"), list(itertools.combinations(["proposal", "needs", "contact"], 2)))
def test_every_backwards_move_needs_a_reason(api_for, org, prospect, high, low):
    rep = api_for(org.rep_a1)
    assert _move(rep, prospect, high).status_code == 200
    for reason in ("", "   "):
        answer = _move(rep, prospect, low, reason=reason)
        assert answer.status_code == 400 and "reason" in answer.json()
    assert ProgressMove.objects.filter(distributor=prospect).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"stage": "won-lottery"}, "stage"),
        ({"stage": "contact", "probability": "150"}, "probability"),
        ({"stage": "contact", "probability": "-1"}, "probability"),
        ({"stage": "contact", "expected_signing_on": "1900-01-01"}, "expected_signing_on"),
    ],
)
def test_bad_move_is_a_field_error(api_for, org, prospect, body, field):
    answer = api_for(org.rep_a1).post(f"/api/progress/{prospect.pk}/move/", body, format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not ProgressMove.objects.exists()


def test_existing_customer_is_not_on_the_table(api_for, org, cards, stages):
    answer = _move(api_for(org.rep_a1), cards.a1, "contact")
    assert answer.status_code == 400 and "distributor" in answer.json()


def test_scope_from_the_outside(api_for, client_for, org, prospect):
    for user in (org.rep_b1, org.kam_a2, org.rm_b):
        assert api_for(user).get(f"/api/progress/{prospect.pk}/").status_code == 404
        assert _move(api_for(user), prospect, "contact").status_code == 404
        assert client_for(user).get(f"/distributors/{prospect.pk}/progress/").status_code == 404
        assert prospect.pk not in [r["distributor"] for r in api_for(user).get("/api/progress/").json()["results"]]
    # A teammate may look (cards are visible to the team) but not move another rep's account.
    assert _move(api_for(org.rep_a1b), prospect, "contact").status_code == 403
    assert _move(api_for(org.kam_a1), prospect, "contact").status_code == 200


def test_board_list_and_form(client_for, org, prospect, stages):
    rep = client_for(org.rep_a1)
    page = f"/distributors/{prospect.pk}/progress/"
    assert rep.post(page, {"stage": stages["proposal"].pk, "next_step": "Tasting"}).status_code == 302
    back = rep.post(page, {"stage": stages["contact"].pk})
    assert back.status_code == 200 and "invalid-feedback" in back.content.decode()
    board = rep.get("/distributors/progress/").content.decode()
    assert 'data-stage="proposal"' in board and "Prospect Foods" in board and "Tasting" in board
    assert "Prospect Foods" in rep.get("/distributors/progress/?view=list").content.decode()
    assert Distributor.objects.get(pk=prospect.pk).progress.stage.code == "proposal"
