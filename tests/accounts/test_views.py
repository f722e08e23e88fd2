from django.test import Client

from accounts.models import Region, Team, User
from kamcrm.audit.models import AuditEvent
from tests.factories import PASSWORD

NEW_PASSWORD = "Brand-new-pass-2026"


def test_login_page_and_login_lands_on_home(org):
    client = Client()
    assert client.get("/").status_code == 302
    page = client.get("/login/")
    assert page.status_code == 200 and b'name="password"' in page.content
    response = client.post("/login/", {"username": "rep_a1", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert b"Sales rep" in response.content and b"Team A1" in response.content


def test_wrong_password_shows_an_error_and_repeated_failures_lock_out(org):
    client = Client()
    response = client.post("/login/", {"username": "rep_a1", "password": "nope"})
    assert response.status_code == 200 and b"alert-danger" in response.content
    for _ in range(5):
        client.post("/login/", {"username": "rep_a1", "password": "nope"})
    locked = client.post("/login/", {"username": "rep_a1", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content


def test_logout(org, client_for):
    client = client_for(org.rep_a1)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_change_own_password(org, client_for):
    client = client_for(org.rep_a1)
    weak = client.post("/account/password/", {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 200 and b"is-invalid" in weak.content
    done = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    org.rep_a1.refresh_from_db()
    assert org.rep_a1.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 200  # still signed in
    assert AuditEvent.objects.for_object(org.rep_a1).filter(action="password_changed").exists()


def test_language_is_remembered_per_user(org, client_for):
    client = client_for(org.rep_a1)
    response = client.post("/account/language/", {"language": "zh-hans", "next": "/"}, follow=True)
    assert "欢迎".encode() in response.content and "销售代表".encode() in response.content
    org.rep_a1.refresh_from_db()
    assert org.rep_a1.language == "zh-hans"
    # A new session (another device) gets the saved language without any cookie.
    assert "欢迎".encode() in client_for(org.rep_a1).get("/").content
    # Someone else is not affected.
    assert b"Welcome" in client_for(org.rep_a2).get("/").content


def test_switch_language_ignores_foreign_redirects(org, client_for):
    response = client_for(org.rep_a1).post("/account/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_anonymous_visitor_can_pick_chinese_on_the_login_page():
    client = Client()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    assert "登录".encode() in client.get("/login/").content


def test_navigation_fits_the_role(org, client_for):
    admin_page = client_for(org.admin).get("/").content.decode()
    rep_page = client_for(org.rep_a1).get("/").content.decode()
    assert 'href="/org/"' in admin_page
    assert 'href="/org/"' not in rep_page
    assert client_for(org.rep_a1).get("/org/").status_code == 403
    assert client_for(org.kam_a1).get("/org/users/").status_code == 403


def test_kam_home_lists_the_team(org, client_for):
    page = client_for(org.kam_a1).get("/").content.decode()
    assert org.rep_a1.username in page and org.rep_a1b.username in page
    assert org.rep_a2.username not in page


def test_admin_creates_a_user_in_the_browser(org, client_for):
    client = client_for(org.admin)
    assert client.get("/org/users/new/").status_code == 200
    bad = client.post(
        "/org/users/new/",
        {
            "username": "rep_web",
            "role": "rep",
            "language": "en",
            "is_active": "on",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert bad.status_code == 200 and "A rep must belong to a team." in bad.content.decode()
    assert not User.objects.filter(username="rep_web").exists()
    good = client.post(
        "/org/users/new/",
        {
            "username": "rep_web",
            "role": "rep",
            "team": org.team_a2.pk,
            "language": "zh-hans",
            "is_active": "on",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert good.status_code == 302
    user = User.objects.get(username="rep_web")
    assert user.team == org.team_a2 and user.check_password(NEW_PASSWORD)
    listing = client.get("/org/users/?q=rep_web", HTTP_HX_REQUEST="true")
    assert b"rep_web" in listing.content and b'<nav class="navbar' not in listing.content


def test_admin_sets_a_users_password(org, client_for):
    client = client_for(org.admin)
    response = client.post(
        f"/org/users/{org.rep_a1.pk}/password/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    org.rep_a1.refresh_from_db()
    assert org.rep_a1.check_password(NEW_PASSWORD)


def test_admin_manages_regions_and_teams_in_the_browser(org, client_for):
    client = client_for(org.admin)
    assert client.post("/org/regions/new/", {"name": "Region C"}).status_code == 302
    region = Region.objects.get(name="Region C")
    assert client.post("/org/teams/new/", {"name": "Team C1", "region": region.pk}).status_code == 302
    team = Team.objects.get(name="Team C1")
    page = client.get("/org/").content.decode()
    assert "Region C" in page and "Team C1" in page
    client.post(f"/org/regions/{region.pk}/delete/")  # refused: still has a team
    assert Region.objects.filter(pk=region.pk).exists()
    client.post(f"/org/teams/{team.pk}/delete/")
    client.post(f"/org/regions/{region.pk}/delete/")
    assert not Region.objects.filter(pk=region.pk).exists()


def test_django_admin_works_for_the_admin_role(org, client_for):
    assert client_for(org.admin).get("/admin/accounts/user/").status_code == 200
    assert client_for(org.rep_a1).get("/admin/accounts/user/").status_code == 302  # to the admin login
