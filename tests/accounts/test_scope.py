"""The one scope rule, checked on users (the rows every later app reaches through an owning rep)."""

import pytest

from accounts import services
from accounts.models import Region, Team, User


def usernames(qs):
    return set(qs.values_list("username", flat=True))


def test_rep_sees_only_own_work(org):
    assert usernames(User.objects.reps_in_scope_of(org.rep_a1)) == {"rep_a1"}


def test_kam_sees_the_team_they_lead(org):
    assert usernames(User.objects.reps_in_scope_of(org.kam_a1)) == {"kam_a1", "rep_a1", "rep_a1b"}


def test_regional_manager_sees_every_team_of_the_region(org):
    assert usernames(User.objects.reps_in_scope_of(org.rm_a)) == {"kam_a1", "rep_a1", "rep_a1b", "kam_a2", "rep_a2"}


def test_finance_is_company_wide_or_limited_to_a_region(org):
    everyone_in_a_team = usernames(User.objects.filter(team__isnull=False))
    assert usernames(User.objects.reps_in_scope_of(org.finance)) >= everyone_in_a_team
    assert usernames(User.objects.reps_in_scope_of(org.finance_a)) == usernames(
        User.objects.filter(team__region=org.region_a)
    )


def test_admin_and_superuser_see_everything(org):
    superuser = User.objects.create_superuser("root", "root@example.com", "x", role="rep")
    total = User.objects.filter(is_active=True).count()
    assert User.objects.reps_in_scope_of(org.admin).count() == total
    assert User.objects.reps_in_scope_of(superuser).count() == total


def test_deactivated_user_sees_nothing(org):
    org.kam_a1.is_active = False
    org.kam_a1.save()
    assert not User.objects.reps_in_scope_of(org.kam_a1).exists()
    assert not Team.objects.visible_to(org.kam_a1).exists()


def test_kam_replaced_as_team_lead_loses_the_team(org):
    new_kam = User(username="kam_new", role="kam")
    services.save_user(user=new_kam, by=org.admin, password="Another-long-pass-42")
    org.team_a1.kam = new_kam
    services.save_team(team=org.team_a1, by=org.admin)
    assert usernames(User.objects.reps_in_scope_of(org.kam_a1)) == set()
    assert "rep_a1" in usernames(User.objects.reps_in_scope_of(new_kam))


@pytest.mark.parametrize(
    ("who", "regions", "teams"),
    [
        ("rep_a1", {"Region A"}, {"Team A1", "Team A2"}),
        ("kam_b1", {"Region B"}, {"Team B1"}),
        ("rm_a", {"Region A"}, {"Team A1", "Team A2"}),
        ("finance_a", {"Region A", "Region B"}, {"Team A1", "Team A2", "Team B1"}),
        ("admin", {"Region A", "Region B"}, {"Team A1", "Team A2", "Team B1"}),
    ],
)
def test_org_objects_are_visible_within_own_region(org, who, regions, teams):
    user = getattr(org, who)
    assert set(Region.objects.visible_to(user).values_list("name", flat=True)) == regions
    assert set(Team.objects.visible_to(user).values_list("name", flat=True)) == teams
