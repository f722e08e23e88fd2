"""The reference data a fresh install starts with (also written by migration 0002); ``ensure()`` restores it."""

from django.utils.translation import gettext_lazy as _

from .models import AgingBucketSet, CreditHoldRule, ReceivablesSettings, ReminderLevel

LEVELS = [
    # code, name, days from due, what the level does
    ("before_due", _("Friendly reminder, 3 days before due"), -3, {"email_contact": True}),
    ("overdue_1", _("1 day overdue: visit to collect"), 1, {"rep_task": True}),
    ("overdue_30", _("30 days overdue: KAM alerted"), 30, {"notify_kam": True}),
    (
        "overdue_60",
        _("60 days overdue: finance and KAM, stop-supply warning"),
        60,
        {"notify_kam": True, "notify_finance": True, "stop_supply": True},
    ),
    ("overdue_180", _("180 days overdue: doubtful, regional manager alerted"), 180, {"notify_regional_manager": True}),
]
STANDARD_BUCKETS = ("Standard (30/60/90/180)", [30, 60, 90, 180])
# The stop-supply warning as a credit hold rule (receivables.holds); the admin may make it a hold.
STANDARD_RULE = {"name": "More than 60 days past due: stop-supply warning", "over_days": 60, "action": "warn"}


def ensure() -> None:
    """Create the default reminder levels, bucket set and settings row where they are missing."""
    for code, name, days, flags in LEVELS:
        ReminderLevel.objects.get_or_create(code=code, defaults={"name": str(name), "days_from_due": days, **flags})
    name, thresholds = STANDARD_BUCKETS
    if not AgingBucketSet.objects.filter(is_default=True).exists():
        AgingBucketSet.objects.get_or_create(name=name, defaults={"thresholds": thresholds, "is_default": True})
    ReceivablesSettings.load()
    if not CreditHoldRule.objects.exists():
        CreditHoldRule.objects.create(**STANDARD_RULE)
