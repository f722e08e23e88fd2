"""Account plans: vision, SMART objectives, action items; who may change what; overdue items on the home page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from distributors.models import AccountPlan, ActionItem, Objective
from distributors.plans import services
from kamcrm.audit.models import AuditEvent
from tests.plans import factories as pf


@pytest.fixture
def account_plan(org, cards):
    plan = services.save_account_plan(
        account_plan=AccountPlan(distributor=cards.a1, year=2027, vision="成为华东地区最重要的合作伙伴"), by=org.kam_a1
    )
    objective = services.save_objective(
        objective=Objective(
            account_plan=plan,
            statement="Grow Xianyue sales",
            measure="sales amount",
            target_value=Decimal("1200000.00"),
            due_on=timezone.localdate() + timedelta(days=200),
        ),
        by=org.kam_a1,
    )
    return plan, objective


def test_kam_writes_the_plan_objectives_and_action_items(org, account_plan):
    plan, objective = account_plan
    item = services.save_action_item(
        item=ActionItem(
            account_plan=plan,
            objective=objective,
            task="Set up end-cap displays in 10 stores",
            owner=org.rep_a1b,
            due_on=timezone.localdate() + timedelta(days=30),
        ),
        by=org.kam_a1,
    )
    assert item.created_by == org.kam_a1 and item.status == "todo"
    assert AuditEvent.objects.for_object(plan).get().action == "account_plan_created"
    assert AuditEvent.objects.for_object(item).get().action == "action_item_created"
    with pytest.raises(ValidationError):
        services.save_account_plan(
            account_plan=AccountPlan(distributor=plan.distributor, year=2027, vision="x"), by=org.kam_a1
        )


@pytest.mark.parametrize("who", ["rep_a1", "rm_a", "finance", "kam_a2"])
def test_who_may_not_write_an_account_plan(org, cards, account_plan, who):
    plan, _objective = account_plan
    user = getattr(org, who)
    with pytest.raises((PermissionDenied, ValidationError)):
        services.save_account_plan(account_plan=AccountPlan(distributor=cards.a1, year=2028, vision="x"), by=user)
    with pytest.raises(PermissionDenied):
        services.save_objective(
            objective=Objective(account_plan=plan, statement="x", measure="y", target_value=1, due_on="2027-12-31"),
            by=user,
        )


def test_the_owner_updates_progress_only_and_a_dropped_item_needs_a_note(org, account_plan):
    plan, _objective = account_plan
    item = pf.ActionItemFactory(account_plan=plan, owner=org.rep_a1b, created_by=org.kam_a1)
    item.status = "dropped"
    with pytest.raises(ValidationError) as caught:
        services.save_action_item(item=item, by=org.rep_a1b)
    assert "completion_note" in caught.value.message_dict
    item.status, item.completion_note = "done", "10 displays set up, photos in the visit log"
    done = services.save_action_item(item=item, by=org.rep_a1b)
    assert done.completed_on == timezone.localdate()
    done.due_on = done.due_on + timedelta(days=5)
    with pytest.raises(PermissionDenied):
        services.save_action_item(item=done, by=org.rep_a1b)  # an owner cannot move the due date
    other = pf.ActionItemFactory(account_plan=plan, owner=org.kam_a1, created_by=org.kam_a1)
    other.status = "doing"
    with pytest.raises(PermissionDenied):
        services.save_action_item(item=other, by=org.rep_a1b)
    outsider = ActionItem(account_plan=plan, task="x", owner=org.rep_a2, due_on=timezone.localdate())
    with pytest.raises(ValidationError) as caught:
        services.save_action_item(item=outsider, by=org.kam_a1)
    assert "owner" in caught.value.message_dict


def test_overdue_action_items_show_on_the_owners_home_page(org, account_plan, client_for):
    plan, _objective = account_plan
    yesterday = timezone.localdate() - timedelta(days=1)
    pf.ActionItemFactory(account_plan=plan, owner=org.rep_a1b, task="拜访采购经理谈年度合同", due_on=yesterday)
    pf.ActionItemFactory(account_plan=plan, owner=org.rep_a1b, task="Not due yet", due_on=timezone.localdate())
    pf.ActionItemFactory(account_plan=plan, owner=org.rep_a1b, task="Finished", due_on=yesterday, status="done")
    pf.ActionItemFactory(account_plan=plan, owner=org.rep_a1, task="Someone else's", due_on=yesterday)
    # A rep's home page is My day (issue 13): it lists the overdue and the due-today action items.
    home = client_for(org.rep_a1b).get("/").content.decode()
    assert 'id="day-plan"' in home and "拜访采购经理谈年度合同" in home and "Not due yet" in home
    assert "Finished" not in home and "Someone else&#x27;s" not in home
    assert 'id="home-overdue-actions"' not in client_for(org.kam_a2).get("/").content.decode()
    mine = client_for(org.rep_a1b).get("/plans/action-items/").content.decode()
    assert "拜访采购经理谈年度合同" in mine and "Not due yet" in mine and "Finished" not in mine


def test_account_plan_pages(org, cards, account_plan, client_for):
    plan, objective = account_plan
    kam = client_for(org.kam_a1)
    assert "成为华东地区最重要的合作伙伴" in kam.get("/plans/accounts/").content.decode()
    page = kam.get(f"/plans/accounts/{plan.pk}/").content.decode()
    assert "Grow Xianyue sales" in page and "Add action item" in page
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = kam.post(
        f"/plans/accounts/{plan.pk}/actions/new/",
        {
            "task": "Promotion follow-up",
            "objective": objective.pk,
            "owner": org.rep_a1.pk,
            "due_on": due,
            "status": "todo",
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get(task="Promotion follow-up")
    rep = client_for(org.rep_a1)
    assert rep.get(f"/plans/accounts/{plan.pk}/edit/").status_code == 403
    response = rep.post(
        f"/plans/accounts/{plan.pk}/actions/{item.pk}/?next=/plans/action-items/",
        {"status": "done", "completion_note": "完成"},
    )
    assert response.status_code == 302 and response["Location"] == "/plans/action-items/"
    item.refresh_from_db()
    assert (item.status, item.completion_note, item.task) == ("done", "完成", "Promotion follow-up")
    assert client_for(org.kam_a2).get(f"/plans/accounts/{plan.pk}/").status_code == 404
    new = kam.post("/plans/accounts/new/", {"distributor": cards.a1_second.pk, "year": 2027, "vision": "Grow"})
    assert new.status_code == 302 and AccountPlan.objects.filter(distributor=cards.a1_second).exists()


def test_account_plan_and_action_item_api(org, cards, account_plan, api_for):
    plan, objective = account_plan
    body = api_for(org.rm_a).get(f"/api/account-plans/{plan.pk}/").json()
    assert body["vision"] == plan.vision and body["objectives"][0]["target_value"] == "1200000.00"
    assert body["can_edit"] is False
    assert api_for(org.kam_b1).get(f"/api/account-plans/{plan.pk}/").status_code == 404
    assert api_for(org.rep_a1).patch(f"/api/account-plans/{plan.pk}/", {"vision": "x"}).status_code == 403
    patched = api_for(org.kam_a1).patch(
        f"/api/account-plans/{plan.pk}/",
        {
            "vision": "新愿景",
            "objectives": [
                {
                    "id": objective.pk,
                    "statement": "Grow",
                    "measure": "sales",
                    "target_value": "1.00",
                    "due_on": "2027-12-31",
                },
                {"statement": "Add 20 outlets", "measure": "outlets", "target_value": "20", "due_on": "2027-06-30"},
            ],
        },
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert [o["statement"] for o in patched.json()["objectives"]] == ["Add 20 outlets", "Grow"]
    created = api_for(org.kam_a1).post(
        "/api/account-plans/", {"distributor": cards.a1_second.pk, "year": 2027, "vision": "v"}, format="json"
    )
    assert created.status_code == 201
    assert (
        api_for(org.kam_a1)
        .post("/api/account-plans/", {"distributor": cards.a2.pk, "year": 2027, "vision": "v"}, format="json")
        .status_code
        == 400
    )

    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    item = api_for(org.kam_a1).post(
        "/api/action-items/",
        {"account_plan": plan.pk, "task": "Call the buyer", "owner": org.rep_a1.pk, "due_on": yesterday},
        format="json",
    )
    assert item.status_code == 201 and item.json()["is_overdue"] is True
    mine = api_for(org.rep_a1).get("/api/action-items/?mine=true&overdue=true").json()
    assert [i["task"] for i in mine["results"]] == ["Call the buyer"]
    url = f"/api/action-items/{item.json()['id']}/"
    assert api_for(org.rep_a1).patch(url, {"due_on": "2030-01-01"}, format="json").status_code == 403
    done = api_for(org.rep_a1).patch(url, {"status": "done", "completion_note": "ok"}, format="json")
    assert done.status_code == 200 and done.json()["completed_on"] == timezone.localdate().isoformat()
    assert api_for(org.rep_a2).get(url).status_code == 404
    assert api_for(org.rep_a1).delete(url).status_code == 405
