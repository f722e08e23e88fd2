"""Money collected on a visit and its payment claim: one link (the visit's), looked up within the caller's scope."""

from decimal import Decimal as D

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from receivables.models import PaymentClaim
from reports.models import Visit
from reports.visits import services
from tests.reports.factories import VisitFactory


def _claim_body(distributor, visit_id, amount="1.00"):
    return {
        "distributor": distributor.pk,
        "amount": amount,
        "method": "cash",
        "collected_on": timezone.localdate().isoformat(),
        "visit": visit_id,
    }


def _visit_with_claim(distributor, amount="31100.00"):
    visit = VisitFactory(distributor=distributor, collected_amount=D(amount), collection_method="cash")
    services._claim_collected_money(visit, visit.rep)
    visit.refresh_from_db()
    return visit


def _snapshot(claim):
    claim.refresh_from_db()
    return (claim.rep_id, claim.distributor_id, claim.amount, claim.status)


@pytest.mark.parametrize("attacker", ["rep_b1", "rep_a1b", "rep_a2", "kam_b1", "kam_a2", "rm_b"])
def test_a_visit_outside_ones_scope_cannot_take_over_its_claim(org, cards, api_for, attacker):
    """Another team's rep, a teammate, another team's KAM, another region's KAM or manager: 400, claim unchanged."""
    visit = _visit_with_claim(cards.a1)
    claim = visit.payment_claim
    before = _snapshot(claim)
    user = getattr(org, attacker)
    own = {"rep_b1": cards.b1, "rep_a1b": cards.a1b, "rep_a2": cards.a2, "kam_b1": cards.b1, "kam_a2": cards.a2}
    response = api_for(user).post("/api/payment-claims/", _claim_body(own.get(attacker, cards.b1), visit.pk))
    assert response.status_code == 400, response.content
    assert "does not exist" in str(response.json()["visit"])
    assert _snapshot(claim) == before
    assert PaymentClaim.objects.count() == 1


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(visit_id=st.one_of(st.integers(min_value=-(10**20), max_value=10**20), st.text(max_size=30)))
def test_absurd_visit_ids_are_a_field_error_never_a_500(org, cards, api_for, visit_id):
    response = api_for(org.rep_a1).post("/api/payment-claims/", _claim_body(cards.a1, visit_id))
    assert response.status_code in (400, 201), response.content
    if response.status_code == 400:
        assert "visit" in response.json()
    else:  # "" reads as no visit: a plain claim
        assert response.json()["visit"] is None


def test_a_claim_for_ones_own_visit_links_it_and_updates_the_waiting_claim(org, cards, api_for):
    visit = _visit_with_claim(cards.a1, "500.00")
    response = api_for(org.rep_a1).post("/api/payment-claims/", _claim_body(cards.a1, visit.pk, "450.00"))
    assert response.status_code == 201, response.content
    assert response.json()["visit"] == visit.pk and response.json()["id"] == visit.payment_claim_id
    assert PaymentClaim.objects.get().amount == D("450.00")
    listed = api_for(org.rep_a1).get("/api/payment-claims/").json()["results"]
    assert [c["visit"] for c in listed] == [visit.pk]


def test_a_claim_naming_a_visit_of_another_account_is_refused(org, cards, api_for):
    visit = VisitFactory(distributor=cards.a1)
    response = api_for(org.rep_a1).post("/api/payment-claims/", _claim_body(cards.a1_second, visit.pk))
    assert response.status_code == 400 and "visit" in response.json()
    assert not PaymentClaim.objects.exists()


def test_the_kam_may_report_money_on_a_visit_of_the_team(org, cards, api_for):
    visit = VisitFactory(distributor=cards.a1b)
    response = api_for(org.kam_a1).post("/api/payment-claims/", _claim_body(cards.a1b, visit.pk, "80.00"))
    assert response.status_code == 201, response.content
    visit.refresh_from_db()
    assert visit.payment_claim.amount == D("80.00") and visit.payment_claim.rep == org.rep_a1b


def test_the_visit_form_money_goes_to_a_claim_linked_from_the_visit(org, cards, api_for):
    started = timezone.now().replace(microsecond=0).isoformat()
    body = {"distributor": cards.a1.pk, "started_at": started, "collected_amount": "75.00", "collection_method": "cash"}
    response = api_for(org.rep_a1).post("/api/visits/", body, format="json")
    assert response.status_code == 201, response.content
    visit = Visit.objects.get()
    assert response.json()["payment_claim_id"] == visit.payment_claim_id
    assert visit.payment_claim.amount == D("75.00")


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_link_and_drops_dangling_ids(org, cards):
    """Migrate back to the two bare integers, make links of every kind, migrate forward: the links survive."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("reports", "0007_free_text_max_length"), ("receivables", "0010_invoice_issue_date_index_for_dso")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldVisit, OldClaim = old.get_model("reports", "Visit"), old.get_model("receivables", "PaymentClaim")

    def claim(**kwargs):
        return OldClaim.objects.create(
            distributor_id=cards.a1.pk,
            rep_id=org.rep_a1.pk,
            amount=D("10.00"),
            method="cash",
            collected_on=timezone.localdate(),
            created_by_id=org.rep_a1.pk,
            **kwargs,
        )

    def visit(**kwargs):
        return OldVisit.objects.create(
            distributor_id=cards.a1.pk,
            rep_id=org.rep_a1.pk,
            started_at=timezone.now(),
            visit_date=timezone.localdate(),
            **kwargs,
        )

    both = visit()
    both_claim = claim(visit_id=both.pk)
    OldVisit.objects.filter(pk=both.pk).update(payment_claim_id=both_claim.pk)
    only_visit_side = visit()
    only_visit_side_claim = claim()
    OldVisit.objects.filter(pk=only_visit_side.pk).update(payment_claim_id=only_visit_side_claim.pk)
    only_claim_side = visit()
    only_claim_side_claim = claim(visit_id=only_claim_side.pk)
    dangling = visit(payment_claim_id=987654)
    claim_of_a_gone_visit = claim(visit_id=876543)
    plain = visit()

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    links = dict(Visit.objects.values_list("pk", "payment_claim_id"))
    assert links == {
        both.pk: both_claim.pk,
        only_visit_side.pk: only_visit_side_claim.pk,
        only_claim_side.pk: only_claim_side_claim.pk,
        dangling.pk: None,
        plain.pk: None,
    }
    assert PaymentClaim.objects.filter(pk=claim_of_a_gone_visit.pk).exists()  # money records are never lost
    assert PaymentClaim.objects.count() == 4
