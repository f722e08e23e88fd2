"""The five roles of the company (no model here, so the scope rule can read them without importing models)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    KAM = "kam", _("Key account manager")
    REGIONAL_MANAGER = "regional_manager", _("Regional manager")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Administrator")
