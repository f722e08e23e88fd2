"""Users, roles and the org structure: company -> regions -> teams (led by one KAM) -> reps."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .scope import owned_by_scope


def _sees_whole_org(user) -> bool:
    return user.is_active and user.effective_role in (Role.ADMIN, Role.FINANCE)


class RegionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Regions the user may see: all for admin and finance, else their own region."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if _sees_whole_org(user):
            return self
        return self.filter(pk=user.home_region_id) if user.is_active else self.none()


class Region(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class TeamQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Teams the user may see: all for admin and finance, else the teams of their own region."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if _sees_whole_org(user):
            return self
        return self.filter(region=user.home_region_id) if user.is_active and user.home_region_id else self.none()


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="teams", verbose_name=_("region"))
    kam = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_team",
        verbose_name=_("KAM"),
        help_text=_("The key account manager who leads this team."),
    )

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["region__name", "name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="team_name_unique_in_region")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.kam_id is None:
            return
        kam = self.kam
        if kam.effective_role != Role.KAM:
            raise ValidationError({"kam": _("Choose a user whose role is KAM.")})
        if kam.team_id not in (None, self.pk):
            raise ValidationError(
                {
                    "kam": _("%(user)s is a member of team %(team)s; move them there first.")
                    % {"user": kam, "team": kam.team}
                }
            )


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Users the caller may see: all for admin and finance, else the people of their own region (and themselves)."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if _sees_whole_org(user):
            return self
        region = user.home_region_id
        if region is None:
            return self.filter(pk=user.pk)
        return self.filter(Q(pk=user.pk) | Q(team__region=region) | Q(region=region))

    def reps_in_scope_of(self, user):
        """Users whose accounts ``user`` may see (themselves included): the people they can assign work to."""
        return self.filter(owned_by_scope(user, owner=""), is_active=True)


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("team"),
        help_text=_("Required for reps; a KAM leads the team they belong to."),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Required for regional managers; for finance, leave empty for company-wide access."),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    notify_by_email = models.BooleanField(
        _("e-mail my notifications"),
        default=True,
        help_text=_("Besides the bell, send each notification to my e-mail address, in my language."),
    )

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        """Chinese names read family name first, with no space (王芳); others "first last"."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
            return f"{last}{first}"
        return f"{first} {last}".strip()

    def __str__(self) -> str:
        return self.username

    @property
    def display_name(self) -> str:
        """What pages show for a person: the full name, else the username."""
        return self.get_full_name() or self.username

    @property
    def effective_role(self) -> str:
        """The role that decides scope; a Django superuser acts as admin."""
        return Role.ADMIN if self.is_superuser else self.role

    @cached_property
    def home_region_id(self) -> int | None:
        """The region a rep or KAM works in (through the team), or a manager's / finance user's region."""
        if self.team_id:
            if self._meta.get_field("team").is_cached(self):  # loaded with select_related: no query per user
                return self.team.region_id
            return Team.objects.filter(pk=self.team_id).values_list("region_id", flat=True).first()
        return self.region_id

    def clean(self) -> None:
        super().clean()
        role = self.effective_role
        errors = {}
        if role in (Role.REP, Role.KAM):
            if self.team_id is None:
                # A KAM may wait for a team (a new KAM taking over is made lead from the team's page).
                if role == Role.REP:
                    errors["team"] = _("A rep must belong to a team.")
            elif self.region_id is not None and self.region_id != self.team.region_id:
                errors["region"] = _("A rep's or KAM's region follows from the team; leave it empty.")
            elif role == Role.KAM and self.team.kam_id not in (None, self.pk):
                errors["team"] = _("Team %(team)s is already led by %(kam)s.") % {
                    "team": self.team,
                    "kam": self.team.kam,
                }
        else:
            if self.team_id is not None:
                errors["team"] = _("Only reps and KAMs belong to a team.")
            if role == Role.REGIONAL_MANAGER and self.region_id is None:
                errors["region"] = _("A regional manager must have a region.")
            if role == Role.ADMIN and self.region_id is not None:
                errors["region"] = _("An administrator sees the whole company; leave the region empty.")
        if errors:
            raise ValidationError(errors)
        if role in (Role.REP, Role.KAM):
            self.region = None  # derived from the team; never stored twice
        self.is_staff = role == Role.ADMIN  # the admin role may use the Django admin, nobody else

    # The admin role has every permission, like a superuser, so the Django admin works for it.
    def has_perm(self, perm, obj=None) -> bool:
        return (self.is_active and self.role == Role.ADMIN) or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return (self.is_active and self.role == Role.ADMIN) or super().has_module_perms(app_label)


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A user sees their own notifications only, whatever their role."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something that happened to the recipient (a plan returned, a task assigned ...): shown under the bell and,
    per the user's preference, e-mailed. ``(recipient, kind, key)`` is unique, so an event notifies once even when
    the code that raises it runs twice (a retried task, a double submit)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=50)
    key = models.CharField(_("key"), max_length=200, help_text=_("Names the event; the same event notifies once."))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "key"], name="notification_once_per_event"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} -> {self.recipient_id}"


class SavedFilterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Saved filters are personal: a user sees their own only."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(user=user)


class SavedFilter(models.Model):
    """A named set of a list's filters (its query string), saved by a user for that list."""

    LISTS = {"distributors": _("Distributors")}  # the lists that offer saved filters (list key -> its name)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters", verbose_name=_("user")
    )
    list_name = models.CharField(_("list"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = SavedFilterQuerySet.as_manager()

    class Meta:
        ordering = ["list_name", "name"]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        constraints = [
            models.UniqueConstraint(fields=["user", "list_name", "name"], name="saved_filter_name_unique_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.list_name}: {self.name}"
