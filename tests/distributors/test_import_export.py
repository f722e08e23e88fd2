import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from distributors.models import Contact, Distributor
from kamcrm.audit.models import AuditEvent
from kamcrm.imports import sheets as imports
from tests import factories as f

IMPORT, PREVIEW, CONFIRM = "/distributors/import/", "/distributors/import/preview/", "/distributors/import/confirm/"


def csv_file(rows: list[list], name="cards.csv", encoding="utf-8") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), content_type="text/csv")


def xlsx_file(rows: list[list], name="cards.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, file, kind="distributors"):
    return client.post(IMPORT, {"kind": kind, "file": file})


def token_of(client) -> str:
    return client.session["distributors_import"]["token"]


def import_file(client, file, kind="distributors"):
    """Upload, look at the preview, confirm: the user's whole path. Returns (preview, confirm) responses."""
    response = upload(client, file, kind)
    assert response.status_code == 302 and response["Location"] == PREVIEW, response.content.decode()[:2000]
    preview = client.get(PREVIEW)
    return preview, client.post(CONFIRM, {"token": token_of(client)})


# --- Import -----------------------------------------------------------------------------------------


def test_kam_imports_distributors_from_csv_with_english_headers(org, client_for):
    client = client_for(org.kam_a1)
    file = csv_file(
        [
            [
                "code",
                "name",
                "short_name",
                "city",
                "county",
                "status",
                "tier",
                "owner",
                "payment_terms_days",
                "credit_limit",
                "attractiveness",
                "relationship_stage",
                "relationship_type",
                "Favourite colour",
            ],
            [
                "NEW-001",
                "New Trading Co.",
                "New",
                "Ningbo",
                "Yinzhou",
                "key",
                "A",
                "rep_a1",
                "",  # credit terms are finance's: a KAM's file leaves them empty
                "",
                "Very attractive",
                "very_strong",
                "Strategic alliance",
                "blue",
            ],
            ["NEW-002", "Second Foods", "", "Suzhou", "", "Potential", "c", "rep_a1b", "", "", "", "", "", ""],
        ]
    )
    response = upload(client, file)
    assert response.status_code == 302 and response["Location"] == PREVIEW
    preview = client.get(PREVIEW)
    text = preview.content.decode()
    assert preview.status_code == 200
    assert "NEW-001" in text and "Second Foods" in text and "Every row is valid" in text
    assert "Favourite colour" in text  # listed as not imported
    assert not Distributor.objects.filter(code__startswith="NEW-").exists()  # a preview saves nothing

    confirm = client.post(CONFIRM, {"token": token_of(client)})
    assert confirm.status_code == 302 and confirm["Location"] == "/distributors/"
    first, second = Distributor.objects.get(code="NEW-001"), Distributor.objects.get(code="NEW-002")
    assert (first.owner, first.status, first.tier, first.payment_terms_days) == (org.rep_a1, "key", "A", 30)
    assert first.credit_limit == Decimal("0")
    assert (first.attractiveness, first.relationship_stage, first.relationship_type) == (
        "very",
        "very_strong",
        "strategic_alliance",
    )
    assert (second.owner, second.status, second.tier, second.payment_terms_days) == (org.rep_a1b, "potential", "C", 30)
    assert second.credit_limit == Decimal("0")
    assert AuditEvent.objects.for_object(first).filter(action="distributor_created", actor=org.kam_a1).exists()
    assert "distributors_import" not in client.session  # the stashed file is forgotten


def test_admin_imports_xlsx_with_chinese_headers_and_values(org, client_for):
    file = xlsx_file(
        [
            [
                "客户编码",
                "客户名称",
                "简称",
                "城市",
                "区县",
                "乡镇",
                "地址",
                "电话",
                "状态",
                "等级",
                "销售代表",
                "账期（天）",
                "信用额度",
                "吸引力",
                "关系阶段",
                "关系类型",
            ],
            [
                "ZH-001",
                "杭州百货有限公司",
                "杭百",
                "杭州",
                "西湖区",
                "留下镇",
                "天目山路1号",
                57112345678,
                "重点客户",
                "A类",
                "rep_b1",
                60,
                1234567.89,
                "很有吸引力",
                "良好",
                "战略联盟",
            ],
            [
                "ZH-002",
                "宁波食品",
                None,
                "宁波",
                None,
                None,
                None,
                None,
                "潜在客户",
                "B",
                "rep_a2",
                30.0,
                0.1,
                "中等",
                "发展中",
                "交易型",
            ],
        ]
    )
    preview, confirm = import_file(client_for(org.admin), file)
    assert "杭州百货有限公司" in preview.content.decode()
    assert confirm.status_code == 302
    card = Distributor.objects.get(code="ZH-001")
    assert (card.name, card.short_name, card.city, card.county, card.town) == (
        "杭州百货有限公司",
        "杭百",
        "杭州",
        "西湖区",
        "留下镇",
    )
    assert (card.phone, card.status, card.tier, card.owner) == ("57112345678", "key", "A", org.rep_b1)
    assert card.payment_terms_days == 60 and card.credit_limit == Decimal("1234567.89")  # no float rounding
    assert (card.attractiveness, card.relationship_stage, card.relationship_type) == (
        "very",
        "good",
        "strategic_alliance",
    )
    second = Distributor.objects.get(code="ZH-002")
    assert (second.status, second.tier, second.credit_limit, second.attractiveness) == (
        "potential",
        "B",
        Decimal("0.10"),
        "medium",
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_from_chinese_excel_is_read_with_or_without_bom_or_in_gb18030(org, client_for, encoding):
    file = csv_file(
        [["编码", "名称", "负责人", "状态", "信用额度"], ["GB-1", "广州河流贸易", "rep_a1", "合格", "800.5"]],
        encoding=encoding,
    )
    _preview, confirm = import_file(client_for(org.admin), file)
    assert confirm.status_code == 302
    card = Distributor.objects.get(code="GB-1")
    assert (card.name, card.status, card.credit_limit) == ("广州河流贸易", "qualified", Decimal("800.50"))


def test_one_bad_row_saves_nothing_and_the_preview_names_the_row_and_the_reason(org, cards, client_for):
    client = client_for(org.admin)  # the file has credit limits: finance's or the admin's
    file = csv_file(
        [
            ["code", "name", "owner", "credit_limit", "status"],
            ["OK-001", "Fine Trading", "rep_a1", "100", "qualified"],
            ["BAD-001", "Negative Credit", "rep_a1", "-5", "qualified"],
            ["BAD-002", "Odd Status", "rep_a1", "10", "sleeping"],
            ["A1-001", "Existing Code", "rep_a1", "10", "qualified"],
            ["BAD 003", "", "rep_a1", "abc", "terminated"],
        ]
    )
    assert upload(client, file).status_code == 302
    preview = client.get(PREVIEW)
    text = preview.content.decode()
    assert "Row 3 · credit_limit: Ensure this value is greater than or equal to 0." in text
    assert "Row 4 · status: Value &#x27;sleeping&#x27; is not a valid choice." in text
    assert "Row 5 · code: Distributor with this Code already exists." in text
    assert "Row 6 · name: This field cannot be blank." in text
    assert "Row 6 · code: Use letters, digits" in text
    assert "Row 6 · credit_limit: “abc” value must be a decimal number." in text
    assert "Say why the cooperation ended." in text  # the model's own rule for a terminated account
    assert 'name="token"' not in text  # no import button while rows are bad
    assert "Row 2 ·" not in text

    # Confirming anyway (an old tab, a crafted post) still saves nothing.
    again = client.post(CONFIRM, {"token": token_of(client)})
    assert again.status_code == 200 and "Nothing was imported" in again.content.decode()
    assert not Distributor.objects.filter(code__in=["OK-001", "BAD-001"]).exists()
    assert Distributor.objects.count() == 5


def test_a_code_twice_in_the_file_is_an_error_on_the_later_row(org, client_for):
    client = client_for(org.kam_a1)
    upload(
        client,
        csv_file(
            [
                ["code", "name", "owner"],
                ["DUP-1", "One", "rep_a1"],
                ["DUP-2", "Two", "rep_a1"],
                ["DUP-1", "Three", "rep_a1"],
            ]
        ),
    )
    text = client.get(PREVIEW).content.decode()
    assert "Row 4 · code: Code DUP-1 is already used in row 2 of this file." in text
    assert "Row 2 ·" not in text and "Row 3 ·" not in text
    client.post(CONFIRM, {"token": token_of(client)})
    assert not Distributor.objects.filter(code__startswith="DUP-").exists()


def test_kam_cannot_import_cards_for_an_owner_outside_the_team(org, client_for):
    client = client_for(org.kam_a1)
    upload(
        client,
        csv_file(
            [
                ["code", "name", "owner"],
                ["T-1", "Own team", "rep_a1"],
                ["T-2", "Other team", "rep_a2"],
                ["T-3", "Nobody", "no_such_user"],
                ["T-4", "No owner", ""],
            ]
        ),
    )
    text = client.get(PREVIEW).content.decode()
    assert "Row 3 · owner: rep_a2 is not a rep you can assign accounts to." in text
    assert "Row 4 · owner: no_such_user is not a rep you can assign accounts to." in text
    assert "Row 5 · owner: Choose the rep who owns this account." in text
    client.post(CONFIRM, {"token": token_of(client)})
    assert not Distributor.objects.filter(code__startswith="T-").exists()


def test_a_row_that_became_invalid_after_the_preview_rolls_back_the_whole_import(org, client_for):
    client = client_for(org.kam_a1)
    upload(client, csv_file([["code", "name", "owner"], ["RACE-1", "First", "rep_a1"], ["RACE-2", "Second", "rep_a1"]]))
    assert "Every row is valid" in client.get(PREVIEW).content.decode()
    f.DistributorFactory(code="RACE-2", owner=org.rep_b1)  # someone else was quicker
    response = client.post(CONFIRM, {"token": token_of(client)})
    text = response.content.decode()
    assert "Nothing was imported" in text and "Row 3 · code: Distributor with this Code already exists." in text
    assert not Distributor.objects.filter(code="RACE-1").exists()


def test_confirming_with_a_stale_token_imports_nothing(org, client_for):
    client = client_for(org.kam_a1)
    upload(client, csv_file([["code", "name", "owner"], ["OLD-1", "Old", "rep_a1"]]))
    old_token = token_of(client)
    upload(client, csv_file([["code", "name", "owner"], ["NEWER-1", "Newer", "rep_a1"]]))
    response = client.post(CONFIRM, {"token": old_token})
    assert response.status_code == 302 and response["Location"] == PREVIEW
    assert not Distributor.objects.filter(code__in=["OLD-1", "NEWER-1"]).exists()


@pytest.mark.parametrize("who", ["rep_a1", "rm_a", "finance"])
def test_only_admins_and_kams_may_import(org, client_for, who):
    client = client_for(getattr(org, who))
    assert client.get(IMPORT).status_code == 403
    assert upload(client, csv_file([["code", "name", "owner"], ["R-1", "Rep's", who]])).status_code == 403
    assert client.get(PREVIEW).status_code == 403
    assert client.post(CONFIRM, {"token": "0" * 32}).status_code == 403
    assert not Distributor.objects.filter(code="R-1").exists()


def test_the_upload_page_lists_the_columns(org, client_for):
    text = client_for(org.kam_a1).get(IMPORT).content.decode()
    assert "客户编码" in text and "payment_terms_days" in text and 'enctype="multipart/form-data"' in text


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (SimpleUploadedFile("cards.xlsx", b"this is not a zip file"), "is not an Excel workbook"),
        (SimpleUploadedFile("cards.xlsx", b"PK\x03\x04broken zip"), "is not an Excel workbook"),
        (
            SimpleUploadedFile("cards.xls", b"\xd0\xcf\x11\xe0 old excel"),
            "Upload an Excel workbook (.xlsx) or a CSV file",
        ),
        (SimpleUploadedFile("cards.csv", b""), "The submitted file is empty."),
        (SimpleUploadedFile("cards.csv", b"\n\n"), "The file is empty."),
        (SimpleUploadedFile("cards.csv", b"code,name,owner\n"), "no rows to import"),
        (SimpleUploadedFile("cards.csv", b"name,city\nAcme,Ningbo\n"), "no column for: Code"),
        (SimpleUploadedFile("cards.csv", b"code,\xe7\xbc\x96\xe7\xa0\x81,name\n1,2,3\n"), "both hold Code"),
        (SimpleUploadedFile("cards.csv", b"code,name\x00\x00\x01"), "not a CSV text file"),
    ],
)
def test_a_file_that_cannot_be_imported_is_a_form_error(org, client_for, file, message):
    response = upload(client_for(org.kam_a1), file)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "distributors_import" not in response.wsgi_request.session


def test_size_and_row_limits_are_form_errors(org, client_for, monkeypatch):
    client = client_for(org.kam_a1)
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    rows = [["code", "name", "owner"]] + [[f"L-{n}", "Line", "rep_a1"] for n in range(3)]
    response = upload(client, csv_file(rows))
    assert response.status_code == 200 and "more than 2 rows" in response.content.decode()
    monkeypatch.setattr(imports, "MAX_FILE_SIZE", 10)
    response = upload(client, csv_file(rows[:2]))
    assert response.status_code == 200 and "larger than" in response.content.decode()


def test_kam_imports_contacts_with_chinese_headers(org, cards, client_for):
    old_primary = f.ContactFactory(distributor=cards.a1, name="Old Boss", is_primary=True)
    client = client_for(org.kam_a1)
    file = xlsx_file(
        [
            ["客户编码", "姓名", "职务", "手机", "邮箱", "微信", "主要联系人"],
            ["A1-001", "王芳", "采购经理", 13800138000, "wang@example.com", "wangfang", "是"],
            ["A1-101", "李雷", "老板", "13900000000", None, None, "否"],
        ]
    )
    preview, confirm = import_file(client, file, kind="contacts")
    assert "王芳" in preview.content.decode()
    assert confirm.status_code == 302
    new = Contact.objects.get(distributor=cards.a1, name="王芳")
    assert (new.position, new.mobile, new.email, new.is_primary) == (
        "采购经理",
        "13800138000",
        "wang@example.com",
        True,
    )
    old_primary.refresh_from_db()
    assert not old_primary.is_primary  # the import hands the primary flag over, as the contact form does
    assert Contact.objects.get(distributor=cards.a1b, name="李雷").is_primary  # its card's first contact


def test_contacts_for_cards_outside_the_team_or_with_bad_data_are_refused(org, cards, client_for):
    client = client_for(org.kam_a1)
    upload(
        client,
        csv_file(
            [
                ["distributor_code", "name", "email", "is_primary"],
                ["A1-002", "Good Contact", "good@example.com", "yes"],
                ["B1-001", "Foreign Contact", "", ""],
                ["A1-002", "Bad Mail", "not-an-email", "no"],
                ["A1-002", "Second Primary", "", "yes"],
                ["NOPE-9", "Ghost", "", "maybe"],
            ]
        ),
        kind="contacts",
    )
    text = client.get(PREVIEW).content.decode()
    assert "Row 3 · distributor_code: No customer card with code B1-001 that you can change." in text
    assert "Row 4 · email: Enter a valid email address." in text
    assert "Row 5 · is_primary: Row 2 already makes another contact the primary one of A1-002." in text
    assert "Row 6 · distributor_code: No customer card with code NOPE-9 that you can change." in text
    assert "Row 6 · is_primary: Enter yes or no." in text
    client.post(CONFIRM, {"token": token_of(client)})
    assert not Contact.objects.exists()


def test_an_export_can_be_imported_again_under_new_codes(org, cards, client_for):
    client = client_for(org.admin)
    exported = b"".join(client.get("/distributors/export.csv?city=Shanghai").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    for row in rows[1:]:
        row[0] = "COPY-" + row[0]
    preview, confirm = import_file(client, csv_file(rows))
    assert confirm.status_code == 302, preview.content.decode()
    copy = Distributor.objects.get(code="COPY-A1-001")
    assert (copy.name, copy.owner, copy.status, copy.tier) == ("Acme Trading", org.rep_a1, "qualified", "B")


# --- Export -----------------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # so Excel reads the Chinese right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(workbook.active.iter_rows(values_only=True))


def test_kam_exports_exactly_the_team_cards_and_the_filter_applies(org, cards, client_for):
    Distributor.objects.filter(pk=cards.a1_second.pk).update(status="potential")
    client = client_for(org.kam_a1)
    response = client.get("/distributors/export.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="distributors-' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["Code", "Legal name", "Short name", "Status"]
    assert [row[0] for row in rows[1:]] == ["A1-001", "A1-002", "A1-101"]  # never A2's or B1's cards

    filtered = csv_rows(client.get("/distributors/export.csv?status=potential&page=3"))
    assert [row[0] for row in filtered[1:]] == ["A1-002"]
    record = dict(zip(filtered[0], filtered[1], strict=True))
    assert record["Status"] == "Potential" and record["Owner"] == "rep_a1" and record["Team"] == "Team A1"
    assert record["Region"] == "Region A" and record["Credit limit"] == "0.00"

    searched = csv_rows(client.get("/distributors/export.csv?q=teammate&ordering=-code"))
    assert [row[0] for row in searched[1:]] == ["A1-101"]


def test_xlsx_export_opens_and_money_is_exact(org, cards, client_for):
    Distributor.objects.filter(pk=cards.b1.pk).update(credit_limit=Decimal("123456789012.34"), payment_terms_days=60)
    response = client_for(org.rm_b).get("/distributors/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = xlsx_rows(response)
    assert len(rows) == 1  # region B has one card
    record = dict(zip(header, rows[0], strict=True))
    assert record["Code"] == "B1-001" and record["Payment terms (days)"] == 60
    assert Decimal(repr(record["Credit limit"])) == Decimal("123456789012.34")


def test_xlsx_and_csv_keep_text_that_looks_like_a_formula_as_text(org, client_for):
    f.DistributorFactory(
        code="EVIL-1", name='=HYPERLINK("http://evil.example","x")', phone="+86 21 5555 0100", owner=org.rep_a1
    )
    client = client_for(org.kam_a1)
    record = dict(zip(*csv_rows(client.get("/distributors/export.csv")), strict=False))
    assert record["Legal name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert record["Phone"] == "'+86 21 5555 0100"  # the OWASP rule: a leading "+" is a formula to a spreadsheet
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/distributors/export.xlsx").content))
    cell = workbook.active["B2"]
    assert cell.data_type == "s" and cell.quotePrefix and cell.value.startswith("=HYPERLINK")


def test_export_headers_follow_the_user_language(org, cards, client_for):
    org.kam_a1.language = "zh-hans"
    org.kam_a1.save()
    header = csv_rows(client_for(org.kam_a1).get("/distributors/export.csv"))[0]
    assert "团队" in header and "区域" in header


def test_unknown_export_format_is_404(org, client_for):
    assert client_for(org.kam_a1).get("/distributors/export.pdf").status_code == 404


def test_api_export_is_scoped_and_filtered_like_the_list(org, cards, api_for):
    Distributor.objects.filter(pk=cards.a1.pk).update(status="key")
    api = api_for(org.kam_b1)
    rows = csv_rows(api.get("/api/distributors/export/?format_type=csv"))
    assert [row[0] for row in rows[1:]] == ["B1-001"]

    rm = api_for(org.rm_a)
    header, *data = xlsx_rows(rm.get("/api/distributors/export/?format_type=xlsx"))
    assert sorted(row[0] for row in data) == ["A1-001", "A1-002", "A1-101", "A2-001"]
    header, *data = xlsx_rows(rm.get("/api/distributors/export/?format_type=xlsx&status=key"))
    assert [row[0] for row in data] == ["A1-001"]
    assert rm.get("/api/distributors/export/", HTTP_ACCEPT="text/csv").status_code == 200


def test_api_export_refuses_bad_parameters_with_400(org, api_for):
    api = api_for(org.kam_a1)
    response = api.get("/api/distributors/export/?format_type=pdf")
    assert response.status_code == 400 and "format_type" in response.json()
    response = api.get("/api/distributors/export/?format_type=csv&status=sleeping")
    assert response.status_code == 400 and "status" in response.json()


def test_api_export_needs_authentication(db, client):
    assert client.get("/api/distributors/export/?format_type=csv").status_code == 401


def test_a_terminated_account_imports_with_its_reason_and_date(org, client_for):
    file = csv_file(
        [
            ["编码", "名称", "负责人", "状态", "终止原因", "终止日期"],
            ["END-1", "Closed Shop", "rep_a1", "已终止合作", "Moved to a rival", "2024/1/5"],
        ]
    )
    _preview, confirm = import_file(client_for(org.kam_a1), file)
    assert confirm.status_code == 302
    card = Distributor.objects.get(code="END-1")
    assert (card.status, card.terminated_reason, str(card.terminated_on)) == (
        "terminated",
        "Moved to a rival",
        "2024-01-05",
    )


def test_unconfirmed_uploads_are_purged_after_a_day(db, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from distributors.tasks import purge_stale_imports
    from kamcrm.imports import sheets as imports

    old = imports.stash(content=b"code,name\n", extension="csv")
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)  # two days pass ...
    monkeypatch.setattr("django.core.files.storage.memory.now", lambda: later)  # ... for the test storage too
    fresh = imports.stash(content=b"code,name\n", extension="csv")
    purge_stale_imports.delay()
    assert imports.load_stash(token=fresh, extension="csv") is not None
    assert imports.load_stash(token=old, extension="csv") is None
