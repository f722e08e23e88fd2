"""/api/plans/ from the outside: shape, nested months and splits, bad input, workflow permissions per role, scope."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.models import QuarterlyPlan, RepSplit
from distributors.plans.models import PlanStatus
from kamcrm.audit.models import AuditEvent
from tests import factories as f
from tests.plans import factories as pf

QUARTER = {
    "volume": 3000,
    "sales_amount": "300000.00",
    "gross_profit": "60000.00",
    "collection_amount": "280000.00",
    "outlet_coverage": 120,
    "new_outlets": 9,
}


def _new_plan(cards, **extra):
    return {"distributor": cards.a1.pk, "year": 2027, "quarter": 2, **QUARTER, **extra}


def test_plan_shape_with_nested_months_and_rep_splits(org, cards, api_for):
    response = api_for(org.kam_a1).post(
        "/api/plans/",
        _new_plan(
            cards,
            sales_amount="100000.01",
            rep_shares=[{"rep": org.rep_a1.pk, "share_pct": "70"}, {"rep": org.rep_a1b.pk, "share_pct": "30"}],
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"id", "distributor", "year", "quarter", "revision", "status", "monthly_plans", "steps"} <= set(body)
    assert (body["status"], body["revision"], body["sales_amount"], body["volume"]) == ("draft", 1, "100000.01", 3000)
    months = body["monthly_plans"]
    assert [m["month"] for m in months] == ["2027-04-01", "2027-05-01", "2027-06-01"]
    assert [m["sales_amount"] for m in months] == ["33333.34", "33333.34", "33333.33"]
    first = {s["rep"]: s for s in months[0]["rep_splits"]}
    assert first[org.rep_a1.pk]["share_pct"] == "70.00" and first[org.rep_a1.pk]["sales_amount"] == "23333.34"
    assert first[org.rep_a1b.pk]["sales_amount"] == "10000.00"
    assert body["steps"][0]["action"] == "created" and body["steps"][0]["by"] == org.kam_a1.pk
    assert body["can_edit"] is True


def test_months_by_hand_and_splits_by_amount(org, cards, api_for):
    month = {"volume": 1000, "sales_amount": "100000.00", "gross_profit": "20000.00", "collection_amount": "90000.00"}
    month.update(outlet_coverage=40, new_outlets=3)
    splits = [
        {"rep": org.rep_a1.pk, **{**month, "sales_amount": "60000.00", "volume": 600}},
        {"rep": org.rep_a1b.pk, **{**month, "sales_amount": "40000.00", "volume": 400, "gross_profit": "0.00"}},
    ]
    splits[0]["gross_profit"], splits[0]["collection_amount"], splits[1]["collection_amount"] = "20000.00", "0", "90000"
    splits[0]["outlet_coverage"], splits[1]["outlet_coverage"] = 40, 0
    splits[0]["new_outlets"], splits[1]["new_outlets"] = 3, 0
    payload = _new_plan(
        cards,
        volume=3000,
        sales_amount="300000.00",
        gross_profit="60000.00",
        collection_amount="270000.00",
        outlet_coverage=40,  # a level: the last month's
        new_outlets=9,
        distribution="manual",
        split_method="amount",
        monthly_plans=[{**month, "rep_splits": splits}] * 3,
    )
    response = api_for(org.kam_a1).post("/api/plans/", payload, format="json")
    assert response.status_code == 201, response.json()
    first = {s["rep"]: s for s in response.json()["monthly_plans"][0]["rep_splits"]}
    assert first[org.rep_a1b.pk]["collection_amount"] == "90000.00" and first[org.rep_a1b.pk]["share_pct"] is None

    # One cent off in one rep's split: a 400 naming the split, nothing saved.
    splits[1]["sales_amount"] = "39999.99"
    payload.update(quarter=3, monthly_plans=[{**month, "rep_splits": splits}] * 3)
    before = QuarterlyPlan.objects.count()
    response = api_for(org.kam_a1).post("/api/plans/", payload, format="json")
    assert response.status_code == 400 and "rep_splits" in response.json()
    assert "99999.99" in response.json()["rep_splits"][0]
    assert QuarterlyPlan.objects.count() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"distribution": "manual", "monthly_plans": [{"volume": 1000}] * 3}, "monthly_plans"),
        ({"rep_shares": [{"rep": "@rep_a1", "share_pct": "50"}]}, "rep_splits"),
        ({"rep_shares": [{"rep": "@rep_a2", "share_pct": "100"}]}, "rep_splits"),
        ({"rep_shares": [{"rep": "@rep_b1", "share_pct": "100"}]}, "rep_shares"),  # not even visible
        ({"distributor": "@b1"}, "distributor"),
        ({"distributor": "@a2"}, "distributor"),
        ({"sales_amount": "-1.00"}, "sales_amount"),
        ({"sales_amount": "1.005"}, "sales_amount"),
        ({"quarter": 5}, "quarter"),
        ({"distribution": "profile"}, "seasonal_profile"),
        ({"quarter": 1}, "quarter"),  # plan_a1 exists for 2027-Q1
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_nothing_saved(org, cards, api_for, plan_a1, change, field):
    payload = _new_plan(cards)
    for key, value in change.items():
        if isinstance(value, str) and value.startswith("@"):
            value = getattr(cards, value[1:]).pk
        if key == "rep_shares":
            value = [{**s, "rep": getattr(org, s["rep"][1:]).pk} for s in value]
        payload[key] = value
    before = QuarterlyPlan.objects.count(), RepSplit.objects.count(), AuditEvent.objects.count()
    response = api_for(org.kam_a1).post("/api/plans/", payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json(), response.json()
    assert (QuarterlyPlan.objects.count(), RepSplit.objects.count(), AuditEvent.objects.count()) == before


def test_scope_from_the_outside(org, plans, api_for):
    def listed(user):
        return {p["id"] for p in api_for(user).get("/api/plans/?page_size=500").json()["results"]}

    assert listed(org.kam_a1) == {plans.a1.pk}
    assert listed(org.kam_a2) == {plans.a2.pk}
    assert listed(org.rm_a) == {plans.a1.pk, plans.a2.pk}
    assert listed(org.rm_b) == {plans.b1.pk}
    assert listed(org.finance) == {plans.a1.pk, plans.a2.pk, plans.b1.pk}
    assert listed(org.finance_a) == {plans.a1.pk, plans.a2.pk}
    assert listed(org.admin) == {plans.a1.pk, plans.a2.pk, plans.b1.pk}
    assert listed(org.rep_a1) == {plans.a1.pk}  # owns Acme
    assert listed(org.rep_a1b) == {plans.a1.pk}  # has a 40 % split of it
    assert listed(org.rep_a2) == {plans.a2.pk}
    # Outside the scope: 404 for reads and writes alike, the same as a plan that does not exist.
    for path in ("", "actuals/", "revisions/"):
        assert api_for(org.kam_a2).get(f"/api/plans/{plans.a1.pk}/{path}").status_code == 404
    assert api_for(org.kam_a2).patch(f"/api/plans/{plans.a1.pk}/", {"volume": 1}, format="json").status_code == 404
    for step in ("submit", "approve", "return", "revise", "confirm"):
        assert api_for(org.rm_b).post(f"/api/plans/{plans.a1.pk}/{step}/", {"comment": "x"}).status_code == 404
    assert api_for(org.rep_a1).get(f"/api/plans/{plans.a2.pk}/").status_code == 404
    assert api_for(org.rep_a1).get("/api/plans/999999/").status_code == 404
    assert api_for(org.kam_a1).delete(f"/api/plans/{plans.a1.pk}/").status_code == 405


def test_a_kam_drafts_and_submits_a_regional_manager_approves(org, plan_a1, api_for):
    kam, manager = api_for(org.kam_a1), api_for(org.rm_a)
    url = f"/api/plans/{plan_a1.pk}/"
    patched = kam.patch(url, {"gross_profit": "66000.00", "notes": "含春节促销"}, format="json")
    assert patched.status_code == 200 and patched.json()["gross_profit"] == "66000.00"
    months = patched.json()["monthly_plans"]
    assert [m["gross_profit"] for m in months] == ["22000.00"] * 3
    assert {s["share_pct"] for s in months[0]["rep_splits"]} == {"60.00", "40.00"}  # a PATCH keeps the split
    assert kam.post(url + "submit/").json()["status"] == "submitted"
    assert kam.patch(url, {"volume": 1}, format="json").status_code == 400  # under review
    returned = manager.post(url + "return/", {"comment": ""})
    assert returned.status_code == 400 and "comment" in returned.json()
    returned = manager.post(url + "return/", {"comment": "毛利目标再提高一些"})
    assert returned.json()["status"] == "returned" and returned.json()["return_comment"] == "毛利目标再提高一些"
    assert kam.patch(url, {"gross_profit": "70000.00"}, format="json").status_code == 200
    assert kam.post(url + "submit/").status_code == 200
    approved = manager.post(url + "approve/", {"comment": "同意"})
    assert approved.status_code == 200
    body = approved.json()
    assert (body["status"], body["approved_by"], body["can_edit"]) == ("approved", org.rm_a.pk, False)
    assert [s["action"] for s in body["steps"]] == [
        "created",
        "changed",
        "submitted",
        "returned",
        "changed",
        "submitted",
        "approved",
    ]
    # Approved: read-only (400), a second approval is a 400, a revision is the way to change it.
    assert kam.patch(url, {"volume": 1}, format="json").status_code == 400
    assert manager.post(url + "approve/").status_code == 400
    revision = kam.post(url + "revise/", {"reason": "新开三家门店"})
    assert revision.status_code == 201
    assert (revision.json()["revision"], revision.json()["previous_revision"]) == (2, plan_a1.pk)
    history = kam.get(url + "revisions/").json()
    assert [(p["revision"], p["status"]) for p in history] == [(1, "approved"), (2, "draft")]


@pytest.mark.parametrize(
    ("who", "step", "code"),
    [
        # The role may never take the step on a plan it can see: 403.
        ("rep_a1", "submit", 403),
        ("rep_a1", "approve", 403),
        ("rep_a1b", "return", 403),
        ("finance", "submit", 403),
        ("finance", "approve", 403),
        ("finance_a", "revise", 403),
        ("kam_a1", "approve", 403),
        ("kam_a1", "return", 403),
        ("rm_a", "submit", 403),
        ("rm_a", "revise", 403),
        # Allowed roles outside their scope: 404.
        ("kam_a2", "submit", 404),
        ("rm_b", "approve", 404),
        # Allowed: 200.
        ("rm_a", "approve", 200),
        ("rm_a", "return", 200),
        ("admin", "approve", 200),
    ],
)
def test_workflow_permissions_per_role(org, plan_a1, api_for, who, step, code):
    api_for(org.kam_a1).post(f"/api/plans/{plan_a1.pk}/submit/")
    if step == "revise":
        api_for(org.rm_a).post(f"/api/plans/{plan_a1.pk}/approve/")
    response = api_for(getattr(org, who)).post(f"/api/plans/{plan_a1.pk}/{step}/", {"comment": "ok"})
    assert response.status_code == code, response.json()
    expected = {"approve": "approved", "return": "returned"}.get(step, "submitted") if code == 200 else None
    if expected:
        assert QuarterlyPlan.objects.get(pk=plan_a1.pk).status == expected


@pytest.mark.parametrize("who", ["rep_a1", "rm_a", "finance"])
def test_roles_that_may_not_draft_get_403(org, cards, api_for, plan_a1, who):
    user = getattr(org, who)
    assert api_for(user).post("/api/plans/", _new_plan(cards), format="json").status_code == 403
    assert api_for(user).patch(f"/api/plans/{plan_a1.pk}/", {"volume": 1}, format="json").status_code == 403


def test_approving_your_own_plan_is_a_400(org, cards, api_for):
    admin = api_for(org.admin)
    plan = admin.post("/api/plans/", _new_plan(cards), format="json").json()
    admin.post(f"/api/plans/{plan['id']}/submit/")
    response = admin.post(f"/api/plans/{plan['id']}/approve/")
    assert response.status_code == 400 and "own plan" in str(response.json())
    assert QuarterlyPlan.objects.get(pk=plan["id"]).status == PlanStatus.SUBMITTED


def test_confirmation_with_a_signed_copy(org, cards, plans, api_for):
    url = f"/api/plans/{plans.a1.pk}/confirm/"
    day = (timezone.localdate() - timedelta(days=2)).isoformat()
    other = f.ContactFactory(distributor=cards.a2)
    bad = api_for(org.kam_a1).post(url, {"confirmed_by": other.pk, "confirmed_on": day}, format="multipart")
    assert bad.status_code == 400 and "confirmed_by" in bad.json()
    scan = SimpleUploadedFile("签字计划.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    response = api_for(org.kam_a1).post(
        url, {"confirmed_by": plans.contact_a1.pk, "confirmed_on": day, "signed_copy": scan}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["confirmed_by"] == plans.contact_a1.pk and body["confirmed_on"] == day
    assert body["signed_copy"].endswith(f"/api/plans/{plans.a1.pk}/signed-copy/")
    assert api_for(org.rm_a).get(body["signed_copy"]).content == b"%PDF-1.4 signed"
    assert api_for(org.kam_b1).get(body["signed_copy"]).status_code == 404
    assert api_for(org.rm_a).post(url, {"confirmed_by": plans.contact_a1.pk, "confirmed_on": day}).status_code == 403


def test_plan_vs_actual_endpoint(org, plans, api_for):
    rows = api_for(org.rep_a2).get(f"/api/plans/{plans.a2.pk}/actuals/").json()
    assert [r["label"] for r in rows] == ["2027-01", "2027-02", "2027-03", "2027-Q1"]
    quarter = rows[-1]
    assert quarter["target"]["sales_amount"] == "300000.00" and quarter["target"]["volume"] == 3000
    assert quarter["actual"]["sales_amount"] == "0.00"
    assert quarter["rates"]["sales_amount"] == "0.0000"


def test_seasonal_profiles_are_read_by_all_and_written_by_the_admin(org, api_for):
    profile = pf.SeasonalProfileFactory(name="Spring festival")
    assert api_for(org.rep_a1).get("/api/seasonal-profiles/").json()["results"][0]["jan"] == "12.00"
    months = dict.fromkeys(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov"), "8.33")
    payload = {"name": "Flat", **months, "dec": "8.37"}
    assert api_for(org.kam_a1).post("/api/seasonal-profiles/", payload).status_code == 403
    assert api_for(org.admin).post("/api/seasonal-profiles/", payload).status_code == 201
    bad = api_for(org.admin).patch(f"/api/seasonal-profiles/{profile.pk}/", {"jan": "50.00"})
    assert bad.status_code == 400 and "non_field_errors" in bad.json()


def test_xlsx_export_through_the_api_is_scoped_and_filtered(org, plans, api_for):
    import io

    import openpyxl

    response = api_for(org.finance_a).get("/api/plans/export/?status=approved")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content))["Plans"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["A2-001"]  # region A only, approved only


def test_the_plan_list_does_not_query_per_plan(org, cards, api_for, django_assert_max_num_queries):
    for i in range(8):
        card = f.DistributorFactory(owner=org.rep_a1)
        pf.make_plan(by=org.kam_a1, distributor=card, quarter=1 + i % 4)
    with django_assert_max_num_queries(12):
        body = api_for(org.kam_a1).get("/api/plans/?page_size=100").json()
    assert body["count"] == 8 and all(p["can_edit"] for p in body["results"])
    assert all(len(p["monthly_plans"]) == 3 for p in body["results"])


MONTH_BY_HAND = {
    "volume": 1000,
    "sales_amount": "100000.00",
    "gross_profit": "20000.00",
    "collection_amount": "90000.00",
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    quarter=st.integers(min_value=1, max_value=500),
    ramp=st.lists(st.integers(min_value=0, max_value=600), min_size=3, max_size=3),
)
def test_outlet_coverage_by_hand_is_a_ramp_up_to_the_quarters_level(org, cards, api_for, quarter, ramp):
    """Months may ramp up to the quarter's outlet coverage, never above it, and the last month is the quarter's;
    anything else is a 400 naming the months, with nothing saved (API.md "Outlet coverage is a level")."""
    months = [{**MONTH_BY_HAND, "outlet_coverage": level, "new_outlets": 3} for level in ramp]
    payload = _new_plan(
        cards,
        distributor=cards.a1_second.pk,
        outlet_coverage=quarter,
        collection_amount="270000.00",
        distribution="manual",
        monthly_plans=months,
    )
    before = (QuarterlyPlan.objects.count(), RepSplit.objects.count())
    response = api_for(org.kam_a1).post("/api/plans/", payload, format="json")
    fine = max(ramp) <= quarter and ramp[-1] == quarter
    if fine:
        assert response.status_code == 201, response.json()
        body = response.json()
        assert [m["outlet_coverage"] for m in body["monthly_plans"]] == ramp
        for month in body["monthly_plans"]:  # the splits of a month add up to the month's level
            assert sum(s["outlet_coverage"] for s in month["rep_splits"]) == month["outlet_coverage"]
        QuarterlyPlan.objects.filter(pk=body["id"]).delete()
    else:
        assert response.status_code == 400 and "monthly_plans" in response.json()
        assert (QuarterlyPlan.objects.count(), RepSplit.objects.count()) == before


def test_an_evenly_spread_quarter_gives_every_month_its_outlet_coverage(org, cards, api_for):
    response = api_for(org.kam_a1).post(
        "/api/plans/",
        _new_plan(
            cards, rep_shares=[{"rep": org.rep_a1.pk, "share_pct": "70"}, {"rep": org.rep_a1b.pk, "share_pct": "30"}]
        ),
        format="json",
    )
    assert response.status_code == 201
    months = response.json()["monthly_plans"]
    assert [m["outlet_coverage"] for m in months] == [120, 120, 120]
    assert [sorted(s["outlet_coverage"] for s in m["rep_splits"]) for m in months] == [[36, 84]] * 3
