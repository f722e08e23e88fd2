"""The receivables API from the outside: names and shapes of API.md, scope (404 / 400), money never deleted."""

import shutil
import subprocess
from decimal import Decimal as D

import openpyxl
import pytest
from rest_framework.test import APIClient

from kamcrm.audit.models import AuditEvent
from receivables.models import Allocation, CollectionActivity, Invoice, Payment, PaymentClaim


@pytest.fixture
def acme_invoice(org, cards, money, day):
    return money.invoice(cards.a1, D("1000.00"), day(-45), number="INV-ACME-1")


def test_invoice_shape_follows_the_contract(org, cards, acme_invoice, api_for):
    body = api_for(org.kam_a1).get(f"/api/invoices/{acme_invoice.pk}/").json()
    assert {"id", "number", "distributor", "issue_date", "due_date", "amount", "open_amount", "status"} <= set(body)
    assert (body["number"], body["distributor"], body["amount"], body["open_amount"], body["status"]) == (
        "INV-ACME-1",
        cards.a1.pk,
        "1000.00",
        "1000.00",
        "open",
    )
    assert body["due_date"] == acme_invoice.due_date.isoformat()


def test_a_rep_of_another_team_gets_404_and_sees_nothing_of_theirs(org, cards, money, acme_invoice, api_for, day):
    money.invoice(cards.b1, D("80.00"), day(-45), number="INV-B1-1")
    other = api_for(org.rep_b1)
    assert other.get(f"/api/invoices/{acme_invoice.pk}/").status_code == 404
    assert other.patch(f"/api/invoices/{acme_invoice.pk}/", {"notes": "x"}).status_code == 404
    assert [i["number"] for i in other.get("/api/invoices/").json()["results"]] == ["INV-B1-1"]
    aging = other.get("/api/receivables/aging/?group_by=region").json()
    assert aging["totals"]["total"] == "80.00" and [r["label"] for r in aging["rows"]] == ["Region B"]
    # A teammate sees the card, but not its money.
    assert api_for(org.rep_a1b).get(f"/api/invoices/{acme_invoice.pk}/").status_code == 404
    assert api_for(org.rep_a1).get(f"/api/invoices/{acme_invoice.pk}/").status_code == 200
    assert APIClient().get("/api/invoices/").status_code == 401


def test_finance_records_an_invoice_and_others_may_not(org, cards, api_for, day):
    payload = {"number": "API-1", "distributor": cards.a1.pk, "issue_date": day(-1).isoformat(), "amount": "88.80"}
    assert api_for(org.rep_a1).post("/api/invoices/", payload).status_code == 403
    response = api_for(org.finance).post("/api/invoices/", payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["open_amount"], body["status"], body["payment_terms_days"]) == ("88.80", "open", 30)
    duplicate = api_for(org.finance).post("/api/invoices/", payload)
    assert duplicate.status_code == 400 and "number" in duplicate.json()
    foreign = api_for(org.finance_a).post("/api/invoices/", {**payload, "number": "API-2", "distributor": cards.b1.pk})
    assert foreign.status_code == 400 and "does not exist" in str(foreign.json()["distributor"])
    with_lines = api_for(org.finance).post(
        "/api/invoices/",
        {
            "number": "API-3",
            "distributor": cards.a1.pk,
            "issue_date": day(0).isoformat(),
            "lines": [{"description": "水 550ml", "quantity": "3", "unit_price": "28.80"}],
        },
    )
    assert with_lines.status_code == 201, with_lines.json()
    assert with_lines.json()["amount"] == "86.40" and with_lines.json()["lines"][0]["amount"] == "86.40"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-1.00"}, "amount"),
        ({"issue_date": "2999-01-01"}, "issue_date"),
        ({"distributor": 999999}, "distributor"),
    ],
)
def test_bad_invoices_are_400_with_field_errors(org, cards, api_for, day, payload, field):
    base = {"number": "BAD-1", "distributor": cards.a1.pk, "issue_date": day(-1).isoformat(), "amount": "10.00"}
    response = api_for(org.finance).post("/api/invoices/", {**base, **payload})
    assert response.status_code == 400 and field in response.json()
    assert not Invoice.objects.exists()


def test_money_records_are_never_deleted_and_their_amounts_never_patched(org, cards, money, acme_invoice, api_for, day):
    payment = money.pay(cards.a1, D("100.00"), day(-1))
    note = money.credit(cards.a1, D("5.00"), day(-1))
    allocation = Allocation.objects.get(payment=payment)
    finance = api_for(org.finance)
    for url in (
        f"/api/invoices/{acme_invoice.pk}/",
        f"/api/payments/{payment.pk}/",
        f"/api/credit-notes/{note.pk}/",
        f"/api/allocations/{allocation.pk}/",
    ):
        assert finance.delete(url).status_code == 405, url
        assert api_for(org.rep_a1).delete(url).status_code == 405, url
    for field, value in (("amount", "1.00"), ("due_date", day(30).isoformat()), ("distributor", cards.a1_second.pk)):
        response = finance.patch(f"/api/invoices/{acme_invoice.pk}/", {field: value})
        assert response.status_code == 400 and field in response.json(), field
    assert finance.patch(f"/api/payments/{payment.pk}/", {"amount": "5.00"}).status_code == 400
    assert finance.patch(f"/api/payments/{payment.pk}/", {"allocations": []}).status_code == 400
    response = finance.patch(f"/api/invoices/{acme_invoice.pk}/", {"notes": "Chased by phone", "amount": "1000.00"})
    assert response.status_code == 200 and response.json()["notes"] == "Chased by phone"
    assert AuditEvent.objects.for_object(acme_invoice).filter(action="invoice_notes_changed").exists()
    assert api_for(org.kam_a1).patch(f"/api/invoices/{acme_invoice.pk}/", {"notes": "x"}).status_code == 403
    acme_invoice.refresh_from_db()
    assert acme_invoice.amount == D("1000.00") and acme_invoice.open_amount == D("900.00")


def test_payments_with_and_without_allocations(org, cards, money, api_for, day):
    old = money.invoice(cards.a1, D("100.00"), day(-60))
    new = money.invoice(cards.a1, D("100.00"), day(-10))
    finance = api_for(org.finance)
    base = {"distributor": cards.a1.pk, "paid_on": day(0).isoformat(), "method": "acceptance_bill"}
    oldest = finance.post("/api/payments/", {**base, "amount": "150.00", "reference": "B-1"}).json()
    assert [(a["invoice"], a["amount"]) for a in oldest["allocations"]] == [(old.pk, "100.00"), (new.pk, "50.00")]
    assert oldest["unallocated_amount"] == "0.00"
    kept = finance.post("/api/payments/", {**base, "amount": "20.00", "allocations": []}).json()
    assert kept["allocations"] == [] and kept["unallocated_amount"] == "20.00"
    manual = finance.post(
        "/api/payments/", {**base, "amount": "30.00", "allocations": [{"invoice": new.pk, "amount": "25.50"}]}
    ).json()
    assert manual["allocations"][0]["amount"] == "25.50" and manual["unallocated_amount"] == "4.50"
    new.refresh_from_db()
    assert new.open_amount == D("24.50")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"allocations": [{"invoice": "@b1", "amount": "1.00"}]}, "allocations"),
        ({"allocations": [{"invoice": "@a1", "amount": "100.01"}]}, "allocations"),
        (
            {"allocations": [{"invoice": "@a1", "amount": "60.00"}, {"invoice": "@a1b", "amount": "60.00"}]},
            "allocations",
        ),
        ({"amount": "0.00"}, "amount"),
        ({"paid_on": "2999-01-01"}, "paid_on"),
        ({"method": "bitcoin"}, "method"),
    ],
)
def test_bad_payments_are_400_and_save_nothing(org, cards, money, api_for, day, change, field):
    invoices = {"@a1": money.invoice(cards.a1, D("100.00"), day(-30)), "@b1": money.invoice(cards.b1, D("9"), day(-3))}
    invoices["@a1b"] = money.invoice(cards.a1, D("100.00"), day(-20))
    for item in change.get("allocations", []):
        item["invoice"] = invoices[item["invoice"]].pk
    payload = {"distributor": cards.a1.pk, "paid_on": day(0).isoformat(), "method": "cash", "amount": "100.00"}
    response = api_for(org.finance_a).post("/api/payments/", {**payload, **change})
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Payment.objects.exists() and not Allocation.objects.exists()


def test_reversal_through_the_api(org, cards, money, acme_invoice, api_for, day):
    payment = money.pay(cards.a1, D("400.00"), day(-3), reference="CHQ-1")
    assert api_for(org.kam_a1).post(f"/api/payments/{payment.pk}/reverse/", {"reason": "x"}).status_code == 403
    assert api_for(org.rep_b1).post(f"/api/payments/{payment.pk}/reverse/", {"reason": "x"}).status_code == 404
    response = api_for(org.finance).post(f"/api/payments/{payment.pk}/reverse/", {"reason": "Cheque bounced"})
    assert response.status_code == 201
    body = response.json()
    assert (body["amount"], body["reverses"], body["allocations"][0]["amount"]) == ("-400.00", payment.pk, "-400.00")
    assert api_for(org.finance).get(f"/api/payments/{payment.pk}/").json()["reversed_by"] == body["id"]
    assert api_for(org.finance).get(f"/api/invoices/{acme_invoice.pk}/").json()["open_amount"] == "1000.00"


def test_aging_response_follows_the_contract(org, cards, money, api_for, day):
    invoice = money.invoice(cards.a1, D("120.00"), day(-50), terms=30)  # 20 days past due
    money.invoice(cards.a2, D("10.00"), day(-10))
    money.pay(cards.a1, D("40.00"), day(-1), allocations=[])
    money.pay(cards.a2, D("10.00"), day(-1))
    response = api_for(org.kam_a1).get(f"/api/receivables/aging/?as_of={day(0).isoformat()}&group_by=distributor")
    assert response.status_code == 200
    body = response.json()
    assert body["as_of"] == day(0).isoformat() and body["group_by"] == "distributor"
    assert [b["key"] for b in body["buckets"]] == ["not_due", "1_30", "31_60", "61_90", "91_180", "over_180"]
    assert body["buckets"][1] == {"key": "1_30", "label": "1–30"}
    assert body["rows"] == [
        {
            "key": cards.a1.pk,
            "label": "Acme Trading",
            "not_due": "0.00",
            "1_30": "120.00",
            "31_60": "0.00",
            "61_90": "0.00",
            "91_180": "0.00",
            "over_180": "0.00",
            "total": "120.00",
            "unapplied": "-40.00",
            "dso": "90.0",  # 120 open ÷ 120 invoiced in the last 90 days × 90 (an added key)
        }
    ]
    assert body["totals"]["total"] == "120.00" and body["totals"]["1_30"] == "120.00"
    assert body["totals"]["unapplied"] == "-40.00"
    # As of the day before the invoice was issued, nothing.
    before = api_for(org.kam_a1).get(f"/api/receivables/aging/?as_of={day(-51).isoformat()}").json()
    assert before["rows"] == [] and before["totals"]["total"] == "0.00"
    assert invoice.pk


@pytest.mark.parametrize("query", ["as_of=yesterday", "group_by=city", "buckets=999"])
def test_bad_aging_parameters_are_400(org, api_for, query):
    response = api_for(org.finance).get(f"/api/receivables/aging/?{query}")
    assert response.status_code == 400 and query.split("=")[0] in response.json()


def test_worklist_and_credit_check_endpoints(org, cards, money, api_for, day):
    cards.a1.credit_limit = D("500.00")
    cards.a1.save()
    money.invoice(cards.a1, D("400.00"), day(-80), terms=30)
    body = api_for(org.rep_a1).get("/api/receivables/worklist/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["distributor"], row["overdue_amount"], row["days_overdue"], row["broken_promise"]) == (
        cards.a1.pk,
        "400.00",
        50,
        False,
    )
    assert api_for(org.rep_b1).get("/api/receivables/worklist/").json()["count"] == 0
    check = api_for(org.rep_a1).get(f"/api/receivables/credit-check/?distributor={cards.a1.pk}&amount=100.01").json()
    assert check["exceeds_limit"] and check["state"] == "warn" and check["open_amount"] == "400.00"
    assert check["amount_to_pay"] == "0.01" and not check["blocks"]
    assert api_for(org.rep_b1).get(f"/api/receivables/credit-check/?distributor={cards.a1.pk}").status_code == 404


def test_collection_activities_claims_and_write_offs(org, cards, money, acme_invoice, api_for, day):
    rep = api_for(org.rep_a1)
    promise = rep.post(
        "/api/collection-activities/",
        {
            "distributor": cards.a1.pk,
            "invoice": acme_invoice.pk,
            "kind": "promise",
            "promised_on": day(7).isoformat(),
            "promised_amount": "300.00",
        },
    )
    assert promise.status_code == 201, promise.json()
    assert promise.json()["promised_amount"] == "300.00" and promise.json()["by"] == org.rep_a1.pk
    teammate = rep.post("/api/collection-activities/", {"distributor": cards.a1b.pk, "kind": "call", "note": "x"})
    assert teammate.status_code == 400 and "distributor" in teammate.json()
    missing = rep.post("/api/collection-activities/", {"distributor": cards.a1.pk, "kind": "promise"})
    assert missing.status_code == 400 and "promised_on" in missing.json()
    assert CollectionActivity.objects.count() == 1

    claim = rep.post(
        "/api/payment-claims/",
        {
            "distributor": cards.a1.pk,
            "amount": "200.00",
            "method": "cash",
            "collected_on": day(0).isoformat(),
        },
    )
    assert claim.status_code == 201 and claim.json()["rep"] == org.rep_a1.pk
    claim_id = claim.json()["id"]
    assert rep.post(f"/api/payment-claims/{claim_id}/confirm/", {}).status_code == 403
    confirmed = api_for(org.finance).post(f"/api/payment-claims/{claim_id}/confirm/", {"reference": "RCPT-5"})
    assert confirmed.status_code == 201 and confirmed.json()["allocations"][0]["amount"] == "200.00"
    assert PaymentClaim.objects.get().status == "confirmed"

    proposal = api_for(org.finance).post("/api/write-offs/", {"invoice": acme_invoice.pk, "reason": "Bankrupt"})
    assert proposal.status_code == 201 and proposal.json()["amount"] == "800.00"
    proposal_id = proposal.json()["id"]
    assert api_for(org.kam_a1).post("/api/write-offs/", {"invoice": acme_invoice.pk, "reason": "x"}).status_code == 403
    assert api_for(org.finance).post(f"/api/write-offs/{proposal_id}/approve/", {}).status_code == 403
    assert api_for(org.rm_b).post(f"/api/write-offs/{proposal_id}/approve/", {}).status_code == 404
    approved = api_for(org.rm_a).post(f"/api/write-offs/{proposal_id}/approve/", {"note": "OK"})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert api_for(org.finance).get(f"/api/invoices/{acme_invoice.pk}/").json()["status"] == "written_off"


def _pdf_text(content: bytes, tmp_path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    path = tmp_path / "statement.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_statement_json_xlsx_and_pdf_content(org, cards, money, api_for, day, tmp_path):
    cards.a1.name = "上海华联贸易有限公司"
    cards.a1.save()
    invoice = money.invoice(cards.a1, D("1234.50"), day(-20), number="FP-2026-001")
    money.pay(cards.a1, D("234.50"), day(-5), reference="招行-778")
    start, end = day(-30).isoformat(), day(0).isoformat()
    body = api_for(org.rep_a1).get(f"/api/statements/{cards.a1.pk}/?from={start}&to={end}").json()
    assert (body["opening_balance"], body["closing_balance"], len(body["lines"])) == ("0.00", "1000.00", 2)
    assert body["lines"][0]["reference"] == "FP-2026-001" and body["aging"]["total"] == "1000.00"
    assert api_for(org.rep_b1).get(f"/api/statements/{cards.a1.pk}/").status_code == 404
    assert api_for(org.rep_a1).get(f"/api/statements/{cards.a1.pk}/?from={end}&to={start}").status_code == 400

    xlsx = api_for(org.finance).get(f"/api/statements/{cards.a1.pk}/?from={start}&to={end}&format_type=xlsx")
    assert xlsx.status_code == 200
    import io

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert "FP-2026-001" in values and D("1000.00") in [D(str(v)) for v in values if isinstance(v, int | float)]

    org.finance.language = "zh-hans"
    org.finance.save()
    pdf = api_for(org.finance).get(f"/api/statements/{cards.a1.pk}/?from={start}&to={end}&format_type=pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content, tmp_path)
    if text is not None:
        squashed = "".join(text.split())
        for expected in (
            "上海华联贸易有限公司",
            "FP-2026-001",
            "招行-778",
            "1,234.50",
            "234.50",
            "1,000.00",
            "KAM客户管理",
        ):
            assert expected in squashed, expected
    if shutil.which("pdffonts") and shutil.which("fc-list"):
        families = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True).stdout
        if "WenQuanYi Micro Hei" in families:  # scripts/test installs it: Chinese must not come out as boxes
            path = tmp_path / "fonts.pdf"
            path.write_bytes(pdf.content)
            fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
            assert "WenQuanYi" in fonts
    assert invoice.pk
