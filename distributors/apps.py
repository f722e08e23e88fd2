from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DistributorsConfig(AppConfig):
    name = "distributors"
    verbose_name = _("Distributors")
