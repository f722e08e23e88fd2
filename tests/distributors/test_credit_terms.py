"""Credit terms (credit limit, payment terms) are finance's: finance and the admin set them, nobody else."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.models import Distributor
from kamcrm.audit.models import AuditEvent
from tests import factories as f

SALES = ["rep_a1", "kam_a1", "rm_a"]  # each may edit card a1, none may set its credit terms


@pytest.mark.parametrize("username", SALES)
@pytest.mark.parametrize(("field", "value"), [("credit_limit", "999999999.00"), ("payment_terms_days", 365)])
def test_sales_roles_cannot_patch_credit_terms(org, cards, api_for, username, field, value):
    response = api_for(getattr(org, username)).patch(f"/api/distributors/{cards.a1.pk}/", {field: value}, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    cards.a1.refresh_from_db()
    assert (cards.a1.credit_limit, cards.a1.payment_terms_days) == (Decimal("0.00"), 30)


@settings(max_examples=10, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(limit=st.decimals(min_value=1, max_value=10**11, places=2))
def test_a_rep_cannot_create_a_card_with_a_credit_limit(org, api_for, limit):
    body = {"code": "NEW-1", "name": "New", "status": "potential", "credit_limit": str(limit)}
    response = api_for(org.rep_a1).post("/api/distributors/", body, format="json")
    assert response.status_code == 400 and "credit_limit" in response.json()
    assert not Distributor.objects.filter(code="NEW-1").exists()


def test_sales_roles_still_save_the_rest_of_the_card_with_unchanged_terms(org, cards, api_for):
    response = api_for(org.rep_a1).patch(
        f"/api/distributors/{cards.a1.pk}/", {"city": "Ningbo", "credit_limit": "0.00"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert Distributor.objects.get(pk=cards.a1.pk).city == "Ningbo"


@pytest.mark.parametrize("username", ["finance", "finance_a", "admin"])
def test_finance_and_the_admin_set_credit_terms_audited(org, cards, api_for, username):
    user = getattr(org, username)
    body = {"credit_limit": "50000.00", "payment_terms_days": 45}
    response = api_for(user).patch(f"/api/distributors/{cards.a1.pk}/", body, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["credit_limit"], response.json()["payment_terms_days"]) == ("50000.00", 45)
    event = AuditEvent.objects.for_object(cards.a1).filter(actor=user).get()
    assert event.before["credit_limit"] == "0.00" and event.after["credit_limit"] == "50000.00"


def test_finance_changes_only_credit_terms_and_only_in_its_region(org, cards, api_for):
    response = api_for(org.finance).patch(f"/api/distributors/{cards.a1.pk}/", {"city": "Ningbo"}, format="json")
    assert response.status_code == 403
    finance_b = f.FinanceFactory(username="finance_b", region=org.region_b)
    response = api_for(finance_b).patch(f"/api/distributors/{cards.a1.pk}/", {"credit_limit": "1.00"}, format="json")
    assert response.status_code == 404
    assert Distributor.objects.get(pk=cards.a1.pk).credit_limit == Decimal("0.00")


@pytest.mark.parametrize("username", SALES)
def test_the_card_form_does_not_let_sales_roles_change_credit_terms(org, cards, client_for, username):
    client = client_for(getattr(org, username))
    form = client.get(f"/distributors/{cards.a1.pk}/edit/").context["form"]
    assert form.fields["credit_limit"].disabled and form.fields["payment_terms_days"].disabled
    data = {k: v for k, v in form.initial.items() if v is not None and k != "product_categories"}
    data.update({"owner": cards.a1.owner_id, "credit_limit": "999999999", "payment_terms_days": "365", "city": "Wuxi"})
    data.update({"brands-TOTAL_FORMS": "0", "brands-INITIAL_FORMS": "0"})
    response = client.post(f"/distributors/{cards.a1.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    card = Distributor.objects.get(pk=cards.a1.pk)
    assert (card.city, card.credit_limit, card.payment_terms_days) == ("Wuxi", Decimal("0.00"), 30)


def test_finance_sets_credit_terms_on_the_card_page(org, cards, client_for):
    client = client_for(org.finance_a)
    assert f"/distributors/{cards.a1.pk}/credit-terms/" in client.get(f"/distributors/{cards.a1.pk}/").content.decode()
    bad = client.post(f"/distributors/{cards.a1.pk}/credit-terms/", {"credit_limit": "-1", "payment_terms_days": "30"})
    assert bad.status_code == 200 and "credit_limit" in bad.context["form"].errors
    response = client.post(
        f"/distributors/{cards.a1.pk}/credit-terms/", {"credit_limit": "80000", "payment_terms_days": "60"}
    )
    assert response.status_code == 302
    card = Distributor.objects.get(pk=cards.a1.pk)
    assert (card.credit_limit, card.payment_terms_days) == (Decimal("80000.00"), 60)


@pytest.mark.parametrize("username", SALES)
def test_sales_roles_have_no_credit_terms_page(org, cards, client_for, username):
    client = client_for(getattr(org, username))
    assert (
        f"/distributors/{cards.a1.pk}/credit-terms/" not in client.get(f"/distributors/{cards.a1.pk}/").content.decode()
    )
    response = client.post(
        f"/distributors/{cards.a1.pk}/credit-terms/", {"credit_limit": "9", "payment_terms_days": "9"}
    )
    assert response.status_code == 403
    assert client_for(org.rep_b1).get(f"/distributors/{cards.a1.pk}/credit-terms/").status_code == 404


def test_a_kams_import_with_credit_terms_names_the_rows_and_saves_nothing(org, client_for):
    from tests.distributors.test_import_export import csv_file, import_file

    rows = [["code", "name", "owner", "credit_limit"], ["IMP-1", "One", "rep_a1", "500000"]]
    preview, confirm = import_file(client_for(org.kam_a1), csv_file(rows))
    assert "Only finance sets credit terms" in preview.content.decode()
    assert not Distributor.objects.filter(code="IMP-1").exists()
    preview, confirm = import_file(client_for(org.admin), csv_file(rows))
    assert Distributor.objects.get(code="IMP-1").credit_limit == Decimal("500000")
