"""A rep's visit POST in a bounded number of queries (issue 16). Apart from tests/test_query_counts.py, whose
module-wide demo company has users of the same names as the ``org`` fixture."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_logging_a_visit_takes_at_most_ten_queries(
    org, cards, api_for, monkeypatch, django_capture_on_commit_callbacks
):
    """Issue 16: a rep's visit POST (with the phone's client_ref) — checks, insert, last visit, audit and the
    rollup refresh request — in at most 10 queries, counted inside the test's transaction (its savepoints too)."""
    import uuid

    from reports.analytics.rollups import services as rollups
    from tests.reports.test_api import visit_payload

    monkeypatch.setattr(rollups, "wake_drain", lambda: None)  # the drain is the worker's queries, not the request's
    client = api_for(org.rep_a1)
    client.post("/api/visits/", visit_payload(cards.a1_second), format="json")  # warm-up (content types)
    for payload in (visit_payload(cards.a1), visit_payload(cards.a1, client_ref=str(uuid.uuid4()))):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/visits/", payload, format="json")
        assert response.status_code == 201, response.json()
        assert len(queries) <= 10, [q["sql"][:120] for q in queries.captured_queries]
    # Retried (same client_ref): the first visit comes back.
    assert client.post("/api/visits/", payload, format="json").json()["id"] == response.json()["id"]


@pytest.mark.django_db(transaction=True)
def test_a_visit_post_in_a_transaction_of_its_own_takes_no_savepoint(org, cards, api_for, monkeypatch):
    """Issue 16: outside a test's transaction, as in production, the visit's INSERT needs no savepoint (two round
    trips fewer); a retry still answers with the first visit."""
    import uuid

    from reports.analytics.rollups import services as rollups
    from tests.reports.test_api import visit_payload

    monkeypatch.setattr(rollups, "wake_drain", lambda: None)
    client = api_for(org.rep_a1)
    client.post("/api/visits/", visit_payload(cards.a1_second), format="json")  # warm-up (content types)
    payload = visit_payload(cards.a1, client_ref=str(uuid.uuid4()))
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/visits/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert not [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"].upper()]
    assert client.post("/api/visits/", payload, format="json").json()["id"] == response.json()["id"]
