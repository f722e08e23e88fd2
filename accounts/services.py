"""Writes to users and the org structure. Each is atomic, validated and audited."""

from datetime import datetime, timedelta
from importlib import import_module
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from kamcrm.audit import services as audit

from .models import Region, Role, SavedFilter, Team, User


def _before(instance) -> dict | None:
    if instance.pk is None:
        return None
    stored = type(instance).objects.filter(pk=instance.pk).first()
    return audit.snapshot(stored) if stored else None


@transaction.atomic
def save_region(*, region: Region, by: User) -> Region:
    """Validate and save a new or changed region. Raises ValidationError with field errors."""
    before = _before(region)
    region.full_clean()
    region.save()
    audit.record(region, by=by, action="region_created" if before is None else "region_changed", before=before)
    return region


@transaction.atomic
def delete_region(*, region: Region, by: User) -> None:
    """Delete a region that has no teams and no people. Raises ValidationError otherwise."""
    if region.teams.exists() or User.objects.filter(region=region).exists():
        raise ValidationError(_("Region %(region)s still has teams or people; move them first.") % {"region": region})
    audit.record(region, by=by, action="region_deleted", before=audit.snapshot(region), after={})
    region.delete()


@transaction.atomic
def save_team(*, team: Team, by: User) -> Team:
    """Validate and save a team; its KAM (if any) becomes a member of it. Raises ValidationError."""
    before = _before(team)
    team.full_clean()
    team.save()
    previous_kam_id = before["kam_id"] if before else None
    if previous_kam_id and previous_kam_id != team.kam_id:
        # The replaced KAM leaves the team (and with it its accounts); they can be given another team.
        previous = User.objects.get(pk=previous_kam_id)
        if previous.team_id == team.pk:
            previous_before = audit.snapshot(previous)
            previous.team = None
            previous.save(update_fields=["team"])
            audit.record(previous, by=by, action="user_changed", before=previous_before)
    if team.kam_id and team.kam.team_id != team.pk:
        kam_before = audit.snapshot(team.kam)
        team.kam.team = team
        team.kam.save(update_fields=["team"])
        audit.record(team.kam, by=by, action="user_changed", before=kam_before)
    audit.record(team, by=by, action="team_created" if before is None else "team_changed", before=before)
    return team


@transaction.atomic
def delete_team(*, team: Team, by: User) -> None:
    """Delete a team that has no members. Raises ValidationError otherwise."""
    if team.members.exists():
        raise ValidationError(_("Team %(team)s still has members; move them first.") % {"team": team})
    audit.record(team, by=by, action="team_deleted", before=audit.snapshot(team), after={})
    team.delete()


@transaction.atomic
def save_user(*, user: User, by: User, password: str | None = None) -> User:
    """Validate and save a new or changed user and keep team leadership in step with the role.

    A KAM leads the team they belong to when it has no KAM yet; a user who is
    no longer a KAM of that team stops leading it. ``password`` (required for a
    new user) is checked against the password validators. Raises ValidationError.
    """
    before = _before(user)
    if before is None and not password and not user.password:
        raise ValidationError({"password": _("A new user needs a password.")})
    user.full_clean(exclude=["password"])
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from exc
        user.set_password(password)
    user.save()
    _sync_team_lead(user)
    audit.record(user, by=by, action="user_created" if before is None else "user_changed", before=before)
    return user


def _sync_team_lead(user: User) -> None:
    leads = user.effective_role == Role.KAM and user.team_id is not None and user.is_active
    Team.objects.filter(kam=user).exclude(pk=user.team_id if leads else None).update(kam=None)
    if leads:
        Team.objects.filter(pk=user.team_id, kam__isnull=True).update(kam=user)


@transaction.atomic
def change_password(*, user: User, password: str, by: User) -> None:
    """Set a new password after the validators accept it. Raises ValidationError on {"password": ...}."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(user, by=by, action="password_changed")


def set_language(*, user: User, language: str) -> User:
    """Remember the user's UI language. Raises ValidationError for a language we do not ship."""
    user.language = User._meta.get_field("language").clean(language, user)
    user.save(update_fields=["language"])
    return user


def set_notify_by_email(*, user: User, value: bool) -> User:
    """Whether the user's notifications are also e-mailed (the bell always shows them)."""
    user.notify_by_email = bool(value)
    user.save(update_fields=["notify_by_email"])
    return user


def clear_expired_sessions() -> None:
    """Remove expired login sessions (nightly, from beat)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


# --- API tokens -------------------------------------------------------------------------------------------------


def token_expires_at(token: Token) -> datetime:
    """When a token stops working: ``KAMCRM_TOKEN_TTL_HOURS`` after it was issued."""
    return token.created + timedelta(hours=settings.KAMCRM_TOKEN_TTL_HOURS)


def token_expired(token: Token) -> bool:
    return token_expires_at(token) <= timezone.now()


@transaction.atomic
def issue_token(*, user: User) -> Token:
    """The user's API token: the current one while it is valid, else a new one (the expired one is deleted)."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    return token


def revoke_tokens(*, user: User) -> int:
    """Delete the user's API token (at logout): requests with it answer 401 from now on. Returns how many."""
    if not getattr(user, "pk", None):
        return 0
    return Token.objects.filter(user=user).delete()[0]


# --- Saved filters (issue 15) -------------------------------------------------------------------------------------


def _clean_query(query: str) -> str:
    """Keep the filters only: no page number, no empty values, no CSRF token."""
    pairs = [
        (key, value)
        for key, value in parse_qsl((query or "").lstrip("?"), keep_blank_values=False)
        if key not in ("page", "csrfmiddlewaretoken", "owner_name")
    ]
    return urlencode(pairs)


def save_filter(*, user: User, list_name: str, name: str, query: str) -> SavedFilter:
    """Save (or overwrite, by name) the user's filters of a list. Raises ValidationError for an unknown list, an
    empty or too long name, or a query longer than the field."""
    errors = {}
    name = (name or "").strip()
    if list_name not in SavedFilter.LISTS:
        errors["list_name"] = [_("Filters of this list cannot be saved.")]
    if not name:
        errors["name"] = [_("Give the filter a name.")]
    elif len(name) > SavedFilter._meta.get_field("name").max_length:
        errors["name"] = [_("Use at most 80 characters.")]
    query = _clean_query(query)
    if len(query) > SavedFilter._meta.get_field("query").max_length:
        errors["query"] = [_("Too many filters to save.")]
    if errors:
        raise ValidationError(errors)
    saved, _created = SavedFilter.objects.update_or_create(
        user=user, list_name=list_name, name=name, defaults={"query": query}
    )
    return saved


def delete_filter(*, saved: SavedFilter, user: User) -> None:
    if saved.user_id != user.pk:
        raise PermissionDenied
    saved.delete()
