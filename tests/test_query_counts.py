"""Every list endpoint and list page runs a constant number of queries, however many rows it shows (issue 17
item 15): counted at several page sizes on the demo company, after one warm-up request (caches such as content
types are filled once per process)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from kamcrm.urls import router

SMALL, LARGE, LARGER = 2, 8, 24
# A related kind that the first rows of a list lack (the newest visits took no order) has its prefetch's nested levels
# skipped (no order lines read when no order was): once a page shows one, those queries come, once. Per-row queries
# grow again on a larger page.
NESTED_LEVELS = 2
USERS = ["admin", "kam_sh", "finance"]

# List pages and the module constant that sets their page size.
PAGES = {
    "/distributors/": "distributors.cards.views",
    "/plans/": "distributors.plans.views",
    "/plans/accounts/": "distributors.plans.views",
    "/receivables/": "receivables.views",
    "/receivables/payments/": "receivables.views",
    "/receivables/worklist/": "receivables.views",
    "/reports/visits/": "reports.visits.views",
    "/reports/orders/": "reports.visits.views",
    "/reports/visits/overdue/": "reports.visits.views",
    "/org/users/": "accounts.views",
}


def _count(client, url, params=None) -> tuple[int, int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    body = response.json() if response["Content-Type"].startswith("application/json") else None
    rows = len(body["results"]) if isinstance(body, dict) and "results" in body else -1
    return len(queries), rows, response


@pytest.fixture
def users(demo_company, db):
    return {name: User.objects.get(username=name) for name in USERS}


@pytest.mark.parametrize("username", USERS)
def test_every_list_endpoint_is_constant_in_queries(users, username):
    client = APIClient()
    client.force_authenticate(users[username])
    grown, differing = [], []
    for prefix, _viewset, _basename in router.registry:
        url = f"/api/{prefix}/"
        if client.get(url, {"page_size": SMALL}).status_code == 403:  # warm-up; a list this role may not use
            continue
        small, small_rows, _ = _count(client, url, {"page_size": SMALL})
        large, large_rows, _ = _count(client, url, {"page_size": LARGE})
        larger, larger_rows, _ = _count(client, url, {"page_size": LARGER})
        if large_rows > small_rows:
            grown.append(prefix)
            if not small <= large <= small + NESTED_LEVELS or (larger_rows > large_rows and larger != large):
                differing.append((prefix, small, large, larger))
    assert differing == []
    # The demo company has enough rows for most lists to show the difference.
    assert len(grown) >= 10, grown


@pytest.mark.parametrize("username", ["admin", "kam_sh"])
def test_every_list_page_is_constant_in_queries(users, username, monkeypatch):
    import importlib

    client = Client()
    client.force_login(users[username])
    differing = []
    for url, module in PAGES.items():
        views = importlib.import_module(module)
        monkeypatch.setattr(views, "PAGE_SIZE", SMALL)
        if client.get(url).status_code == 403:  # warm-up; a page this role may not use
            continue
        small = _count(client, url)[0]
        monkeypatch.setattr(views, "PAGE_SIZE", LARGE)
        large = _count(client, url)[0]
        if small != large:
            differing.append((url, small, large))
    assert differing == []
