"""Token authentication with an expiry (issue 17): a token older than ``KAMCRM_TOKEN_TTL_HOURS`` is a 401."""

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from . import services


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if services.token_expired(token):
            raise AuthenticationFailed(_("The token has expired; ask for a new one at /api/auth/token/."))
        return user, token
