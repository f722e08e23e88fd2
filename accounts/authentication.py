"""Token authentication with an expiry (issue 17): a token older than ``KAMCRM_TOKEN_TTL_HOURS`` is a 401."""

from django.db import router
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from kamcrm import prepared

from . import services
from .models import User

_TOKEN_FIELDS = [f.attname for f in Token._meta.concrete_fields]
_USER_FIELDS = [f.attname for f in User._meta.concrete_fields]


def token_with_user(key: str) -> Token | None:
    """The token ``key`` with its user loaded (``Token.objects.select_related("user")``), None when there is none;
    its read compiled once (every API request reads it: a rep logs dozens of visits a day)."""
    found = prepared.rows(
        "auth.token",
        lambda key: Token.objects.filter(key=key).values_list(*_TOKEN_FIELDS, *(f"user__{f}" for f in _USER_FIELDS)),
        key=key,
    )
    if not found:
        return None
    row, alias = found[0], router.db_for_read(Token)  # one read gave both rows
    token = Token.from_db(alias, _TOKEN_FIELDS, row[: len(_TOKEN_FIELDS)])
    token.user = User.from_db(alias, _USER_FIELDS, row[len(_TOKEN_FIELDS) :])
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        # As DRF's, with its messages (translated by DRF's catalogue), from the read above.
        token = token_with_user(key)
        if token is None:
            raise AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        if services.token_expired(token):
            raise AuthenticationFailed(_("The token has expired; ask for a new one at /api/auth/token/."))
        return token.user, token
