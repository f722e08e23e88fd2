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


class BrandFactory(DjangoModelFactory):
    class Meta:
        model = "distributors.Brand"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"BR{n:03d}")
    name = factory.Sequence(lambda n: f"Brand {n}")
    manufacturer = "Demo Foods"


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = "distributors.Product"

    sku = factory.Sequence(lambda n: f"SKU{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    brand = factory.SubFactory(BrandFactory)
    unit_price = factory.Faker("pydecimal", left_digits=3, right_digits=2, positive=True, min_value=10, max_value=500)
    unit_cost = factory.LazyAttribute(lambda p: (p.unit_price * 7 / 10).quantize(p.unit_price))


class DistributorFactory(DjangoModelFactory):
    """A customer card owned by ``owner`` (pass a rep from the ``org`` fixture)."""

    class Meta:
        model = "distributors.Distributor"

    code = factory.Sequence(lambda n: f"D{n:05d}")
    name = factory.Sequence(lambda n: f"Distributor {n} Trading Co., Ltd.")
    short_name = factory.Sequence(lambda n: f"Dist {n}")
    city = "Shanghai"
    owner = factory.SubFactory(RepFactory)
    status = "qualified"
    tier = "B"


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = "distributors.Contact"

    distributor = factory.SubFactory(DistributorFactory)
    name = factory.Faker("name")
    phone = "021-5555-0100"
