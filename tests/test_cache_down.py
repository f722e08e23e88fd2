"""The shared cache (Redis) is a speed-up, never a door: with it unreachable, people still sign in through the
browser, work, sign out and get API tokens (issue 16, "Stateless web"). Sessions live in the database only."""

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.factories import PASSWORD

DEAD = {"default": {"BACKEND": "kamcrm.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}

# Pages each role opens first: the home page, the dashboard, the cards, the visit log, the receivables.
PAGES = ["/", "/dashboard/", "/distributors/", "/reports/visits/", "/receivables/"]


@pytest.fixture
def dead_cache():
    with override_settings(CACHES=DEAD):  # Django's test signals rebuild the cache handler
        yield


def test_sessions_do_not_depend_on_the_cache():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


@pytest.mark.parametrize("role", ["rep_a1", "kam_a1", "rm_a", "finance", "admin"])
def test_with_the_cache_down_a_person_signs_in_works_and_signs_out(org, cards, dead_cache, role):
    user = getattr(org, role)
    browser = Client()
    signed_in = browser.post("/login/", {"username": user.username, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content[:300]
    for page in PAGES:
        response = browser.get(page, follow=True)
        assert response.status_code in (200, 404), (page, response.status_code)
        assert response.redirect_chain == [] or "/login/" not in response.redirect_chain[-1][0], page
    assert browser.get("/api/me/").json()["username"] == user.username
    assert browser.post("/logout/").status_code in (200, 302)
    assert "/login/" in browser.get("/", follow=True).redirect_chain[-1][0]  # the session is gone


def test_with_the_cache_down_a_token_is_still_issued_and_a_wrong_password_still_refused(org, dead_cache):
    def ask(password):
        body = {"username": org.rep_a1.username, "password": password}
        return Client().post("/api/auth/token/", body, content_type="application/json")

    assert ask("not-" + PASSWORD).status_code == 400
    response = ask(PASSWORD)
    assert response.status_code == 200, response.content[:300]
    assert response.json()["token"]


def test_with_the_cache_down_a_rep_logs_a_visit_and_it_reaches_the_dashboard(
    org, cards, dead_cache, api_for, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    now = timezone.now()
    body = {"distributor": cards.a1.pk, "kind": "in_person", "purpose": "order_taking", "outcome": "Shelf checked",
            "started_at": now.isoformat(), "ended_at": now.isoformat()}  # fmt: skip
    api = api_for(org.rep_a1)
    with django_capture_on_commit_callbacks(execute=True):  # the commit: the drain is queued without the cache
        assert api.post("/api/visits/", body, format="json").status_code == 201
    board = api.get(f"/api/dashboard/?level=rep&id={org.rep_a1.pk}&period=day")
    assert board.status_code == 200
    assert board.json()["figures"]["visits"] == 1


def test_with_the_cache_down_health_says_so_and_answers(dead_cache, db):
    response = Client().get("/healthz")
    assert response.status_code in (200, 503)
    assert "error" in response.json()["worker"]["status"]
