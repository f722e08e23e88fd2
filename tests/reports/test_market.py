"""Issue 18, market checks: lines of price, stock and facings on visits (form, offline outbox, API, edit), the
competitor catalogue, and the monthly market report per region (prices, stock trend, competitor presence, chart
data, .xlsx) — all scoped from the outside."""

import io
from datetime import datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.models import Competitor, CompetitorBrand, CompetitorProduct
from reports.market.selectors import month_shift
from reports.models import MarketCheck, Visit
from tests import factories as f
from tests.reports.factories import VisitFactory
from tests.reports.helpers import form_post_data
from tests.reports.test_api import visit_payload
from tests.reports.test_views import visit_post


@pytest.fixture
def market(db):
    """Our brand and two of its products; two competitors, one product each."""
    ours = f.BrandFactory(code="XY", name="Xianyue 鲜悦", is_own=True)
    juice = f.ProductFactory(name="鲜悦橙汁 1L", brand=ours)
    water = f.ProductFactory(name="鲜悦纯净水", brand=ours)
    kangtai = Competitor.objects.create(code="KT", name="康泰")
    jinsui = Competitor.objects.create(code="JS", name="金穗")
    kt_juice = CompetitorProduct.objects.create(
        brand=CompetitorBrand.objects.create(competitor=kangtai, name="康泰"), name="橙汁 1L", compares_with=juice
    )
    js_oil = CompetitorProduct.objects.create(
        brand=CompetitorBrand.objects.create(competitor=jinsui, name="金穗"), name="花生油"
    )
    return SimpleNamespace(ours=ours, juice=juice, water=water, kangtai=kangtai, kt_juice=kt_juice, js_oil=js_oil)


def _lines(visit) -> list[tuple]:
    return sorted((c.item_key, c.price, c.stock, c.facings) for c in MarketCheck.objects.filter(visit=visit))


# --- the API ----------------------------------------------------------------------------------------------------


def test_a_visit_with_market_checks_through_the_api_and_an_update_keeps_or_replaces_them(org, cards, market, api_for):
    api = api_for(org.rep_a1)
    lines = [
        {"product": market.juice.pk, "price": "12.50", "stock": 40, "facings": 6},
        {"brand": market.ours.pk, "stock": 120},
        {"competitor_product": market.kt_juice.pk, "price": "11.90", "facings": 3},
    ]
    response = api.post("/api/visits/", visit_payload(cards.a1, market_checks=lines), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(c["product"], c["brand"], c["competitor_product"], c["price"]) for c in body["market_checks"]] == [
        (market.juice.pk, None, None, "12.50"),
        (None, market.ours.pk, None, None),
        (None, None, market.kt_juice.pk, "11.90"),
    ]
    visit = Visit.objects.get(pk=body["id"])
    # An update that leaves market_checks out keeps them; one that sends them replaces them.
    assert api.patch(f"/api/visits/{visit.pk}/", {"outcome": "changed"}, format="json").status_code == 200
    assert len(_lines(visit)) == 3
    replaced = api.patch(
        f"/api/visits/{visit.pk}/", {"market_checks": [{"product": market.water.pk, "price": "2.00"}]}, format="json"
    )
    assert replaced.status_code == 200, replaced.json()
    assert _lines(visit) == [(f"p:{market.water.pk}", Decimal("2.00"), None, None)]
    assert api.get(f"/api/visits/{visit.pk}/").json()["market_checks"][0]["price"] == "2.00"


@pytest.mark.parametrize(
    "line, field",
    [
        ({"product": "P", "price": "-0.01"}, "price"),
        ({"product": "P", "stock": -1}, "stock"),
        ({"product": "P", "facings": -3}, "facings"),
        ({"product": 999999, "price": "1.00"}, "product"),
        ({"competitor_product": 999999, "price": "1.00"}, "competitor_product"),
        ({"product": "P", "competitor_product": "C", "price": "1.00"}, "product"),
        ({"price": "1.00"}, "product"),
        ({"product": "P"}, "price"),
        ({"brand": "CB", "stock": 3}, "brand"),  # a competitor's brand is not one of ours
        ({"product": "P", "price": "abc"}, "price"),
    ],
)
def test_bad_market_lines_are_field_errors_and_nothing_is_saved(org, cards, market, api_for, line, field):
    theirs = f.BrandFactory(code="KT-B", is_own=False)
    swap = {"P": market.juice.pk, "C": market.kt_juice.pk, "CB": theirs.pk}
    line = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in line.items()}
    response = api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1, market_checks=[line]), format="json")
    assert response.status_code == 400
    assert field in response.json()["market_checks"]["0"]
    assert not Visit.objects.exists() and not MarketCheck.objects.exists()


def test_the_same_product_twice_on_one_visit_is_refused(org, cards, market, api_for):
    lines = [{"product": market.juice.pk, "price": "1.00"}, {"product": market.juice.pk, "stock": 2}]
    response = api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1, market_checks=lines), format="json")
    assert response.status_code == 400 and "market_checks" in response.json()
    assert not Visit.objects.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    price=st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=2, allow_nan=False),
    stock=st.integers(min_value=-(10**6), max_value=10**6),
)
def test_any_negative_figure_is_a_400_and_any_other_is_kept_exactly(org, cards, market, api_for, price, stock):
    before = Visit.objects.count()
    line = {"product": market.juice.pk, "price": str(price), "stock": stock}
    response = api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1, market_checks=[line]), format="json")
    if price < 0 or stock < 0:
        assert response.status_code == 400
        assert set(response.json()["market_checks"]["0"]) == {
            n for n, v in (("price", price), ("stock", stock)) if v < 0
        }
        assert Visit.objects.count() == before
    else:
        assert response.status_code == 201, response.json()
        saved = MarketCheck.objects.get(visit_id=response.json()["id"])
        assert (saved.price, saved.stock) == (price, stock)


def test_market_checks_of_another_teams_visit_are_404(org, cards, market, api_for):
    visit = VisitFactory(distributor=cards.b1)
    MarketCheck.objects.create(visit=visit, product=market.juice, price=Decimal("9.00"))
    assert api_for(org.rep_a1).get(f"/api/visits/{visit.pk}/").status_code == 404
    patch = api_for(org.rep_a1).patch(f"/api/visits/{visit.pk}/", {"market_checks": []}, format="json")
    assert patch.status_code == 404
    assert MarketCheck.objects.filter(visit=visit).count() == 1


# --- the visit form ---------------------------------------------------------------------------------------------


def _market_post(*lines, **extra):
    data = {"market-TOTAL_FORMS": str(max(len(lines), 1)), "market-INITIAL_FORMS": "0"}
    for i, (item, price, stock, facings) in enumerate(lines):
        data.update({f"market-{i}-item": item, f"market-{i}-price": price, f"market-{i}-stock": stock})
        data[f"market-{i}-facings"] = facings
    data.update(extra)
    return data


def test_the_visit_form_saves_market_lines_and_editing_keeps_them(org, cards, market, client_for):
    client = client_for(org.rep_a1)
    page = client.get("/reports/visits/new/").content.decode()
    assert f'value="p:{market.juice.pk}"' in page and f'value="c:{market.kt_juice.pk}"' in page
    assert "康泰" in page and 'id="add-market-line"' in page
    response = client.post(
        "/reports/visits/new/",
        visit_post(
            cards.a1,
            **_market_post(
                (f"p:{market.juice.pk}", "12.50", "40", "6"),
                (f"c:{market.kt_juice.pk}", "11.90", "", "3"),
                ("", "", "", ""),  # an empty line the phone added: ignored
            ),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = Visit.objects.get()
    expected = [
        (f"c:{market.kt_juice.pk}", Decimal("11.90"), None, 3),
        (f"p:{market.juice.pk}", Decimal("12.50"), 40, 6),
    ]
    assert _lines(visit) == expected
    detail = client.get(f"/reports/visits/{visit.pk}/").content.decode()
    assert 'id="market-checks"' in detail and "橙汁 1L" in detail and "12.50" in detail
    # The edit form shows the lines; saving it as shown keeps them, even after a product was made inactive.
    market.kt_juice.is_active = False
    market.kt_juice.save()
    data = form_post_data(client.get(f"/reports/visits/{visit.pk}/edit/").content.decode(), "visit-form")
    assert data["market-TOTAL_FORMS"] == ["3"] and data["market-INITIAL_FORMS"] == ["2"]
    data["outcome"] = ["补货"]
    assert client.post(f"/reports/visits/{visit.pk}/edit/", data).status_code == 302
    assert _lines(visit) == expected
    # A line emptied on the phone (the × button) is removed; a changed figure is saved.
    for name in ("item", "price", "stock", "facings"):
        data[f"market-1-{name}"] = [""]
    data["market-0-price"] = ["12.80"]
    assert client.post(f"/reports/visits/{visit.pk}/edit/", data).status_code == 302
    assert _lines(visit) == [(f"p:{market.juice.pk}", Decimal("12.80"), 40, 6)]


def test_a_form_sent_without_the_market_part_keeps_the_saved_lines(org, cards, market, client_for):
    """A page cached by the phone before market checks existed: its submit must not wipe them."""
    client = client_for(org.rep_a1)
    client.post("/reports/visits/new/", visit_post(cards.a1, **_market_post((f"p:{market.juice.pk}", "3", "", ""))))
    visit = Visit.objects.get()
    data = form_post_data(client.get(f"/reports/visits/{visit.pk}/edit/").content.decode(), "visit-form")
    data = {k: v for k, v in data.items() if not k.startswith("market-")}
    assert client.post(f"/reports/visits/{visit.pk}/edit/", data).status_code == 302
    assert _lines(visit) == [(f"p:{market.juice.pk}", Decimal("3.00"), None, None)]


@pytest.mark.parametrize(
    "line, message",
    [
        (("P", "-1", "", ""), "greater than or equal to 0"),
        (("P", "", "-5", ""), "greater than or equal to 0"),
        (("p:999999", "1", "", ""), "Select a valid choice"),
        (("P", "", "", ""), "Enter a price, the stock or the facings."),
        (("", "5", "", ""), "Choose a product or brand."),
    ],
)
def test_bad_market_lines_on_the_form_are_shown_and_nothing_is_saved(org, cards, market, client_for, line, message):
    item = line[0].replace("P", f"p:{market.juice.pk}") if line[0] == "P" else line[0]
    response = client_for(org.rep_a1).post(
        "/reports/visits/new/", visit_post(cards.a1, **_market_post((item, *line[1:])))
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Visit.objects.exists()


def test_the_offline_outbox_sends_market_lines_with_the_visit(org, cards, market, client_for):
    """The outbox posts the form's fields as saved (Accept: application/json); a refused one gets the messages."""
    client = client_for(org.rep_a1)
    bad = client.post(
        "/reports/visits/new/",
        visit_post(cards.a1, **_market_post((f"p:{market.juice.pk}", "-2", "", ""))),
        HTTP_ACCEPT="application/json",
    )
    assert bad.status_code == 400 and any("Shelf price" in e for e in bad.json()["errors"])
    ok = client.post(
        "/reports/visits/new/",
        visit_post(
            cards.a1,
            client_ref="5b0c1f7e-3f43-4b8e-9d55-1c2b6f1f0a01",
            **_market_post((f"p:{market.juice.pk}", "2", "", ""), (f"b:{market.ours.pk}", "", "30", "")),
        ),
        HTTP_ACCEPT="application/json",
    )
    assert ok.status_code == 201, ok.content
    assert len(_lines(Visit.objects.get())) == 2


# --- the competitor catalogue -----------------------------------------------------------------------------------


def test_everyone_reads_the_competitor_catalogue_and_only_the_admin_keeps_it(org, market, api_for, client_for):
    rep = api_for(org.rep_b1)
    assert {c["code"] for c in rep.get("/api/competitors/").json()["results"]} == {"KT", "JS"}
    products = rep.get(f"/api/competitor-products/?brand__competitor={market.kangtai.pk}").json()["results"]
    assert [(p["name"], p["competitor"], p["compares_with"]) for p in products] == [
        ("橙汁 1L", market.kangtai.pk, market.juice.pk)
    ]
    assert rep.post("/api/competitors/", {"code": "X", "name": "X"}, format="json").status_code == 403
    admin = api_for(org.admin)
    created = admin.post("/api/competitors/", {"code": "WL", "name": "旺来"}, format="json")
    assert created.status_code == 201
    assert admin.post("/api/competitors/", {"code": "WL", "name": "again"}, format="json").status_code == 400
    brand = admin.post("/api/competitor-brands/", {"competitor": created.json()["id"], "name": "旺来"}, format="json")
    assert brand.status_code == 201
    twice = admin.post("/api/competitor-brands/", {"competitor": created.json()["id"], "name": "旺来"}, format="json")
    assert twice.status_code == 400
    # Pages: everyone reads; only the admin edits.
    page = client_for(org.rep_a1).get("/distributors/competitors/")
    assert page.status_code == 200 and "康泰" in page.content.decode() and "new-competitor" not in page.content.decode()
    assert client_for(org.rep_a1).get("/distributors/competitors/competitor/new/").status_code == 403
    admin_page = client_for(org.admin)
    saved = admin_page.post(
        "/distributors/competitors/product/new/",
        {"brand": market.kt_juice.brand_id, "name": "苹果汁", "is_active": "on"},
    )
    assert saved.status_code == 302 and CompetitorProduct.objects.filter(name="苹果汁").exists()
    bad = admin_page.post("/distributors/competitors/product/new/", {"brand": "", "name": ""})
    assert bad.status_code == 200 and "This field is required" in bad.content.decode()


# --- the market report ------------------------------------------------------------------------------------------


def _visit(card, day, hour=10, **checks):
    started = timezone.make_aware(datetime.combine(day, time(hour, 0)), timezone.get_current_timezone())
    visit = VisitFactory(distributor=card, visit_date=day, started_at=started)
    for item, figures in checks.items():
        MarketCheck.objects.create(visit=visit, **{item: figures[0]}, price=figures[1], stock=figures[2])
    return visit


@pytest.fixture
def region_market(org, cards, market):
    """This month in region A: three priced checks of the juice, stock counted twice at one account (the later
    count wins), Kangtai seen on 2 of 3 checked visits; last month one count; region B has its own check."""
    month = timezone.localdate().replace(day=1)
    last = month_shift(month, -1)
    day = month + timedelta(days=0)
    _visit(
        cards.a1,
        day,
        9,
        product=(market.juice, Decimal("12.00"), 10),
        competitor_product=(market.kt_juice, Decimal("11.00"), None),
    )
    _visit(cards.a1, day, 15, product=(market.juice, Decimal("13.00"), 4))
    _visit(
        cards.a2, day, 11, product=(market.juice, Decimal("15.00"), 6), competitor_product=(market.kt_juice, None, 20)
    )
    _visit(cards.a1, last + timedelta(days=3), 10, product=(market.juice, None, 30))
    _visit(
        cards.b1,
        day,
        10,
        product=(market.juice, Decimal("99.00"), 500),
        competitor_product=(market.js_oil, Decimal("50"), 1),
    )
    return SimpleNamespace(month=month, last=last)


def test_the_regional_manager_reads_prices_stock_and_presence_of_the_region(org, region_market, market, api_for):
    body = (
        api_for(org.rm_a).get(f"/api/market-report/?region={org.region_a.pk}&month={region_market.month:%Y-%m}").json()
    )
    assert body["visits_checked"][-2:] == [1, 3]
    prices = {p["key"]: p for p in body["prices"]}
    juice = prices[f"p:{market.juice.pk}"]
    assert (juice["checks"], juice["min"], juice["median"], juice["max"], juice["ours"]) == (
        3,
        "12.00",
        "13.00",
        "15.00",
        True,
    )
    theirs = prices[f"c:{market.kt_juice.pk}"]
    assert (theirs["checks"], theirs["min"], theirs["max"], theirs["competitor"]) == (1, "11.00", "11.00", "康泰")
    stock = {s["key"]: s for s in body["stock"]}
    # a1: the 15:00 count (4) replaces the 09:00 one (10); a2: 6 — the region holds 10 this month, 30 the last.
    assert stock[f"p:{market.juice.pk}"]["stock"][-2:] == [30, 10]
    assert stock[f"p:{market.juice.pk}"]["accounts"][-2:] == [1, 2]
    assert stock[f"c:{market.kt_juice.pk}"]["stock"][-1] == 20
    assert body["presence"] == [
        {
            "competitor": "康泰",
            "seen": [0, 0, 0, 0, 0, 2],
            "share": [None, None, None, None, "0.0000", "0.6667"],
            "accounts": 2,
        }
    ]


def test_each_caller_reads_only_their_scope_and_another_region_is_404(org, region_market, market, api_for, client_for):
    month = f"{region_market.month:%Y-%m}"
    # rep_a2 (team A2, region A) reads region A from their own visits only.
    mine = api_for(org.rep_a2).get(f"/api/market-report/?month={month}").json()
    assert mine["region"]["id"] == org.region_a.pk and mine["visits_checked"][-1] == 1
    assert [p["max"] for p in mine["prices"] if p["key"] == f"p:{market.juice.pk}"] == ["15.00"]
    for user in (org.rep_a1, org.kam_a1, org.rm_a):
        assert api_for(user).get(f"/api/market-report/?region={org.region_b.pk}").status_code == 404
        assert api_for(user).get(f"/api/market-report/xlsx/?region={org.region_b.pk}").status_code == 404
        assert client_for(user).get(f"/reports/market/?region={org.region_b.pk}").status_code == 404
        assert client_for(user).get(f"/reports/market/market.xlsx?region={org.region_b.pk}").status_code == 404
    assert api_for(org.rep_a1).get("/api/market-report/?region=999999").status_code == 404
    # The admin picks any region; region B's figures stay in region B.
    b = api_for(org.admin).get(f"/api/market-report/?region={org.region_b.pk}&month={month}").json()
    assert [p["max"] for p in b["prices"] if p["key"] == f"p:{market.juice.pk}"] == ["99.00"]
    assert api_for(org.rep_a1).get("/api/market-report/").status_code == 200


@pytest.mark.parametrize("query", ["month=2026-13", "month=abc", "month=1800-01", "region=abc"])
def test_bad_report_parameters_are_400(org, api_for, query):
    response = api_for(org.rm_a).get(f"/api/market-report/?{query}")
    assert response.status_code == 400
    assert set(response.json()) <= {"month", "region"}


def test_the_page_shows_tables_and_chart_data_and_the_workbook_escapes_names(org, region_market, market, client_for):
    market.juice.name = '=HYPERLINK("http://x")'
    market.juice.save()
    client = client_for(org.rm_a)
    page = client.get(f"/reports/market/?month={region_market.month:%Y-%m}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="market-prices"' in html and 'id="market-stock"' in html and 'id="market-presence"' in html
    assert 'id="market-data"' in html and "echarts.min.js" in html and "66.7 %" in html
    response = client.get(f"/reports/market/market.xlsx?region={org.region_a.pk}&month={region_market.month:%Y-%m}")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    prices = book.worksheets[0]
    cells = [row for row in prices.iter_rows(min_row=3) if row[0].value == market.juice.name]
    assert cells and cells[0][0].data_type == "s" and cells[0][0].quotePrefix
    assert [Decimal(str(c.value)) for c in cells[0][2:]] == [3, Decimal("12"), Decimal("13"), Decimal("15")]
    org.rm_a.language = "zh-hans"
    org.rm_a.save(update_fields=["language"])
    assert "市场报告" in client_for(org.rm_a).get("/reports/market/").content.decode()
    book = openpyxl.load_workbook(io.BytesIO(client_for(org.rm_a).get("/api/market-report/xlsx/").content))
    assert book.sheetnames[0] == "价格"


def test_a_month_without_checks_reads_empty(org, api_for, client_for):
    body = api_for(org.rm_a).get("/api/market-report/?month=2026-01").json()
    assert body["prices"] == [] and body["stock"] == [] and body["presence"] == [] and body["visits_checked"][-1] == 0
    assert client_for(org.rm_a).get("/reports/market/?month=2026-01").status_code == 200


def test_the_card_shows_the_latest_market_check_beside_the_regions_median(org, cards, region_market, client_for):
    # The regional manager: the region's three juice prices (12, 13, 15) -> 13.00; the latest check at a1 is 13.00.
    html = client_for(org.rm_a).get(f"/reports/pickups/{cards.a1.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="card-market"' in html
    row = html.split('id="card-market"')[1].split("</table>")[0]
    assert row.count("13.00") == 2 and "12.00" not in row
    # Team A1's KAM sees only team A1's checks (12 and 13) -> the median is 12.50.
    kam = client_for(org.kam_a1).get(f"/reports/pickups/{cards.a1.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "12.50" in kam.split('id="card-market"')[1].split("</table>")[0]
    api = client_for(org.rm_a).get(f"/api/distributors/{cards.a1.pk}/pickups/").json()["market"]
    juice = [line for line in api["lines"] if line["item"].startswith("p:")]
    assert (juice[0]["price"], juice[0]["region_median"], api["region"]) == ("13.00", "13.00", org.region_a.pk)
    # Another team's account: 404; an account without checks says so.
    assert client_for(org.kam_a1).get(f"/reports/pickups/{cards.b1.pk}/").status_code == 404
    none = client_for(org.rep_a1).get(f"/reports/pickups/{cards.a1_second.pk}/", HTTP_HX_REQUEST="true")
    assert 'id="card-market-none"' in none.content.decode()
    assert client_for(org.rep_a1).get(f"/api/distributors/{cards.a1_second.pk}/pickups/").json()["market"] is None
