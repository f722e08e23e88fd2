"""Every page, for each role, in Chinese: no English left, no raw code shown, no CSRF token in a GET form (issue 15).

The demo company is rendered for a rep, a KAM, a regional manager, finance and the admin with their language set
to Chinese. A page fails on a word of English in its visible text, or on a raw code (``invoice_recorded``), unless
the word comes from the data itself (names, codes and notes people typed) or is on the short allow-list of proper
nouns and abbreviations below.
"""

import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User

ALLOWED = {
    # product and standard names, abbreviations, units and file types
    "KAM", "CRM", "API", "DSO", "PDF", "CSV", "csv", "xlsx", "Excel", "CNY", "USD", "EUR", "HKD", "SKU", "Swagger",
    "REST", "JSON", "OpenAPI", "ID", "id", "Django", "admin", "Token", "English", "HTMX", "UTC", "GPS", "Wi", "Fi",
    "No", "px", "km", "kg", "pcs", "UTF", "YYYY",
    # codes an import file may use, named as such in the import pages' help
    "taken", "confirmed", "shipped", "cancelled",
}  # fmt: skip
WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
RAW_CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
ROLES = ["rep_sh_1", "kam_sh", "rm_east", "finance", "admin"]
SKIP_PREFIXES = ("/admin/", "/api/", "/i18n/", "/logout/", "/healthz", "/login/")


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._skip, self._form_method, self.csrf_in_get_form = [], 0, None, False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._form_method = (attributes.get("method") or "get").lower()
        elif tag == "input" and attributes.get("name") == "csrfmiddlewaretoken" and self._form_method == "get":
            self.csrf_in_get_form = True  # the token would land in the URL (and in logs)
        if tag in ("script", "style", "code", "kbd", "samp"):  # <code>: a column name, a format — code by name
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "title", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form_method = None
        if tag in ("script", "style", "code", "kbd", "samp") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> tuple[str, bool]:
    """The text a user reads (with placeholders, titles and labels), and whether a GET form carries a CSRF token."""
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts), parser.csrf_in_get_form


def _plain_urls(resolver=None, prefix="") -> list[str]:
    """Every page URL that takes no argument."""
    resolver = resolver or get_resolver()
    urls = []
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if "<" in route or "(?P" in route or route.startswith("^"):
            continue
        if isinstance(entry, URLResolver):
            urls += _plain_urls(entry, prefix + route)
        elif isinstance(entry, URLPattern):
            urls.append("/" + prefix + route)
    return sorted({u for u in urls if not u.startswith(SKIP_PREFIXES) and "." not in u.rsplit("/", 1)[-1]})


def _data_words() -> set[str]:
    """Words people typed or the demo made: names, codes, notes (they stay as written)."""
    words = set()
    for app in ("accounts", "distributors", "receivables", "reports"):
        for model in apps.get_app_config(app).get_models():
            names = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)
                     and not f.choices]  # fmt: skip
            if not names:
                continue
            for row in model.objects.values_list(*names)[:5000]:
                for value in row:
                    if value:
                        words.update(WORD.findall(str(value)))
                        words.update(RAW_CODE.findall(str(value)))
    return words


@pytest.fixture(scope="module")
def pages(demo_company, django_db_blocker):
    from distributors.models import Distributor
    from receivables.models import Invoice

    with django_db_blocker.unblock():
        User.objects.filter(username__in=ROLES).update(language="zh-hans")
        card = Distributor.objects.filter(owner__username="rep_sh_1").first()
        invoice = Invoice.objects.filter(distributor=card).first()
        details = [f"/distributors/{card.pk}/", f"/reports/health/{card.pk}/", f"/receivables/accounts/{card.pk}/"]
        if invoice:
            details.append(f"/receivables/invoices/{invoice.pk}/")
        return {"urls": _plain_urls() + details, "data": _data_words()}


@pytest.mark.parametrize("username", ROLES)
def test_every_page_reads_in_chinese(db, pages, username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    problems = {}
    for url in pages["urls"]:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        text, csrf_in_get_form = visible_text(response.content.decode())
        english = sorted({w for w in WORD.findall(text) if w not in ALLOWED and w not in pages["data"]})
        codes = sorted({c for c in RAW_CODE.findall(text) if c not in pages["data"]})
        if english or codes or csrf_in_get_form:
            problems[url] = english + codes + (["<csrf token in a GET form>"] if csrf_in_get_form else [])
    assert not problems, "\n".join(f"{url}: {' '.join(words)}" for url, words in problems.items())
