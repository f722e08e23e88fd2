import os
import sys
import time
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from tests import factories as f
from tests.midnight import seconds_to_wait


def pytest_configure(config):
    """A run that would start near midnight waits for it (tests/midnight.py)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):  # the controller waited before it started the workers
        return
    wait = seconds_to_wait(datetime.now(ZoneInfo(settings.TIME_ZONE)))
    if wait:
        print(f"Waiting {wait:.0f} s for midnight ({settings.TIME_ZONE}) before the tests start.", file=sys.stderr)
        time.sleep(wait)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in English: a request in Chinese must not leak its language into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: throttle counters (the token endpoint's) must not carry over."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _no_rollup_marks():
    """Each test starts with no rollup marks left by an earlier one: marks outlive a rolled-back transaction in
    their thread (a harmless refresh in production), and while a thread holds some it reads no kept dashboard."""
    from reports.analytics.dashboards import cache as kept_dashboards
    from reports.analytics.rollups import services as rollups

    rollups._pending.__dict__.clear()
    kept_dashboards._noted.clear()  # and no writer's mark noted by an earlier test (its cache is gone)
    kept_dashboards._viewed.clear()  # nor a view
    yield


@pytest.fixture
def org(db):
    """Two regions; region A has teams A1 (KAM + 2 reps) and A2 (KAM + 1 rep), region B has team B1.

    Plus a regional manager per region, company-wide finance, region-A finance and an admin.
    """
    region_a, region_b = f.RegionFactory(name="Region A"), f.RegionFactory(name="Region B")
    team_a1 = f.TeamFactory(name="Team A1", region=region_a)
    team_a2 = f.TeamFactory(name="Team A2", region=region_a)
    team_b1 = f.TeamFactory(name="Team B1", region=region_b)
    return SimpleNamespace(
        region_a=region_a,
        region_b=region_b,
        team_a1=team_a1,
        team_a2=team_a2,
        team_b1=team_b1,
        kam_a1=f.KamFactory(username="kam_a1", team=team_a1),
        kam_a2=f.KamFactory(username="kam_a2", team=team_a2),
        kam_b1=f.KamFactory(username="kam_b1", team=team_b1),
        rep_a1=f.RepFactory(username="rep_a1", team=team_a1),
        rep_a1b=f.RepFactory(username="rep_a1b", team=team_a1),
        rep_a2=f.RepFactory(username="rep_a2", team=team_a2),
        rep_b1=f.RepFactory(username="rep_b1", team=team_b1),
        rm_a=f.RegionalManagerFactory(username="rm_a", region=region_a),
        rm_b=f.RegionalManagerFactory(username="rm_b", region=region_b),
        finance=f.FinanceFactory(username="finance"),
        finance_a=f.FinanceFactory(username="finance_a", region=region_a),
        admin=f.AdminFactory(username="admin_user"),
    )


@pytest.fixture
def client_for(db):
    """A browser-like client signed in as the given user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for(db):
    """An API client authenticated as the given user (session-less, like a token caller)."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def cards(org):
    """Customer cards: two of rep_a1, one of rep_a1b (same team A1), one of rep_a2 (team A2), one of rep_b1."""
    return SimpleNamespace(
        a1=f.DistributorFactory(code="A1-001", name="Acme Trading", owner=org.rep_a1, city="Shanghai"),
        a1_second=f.DistributorFactory(code="A1-002", name="Blue Sky Foods", owner=org.rep_a1, city="Suzhou"),
        a1b=f.DistributorFactory(code="A1-101", name="Teammate Wholesale", owner=org.rep_a1b, city="Shanghai"),
        a2=f.DistributorFactory(code="A2-001", name="Hangzhou Grocers", owner=org.rep_a2, city="Hangzhou"),
        b1=f.DistributorFactory(code="B1-001", name="Guangzhou Rivers", owner=org.rep_b1, city="Guangzhou"),
    )


@pytest.fixture(scope="module")
def demo_company(django_db_setup, django_db_blocker):
    """The whole ``seed_demo`` company, built once per test module and rolled back after it.

    Tests that use it also request ``db``: each runs in a savepoint inside this outer transaction.
    """
    from django.core.management import call_command
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("seed_demo", quiet=True)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


DATA_MIGRATIONS = [
    ("accounts.migrations.0002_beat_schedules", "create_schedules"),
    ("distributors.migrations.0002_beat_schedules", "create_schedule"),
    ("receivables.migrations.0002_defaults_and_beat_schedules", "create"),
    ("reports.migrations.0004_beat_schedules", "create"),
    ("kamcrm.outbox.migrations.0002_drain_beat_schedule", "create_schedules"),
    ("kamcrm.idempotency.migrations.0002_purge_beat_schedule", "create_schedules"),
    ("receivables.migrations.0008_sweep_stuck_reminders_beat_schedule", "create_schedules"),
    ("reports.migrations.0015_rating_criteria_defaults", "create"),
    ("distributors.migrations.0009_progress_stages_defaults", "create"),
    ("reports.migrations.0017_freeze_contests_beat_schedule", "create_schedules"),
    ("receivables.migrations.0013_credit_hold_rules_and_holds", "rules_from_the_old_switch"),
    ("reports.migrations.0024_need_catalogue", "create"),
]


@pytest.fixture
def migration_data(db):
    """What the data migrations write on a fresh install (beat schedules, reference data).

    A transactional test elsewhere in the run flushes every table, so tests about these rows
    run the migrations' own functions again instead of trusting what is left in the test DB.
    """
    from importlib import import_module

    from django.apps import apps

    for module, function in DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)


REFUSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused at once


@pytest.fixture
def broker_down(settings):
    """The Celery broker is unreachable and tasks are really sent (not run in-process) until ``restore()``."""
    from kombu import pools

    from kamcrm.celery import app

    before = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}

    def point_at(broker_url: str, eager: bool) -> None:
        settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER = broker_url, eager
        app.conf.broker_url, app.conf.task_always_eager = broker_url, eager
        pools.reset()  # kombu keeps its connection and producer pools per URL, process-wide
        app._pool = None  # Celery builds its pool from broker_url on first use
        app.amqp._producer_pool = None

    point_at(REFUSED_BROKER, False)
    state = SimpleNamespace(restore=lambda: point_at(before["broker_url"], before["task_always_eager"]))
    yield state
    state.restore()
