"""The demo customer cards of ``manage.py seed_demo``: believable, in the right hands, and safe to run again."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Q, Sum

from accounts.models import Region, Role, Team, User
from distributors.cards.models import Status, Tier
from distributors.models import (
    Brand,
    Complaint,
    Contact,
    Distributor,
    DistributorBrand,
    Product,
    ProductCategory,
    Suggestion,
)
from kamcrm.audit.models import AuditEvent
from kamcrm.demo import distributors_cards as demo
from kamcrm.demo.accounts_org import DEMO_PASSWORD

EAST_CHINA = {"上海", "苏州", "无锡", "南通", "杭州", "宁波", "绍兴", "嘉兴", "金华", "湖州"}
SOUTH_CHINA = {"广州", "佛山", "清远", "肇庆", "江门", "深圳", "惠州", "珠海", "河源", "东莞", "中山"}


@pytest.fixture
def seeded(demo_company, db):
    """The demo company (seeded once for this module; each test's changes are rolled back)."""


def counts() -> dict:
    return {
        "distributors": Distributor.objects.count(),
        "contacts": Contact.objects.count(),
        "brands carried": DistributorBrand.objects.count(),
        "complaints": Complaint.objects.count(),
        "suggestions": Suggestion.objects.count(),
        "brands": Brand.objects.count(),
        "products": Product.objects.count(),
        "categories": ProductCategory.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }


def test_the_data_is_drawn_the_same_every_time():
    assert demo.build() == demo.build()


def test_about_sixty_cards_spread_over_every_rep_in_their_own_region(seeded):
    assert 55 <= Distributor.objects.count() <= 65
    reps = User.objects.filter(role=Role.REP)
    assert reps.count() == 12
    assert all(Distributor.objects.filter(owner=rep).count() >= 3 for rep in reps)
    assert 1 <= Distributor.objects.filter(owner__role=Role.KAM).count() <= 2
    assert Distributor.objects.filter(owner__role__in=[Role.REP, Role.KAM]).count() == Distributor.objects.count()
    for card in Distributor.objects.select_related("owner__team__region"):
        cities = EAST_CHINA if card.owner.team.region.name.startswith("East") else SOUTH_CHINA
        assert card.city in cities, card
        assert card.name and card.short_name and card.address.startswith(card.city) and card.county and card.town
        assert card.code.split("-")[0] in {"SH", "HZ", "GZ", "SZ"}
        assert isinstance(card.annual_turnover, Decimal) and card.annual_turnover > 0
        assert card.payment_terms_days in (30, 45, 60)
        assert card.logistics_name and card.logistics_price > 0 and card.logistics_reliability


def test_every_card_was_created_through_the_services_by_its_teams_kam(seeded):
    created = AuditEvent.objects.filter(action="distributor_created")
    assert created.count() == Distributor.objects.count()
    kams = {card.pk: card.owner.team.kam_id for card in Distributor.objects.select_related("owner__team")}
    assert all(event.actor_id == kams[int(event.object_id)] for event in created)
    assert AuditEvent.objects.filter(action="contact_created").count() == Contact.objects.count()


def test_every_card_has_one_primary_contact_and_at_most_three(seeded):
    cards = Distributor.objects.annotate(
        contact_count=Count("contacts"), primaries=Count("contacts", filter=Q(contacts__is_primary=True))
    )
    assert all(card.primaries == 1 and 1 <= card.contact_count <= 3 for card in cards)
    assert Contact.objects.exclude(birthday=None).exclude(hobbies="").exclude(personality="").exists()
    assert Contact.objects.exclude(wechat="").count() == Contact.objects.count()


def test_brand_shares_add_up_to_at_most_a_hundred_per_card(seeded):
    totals = DistributorBrand.objects.values("distributor").annotate(total=Sum("share_pct"))
    assert totals and all(row["total"] <= 100 for row in totals)
    assert DistributorBrand.objects.filter(brand__is_own=True).exists()
    assert DistributorBrand.objects.filter(brand__is_own=False).exists()
    # prospects do not carry our brands yet
    prospects = [Status.POTENTIAL, Status.INTENT_NEAR, Status.INTENT_LONG]
    assert not DistributorBrand.objects.filter(distributor__status__in=prospects, brand__is_own=True).exists()


def test_the_tiers_form_a_pyramid_and_the_statuses_a_realistic_mix(seeded):
    tiers = {tier: Distributor.objects.filter(tier=tier).count() for tier in Tier.values}
    assert 0 < tiers[Tier.A] < tiers[Tier.B] < tiers[Tier.C]
    statuses = {status: Distributor.objects.filter(status=status).count() for status in Status.values}
    assert all(statuses.values()), statuses
    assert statuses[Status.KEY] + statuses[Status.QUALIFIED] > Distributor.objects.count() / 2
    grid = set(Distributor.objects.values_list("attractiveness", "relationship_stage"))
    assert len(grid) >= 10


def test_terminated_cards_say_why_and_when(seeded):
    terminated = Distributor.objects.filter(status=Status.TERMINATED)
    assert 1 <= terminated.count() <= 2
    assert all(card.terminated_reason and card.terminated_on for card in terminated)
    others = Distributor.objects.exclude(status=Status.TERMINATED)
    assert not others.exclude(terminated_reason="", terminated_on=None).exists()


def test_reference_data_and_closed_complaints(seeded):
    assert ProductCategory.objects.count() == 8
    assert Brand.objects.filter(is_own=True).exists() and Brand.objects.filter(is_own=False).exists()
    products = Product.objects.all()
    assert products.count() >= 15 and all(0 < p.unit_cost < p.unit_price for p in products)
    complaints = Complaint.objects.all()
    assert len({c.kind for c in complaints}) == len(Complaint.Kind.values)
    assert {c.status for c in complaints} == set(Complaint.State.values)
    closed = complaints.filter(status__in=[Complaint.State.RESOLVED, Complaint.State.REJECTED])
    assert closed and all(c.resolution and c.resolved_on and c.resolved_on >= c.received_on for c in closed)
    assert not complaints.exclude(status__in=[Complaint.State.RESOLVED, Complaint.State.REJECTED]).exclude(
        resolved_on=None
    )
    assert Suggestion.objects.count() >= 5
    assert all(s.response for s in Suggestion.objects.exclude(status=Suggestion.State.NEW))


def test_running_seed_demo_again_changes_nothing(seeded):
    first = counts()
    assert first["distributors"] and first["complaints"] and first["suggestions"]
    call_command("seed_demo", quiet=True)
    assert counts() == first


def test_the_demo_organisation_and_its_logins_printed_by_every_run(seeded, capsys):
    """Two regions of two teams, each with its KAM and three reps, a regional manager per region, finance and an
    admin, all with the demo password; every run prints the logins and a second one writes nothing (not even an
    audit event)."""

    def state():
        return (
            Region.objects.count(),
            Team.objects.count(),
            {r: User.objects.filter(role=r).count() for r in Role.values},
            AuditEvent.objects.count(),
        )

    first = state()
    assert first[:3] == (2, 4, {"rep": 12, "kam": 4, "regional_manager": 2, "finance": 1, "admin": 1})
    assert all(t.kam and t.members.filter(role=Role.REP).count() == 3 for t in Team.objects.all())
    assert all(u.check_password(DEMO_PASSWORD) for u in User.objects.all())
    capsys.readouterr()
    call_command("seed_demo")
    printed = capsys.readouterr().out
    assert DEMO_PASSWORD in printed and "rep_sh_1" in printed and "finance" in printed
    assert state() == first


def test_running_seed_demo_again_restores_the_demo_cards(seeded):
    card = Distributor.objects.get(code="SH-0001")
    wanted_tier, wanted_owner = card.tier, card.owner
    card.tier = Tier.C if wanted_tier != Tier.C else Tier.A
    card.owner = User.objects.get(username="rep_gz_1")  # moved to another region's team
    card.save()
    card.contacts.filter(is_primary=False).delete()
    card.contacts.filter(is_primary=True).update(hobbies="something else")
    before = counts()
    call_command("seed_demo", quiet=True)
    card.refresh_from_db()
    assert (card.tier, card.owner) == (wanted_tier, wanted_owner)
    assert card.contacts.filter(is_primary=True).get().hobbies != "something else"
    restored = counts()
    assert restored["distributors"] == before["distributors"]
    assert restored["audit events"] - before["audit events"] == 2 + restored["contacts"] - before["contacts"]
    call_command("seed_demo", quiet=True)
    assert counts() == restored
