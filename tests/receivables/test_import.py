"""Import of invoices from an ERP export: preview with per-row errors, then all rows or none."""

import io
from decimal import Decimal as D

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from receivables import imports
from receivables.models import Invoice


def _xlsx(rows) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, content: bytes, name: str):
    return client.post(reverse("receivables:import"), {"file": SimpleUploadedFile(name, content)})


def test_a_file_with_bad_rows_saves_nothing_and_says_what_is_wrong(org, cards, money, client_for, day):
    money.invoice(cards.a1, D("1"), day(-3), number="EXISTS-1")
    content = _xlsx(
        [
            ["发票号", "客户编码", "开票日期", "价税合计", "备注"],
            ["ERP-1", "A1-001", day(-10), 1000.5, "ok"],
            ["ERP-2", "B1-001", day(-10), "2,000.00", "ok"],
            ["ERP-1", "A1-002", day(-10), 10, "twice in the file"],
            ["EXISTS-1", "A1-001", day(-10), 10, "already recorded"],
            ["ERP-5", "ZZ-404", day(-10), 10, "no such account"],
            ["ERP-6", "A1-001", day(-10), -5, "negative"],
            ["ERP-7", "A1-001", "next tuesday", 5, "bad date"],
        ]
    )
    client = client_for(org.finance_a)  # region A only: B1-001 is not theirs
    assert _upload(client, content, "erp.xlsx").status_code == 302
    preview = client.get(reverse("receivables:import_preview"))
    page = preview.content.decode()
    errors = {(e.row, e.column) for e in preview.context["preview"].errors}
    assert errors == {
        (3, "客户编码"),
        (4, "发票号"),
        (5, "发票号"),
        (6, "客户编码"),
        (7, "价税合计"),
        (8, "开票日期"),
    }, errors
    assert "already in row 2" in page
    token = client.session["receivables_import"]["token"]
    client.post(reverse("receivables:import_confirm"), {"token": token})
    assert list(Invoice.objects.values_list("number", flat=True)) == ["EXISTS-1"]


def test_a_clean_csv_imports_every_row(org, cards, client_for, day):
    csv_text = "invoice number,customer code,invoice date,due date,amount,currency,orders\n"
    csv_text += f"CSV-1,A1-001,{day(-40).isoformat()},,1234.56,CNY,SO-1\n"
    csv_text += f"CSV-2,A2-001,{day(-5).isoformat()},{day(60).isoformat()},99.90,CNY,\n"
    client = client_for(org.finance)
    _upload(client, csv_text.encode("gb18030"), "erp.csv")
    token = client.session["receivables_import"]["token"]
    response = client.post(reverse("receivables:import_confirm"), {"token": token})
    assert response.status_code == 302
    first, second = Invoice.objects.order_by("number")
    assert (first.amount, first.due_date, first.order_refs) == (D("1234.56"), day(-10), "SO-1")
    assert (second.amount, second.due_date) == (D("99.90"), day(60))
    assert first.status == "open" and first.open_amount == D("1234.56")


def test_unreadable_files_and_roles(org, client_for):
    client = client_for(org.finance)
    response = _upload(client, b"just,some,columns\n1,2,3\n", "x.csv")
    assert response.status_code == 200 and "The file has no column for" in response.content.decode()
    assert client_for(org.kam_a1).get(reverse("receivables:import")).status_code == 403
    assert [label for label, _names, required in imports.column_help() if required] == [
        "Invoice number",
        "Distributor code",
        "Issue date",
        "Amount",
    ]
