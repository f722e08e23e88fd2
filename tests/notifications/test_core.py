"""The notification core from the outside: notify once per event, the bell, the API, e-mail in the user's language."""

from decimal import Decimal

import pytest
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import notifications
from accounts.models import Notification


@pytest.fixture
def notified(org):
    """rep_a1 has two unread notifications and one read one; rep_a1b one of their own."""
    org.rep_a1.email, org.rep_a1b.email = "rep_a1@example.com", "rep_a1b@example.com"
    org.rep_a1.save()
    org.rep_a1b.save()
    notifications.notify(recipient=org.rep_a1, kind="plan_approved", key="plan-1", params={"plan": "2026 Acme"})
    notifications.notify(
        recipient=org.rep_a1,
        kind="write_off_approved",
        key="wo-7",
        params={"amount": Decimal("20583.24"), "distributor": "Acme Trading"},
        url="/receivables/write-offs/",
    )
    notifications.notify(recipient=org.rep_a1, kind="task_assigned", key="task-3", params={"by": "kam", "task": "x"})
    Notification.objects.filter(key="task-3").update(read_at="2026-01-01T00:00:00Z")
    returned = {"plan": "P", "comment": "c"}
    notifications.notify(recipient=org.rep_a1b, kind="plan_returned", key="plan-2", params=returned)
    return org


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(repeats=st.integers(min_value=1, max_value=4), key=st.text(min_size=1, max_size=60))
def test_an_event_notifies_and_emails_once_however_often_it_is_raised(
    org, repeats, key, django_capture_on_commit_callbacks
):
    Notification.objects.all().delete()
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        results = [
            notifications.notify(recipient=org.rep_a2, kind="plan_approved", key=key, params={"plan": "P"})
            for _ in range(repeats)
        ]
    assert results == [True] + [False] * (repeats - 1)
    assert Notification.objects.filter(recipient=org.rep_a2).count() == 1
    assert [m.to for m in mail.outbox] == [[org.rep_a2.email]]
    # the e-mail task run again (a redelivery under acks_late) does not send twice
    notification = Notification.objects.get(recipient=org.rep_a2)
    assert notifications.email_notification(notification_id=notification.pk) is False
    assert len(mail.outbox) == 1


def test_email_goes_in_the_recipients_language_with_separators_and_respects_the_preference(
    org, django_capture_on_commit_callbacks
):
    org.rep_a1.email, org.rep_a1.language = "a1@example.com", "zh-hans"
    org.rep_a1.save()
    org.rep_a1b.email, org.rep_a1b.notify_by_email = "a1b@example.com", False
    org.rep_a1b.save()
    params = {"amount": "20583.24", "distributor": "Acme"}
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(recipient=org.rep_a1, kind="write_off_approved", key="1", params=params)
        notifications.notify(recipient=org.rep_a1b, kind="write_off_approved", key="1", params=params)
    assert [m.to for m in mail.outbox] == [["a1@example.com"]]
    assert "20,583.24" in mail.outbox[0].body and "核销" in mail.outbox[0].subject
    # the bell still shows it to the user who turned e-mail off
    assert Notification.objects.filter(recipient=org.rep_a1b).count() == 1


def test_inactive_or_missing_recipient_is_not_notified_and_unknown_kind_is_an_error(org):
    org.rep_a1.is_active = False
    org.rep_a1.save()
    assert notifications.notify(recipient=org.rep_a1, kind="plan_approved", key="k") is False
    assert notifications.notify(recipient=None, kind="plan_approved", key="k") is False
    with pytest.raises(ValueError):
        notifications.notify(recipient=org.rep_a2, kind="no_such_kind", key="k")


def test_api_lists_counts_and_marks_read_only_the_callers_own(notified, api_for):
    api = api_for(notified.rep_a1)
    listed = api.get("/api/notifications/").json()
    assert listed["count"] == 3
    assert {n["kind"] for n in listed["results"]} == {"plan_approved", "write_off_approved", "task_assigned"}
    assert any("20,583.24" in n["title"] for n in listed["results"])
    assert api.get("/api/notifications/?unread=true").json()["count"] == 2
    assert api.get("/api/notifications/unread-count/").json() == {"unread": 2}
    first = Notification.objects.get(recipient=notified.rep_a1, key="plan-1")
    assert api.post(f"/api/notifications/{first.pk}/read/").json()["is_read"] is True
    assert api.get("/api/notifications/unread-count/").json() == {"unread": 1}
    assert api.post("/api/notifications/read-all/").json() == {"unread": 0}
    # someone else's notification is a 404, and their unread stays unread
    other = Notification.objects.get(recipient=notified.rep_a1b)
    assert api.get(f"/api/notifications/{other.pk}/").status_code == 404
    assert api.post(f"/api/notifications/{other.pk}/read/").status_code == 404
    assert api_for(notified.rep_a1b).get("/api/notifications/unread-count/").json() == {"unread": 1}
    assert api_for(notified.kam_a1).get("/api/notifications/").json()["count"] == 0


def test_bell_shows_count_and_list_and_marks_read_without_reload(notified, client_for):
    client = client_for(notified.rep_a1)
    home = client.get("/").content.decode()
    assert 'id="notification-bell"' in home
    count = client.get("/notifications/count/").content.decode()
    assert 'data-unread="2"' in count
    menu = client.get("/notifications/menu/", HTTP_HX_REQUEST="true").content.decode()
    assert "2026 Acme" in menu and "20,583.24" in menu
    after = client.post("/notifications/read-all/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-unread="0"' in after and 'hx-swap-oob="true"' in after
    assert client.get("/notifications/").status_code == 200


def test_opening_a_notification_marks_it_read_and_follows_its_link(notified, client_for):
    mine = Notification.objects.get(recipient=notified.rep_a1, key="wo-7")
    response = client_for(notified.rep_a1).post(f"/notifications/{mine.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/receivables/write-offs/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    other = Notification.objects.get(recipient=notified.rep_a1b)
    assert client_for(notified.rep_a1).post(f"/notifications/{other.pk}/open/").status_code == 404


def test_email_preference_is_a_setting_on_page_and_api(org, client_for, api_for):
    assert api_for(org.rep_a1).patch("/api/me/", {"notify_by_email": False}).json()["notify_by_email"] is False
    client_for(org.rep_a1).post("/account/", {"language": "en", "notify_by_email": "on"})
    org.rep_a1.refresh_from_db()
    assert org.rep_a1.notify_by_email is True
