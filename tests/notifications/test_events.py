"""Each event of today's workflows notifies the right people once — through the API, and under a retried task."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Notification
from receivables import services as money
from reports.analytics.period_reports import services as period_reports


def _kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_plan_submitted_returned_approved_reach_the_manager_and_the_kam(org, plan_a1, api_for):
    kam, manager, url = api_for(org.kam_a1), api_for(org.rm_a), f"/api/plans/{plan_a1.pk}/"
    assert kam.post(url + "submit/").status_code == 200
    assert kam.post(url + "submit/").status_code == 400  # a double submit is refused and notifies nothing
    assert _kinds(org.rm_a) == ["plan_submitted"] and _kinds(org.rm_b) == []
    assert manager.post(url + "return/", {"comment": "毛利再高一些"}).status_code == 200
    assert kam.post(url + "submit/").status_code == 200  # a second submission is a second event
    assert manager.post(url + "approve/", {}).status_code == 200
    assert _kinds(org.rm_a) == ["plan_submitted", "plan_submitted"]
    assert _kinds(org.kam_a1) == ["plan_approved", "plan_returned"]
    returned = api_for(org.kam_a1).get("/api/notifications/?kind=plan_returned").json()["results"][0]
    assert "毛利再高一些" in returned["title"] and returned["url"] == f"/plans/{plan_a1.pk}/"


def test_write_off_proposed_reaches_the_regions_manager_and_the_decision_the_proposer(org, cards, api_for):
    invoice = money.record_invoice(
        distributor=cards.a1, number="WO-1", issue_date=timezone.localdate() - timedelta(days=200),
        amount=Decimal("20583.24"), by=org.finance, payment_terms_days=30,
    )  # fmt: skip
    proposal = api_for(org.finance).post("/api/write-offs/", {"invoice": invoice.pk, "reason": "Bankrupt"})
    assert proposal.status_code == 201
    assert _kinds(org.rm_a) == ["write_off_proposed"] and _kinds(org.rm_b) == []
    title = api_for(org.rm_a).get("/api/notifications/").json()["results"][0]["title"]
    assert "20,583.24" in title and str(cards.a1) in title
    assert api_for(org.rm_a).post(f"/api/write-offs/{proposal.json()['id']}/approve/", {}).status_code == 200
    assert _kinds(org.finance) == ["write_off_approved"]


def test_day_reopened_and_commented_reach_the_rep(org, api_for):
    rep, kam = api_for(org.rep_a1), api_for(org.kam_a1)
    report = rep.post("/api/daily-reports/", {"date": str(timezone.localdate()), "happenings": "Good day"}).json()
    assert rep.post(f"/api/daily-reports/{report['id']}/submit/").status_code == 200
    assert kam.post(f"/api/daily-reports/{report['id']}/reopen/", {"comment": "add prices"}).status_code == 200
    assert kam.post(f"/api/daily-reports/{report['id']}/reopen/", {"comment": "again"}).status_code == 400
    assert _kinds(org.rep_a1) == ["day_reopened"]
    assert "add prices" in api_for(org.rep_a1).get("/api/notifications/").json()["results"][0]["title"]


def test_period_report_ready_notifies_once_when_the_generating_task_runs_again(org, cards):
    today = date(2026, 11, 4)
    assert period_reports.generate(today=today)
    mine = Notification.objects.filter(recipient=org.kam_a1, kind="period_report_ready").count()
    assert mine > 0
    period_reports.generate(today=today)  # the task retried
    assert Notification.objects.filter(recipient=org.kam_a1, kind="period_report_ready").count() == mine
    assert Notification.objects.filter(recipient=org.rep_a1, kind="period_report_ready").exists()
    assert not Notification.objects.filter(
        recipient=org.kam_b1, kind="period_report_ready", params__report__icontains="Team A1"
    ).exists()


def test_action_item_assigned_to_a_rep_notifies_them(org, cards, api_for):
    plan = (
        api_for(org.kam_a1)
        .post("/api/account-plans/", {"distributor": cards.a1.pk, "year": 2027, "vision": "v"}, format="json")
        .json()
    )
    item = api_for(org.kam_a1).post(
        "/api/action-items/",
        {"account_plan": plan["id"], "task": "Shelf audit", "owner": org.rep_a1.pk, "due_on": "2027-02-01"},
        format="json",
    )
    assert item.status_code == 201, item.json()
    assert _kinds(org.rep_a1) == ["task_assigned"]
    assert "Shelf audit" in api_for(org.rep_a1).get("/api/notifications/").json()["results"][0]["title"]
