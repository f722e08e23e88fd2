"""The app's Django admin: each capability registers its models in its own ``admin`` module, imported here
because Django's autodiscovery imports only ``distributors.admin``."""

from .cards import admin as cards_admin  # noqa: F401
from .competitors import admin as competitors_admin  # noqa: F401
from .plans import admin as plans_admin  # noqa: F401
