"""Statement parameters have one name in page and API (start / end); the API's old from / to still work; the
account page's statement form is a GET form without a CSRF token (issue 15)."""

from decimal import Decimal as D

import pytest


@pytest.mark.parametrize("names", [("start", "end"), ("from", "to")])
def test_statement_api_takes_the_pages_names_and_the_old_ones(org, cards, money, api_for, client_for, day, names):
    money.invoice(cards.a1, D("1234.50"), day(-20), number="FP-1")
    money.invoice(cards.a1, D("99.00"), day(-60), number="FP-OLD")
    first, last = names
    start, end = day(-30).isoformat(), day(0).isoformat()
    body = api_for(org.rep_a1).get(f"/api/statements/{cards.a1.pk}/?{first}={start}&{last}={end}").json()
    assert body["start"] == start and body["end"] == end
    assert [line["reference"] for line in body["lines"]] == ["FP-1"]
    assert api_for(org.rep_a1).get(f"/api/statements/{cards.a1.pk}/?{first}={end}&{last}={start}").status_code == 400
    page = client_for(org.rep_a1).get(f"/receivables/accounts/{cards.a1.pk}/statement.xlsx?start={start}&end={end}")
    assert page.status_code == 200


def test_the_statement_form_is_a_get_form_without_a_csrf_token(org, cards, client_for):
    html = client_for(org.rep_a1).get(f"/receivables/accounts/{cards.a1.pk}/").content.decode()
    form = html[html.index('id="statement-form"') : html.index("</form>", html.index('id="statement-form"'))]
    assert 'name="start"' in form and 'name="end"' in form
    assert "csrfmiddlewaretoken" not in form and "data-csrf=" in form
