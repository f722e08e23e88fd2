import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Region, Role, Team, User
from kamcrm.audit.models import AuditEvent

GOOD_PASSWORD = "Plenty-long-pass-77"


def test_new_kam_leads_a_team_without_kam_and_is_audited(org):
    team = Team.objects.create(name="Team A3", region=org.region_a)
    kam = services.save_user(
        user=User(username="kam_a3", role=Role.KAM, team=team), by=org.admin, password=GOOD_PASSWORD
    )
    team.refresh_from_db()
    assert team.kam == kam
    event = AuditEvent.objects.for_object(kam).get()
    assert event.action == "user_created" and event.actor == org.admin and event.before is None
    assert event.after["role"] == "kam" and "password" not in event.after
    assert kam.check_password(GOOD_PASSWORD)


def test_change_is_audited_with_before_and_after(org):
    org.rep_a1.team = org.team_a2
    services.save_user(user=org.rep_a1, by=org.admin)
    event = AuditEvent.objects.for_object(org.rep_a1).get(action="user_changed")
    assert event.changes["team_id"] == (org.team_a1.pk, org.team_a2.pk)


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"role": Role.REP}, "team"),
        ({"role": Role.REGIONAL_MANAGER}, "region"),
        ({"role": Role.FINANCE, "team": "@team_a1"}, "team"),
        ({"role": Role.ADMIN, "region": "@region_a"}, "region"),
        ({"role": Role.REP, "team": "@team_a1", "region": "@region_b"}, "region"),
        ({"role": Role.KAM, "team": "@team_a1"}, "team"),  # already led by kam_a1
    ],
)
def test_role_rules_reject_inconsistent_users_and_save_nothing(org, fields, error_field):
    values = {k: getattr(org, v[1:]) if v.startswith("@") else v for k, v in fields.items()}
    with pytest.raises(ValidationError) as exc:
        services.save_user(user=User(username="newbie", **values), by=org.admin, password=GOOD_PASSWORD)
    assert error_field in exc.value.message_dict
    assert not User.objects.filter(username="newbie").exists()
    assert not AuditEvent.objects.filter(object_repr="newbie").exists()


def test_weak_password_is_refused(org):
    with pytest.raises(ValidationError) as exc:
        services.save_user(
            user=User(username="newbie", role=Role.REP, team=org.team_a1), by=org.admin, password="12345678"
        )
    assert "password" in exc.value.message_dict


def test_replacing_a_teams_kam_moves_the_old_kam_out(org):
    new_kam = services.save_user(user=User(username="kam_new", role=Role.KAM), by=org.admin, password=GOOD_PASSWORD)
    org.team_a1.kam = new_kam
    services.save_team(team=org.team_a1, by=org.admin)
    new_kam.refresh_from_db()
    org.kam_a1.refresh_from_db()
    assert new_kam.team == org.team_a1 and org.kam_a1.team is None
    assert AuditEvent.objects.for_object(org.kam_a1).filter(action="user_changed").exists()


def test_kam_who_becomes_a_rep_stops_leading_the_team(org):
    org.kam_a1.role = Role.REP
    services.save_user(user=org.kam_a1, by=org.admin)
    org.team_a1.refresh_from_db()
    assert org.team_a1.kam is None


def test_team_kam_must_be_a_kam_of_no_other_team(org):
    org.team_a1.kam = org.rep_a1
    with pytest.raises(ValidationError) as exc:
        services.save_team(team=org.team_a1, by=org.admin)
    assert "kam" in exc.value.message_dict
    org.team_a1.kam = org.kam_b1
    with pytest.raises(ValidationError):
        services.save_team(team=org.team_a1, by=org.admin)


def test_region_and_team_with_people_cannot_be_deleted(org):
    with pytest.raises(ValidationError):
        services.delete_region(region=org.region_a, by=org.admin)
    with pytest.raises(ValidationError):
        services.delete_team(team=org.team_a1, by=org.admin)
    empty = Region.objects.create(name="Empty")
    services.delete_region(region=empty, by=org.admin)
    assert not Region.objects.filter(name="Empty").exists()
    assert AuditEvent.objects.filter(action="region_deleted", object_repr="Empty").exists()


def test_full_names_read_naturally_in_both_languages():
    assert User(first_name="丽", last_name="郑").get_full_name() == "郑丽"
    assert User(first_name="Li", last_name="Zheng").get_full_name() == "Li Zheng"
