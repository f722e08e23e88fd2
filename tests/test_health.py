from django.db import OperationalError
from django.test import Client, override_settings

from kamcrm import health, tasks


def test_healthz_reports_database_broker_and_worker(db):
    tasks.heartbeat.delay()
    body = Client().get("/healthz").json()
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["worker"]["status"] == "ok"


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_broker_down_is_a_503_naming_the_broker(db):
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error") and response.json()["failing"] == ["broker"]


def test_database_down_gives_503(db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(health.connection, "cursor", broken_cursor)
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")
