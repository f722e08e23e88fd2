"""Who is calling: the client address behind a trusted reverse proxy, used by the login lock-out (django-axes)
and the token endpoint's throttle alike (issue 17)."""

import ipaddress
import logging

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle

log = logging.getLogger(__name__)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The caller's address.

    Without ``KAMCRM_TRUSTED_PROXY_HEADER`` it is ``REMOTE_ADDR``. Behind a reverse proxy, name the header it
    sets (``X-Forwarded-For``, ``X-Real-IP``) and how many proxies append to it
    (``KAMCRM_TRUSTED_PROXY_COUNT``): the address is that many entries from the right, so whatever a client
    writes into the header itself is ignored. A missing or malformed header falls back to ``REMOTE_ADDR``.
    """
    meta = request.META
    header = settings.KAMCRM_TRUSTED_PROXY_HEADER
    if header:
        parts = [p for p in meta.get("HTTP_" + header.upper().replace("-", "_"), "").split(",") if p.strip()]
        count = max(settings.KAMCRM_TRUSTED_PROXY_COUNT, 1)
        if len(parts) >= count:
            address = _valid_ip(parts[-count])
            if address:
                return address
    return meta.get("REMOTE_ADDR")


class ClientAddressThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, keyed on ``client_ip`` for anonymous callers.

    Its counts live in the shared cache. With the cache unreachable it lets the request through (and logs it):
    the lock-out after failed sign-ins (django-axes, in the database) still holds, and a token must not depend on
    Redis."""

    def get_ident(self, request):
        return client_ip(request) or "unknown"

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend's own errors (redis.ConnectionError, timeouts…)
            log.warning("Throttle %s: the cache cannot be reached; request let through", self.scope, exc_info=True)
            return True
