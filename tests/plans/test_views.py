"""Plan pages from the outside: lists per role with plan vs actual, the plan form, workflow buttons, scope."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from distributors.models import QuarterlyPlan
from distributors.plans.arithmetic import TARGET_FIELDS, Targets


def _form_data(**overrides) -> dict:
    data = {
        "volume": "3000",
        "sales_amount": "300000.00",
        "gross_profit": "60000.00",
        "collection_amount": "280000.00",
        "outlet_coverage": "120",
        "new_outlets": "9",
        "distribution": "even",
        "split_method": "percentage",
        "notes": "",
    }
    data.update(overrides)
    return data


def test_plan_list_per_role(org, plans, client_for):
    page = client_for(org.kam_a1).get("/plans/?period=2027-Q1")
    assert page.status_code == 200
    html = page.content.decode()
    assert "A1-001" in html and "A2-001" not in html and 'id="new-plan"' in html
    manager = client_for(org.rm_a).get("/plans/?period=2027-Q1").content.decode()
    assert "A1-001" in manager and "A2-001" in manager and "B1-001" not in manager
    assert 'id="new-plan"' not in manager and 'id="rep-targets"' in manager  # the approved A2 plan's rep
    rep = client_for(org.rep_a1b).get("/plans/?period=2027-Q1").content.decode()
    assert 'id="my-targets"' in rep and "A1-001" in rep  # their 40 % of Acme, month by month
    assert 'id="new-plan"' not in rep
    # HTMX filter swaps only the table.
    partial = client_for(org.rm_a).get(
        "/plans/?period=2027-Q1&q=Hangzhou", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert b"<html" not in partial.content and b"A2-001" in partial.content and b"A1-001" not in partial.content
    assert client_for(org.rm_a).get("/plans/?period=garbage").status_code == 200


def test_a_kam_drafts_a_plan_through_the_form(org, cards, client_for):
    client = client_for(org.kam_a1)
    start = client.get("/plans/new/")
    assert start.status_code == 200 and b"A1-001" in start.content and b"A2-001" not in start.content
    url = f"/plans/new/?distributor={cards.a1.pk}&year=2027&quarter=2"
    form = client.get(url)
    assert form.status_code == 200 and f'name="share_{org.rep_a1b.pk}"'.encode() in form.content
    assert f'name="share_{org.rep_a2.pk}"'.encode() not in form.content  # only the team's reps
    bad = client.post(url, _form_data(**{f"share_{org.rep_a1.pk}": "50", f"share_{org.rep_a1b.pk}": "40"}))
    assert bad.status_code == 200 and b"not 100" in bad.content
    assert not QuarterlyPlan.objects.exists()
    response = client.post(url, _form_data(**{f"share_{org.rep_a1.pk}": "50", f"share_{org.rep_a1b.pk}": "50"}))
    plan = QuarterlyPlan.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/plans/{plan.pk}/"
    assert (plan.year, plan.quarter, plan.sales_amount) == (2027, 2, Decimal("300000.00"))
    assert sorted(plan.monthly_plans.first().rep_splits.values_list("share_pct", flat=True)) == [50, 50]
    detail = client.get(f"/plans/{plan.pk}/").content.decode()
    assert 'id="submit-plan"' in detail and 'id="edit-plan"' in detail and 'id="approve-plan"' not in detail


def test_months_by_hand_and_split_by_amount_through_the_form(org, cards, client_for):
    client = client_for(org.kam_a1)
    url = f"/plans/new/?distributor={cards.a1_second.pk}&year=2027&quarter=3"
    month = {"volume": 1000, "sales_amount": "100000.00", "gross_profit": "20000.00", "collection_amount": "90000.00"}
    month.update(outlet_coverage=40, new_outlets=3)
    data = _form_data(collection_amount="270000.00", outlet_coverage="40", distribution="manual", split_method="amount")
    for i in (1, 2, 3):
        data.update({f"m{i}_{n}": v for n, v in month.items()})
        data.update({f"a{i}_{org.rep_a1.pk}_{n}": v for n, v in month.items()})
    data["m3_sales_amount"] = "99999.99"
    response = client.post(url, data)
    assert response.status_code == 200 and b"299999.99" in response.content and not QuarterlyPlan.objects.exists()
    data["m3_sales_amount"] = "100000.00"
    assert client.post(url, data).status_code == 302
    plan = QuarterlyPlan.objects.get()
    assert plan.distribution == "manual" and plan.split_method == "amount"
    split = plan.monthly_plans.first().rep_splits.get()
    assert split.rep == org.rep_a1 and Targets.of(split) == Targets.of(plan.monthly_plans.first())


def test_submit_return_edit_and_approve_in_the_browser(org, plan_a1, client_for):
    kam, manager = client_for(org.kam_a1), client_for(org.rm_a)
    url = f"/plans/{plan_a1.pk}/"
    assert kam.post(url + "submit/", {"comment": "请审批"}).status_code == 302
    page = manager.get(url).content.decode()
    assert 'id="approve-plan"' in page and 'id="return-plan"' in page
    assert kam.get(url + "edit/").status_code == 302  # submitted: read-only
    manager.post(url + "return/", {"comment": ""})
    assert QuarterlyPlan.objects.get(pk=plan_a1.pk).status == "submitted"  # a return needs a comment
    manager.post(url + "return/", {"comment": "回款目标太低"})
    assert QuarterlyPlan.objects.get(pk=plan_a1.pk).status == "returned"
    assert "回款目标太低" in kam.get(url).content.decode()
    edit = kam.get(url + "edit/")
    assert edit.status_code == 200 and b'value="280000.00"' in edit.content
    data = _form_data(
        collection_amount="300000.00", **{f"share_{org.rep_a1.pk}": "60", f"share_{org.rep_a1b.pk}": "40"}
    )
    assert kam.post(url + "edit/", data).status_code == 302
    kam.post(url + "submit/")
    response = manager.post(url + "approve/", {"comment": ""}, follow=True)
    assert b"approved" in response.content
    plan = QuarterlyPlan.objects.get(pk=plan_a1.pk)
    assert plan.status == "approved" and plan.collection_amount == Decimal("300000.00")
    page = kam.get(url).content.decode()
    assert 'id="revise-plan"' in page and 'id="edit-plan"' not in page
    kam.post(url + "revise/")
    assert QuarterlyPlan.objects.filter(previous_revision=plan, revision=2, status="draft").exists()


@pytest.mark.parametrize(
    ("who", "path", "code"),
    [
        ("kam_a2", "", 404),
        ("rep_a2", "", 404),
        ("rm_b", "", 404),
        ("kam_a2", "plan.pdf", 404),
        ("rm_b", "plan.xlsx", 404),
        ("rep_a1", "edit/", 403),
        ("rm_a", "edit/", 403),
        ("finance", "confirm/", 403),
        ("finance", "", 200),
        ("finance_a", "", 200),
        ("rep_a1b", "", 200),
    ],
)
def test_scope_of_the_pages(org, plan_a1, client_for, who, path, code):
    assert client_for(getattr(org, who)).get(f"/plans/{plan_a1.pk}/{path}").status_code == code


def test_workflow_posts_outside_scope_or_role(org, plan_a1, client_for):
    assert client_for(org.kam_a2).post(f"/plans/{plan_a1.pk}/submit/").status_code == 404
    assert client_for(org.rep_a1).post(f"/plans/{plan_a1.pk}/submit/").status_code == 403
    assert client_for(org.rep_a1).get("/plans/new/").status_code == 403
    assert QuarterlyPlan.objects.get(pk=plan_a1.pk).status == "draft"


def test_confirmation_page_with_signed_copy(org, plans, client_for):
    client = client_for(org.kam_a1)
    url = f"/plans/{plans.a1.pk}/confirm/"
    assert client.get(url).status_code == 200
    photo = SimpleUploadedFile("签字.jpg", b"\xff\xd8\xff fake jpeg", content_type="image/jpeg")
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(url, {"confirmed_by": plans.contact_a1.pk, "confirmed_on": day, "signed_copy": photo})
    assert response.status_code == 302
    page = client.get(f"/plans/{plans.a1.pk}/").content.decode()
    assert "王建国" in page and day in page
    copy = client_for(org.rm_a).get(f"/plans/{plans.a1.pk}/signed-copy/")
    assert copy.status_code == 200 and copy["Content-Type"] == "image/jpeg" and b"fake jpeg" in copy.content
    assert client_for(org.kam_a2).get(f"/plans/{plans.a1.pk}/signed-copy/").status_code == 404


def test_xlsx_exports(org, plans, client_for):
    import io

    import openpyxl

    response = client_for(org.rm_a).get("/plans/export.xlsx?period=2027-Q1")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('plans-2027-Q1.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Plans", "Monthly plans", "Rep splits"]
    rows = list(book["Plans"].iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {"A1-001", "A2-001"}  # not team B1's
    sales = rows[0].index("Sales amount")
    assert {r[sales] for r in rows[1:]} == {300000}
    assert book["Plans"].cell(row=2, column=sales + 1).number_format == "#,##0.00"
    splits = list(book["Rep splits"].iter_rows(values_only=True))
    assert len(splits) == 1 + 3 * 2 + 3  # A1 split to two reps, A2 to its owner
    single = client_for(org.kam_a1).get(f"/plans/{plans.a1.pk}/plan.xlsx")
    assert single.status_code == 200
    assert len(list(openpyxl.load_workbook(io.BytesIO(single.content))["Monthly plans"].iter_rows())) == 4
    assert set(TARGET_FIELDS)


def test_plans_are_in_the_navigation(org, client_for):
    assert b'href="/plans/"' in client_for(org.rep_a1).get("/").content


def test_every_plan_page_renders_in_chinese(org, plans, client_for):
    from distributors.models import AccountPlan

    org.rm_a.language = org.kam_a1.language = "zh-hans"
    org.rm_a.save()
    org.kam_a1.save()
    account_plan = AccountPlan.objects.create(
        distributor=plans.a1.distributor, year=2027, vision="愿景", created_by=org.kam_a1
    )
    kam = client_for(org.kam_a1)
    for url in (
        "/plans/?period=2027-Q1",
        f"/plans/{plans.a1.pk}/",
        f"/plans/{plans.a1.pk}/edit/",
        f"/plans/{plans.a1.pk}/confirm/",
        f"/plans/new/?distributor={plans.a1.distributor_id}&year=2027&quarter=4",
        "/plans/new/",
        "/plans/accounts/",
        f"/plans/accounts/{account_plan.pk}/",
        f"/plans/accounts/{account_plan.pk}/objectives/new/",
        f"/plans/accounts/{account_plan.pk}/actions/new/",
        "/plans/action-items/",
        "/",
    ):
        response = kam.get(url)
        assert response.status_code == 200, url
        assert 'lang="zh-hans"' in response.content.decode(), url
    assert client_for(org.rm_a).get(f"/plans/{plans.a2.pk}/").status_code == 200


def test_months_ramping_above_the_quarters_outlet_coverage_are_a_form_error(org, cards, client_for):
    client = client_for(org.kam_a1)
    url = f"/plans/new/?distributor={cards.a1_second.pk}&year=2027&quarter=3"
    month = {"volume": 1000, "sales_amount": "100000.00", "gross_profit": "20000.00", "collection_amount": "90000.00"}
    data = _form_data(collection_amount="270000.00", outlet_coverage="40", distribution="manual")
    data[f"share_{org.rep_a1.pk}"] = "100"
    for i, level in ((1, 20), (2, 50), (3, 40)):
        data.update({f"m{i}_{n}": v for n, v in {**month, "outlet_coverage": level, "new_outlets": 3}.items()})
    response = client.post(url, data)
    assert response.status_code == 200 and not QuarterlyPlan.objects.exists()
    assert "above the quarter" in response.content.decode()
    data["m2_outlet_coverage"], data["m3_outlet_coverage"] = "30", "35"  # a ramp, but not up to the quarter's
    response = client.post(url, data)
    assert response.status_code == 200 and not QuarterlyPlan.objects.exists()
    assert "last month" in response.content.decode()
    data["m3_outlet_coverage"] = "40"
    assert client.post(url, data).status_code == 302
    assert list(
        QuarterlyPlan.objects.get().monthly_plans.order_by("month").values_list("outlet_coverage", flat=True)
    ) == [
        20,
        30,
        40,
    ]
