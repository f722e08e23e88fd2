from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "kamcrm.outbox"
    label = "outbox"
    verbose_name = _("Task outbox")
