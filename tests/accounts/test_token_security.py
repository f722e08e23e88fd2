"""The token endpoint (issue 17 item 13): throttled, a locked-out account is a 429 like the login page, tokens
expire and are revoked at logout, and behind a proxy the lock-out keys on the client's address."""

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PASSWORD

TOKEN_URL = "/api/auth/token/"


def _token(client, username="rep_a1", password=PASSWORD, **extra):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json", **extra)


def test_the_token_endpoint_is_throttled_per_client_address(org):
    client = APIClient()
    statuses = [_token(client, username=f"nobody{i}", password="x").status_code for i in range(25)]
    assert statuses[0] == 400
    assert 429 in statuses
    first = statuses.index(429)
    assert set(statuses[first:]) == {429}  # once throttled, every further try is refused
    assert "Retry-After" in _token(client)
    # Another address is not held back by this one.
    assert _token(APIClient(), REMOTE_ADDR="10.9.9.9").status_code == 200


def test_a_locked_out_account_answers_429_like_the_login_page(org):
    client = APIClient()
    statuses = [_token(client, password="wrong").status_code for _ in range(5)]
    assert statuses == [400, 400, 400, 400, 429]  # AXES_FAILURE_LIMIT = 5
    locked = _token(client)  # the right password, but the account is locked out
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]
    assert Client().post("/login/", {"username": "rep_a1", "password": PASSWORD}).status_code == 429


def test_a_token_works_until_it_expires(org, cards, settings):
    settings.KAMCRM_TOKEN_TTL_HOURS = 2
    client = APIClient()
    body = _token(client).json()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.get("/api/me/").status_code == 200
    assert body["expires_at"]
    Token.objects.filter(key=body["token"]).update(created=timezone.now() - timedelta(hours=2, minutes=1))
    assert client.get("/api/me/").status_code == 401
    assert client.get(f"/api/distributors/{cards.a1.pk}/card.pdf").status_code == 401  # the PDF views too
    fresh = _token(APIClient()).json()["token"]
    assert fresh != body["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert client.get("/api/me/").status_code == 200
    # A token still valid is handed out again, not replaced (other devices keep working).
    assert _token(APIClient()).json()["token"] == fresh


@pytest.mark.parametrize("how", ["api", "page"])
def test_logout_revokes_the_token(org, how):
    token = _token(APIClient()).json()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/me/").status_code == 200
    if how == "api":
        assert api.post("/api/auth/logout/").status_code == 204
    else:
        browser = Client()
        browser.force_login(org.rep_a1)
        assert browser.post("/logout/").status_code == 302
    assert api.get("/api/me/").status_code == 401
    assert APIClient().post("/api/auth/logout/").status_code == 401


@override_settings(KAMCRM_TRUSTED_PROXY_HEADER="X-Forwarded-For", KAMCRM_TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_lock_out_keys_on_the_client_address(org):
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for _ in range(5):
        _token(APIClient(), password="wrong", **attacker)
    assert _token(APIClient(), **attacker).status_code == 429
    # The real user behind the same proxy is not locked out by the attacker.
    assert _token(APIClient(), HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code == 200
    # What a client writes into the header itself does not count: the proxy appends the real address.
    spoofed = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.99, 203.0.113.7"}
    assert _token(APIClient(), **spoofed).status_code == 429
    login = Client().post("/login/", {"username": "rep_a1", "password": PASSWORD}, **attacker)
    assert login.status_code == 429


def test_without_a_trusted_header_the_forwarded_header_is_ignored(org):
    for i in range(5):
        _token(APIClient(), password="wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    assert _token(APIClient(), HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429


def test_a_token_stands_for_its_own_user_only_while_they_are_active(org):
    """Each rep's token signs in that rep (the token's read is compiled once and reused for every key)."""
    for username in ("rep_a1", "rep_a2", "rep_b1", "kam_a1"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {_token(client, username=username).json()['token']}")
        me = client.get("/api/me/")
        assert me.status_code == 200
        assert me.json()["username"] == username
    org.rep_a2.is_active = False
    org.rep_a2.save()
    key = Token.objects.get(user=org.rep_a2).key
    refused = APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en").get("/api/me/")
    assert (refused.status_code, refused.json()["detail"]) == (401, "User inactive or deleted.")
    in_chinese = APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="zh-hans").get("/api/me/")
    assert (in_chinese.status_code, in_chinese.json()["detail"]) == (401, "用户未激活或者已删除。")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=80))
def test_any_other_key_is_a_401(org, key):
    assume(not Token.objects.filter(key=key).exists())
    refused = APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en").get("/api/me/")
    assert (refused.status_code, refused.json()["detail"]) == (401, "Invalid token.")
