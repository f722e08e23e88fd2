from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from distributors.cards import selectors, services
from distributors.models import Contact, Distributor
from kamcrm.audit.models import AuditEvent
from tests import factories as f


def new_card(owner, **fields):
    return Distributor(code=fields.pop("code", "NEW-1"), name=fields.pop("name", "New Trading"), owner=owner, **fields)


def test_rep_creates_own_card_with_brands_and_it_is_audited(org):
    ours, theirs = f.BrandFactory(), f.BrandFactory(is_own=False)
    card = services.save_distributor(
        distributor=new_card(org.rep_a1), by=org.rep_a1, brands=[(ours, Decimal("60")), (theirs, Decimal("40"))]
    )
    assert card.brands_carried.count() == 2
    event = AuditEvent.objects.for_object(card).get()
    assert event.action == "distributor_created" and event.after["brands"] == {
        str(ours.pk): "60.00",
        str(theirs.pk): "40.00",
    }


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"credit_limit": Decimal("-1")}, "credit_limit"),
        ({"status": "bogus"}, "status"),
        ({"code": "A1-001"}, "code"),  # duplicate of an existing card
        ({"status": "terminated"}, "terminated_reason"),
        ({"payment_terms_days": 400}, "payment_terms_days"),
    ],
)
def test_bad_cards_are_refused_and_nothing_is_saved(org, cards, fields, error_field):
    before = Distributor.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.save_distributor(distributor=new_card(org.rep_a1, **fields), by=org.rep_a1)
    assert error_field in exc.value.message_dict
    assert Distributor.objects.count() == before


def test_brand_shares_over_100_percent_save_nothing(org, cards):
    a, b = f.BrandFactory(), f.BrandFactory()
    with pytest.raises(ValidationError) as exc:
        services.save_distributor(
            distributor=cards.a1, by=org.rep_a1, brands=[(a, Decimal("70")), (b, Decimal("30.01"))]
        )
    assert "brands" in exc.value.message_dict
    assert not cards.a1.brands_carried.exists()


def test_owner_must_be_in_the_creators_scope(org):
    with pytest.raises(ValidationError) as exc:
        services.save_distributor(distributor=new_card(org.rep_b1), by=org.kam_a1)
    assert "owner" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.save_distributor(distributor=new_card(org.rep_a1b), by=org.rep_a1)  # a rep owns only own cards
    assert services.save_distributor(distributor=new_card(org.rep_a1b), by=org.kam_a1).owner == org.rep_a1b


def test_kam_reassigns_within_team_and_manager_across_the_region(org, cards):
    services.reassign(distributor=cards.a1, owner=org.rep_a1b, by=org.kam_a1)
    with pytest.raises(ValidationError):
        services.reassign(distributor=cards.a1, owner=org.rep_a2, by=org.kam_a1)
    services.reassign(distributor=cards.a1, owner=org.rep_a2, by=org.rm_a)
    with pytest.raises(ValidationError):
        services.reassign(distributor=cards.a1, owner=org.rep_b1, by=org.rm_a)
    with pytest.raises(PermissionDenied):
        services.reassign(distributor=cards.a1_second, owner=org.rep_a1b, by=org.rep_a1)
    history = selectors.evaluation_history(distributor=cards.a1)
    assert [(h.field, h.by) for h in history] == [("owner_id", org.rm_a), ("owner_id", org.kam_a1)]


def test_every_evaluation_change_is_kept_with_who_from_and_to(org, cards):
    card = Distributor.objects.get(pk=cards.a1.pk)
    card.status, card.tier = "key", "A"
    services.save_distributor(distributor=card, by=org.rep_a1)
    card.attractiveness = "very"
    services.save_distributor(distributor=card, by=org.kam_a1)
    rows = [(h.field, h.before, h.after, h.by) for h in selectors.evaluation_history(distributor=card)]
    assert ("attractiveness", "Medium", "Very attractive", org.kam_a1) in rows
    assert ("status", "Existing – qualified", "Existing – key", org.rep_a1) in rows
    assert ("tier", "B", "A", org.rep_a1) in rows
    card.name = "Renamed"
    services.save_distributor(distributor=card, by=org.rep_a1)
    assert len(selectors.evaluation_history(distributor=card)) == 3  # a name change is not an evaluation change


def test_first_contact_is_primary_and_there_is_only_ever_one(org, cards):
    first = services.save_contact(contact=Contact(distributor=cards.a1, name="A"), by=org.rep_a1)
    second = services.save_contact(contact=Contact(distributor=cards.a1, name="B"), by=org.rep_a1)
    assert first.is_primary and not second.is_primary
    second.is_primary = True
    services.save_contact(contact=second, by=org.rep_a1)
    assert list(cards.a1.contacts.filter(is_primary=True)) == [second]
    services.delete_contact(contact=second, by=org.rep_a1)
    assert cards.a1.contacts.get().is_primary


def test_closing_a_complaint_needs_a_resolution(org, cards):
    from distributors.models import Complaint

    complaint = Complaint(
        distributor=cards.a1,
        kind="transport",
        description="Late delivery",
        received_on="2026-11-01",
        owner=org.rep_a1,
        status="resolved",
    )
    with pytest.raises(ValidationError) as exc:
        services.save_complaint(complaint=complaint, by=org.rep_a1)
    assert "resolution" in exc.value.message_dict
    complaint.resolution = "Changed carrier"
    saved = services.save_complaint(complaint=complaint, by=org.rep_a1)
    assert saved.resolved_on is not None and saved.recorded_by == org.rep_a1
