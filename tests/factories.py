import factory
from factory.django import DjangoModelFactory

from accounts.models import Region, Role, Team, User

PASSWORD = "Corr3ct-horse-battery"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Region {n}")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    region = factory.SubFactory(RegionFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.REP
    team = factory.SubFactory(TeamFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RepFactory(UserFactory):
    role = Role.REP


class KamFactory(UserFactory):
    """A KAM who leads their team."""

    role = Role.KAM

    @factory.post_generation
    def lead_team(obj, create, extracted, **kwargs):
        if create and obj.team_id:
            Team.objects.filter(pk=obj.team_id).update(kam=obj)
            obj.team.refresh_from_db()


class RegionalManagerFactory(UserFactory):
    role = Role.REGIONAL_MANAGER
    team = None
    region = factory.SubFactory(RegionFactory)


class FinanceFactory(UserFactory):
    role = Role.FINANCE
    team = None
    region = None


class AdminFactory(UserFactory):
    role = Role.ADMIN
    team = None
    is_staff = True
