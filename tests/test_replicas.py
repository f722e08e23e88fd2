"""Read replicas (issue 16): with DATABASE_REPLICA_URL set, dashboards, reports, exports and aging read from the
replica; writes, and reads after a write in the same request, stay on the primary.

Here the "replica" alias is the test database's own connection (its transaction holds the test's rows), and a
spy on the router records where each read was sent."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.test import override_settings

from distributors.models import Distributor
from kamcrm.replicas import ReplicaRouter, replica_reads
from reports.models import Visit
from tests.reports.factories import VisitFactory
from tests.reports.test_api import visit_payload

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def routed(monkeypatch, settings):
    """The replica configured; returns the list of (model label, database) of every read routed since."""
    settings.KAMCRM_READ_REPLICA = "replica"
    monkeypatch.setattr(connections._connections, "replica", connections["default"], raising=False)
    reads = []
    decide = ReplicaRouter.db_for_read

    def spy(self, model, **hints):
        alias = decide(self, model, **hints)
        reads.append((model._meta.label, alias or "default"))
        return alias

    monkeypatch.setattr(ReplicaRouter, "db_for_read", spy)
    return reads


def _databases(reads, *labels) -> set[str]:
    return {alias for label, alias in reads if label in labels}


def test_dashboards_aging_and_exports_read_from_the_replica(org, cards, client_for, api_for, routed):
    VisitFactory(distributor=cards.a1)
    assert api_for(org.admin).get("/api/dashboard/?level=company").status_code == 200
    assert _databases(routed, "reports.DistributorMonth", "distributors.Distributor") == {"replica"}

    routed.clear()
    assert client_for(org.finance).get("/receivables/aging/").status_code == 200
    assert _databases(routed, "receivables.Invoice") == {"replica"}
    assert _databases(routed, "sessions.Session") == {"default"}  # signing in is not a report

    for url in ("/api/receivables/aging/", "/api/distributors/export/", "/api/period-reports/"):
        routed.clear()
        assert api_for(org.kam_a1).get(url).status_code == 200, url
        assert "replica" in _databases(routed, *{label for label, _ in routed}), url


def test_writes_and_other_pages_stay_on_the_primary(org, cards, api_for, client_for, routed):
    response = api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1), format="json")
    assert response.status_code == 201
    assert client_for(org.rep_a1).get(f"/distributors/{cards.a1.pk}/").status_code == 200
    assert "replica" not in {alias for _, alias in routed}


def test_a_read_after_a_write_in_the_same_request_is_from_the_primary(cards, routed):
    with replica_reads():
        Distributor.objects.filter(pk=cards.a1.pk).exists()
        assert routed[-1] == ("distributors.Distributor", "replica")
        with transaction.atomic():  # inside a transaction it opened, a request reads its own writes
            Distributor.objects.filter(pk=cards.a1.pk).exists()
            assert routed[-1] == ("distributors.Distributor", "default")
        VisitFactory(distributor=cards.a1)
        assert Visit.objects.filter(distributor=cards.a1).count() == 1
        assert routed[-1] == ("reports.Visit", "default")
    assert _databases(routed, "reports.Visit") == {"default"}


def test_without_a_replica_everything_reads_from_the_primary(org, api_for, settings, monkeypatch):
    reads = []
    decide = ReplicaRouter.db_for_read
    monkeypatch.setattr(
        ReplicaRouter, "db_for_read", lambda self, model, **hints: reads.append(decide(self, model, **hints))
    )
    assert settings.KAMCRM_READ_REPLICA == ""
    assert api_for(org.admin).get("/api/dashboard/?level=company").status_code == 200
    assert reads and set(reads) == {None}


def test_database_replica_url_adds_the_replica_and_its_router():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kamcrm.settings.local",
        "DATABASE_URL": "postgres://kamcrm:secret@db.internal:5432/kamcrm",
        "DATABASE_REPLICA_URL": "postgres://kamcrm:secret@replica.internal:5433/kamcrm",
    }
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "r = s.DATABASES['replica']; print(json.dumps([s.KAMCRM_READ_REPLICA, r['HOST'], r['PORT'], "
        "r['TEST']['MIRROR'], r['OPTIONS'] == s.DATABASES['default']['OPTIONS'], s.DATABASE_ROUTERS]))"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        "replica",
        "replica.internal",
        5433,
        "default",
        True,
        ["kamcrm.replicas.ReplicaRouter"],
    ]


def _queries_of_a_view(routed, client, url) -> int:
    """How many queries a view of the dashboard ran (the "replica" is the test database's own connection)."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connections["default"]) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert {alias for label, alias in routed if label == "reports.DistributorMonth"} <= {"replica"}
    return len(queries)  # computed: 10 or more; kept: at most 2 (who may see it)


@pytest.mark.skipif(connections["default"].vendor != "postgresql", reason="WAL positions are PostgreSQL's")
# Every view after the write computes: not shown while recomputed, and not recomputed by the worker after the write
# (which, eager in the tests, runs in the drain that wrote, so it reads the primary).
@override_settings(DASHBOARD_STALE_SECONDS=0, DASHBOARD_WARM_SECONDS=0)
def test_a_dashboard_read_from_the_replica_is_kept_once_the_replica_has_replayed_its_write(
    org, cards, api_for, routed, monkeypatch, django_capture_on_commit_callbacks
):
    from kamcrm import replicas

    replayed = {"at": 0}  # a standby that has replayed nothing yet
    monkeypatch.setattr(replicas, "replay_position", lambda alias: replayed["at"])
    client, url = api_for(org.admin), "/api/dashboard/?level=company"
    assert _queries_of_a_view(routed, client, url) >= 10
    assert _queries_of_a_view(routed, client, url) >= 10  # lagging: shown, not kept
    replayed["at"] = replicas.primary_position()  # caught up with the primary
    assert _queries_of_a_view(routed, client, url) >= 10
    assert _queries_of_a_view(routed, client, url) <= 2  # kept: read from the cache
    before = client.get(url).json()["figures"]["visits"]
    with django_capture_on_commit_callbacks(execute=True):  # a visit, and the drain's refresh after its commit
        assert api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1), format="json").status_code == 201
    # The refresh made new generations past the replica's position: the dashboard is computed again, not kept.
    routed.clear()
    assert client.get(url).json()["figures"]["visits"] == before + 1
    assert _queries_of_a_view(routed, client, url) >= 10
    replayed["at"] = replicas.primary_position()
    assert _queries_of_a_view(routed, client, url) >= 10
    assert _queries_of_a_view(routed, client, url) <= 2


def test_a_generation_names_the_furthest_position_of_its_tokens():
    from reports.analytics.rollups.generations import position

    assert position("a1@5.b2@9") == 9
    assert position("a1.b2") == 0  # no replica configured: no position
    assert position("a1@7.b2") == 7
