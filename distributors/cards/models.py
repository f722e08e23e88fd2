"""Customer cards (客户资料卡): distributors, their contacts, brands carried, complaints and suggestions.

Scope: every query goes through ``visible_to(user)`` (read) or ``editable_by(user)``
(write), both built from ``accounts.scope.owned_by_scope`` through the owning rep.
A rep may look at the cards of their whole team but edits only their own.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Role
from accounts.scope import owned_by_scope
from kamcrm.money import MONEY, ZERO
from kamcrm.validators import TextLengthValidator


class Status(models.TextChoices):
    KEY = "key", _("Existing – key")
    QUALIFIED = "qualified", _("Existing – qualified")
    UNQUALIFIED = "unqualified", _("Existing – unqualified")
    INTENT_NEAR = "intent_near", _("Intent – near-term")
    INTENT_LONG = "intent_long", _("Intent – long-term")
    POTENTIAL = "potential", _("Potential")
    TERMINATED = "terminated", _("Terminated")


class Tier(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class Attractiveness(models.TextChoices):
    VERY = "very", _("Very attractive")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class RelationshipStage(models.TextChoices):
    DEVELOPING = "developing", _("Developing")
    GOOD = "good", _("Good")
    VERY_STRONG = "very_strong", _("Very strong")
    LIMITED = "limited", _("Limited")
    DEFENSIVE = "defensive", _("Defensive")
    DECLINING = "declining", _("Declining")


class RelationshipType(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Transactional")
    PREFERRED_SUPPLIER = "preferred_supplier", _("Preferred supplier")
    PARTNERSHIP = "partnership", _("Partnership")
    STRATEGIC_ALLIANCE = "strategic_alliance", _("Strategic alliance")


class Reliability(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


# Default visit frequency by tier (key accounts weekly ...); an account may set its own.
TIER_VISIT_FREQUENCY_DAYS = {"A": 7, "B": 14, "C": 30}

# The evaluation (评价) fields whose every change is kept as history.
EVALUATION_FIELDS = ("status", "tier", "attractiveness", "relationship_stage", "relationship_type")


class Brand(models.Model):
    """A brand in the catalogue: ours, or a competitor's that distributors also carry."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    is_own = models.BooleanField(_("our brand"), default=True)
    # Key brands (重点品牌): their share of an account's sales is one of the indicators that flag customer needs.
    is_key = models.BooleanField(_("key brand"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product of the catalogue; orders (visits issue) take their unit cost from here."""

    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products", verbose_name=_("brand"))
    unit = models.CharField(_("unit"), max_length=20, default="carton")
    unit_price = models.DecimalField(_("list price"), **MONEY, validators=[MinValueValidator(ZERO)])
    unit_cost = models.DecimalField(_("unit cost"), **MONEY, validators=[MinValueValidator(ZERO)])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["brand__name", "name"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class ProductCategory(models.Model):
    """Reference list of the product categories a distributor deals in."""

    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")

    def __str__(self) -> str:
        return self.name


def visible_scope(user) -> Q:
    """The filter of the cards ``user`` may read (``Distributor.objects.visible_to(user)`` is this filter)."""
    return owned_by_scope(user, owner="owner", rep_sees_team=True)


class DistributorQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Cards the user may read: a rep sees their team's, everyone else per accounts.scope."""
        return self.filter(visible_scope(user))

    def editable_by(self, user):
        """Cards the user may change: a rep only their own; finance none (read-only on cards)."""
        if getattr(user, "is_authenticated", False) and user.effective_role == Role.FINANCE:
            return self.none()
        return self.filter(owned_by_scope(user, owner="owner"))

    def with_can_edit(self, user):
        """Annotate ``can_edit`` (one EXISTS per row, no query per card in lists)."""
        editable = Distributor.objects.editable_by(user).filter(pk=models.OuterRef("pk"))
        return self.annotate(can_edit=models.Exists(editable))


class Distributor(models.Model):
    # Profile (客户档案)
    code = models.CharField(
        _("code"),
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", _("Use letters, digits, '.', '_' or '-'."))],
    )
    name = models.CharField(_("legal name"), max_length=200, db_index=True)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True, db_index=True)
    county = models.CharField(_("county"), max_length=60, blank=True)
    town = models.CharField(_("town"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    founded_year = models.PositiveSmallIntegerField(
        _("founded (year)"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    staff_size = models.PositiveIntegerField(_("staff size"), null=True, blank=True)
    product_categories = models.ManyToManyField(
        ProductCategory, blank=True, related_name="distributors", verbose_name=_("product categories")
    )
    annual_turnover = models.DecimalField(
        _("annual turnover"), **MONEY, null=True, blank=True, validators=[MinValueValidator(ZERO)]
    )
    # Outlet network (网点)
    direct_stores = models.PositiveIntegerField(_("direct stores"), default=0)
    direct_store_turnover = models.DecimalField(
        _("direct stores' annual turnover"), **MONEY, null=True, blank=True, validators=[MinValueValidator(ZERO)]
    )
    franchised_stores = models.PositiveIntegerField(_("franchised stores"), default=0)
    franchised_store_turnover = models.DecimalField(
        _("franchised stores' annual turnover"), **MONEY, null=True, blank=True, validators=[MinValueValidator(ZERO)]
    )
    counters = models.PositiveIntegerField(_("counters"), default=0)
    outlets_city = models.PositiveIntegerField(_("outlets at city level"), default=0)
    outlets_county = models.PositiveIntegerField(_("outlets at county level"), default=0)
    outlets_town = models.PositiveIntegerField(_("outlets at town level"), default=0)
    # Logistics partner
    logistics_name = models.CharField(_("logistics partner"), max_length=120, blank=True)
    logistics_address = models.CharField(_("logistics address"), max_length=255, blank=True)
    logistics_contact = models.CharField(_("logistics contact"), max_length=120, blank=True)
    logistics_price = models.DecimalField(
        _("logistics price"), **MONEY, null=True, blank=True, validators=[MinValueValidator(ZERO)]
    )
    logistics_turnaround_days = models.PositiveSmallIntegerField(_("turnaround (days)"), null=True, blank=True)
    logistics_reliability = models.CharField(_("reliability"), max_length=10, choices=Reliability.choices, blank=True)
    # Terms
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"), default=30, validators=[MaxValueValidator(365)]
    )
    credit_limit = models.DecimalField(_("credit limit"), **MONEY, default=ZERO, validators=[MinValueValidator(ZERO)])
    # Ownership: owning rep -> team -> KAM -> region
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="distributors", verbose_name=_("owner")
    )
    # Evaluation (评价)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.POTENTIAL)
    terminated_reason = models.CharField(_("reason for termination"), max_length=255, blank=True)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, default=Tier.C)
    attractiveness = models.CharField(
        _("attractiveness"), max_length=10, choices=Attractiveness.choices, default=Attractiveness.MEDIUM
    )
    relationship_stage = models.CharField(
        _("relationship stage"), max_length=20, choices=RelationshipStage.choices, default=RelationshipStage.DEVELOPING
    )
    relationship_type = models.CharField(
        _("relationship type"), max_length=20, choices=RelationshipType.choices, default=RelationshipType.TRANSACTIONAL
    )
    # Measured attractiveness (the monthly tier run, reports.tiers) when it differs from ``attractiveness``: a
    # suggestion the KAM accepts on the portfolio grid (services.accept_attractiveness_suggestion); empty: none.
    suggested_attractiveness = models.CharField(
        _("suggested attractiveness"),
        max_length=10,
        choices=Attractiveness.choices,
        blank=True,
        default="",
        db_default="",
    )
    assessment = models.TextField(_("assessment"), blank=True, validators=[TextLengthValidator()])
    # Kept up to date by the visits app (reports.services); drives "not visited for N days" and overdue visits.
    last_visited_on = models.DateField(_("last visited on"), null=True, blank=True)
    visit_frequency_days = models.PositiveSmallIntegerField(
        _("visit every (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Leave empty for the tier's default: A weekly, B every two weeks, C monthly."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DistributorQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("distributor")
        verbose_name_plural = _("distributors")
        indexes = [
            models.Index(fields=["owner", "status"], name="distributor_owner_status"),
            models.Index(fields=["status", "tier"], name="distributor_status_tier"),
            models.Index(fields=["last_visited_on"], name="distributor_last_visit"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__gte=0), name="distributor_credit_limit_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.short_name or self.name}"

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def effective_visit_frequency_days(self) -> int:
        return self.visit_frequency_days or TIER_VISIT_FREQUENCY_DAYS[self.tier]

    def clean(self) -> None:
        errors = {}
        if self.status == Status.TERMINATED:
            if not self.terminated_reason:
                errors["terminated_reason"] = _("Say why the cooperation ended.")
            if not self.terminated_on:
                errors["terminated_on"] = _("Give the date the cooperation ended.")
        else:
            self.terminated_reason, self.terminated_on = "", None
        if errors:
            raise ValidationError(errors)


# The card's fields by section, in the order the card shows them: the form, the API and the PDF all read this list.
CARD_SECTIONS = (
    (
        "profile",
        _("Profile"),
        (
            "code",
            "name",
            "short_name",
            "owner",
            "address",
            "city",
            "county",
            "town",
            "phone",
            "website",
            "founded_year",
            "staff_size",
            "product_categories",
            "annual_turnover",
        ),
    ),
    (
        "outlets",
        _("Outlet network"),
        (
            "direct_stores",
            "direct_store_turnover",
            "franchised_stores",
            "franchised_store_turnover",
            "counters",
            "outlets_city",
            "outlets_county",
            "outlets_town",
        ),
    ),
    (
        "logistics",
        _("Logistics partner"),
        (
            "logistics_name",
            "logistics_address",
            "logistics_contact",
            "logistics_price",
            "logistics_turnaround_days",
            "logistics_reliability",
        ),
    ),
    ("terms", _("Terms"), ("payment_terms_days", "credit_limit")),
    ("location", _("Visits and location"), ("visit_frequency_days", "latitude", "longitude")),
    (
        "evaluation",
        _("Evaluation"),
        (
            "status",
            "terminated_reason",
            "terminated_on",
            "tier",
            "attractiveness",
            "relationship_stage",
            "relationship_type",
            "assessment",
        ),
    ),
)
CARD_FIELDS = tuple(name for _key, _title, names in CARD_SECTIONS for name in names)
CARD_SECTION_FIELDS = {key: names for key, _title, names in CARD_SECTIONS}


class DistributorBrand(models.Model):
    """A brand the distributor carries and its share of the distributor's sales."""

    distributor = models.ForeignKey(Distributor, on_delete=models.CASCADE, related_name="brands_carried")
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+", verbose_name=_("brand"))
    share_pct = models.DecimalField(
        _("share %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        ordering = ["-share_pct", "brand__name"]
        verbose_name = _("brand carried")
        verbose_name_plural = _("brands carried")
        constraints = [models.UniqueConstraint(fields=["distributor", "brand"], name="distributor_brand_unique")]

    def __str__(self) -> str:
        return f"{self.brand} {self.share_pct}%"


class ScopedByDistributor(models.QuerySet):
    def visible_to(self, user):
        return self.filter(distributor__in=Distributor.objects.visible_to(user))

    def editable_by(self, user):
        return self.filter(distributor__in=Distributor.objects.editable_by(user))


class Contact(models.Model):
    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("distributor")
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("role in the business"), max_length=100, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    # Personal notes: only the account's own team and managers above see them (not finance).
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    family = models.TextField(_("family"), blank=True, validators=[TextLengthValidator()])
    hobbies = models.TextField(_("hobbies"), blank=True, validators=[TextLengthValidator()])
    personality = models.TextField(_("personality"), blank=True, validators=[TextLengthValidator()])
    notes = models.TextField(_("notes"), blank=True, validators=[TextLengthValidator()])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedByDistributor.as_manager()

    PERSONAL_FIELDS = ("birthday", "family", "hobbies", "personality")
    # What a user writes, in form order: the contact form on the page and the API (which adds id and times).
    EDITABLE_FIELDS = (
        "name",
        "position",
        "is_primary",
        "phone",
        "mobile",
        "email",
        "wechat",
        "birthday",
        "family",
        "hobbies",
        "personality",
        "notes",
    )

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["distributor"], condition=Q(is_primary=True), name="one_primary_contact_per_distributor"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Suggestion(models.Model):
    """Customer suggestion (客户建议) and what we did with it."""

    class State(models.TextChoices):
        NEW = "new", _("New")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        DONE = "done", pgettext_lazy("suggestion status", "Done")

    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="suggestions", verbose_name=_("distributor")
    )
    received_on = models.DateField(_("received on"))
    content = models.TextField(_("suggestion"), validators=[TextLengthValidator()])
    status = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.NEW)
    response = models.TextField(_("our response"), blank=True, validators=[TextLengthValidator()])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedByDistributor.as_manager()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")

    def __str__(self) -> str:
        return self.content[:60]


class Complaint(models.Model):
    """Customer complaint (顾客投诉)."""

    class Kind(models.TextChoices):
        PRODUCT_QUALITY = "product_quality", _("Product quality")
        CONTRACT = "contract", _("Contract")
        TRANSPORT = "transport", _("Transport")
        SERVICE = "service", _("Service")

    class Nature(models.TextChoices):
        GOOD_FAITH = "good_faith", _("Good faith")
        MALICIOUS = "malicious", _("Malicious")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("complaint status", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected")

    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="complaints", verbose_name=_("distributor")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices, default=Nature.GOOD_FAITH)
    description = models.TextField(_("description"), validators=[TextLengthValidator()])
    received_on = models.DateField(_("received on"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="complaints_owned",
        verbose_name=_("handled by"),
    )
    status = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.OPEN)
    resolution = models.TextField(_("resolution"), blank=True, validators=[TextLengthValidator()])
    resolved_on = models.DateField(_("closed on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedByDistributor.as_manager()

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:50]}"

    def clean(self) -> None:
        closed = self.status in (self.State.RESOLVED, self.State.REJECTED)
        if closed and not self.resolution:
            raise ValidationError({"resolution": _("Say how the complaint was closed.")})
        if closed and not self.resolved_on:
            self.resolved_on = timezone.localdate()
        if not closed:
            self.resolved_on = None
