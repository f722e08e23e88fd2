import re

import pytest
from rest_framework.test import APIClient

from accounts.models import Role, Team, User
from kamcrm.audit.models import AuditEvent
from tests.factories import PASSWORD

GOOD_PASSWORD = "Plenty-long-pass-77"


def test_token_login_then_me(org):
    client = APIClient()
    response = client.post("/api/auth/token/", {"username": "rep_a1", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = client.get("/api/me/").json()
    assert me == {
        "id": org.rep_a1.pk,
        "username": "rep_a1",
        "role": "rep",
        "team": org.team_a1.pk,
        "region": org.region_a.pk,
        "language": "en",
        "notify_by_email": True,
        "email": org.rep_a1.email,
        "first_name": org.rep_a1.first_name,
        "last_name": org.rep_a1.last_name,
    }


def test_wrong_password_gives_400_and_no_credentials_401(org):
    client = APIClient()
    assert client.post("/api/auth/token/", {"username": "rep_a1", "password": "wrong"}).status_code == 400
    assert client.get("/api/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/me/").status_code == 401


def test_superuser_reads_as_admin_and_finance_region(org, api_for):
    root = User.objects.create_superuser("root", "root@example.com", GOOD_PASSWORD)
    assert api_for(root).get("/api/me/").json()["role"] == "admin"
    me = api_for(org.finance_a).get("/api/me/").json()
    assert (me["role"], me["team"], me["region"]) == ("finance", None, org.region_a.pk)
    assert api_for(org.finance).get("/api/me/").json()["region"] is None


def test_user_picks_language_through_the_api(org, api_for):
    client = api_for(org.rep_a1)
    assert client.patch("/api/me/", {"language": "zh-hans"}).json()["language"] == "zh-hans"
    org.rep_a1.refresh_from_db()
    assert org.rep_a1.language == "zh-hans"
    response = client.patch("/api/me/", {"language": "fr"})
    assert response.status_code == 400 and "language" in response.json()


@pytest.mark.parametrize("path", ["users/{rep_a1}", "teams/{team_a1}", "regions/{region_a}"])
def test_rep_of_another_region_gets_404_on_org_objects(org, api_for, path):
    url = "/api/" + path.format(rep_a1=org.rep_a1.pk, team_a1=org.team_a1.pk, region_a=org.region_a.pk) + "/"
    assert api_for(org.rep_b1).get(url).status_code == 404
    assert api_for(org.kam_b1).get(url).status_code == 404
    assert api_for(org.rm_b).get(url).status_code == 404
    assert api_for(org.rep_a2).get(url).status_code == 200


def test_lists_are_scoped_and_paginated(org, api_for):
    body = api_for(org.rep_b1).get("/api/users/?page_size=2").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3  # kam_b1, rep_b1, rm_b
    assert len(body["results"]) == 2 and body["next"]
    teams = api_for(org.rep_a1).get("/api/teams/").json()["results"]
    assert {t["name"] for t in teams} == {"Team A1", "Team A2"}
    assert {t["name"] for t in api_for(org.finance_a).get("/api/teams/").json()["results"]} == {
        "Team A1",
        "Team A2",
        "Team B1",
    }
    a1 = next(t for t in teams if t["name"] == "Team A1")
    assert a1 == {"id": org.team_a1.pk, "name": "Team A1", "region": org.region_a.pk, "kam": org.kam_a1.pk}


def test_user_list_filters_by_role_and_region(org, api_for):
    client = api_for(org.admin)
    reps = client.get(f"/api/users/?role=rep&region={org.region_a.pk}").json()["results"]
    assert {u["username"] for u in reps} == {"rep_a1", "rep_a1b", "rep_a2"}


def test_non_admin_may_not_write_org_objects(org, api_for):
    client = api_for(org.rm_a)
    assert client.post("/api/regions/", {"name": "New"}).status_code == 403
    assert client.patch(f"/api/teams/{org.team_a1.pk}/", {"name": "Renamed"}).status_code == 403
    assert api_for(org.rep_b1).patch(f"/api/teams/{org.team_a1.pk}/", {"name": "Renamed"}).status_code == 404
    assert Team.objects.get(pk=org.team_a1.pk).name == "Team A1"


def test_admin_creates_a_rep_who_can_then_log_in(org, api_for):
    response = api_for(org.admin).post(
        "/api/users/",
        {
            "username": "rep_new",
            "password": GOOD_PASSWORD,
            "role": "rep",
            "team": org.team_a2.pk,
            "email": "rep_new@example.com",
            "language": "zh-hans",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "password" not in body
    assert (body["role"], body["team"], body["region"], body["language"]) == (
        "rep",
        org.team_a2.pk,
        org.region_a.pk,
        "zh-hans",
    )
    token = APIClient().post("/api/auth/token/", {"username": "rep_new", "password": GOOD_PASSWORD})
    assert token.status_code == 200
    event = AuditEvent.objects.get(action="user_created", object_id=str(body["id"]))
    assert event.actor == org.admin


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "rep"}, "team"),
        ({"role": "regional_manager"}, "region"),
        ({"role": "finance", "team": "@team_a1"}, "team"),
        ({"role": "kam", "team": "@team_a1"}, "team"),
        ({"role": "rep", "team": "@team_a1", "password": None}, "password"),
        ({"role": "rep", "team": "@team_a1", "password": "short"}, "password"),
        ({"role": "boss", "team": "@team_a1"}, "role"),
        ({"role": "rep", "team": 999999}, "team"),
    ],
)
def test_bad_user_payloads_get_field_errors_and_save_nothing(org, api_for, payload, field):
    data = {"username": "bad_user", "password": GOOD_PASSWORD}
    for key, value in payload.items():
        data[key] = getattr(org, value[1:]).pk if isinstance(value, str) and value.startswith("@") else value
    data = {k: v for k, v in data.items() if v is not None}
    response = api_for(org.admin).post("/api/users/", data, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(username="bad_user").exists()


def test_admin_manages_regions_and_teams(org, api_for):
    client = api_for(org.admin)
    region = client.post("/api/regions/", {"name": "Region C"}).json()
    kam = User.objects.create_user("kam_c", password=GOOD_PASSWORD, role=Role.KAM)
    team = client.post("/api/teams/", {"name": "Team C1", "region": region["id"], "kam": kam.pk})
    assert team.status_code == 201, team.json()
    kam.refresh_from_db()
    assert kam.team_id == team.json()["id"]
    assert client.post("/api/teams/", {"name": "Team C1", "region": region["id"]}).status_code == 400
    assert client.delete(f"/api/regions/{region['id']}/").status_code == 400  # still has a team
    assert client.post("/api/teams/", {"name": "X", "region": region["id"], "kam": org.rep_a1.pk}).status_code == 400


def test_users_are_deactivated_not_deleted(org, api_for):
    client = api_for(org.admin)
    assert client.delete(f"/api/users/{org.rep_a1.pk}/").status_code == 405
    assert client.patch(f"/api/users/{org.rep_a1.pk}/", {"is_active": False}).status_code == 200
    assert not User.objects.get(pk=org.rep_a1.pk).is_active


def test_openapi_schema_and_docs_are_served(org, client_for):
    client = client_for(org.rep_a1)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/users/" in schema.content and b"/api/me/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert not re.search(rb'(src|href)="(https?:)?//', docs.content)  # Swagger UI is vendored, no CDN
