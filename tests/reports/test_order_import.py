"""Import of orders from an ERP export: from the outside, the way a KAM uses the pages."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from kamcrm.audit.models import AuditEvent
from reports.models import Order, OrderLine
from reports.visits import order_import
from tests import factories as f

ENGLISH = ["erp_number", "distributor_code", "rep", "order_date", "status", "sku", "quantity", "unit_price"]
CHINESE = ["订单号", "客户编码", "业务员", "订单日期", "状态", "产品编码", "数量", "单价"]


def url(name: str) -> str:
    return reverse(f"reports:order_import{name}")


def csv_file(rows: list[list], name="orders.csv", encoding="utf-8") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name="orders.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def import_file(client, file):
    """Upload, look at the preview, confirm: the user's whole path. Returns (preview, confirm) responses."""
    response = client.post(url(""), {"file": file})
    assert response.status_code == 302 and response["Location"] == url("_preview"), response.content.decode()[:2000]
    preview = client.get(url("_preview"))
    assert preview.status_code == 200
    token = client.session[order_import.SESSION_KEY]["token"]
    return preview, client.post(url("_confirm"), {"token": token})


@pytest.fixture
def products(db):
    return {
        "water": f.ProductFactory(sku="XY-W550", unit_price=Decimal("28.80"), unit_cost=Decimal("19.50")),
        "chips": f.ProductFactory(sku="TY-CHIP70", unit_price=Decimal("165.00"), unit_cost=Decimal("108.90")),
        "odd": f.ProductFactory(sku="ODD-1", unit_price=Decimal("10.01"), unit_cost=Decimal("7.33")),
        "retired": f.ProductFactory(
            sku="OLD-1", unit_price=Decimal("5.00"), unit_cost=Decimal("3.00"), is_active=False
        ),
    }


def good_rows(header=ENGLISH):
    return [
        [*header, "unit_cost", "note"],
        ["ERP-2026-000001", "A1-001", "rep_a1", "2026-01-05", "confirmed", "XY-W550", "10", "27.50", "", "首单"],
        ["ERP-2026-000001", "A1-001", "rep_a1", "2026-01-05", "confirmed", "TY-CHIP70", "3", "160", "100.00", ""],
        ["ERP-2026-000002", "A1-101", "rep_a1b", "2026/2/3", "shipped", "ODD-1", "1.5", "10.01", "", ""],
        # a rep of the distributor's team may have taken the order
        ["ERP-2026-000003", "A1-002", "rep_a1b", "2026-02-04", "taken", "XY-W550", "1", "28.80", "", ""],
    ]


def test_kam_imports_orders_from_csv_with_english_headers_and_exact_totals(org, cards, products, client_for):
    preview, confirm = import_file(client_for(org.kam_a1), csv_file(good_rows()))
    text = preview.content.decode()
    assert "Every row is valid" in text and "ERP-2026-000001" in text and "798.82" in text
    assert confirm.status_code == 302 and confirm["Location"] == reverse("reports:order_list")
    assert Order.objects.count() == 3 and OrderLine.objects.count() == 4

    first = Order.objects.get(erp_number="ERP-2026-000001")
    assert (first.distributor, first.rep, first.status) == (cards.a1, org.rep_a1, "confirmed")
    assert (first.source, first.created_by, first.note, first.visit) == ("import", org.kam_a1, "首单", None)
    assert first.order_date.isoformat() == "2026-01-05"
    # 10 × 27.50 + 3 × 160 = 755.00; cost 10 × 19.50 (catalogue) + 3 × 100.00 (from the file)
    assert first.amount == Decimal("755.00")
    assert first.gross_profit == Decimal("755.00") - Decimal("195.00") - Decimal("300.00")
    chips = first.lines.get(product=products["chips"])
    assert (chips.quantity, chips.unit_price, chips.unit_cost, chips.amount) == (3, Decimal("160"), 100, 480)

    second = Order.objects.get(erp_number="ERP-2026-000002")
    # 1.5 × 10.01 = 15.015 -> 15.02; cost 1.5 × 7.33 = 10.995 -> 11.00
    assert (second.amount, second.gross_profit, second.status) == (Decimal("15.02"), Decimal("4.02"), "shipped")
    assert second.rep == org.rep_a1b and second.order_date.isoformat() == "2026-02-03"

    assert set(Order.objects.sales().values_list("erp_number", flat=True)) == {"ERP-2026-000001", "ERP-2026-000002"}
    events = AuditEvent.objects.filter(action="order_imported")
    assert events.count() == 3 and {e.actor for e in events} == {org.kam_a1}
    assert all(e.after["erp_number"] and e.after["lines"] for e in events)


def test_admin_imports_xlsx_with_chinese_headers_values_and_excel_dates(org, cards, products, client_for):
    rows = [
        [*CHINESE, "成本", "备注", "仓库"],
        [
            "ERP-2026-000010",
            "A1-001",
            "rep_a1",
            datetime(2026, 3, 2),
            "已发货",
            "XY-W550",
            24,
            28.8,
            None,
            "春节备货",
            "一号库",
        ],
        ["ERP-2026-000010", "A1-001", "rep_a1", datetime(2026, 3, 2), "已发货", "ODD-1", 1.5, 10.01, 7, None, None],
        # an Excel serial number (2026-01-05) and the Chinese word for cancelled
        ["ERP-2026-000011", "A2-001", "rep_a2", 46027, "已取消", "TY-CHIP70", 2, 165, None, None, None],
        ["ERP-2026-000012", "B1-001", "rep_b1", "2026年4月1日", "已确认", "TY-CHIP70", 1, 150.5, None, None, None],
    ]
    preview, confirm = import_file(client_for(org.admin), xlsx_file(rows))
    assert "仓库" in preview.content.decode()  # an ignored column is named
    assert confirm.status_code == 302
    shipped = Order.objects.get(erp_number="ERP-2026-000010")
    assert (shipped.status, shipped.note, shipped.order_date.isoformat()) == ("shipped", "春节备货", "2026-03-02")
    # 24 × 28.80 = 691.20 and 1.5 × 10.01 = 15.02; cost 24 × 19.50 = 468.00 and 1.5 × 7 = 10.50
    assert (shipped.amount, shipped.gross_profit) == (Decimal("706.22"), Decimal("227.72"))
    cancelled = Order.objects.get(erp_number="ERP-2026-000011")
    assert (cancelled.status, cancelled.order_date.isoformat(), cancelled.amount) == ("cancelled", "2026-01-05", 330)
    confirmed = Order.objects.get(erp_number="ERP-2026-000012")
    assert (confirmed.status, confirmed.amount, confirmed.gross_profit) == (
        "confirmed",
        Decimal("150.50"),
        Decimal("41.60"),
    )
    assert confirmed.order_date.isoformat() == "2026-04-01"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_with_chinese_headers_and_status_labels_from_chinese_excel(org, cards, products, client_for, encoding):
    rows = [
        [*CHINESE, "备注"],
        ["ERP-2026-000020", "A1-001", "rep_a1", "2026/1/5", "已确认", "XY-W550", "2", "¥28.80", "老客户"],
        ["ERP-2026-000021", "A1-002", "rep_a1", "2026-01-06", "Shipped", "TY-CHIP70", "1,000", "165.00", ""],
    ]
    _preview, confirm = import_file(client_for(org.kam_a1), csv_file(rows, encoding=encoding))
    assert confirm.status_code == 302
    assert Order.objects.get(erp_number="ERP-2026-000020").amount == Decimal("57.60")
    big = Order.objects.get(erp_number="ERP-2026-000021")
    assert (big.status, big.amount, big.gross_profit) == ("shipped", Decimal("165000.00"), Decimal("56100.00"))


def test_regional_manager_imports_for_the_region(org, cards, products, client_for):
    rows = [ENGLISH, ["ERP-RM-1", "A2-001", "rep_a2", "2026-05-05", "taken", "XY-W550", "1", "28.80"]]
    _preview, confirm = import_file(client_for(org.rm_a), csv_file(rows))
    assert confirm.status_code == 302
    assert Order.objects.get().created_by == org.rm_a


def future() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("distributor_code", "NOPE-1", "No distributor with code NOPE-1 that you can see."),
        ("rep", "nobody", "nobody is not a rep you can record orders for."),
        ("order_date", future, "The order date cannot be in the future."),
        ("order_date", "2026-02-30", "is not a date"),
        ("status", "lost", "“lost” is not a status"),
        ("sku", "NOPE-SKU", "No product with SKU NOPE-SKU."),
        ("sku", "OLD-1", "is no longer sold."),
        ("quantity", "0", "The quantity must be more than zero."),
        ("quantity", "-2", "The quantity must be more than zero."),
        ("quantity", "1.234", "decimal places"),
        ("quantity", "many", "“many” is not a number."),
        ("unit_price", "-1", "The price cannot be negative."),
        ("unit_price", "", "This cell is required."),
        ("erp_number", "", "Give the order&#x27;s ERP number."),
    ],
)
def test_one_bad_row_saves_nothing_and_the_preview_names_the_row_and_the_reason(
    org, cards, products, client_for, column, value, message
):
    rows = good_rows()
    rows[3][ENGLISH.index(column)] = value() if callable(value) else value  # row 4 of the file
    preview, confirm = import_file(client_for(org.kam_a1), csv_file(rows))
    text = preview.content.decode()
    assert "Nothing has been saved" in text and "Import all rows" not in text
    assert f"Row 4 · {column}: " in text and message in text, text[text.find("import-errors") :][:1500]
    assert "Row 2 " not in text and "Row 3 " not in text
    assert Order.objects.count() == 0
    assert "Nothing was imported" in confirm.content.decode()
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert not AuditEvent.objects.filter(action="order_imported").exists()


def test_rows_of_one_order_must_agree_on_distributor_rep_date_and_status(org, cards, products, client_for):
    rows = [
        ENGLISH,
        ["ERP-9", "A1-001", "rep_a1", "2026-01-05", "confirmed", "XY-W550", "1", "28.80"],
        ["ERP-9", "A1-002", "rep_a1", "2026-01-06", "confirmed", "TY-CHIP70", "1", "165"],
        ["ERP-9", "A1-001", "rep_a1", "2026/1/5", "已确认", "ODD-1", "1", "10"],  # the same, written differently
    ]
    preview, _confirm = import_file(client_for(org.kam_a1), csv_file(rows))
    text = preview.content.decode()
    assert "Row 3 · distributor_code: Order ERP-9 has A1-001 in row 2; all its rows must agree." in text
    assert "Row 3 · order_date: Order ERP-9 has 2026-01-05 in row 2; all its rows must agree." in text
    assert "Row 4" not in text.split("import-errors")[1].split("</ul>")[0]
    assert Order.objects.count() == 0


def test_an_erp_number_imported_before_is_refused(org, cards, products, client_for):
    client = client_for(org.kam_a1)
    import_file(client, csv_file(good_rows()))
    assert Order.objects.count() == 3
    rows = [ENGLISH, ["ERP-2026-000099", "A1-001", "rep_a1", "2026-03-01", "taken", "XY-W550", "1", "28"]]
    rows.append(["ERP-2026-000002", "A1-101", "rep_a1b", "2026-02-03", "shipped", "ODD-1", "1.5", "10.01"])
    preview, _confirm = import_file(client, csv_file(rows))
    assert "Row 3 · erp_number: Order ERP-2026-000002 was imported already." in preview.content.decode()
    assert Order.objects.count() == 3 and not Order.objects.filter(erp_number="ERP-2026-000099").exists()


def test_a_kam_cannot_import_for_distributors_or_reps_outside_the_team(org, cards, products, client_for):
    rows = [
        ENGLISH,
        ["ERP-1", "B1-001", "rep_b1", "2026-03-01", "taken", "XY-W550", "1", "28"],  # another region's card
        ["ERP-2", "A1-001", "rep_b1", "2026-03-01", "taken", "XY-W550", "1", "28"],  # another team's rep
        ["ERP-3", "A2-001", "rep_a2", "2026-03-01", "taken", "XY-W550", "1", "28"],  # team A2 (same region)
    ]
    preview, _confirm = import_file(client_for(org.kam_a1), csv_file(rows))
    text = preview.content.decode()
    assert "Row 2 · distributor_code: No distributor with code B1-001 that you can see." in text
    assert "Row 3 · rep: rep_b1 is not a rep you can record orders for." in text
    assert "Row 4 · distributor_code: No distributor with code A2-001 that you can see." in text
    assert Order.objects.count() == 0


def test_the_rep_must_serve_the_distributor(org, cards, products, client_for):
    rows = [ENGLISH, ["ERP-1", "A1-001", "rep_a2", "2026-03-01", "taken", "XY-W550", "1", "28"]]
    preview, _confirm = import_file(client_for(org.admin), csv_file(rows))
    assert "Row 2 · rep: rep_a2 does not serve A1-001" in preview.content.decode()
    assert Order.objects.count() == 0


def test_a_row_that_became_invalid_after_the_preview_rolls_back_the_whole_import(org, cards, products, client_for):
    client = client_for(org.kam_a1)
    assert client.post(url(""), {"file": csv_file(good_rows())}).status_code == 302
    assert "Every row is valid" in client.get(url("_preview")).content.decode()
    products["odd"].is_active = False
    products["odd"].save()
    response = client.post(url("_confirm"), {"token": client.session[order_import.SESSION_KEY]["token"]})
    text = response.content.decode()
    assert response.status_code == 200 and "Nothing was imported" in text and "Row 4 · sku: " in text
    assert Order.objects.count() == 0


def test_confirming_with_a_stale_token_imports_nothing(org, cards, products, client_for):
    client = client_for(org.kam_a1)
    client.post(url(""), {"file": csv_file(good_rows())})
    response = client.post(url("_confirm"), {"token": "0" * 32})
    assert response.status_code == 302 and response["Location"] == url("_preview")
    assert Order.objects.count() == 0


@pytest.mark.parametrize("who", ["rep_a1", "finance"])
def test_reps_and_finance_cannot_import(org, cards, products, client_for, who):
    client = client_for(getattr(org, who))
    assert client.get(url("")).status_code == 403
    assert client.post(url(""), {"file": csv_file(good_rows())}).status_code == 403
    assert client.get(url("_preview")).status_code == 403
    assert client.post(url("_confirm"), {"token": "0" * 32}).status_code == 403
    assert Order.objects.count() == 0


def test_the_upload_page_lists_the_columns(org, client_for):
    text = client_for(org.kam_a1).get(url("")).content.decode()
    assert "订单号" in text and "客户编码" in text and "业务员" in text and "unit_cost" in text


@pytest.mark.parametrize(
    "file, message",
    [
        (SimpleUploadedFile("orders.txt", b"erp_number\n1"), "Upload an Excel workbook (.xlsx) or a CSV file (.csv)."),
        (SimpleUploadedFile("orders.csv", b"\n\n"), "The file is empty."),
        (SimpleUploadedFile("orders.csv", ",".join(ENGLISH).encode()), "The file has no rows to import"),
        (SimpleUploadedFile("orders.csv", b"erp_number,sku\nE1,XY"), "The file has no column for: Distributor code"),
        (SimpleUploadedFile("orders.xlsx", b"not a workbook"), "The file is not an Excel workbook"),
    ],
)
def test_a_file_that_cannot_be_imported_is_a_form_error(org, client_for, file, message):
    response = client_for(org.kam_a1).post(url(""), {"file": file})
    assert response.status_code == 200 and message in response.content.decode()
    assert order_import.SESSION_KEY not in response.wsgi_request.session
