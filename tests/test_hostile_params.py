"""Crawl every list page and list API endpoint with hostile date and number query parameters: never a 5xx.

The URL list comes from the URLconf (so a new list endpoint is crawled without editing this file); the
parameter names from each API view's FilterSet plus the names the views read by hand (issue 17).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from receivables import services as money
from tests import factories as f
from tests.reports.factories import VisitFactory

# Names read by hand in views (as_of, from, to, date, amount, month, week...) and common filter names.
PARAMS = [
    "as_of", "date", "from", "to", "amount", "distributor", "rep", "team", "region", "owner", "year", "quarter",
    "month", "week", "period", "level", "id", "page", "page_size", "not_visited_days", "start", "end", "buckets",
    "group_by", "children", "rank", "status",
]  # fmt: skip
HOSTILE = [
    "0001-01-01", "9999-12-31", "2026-02-30", "1999-12-31", "NaN", "inf", "-inf", "1e999999", "-1",
    "1000000000", "99999999999999999999999", "0", "2026-13", "0001-01", "9999-W52", "%00", "\u0000", "' OR 1=1",
]  # fmt: skip
# Every list and every parameter gets each of these (one request per list and value); the rest of HOSTILE and
# random values come through hypothesis below, so the crawl stays quick.
EACH = ["0001-01-01", "9999-12-31", "2026-02-30", "NaN", "99999999999999999999999", "\u0000"]
HOSTILE_PATH_DATES = ["0001-01-01", "9999-12-31", "2026-02-30", "0001-01", "9999-12", "99999"]
SKIP = ("admin/", "login/", "logout/", "i18n/", "api/schema/", "api/docs/", "api/auth/", "healthz")
SKIP_PARTS = ("new/", "edit/", "delete/", "import", "pdf", "/submit/", "/approve/", "/return/", "/revise/")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _router_route_to_url(route: str) -> str | None:
    # DRF router patterns look like "api/^invoices/$": keep the list ones (no pk, no format suffix).
    if "(?P<" in route:
        return None
    return route.replace("^", "").replace("$", "")


def list_urls(*, distributor_pk: int) -> list[str]:
    """GET-able list pages and list endpoints from the URLconf, path dates filled with hostile values."""
    urls = set()
    for route, _pattern in _walk(get_resolver().url_patterns):
        if route.startswith(SKIP) or any(part in route for part in SKIP_PARTS):
            continue
        if "^" in route:
            url = _router_route_to_url(route)
            if url:
                urls.add("/" + url)
            continue
        if "<str:" in route and "<int:" not in route and "fmt" not in route:
            for value in HOSTILE_PATH_DATES:  # /reports/day/<str:day>/ and the cycle's month and week
                urls.add("/" + route.split("<str:")[0] + value + "/" + route.split(">", 1)[1].lstrip("/"))
            continue
        if "<" in route:
            continue
        urls.add("/" + route)
    # Detail endpoints that take list filters or date ranges.
    urls |= {
        f"/api/distributors/{distributor_pk}/history/",
        f"/api/distributors/{distributor_pk}/timeline/",
        f"/api/statements/{distributor_pk}/",
        f"/receivables/accounts/{distributor_pk}/",
        f"/receivables/accounts/{distributor_pk}/statement.xlsx",
        "/distributors/export.xlsx",
        "/distributors/export.csv",
    }
    return sorted(u.replace("//", "/") for u in urls)


def param_names(urls: list[str]) -> list[str]:
    """PARAMS plus every filter name of the API views behind the URLs."""
    from django.urls import resolve

    names = set(PARAMS)
    for url in urls:
        try:
            view = resolve(url).func
        except Exception:  # noqa: BLE001 — a hostile path date that does not resolve
            continue
        cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
        filterset = getattr(cls, "filterset_class", None)
        if filterset is not None:
            names |= set(filterset.base_filters)
        names |= set(getattr(cls, "filterset_fields", None) or [])
    return sorted(names)


@pytest.fixture
def world(org, cards):
    """A little of everything, so the filters run against rows."""
    today = timezone.localdate()
    invoice = money.record_invoice(
        distributor=cards.a1, number="H-1", issue_date=today - timedelta(days=40), amount=Decimal("100.00"),
        by=org.finance,
    )  # fmt: skip
    money.record_payment(
        distributor=cards.a1, amount=Decimal("10.00"), paid_on=today, method="cash", reference="H", by=org.finance,
        allocations=[(invoice, Decimal("10.00"))],
    )  # fmt: skip
    VisitFactory(distributor=cards.a1, rep=org.rep_a1)
    f.ProductFactory()
    return cards


def _assert_no_5xx(client, url, params):
    response = client.get(url, params)
    assert response.status_code < 500, (url, params, response.status_code)


@pytest.mark.parametrize("role", ["kam_a1", "finance"])
def test_every_list_survives_each_hostile_value_in_every_parameter(org, world, client_for, role):
    client = client_for(getattr(org, role))
    client.raise_request_exception = False  # collect every 500, not only the first
    urls = list_urls(distributor_pk=world.a1.pk)
    assert "/api/invoices/" in urls and "/receivables/aging/" in urls and "/reports/day/2026-02-30/" in urls
    names = param_names(urls)
    assert {"not_visited_days", "issued_from", "order_date_from"} <= set(names)
    failures = []
    for value in EACH:
        for url in urls:
            status = client.get(url, dict.fromkeys(names, value)).status_code
            if status >= 500:
                failures.append((url, value, status))
    assert failures == [], failures


@hsettings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_mixes_of_hostile_parameters(org, world, client_for, data):
    client = client_for(org.kam_a1)
    urls = list_urls(distributor_pk=world.a1.pk)
    names = param_names(urls)
    url = data.draw(st.sampled_from(urls))
    values = st.one_of(
        st.sampled_from(HOSTILE), st.dates().map(str), st.integers().map(str), st.decimals().map(str), st.text()
    )
    params = data.draw(st.dictionaries(st.sampled_from(names), values, max_size=5))
    _assert_no_5xx(client, url, params)
