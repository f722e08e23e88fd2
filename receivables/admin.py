"""Django admin: the admin's settings (credit check, reminder levels, aging bucket sets, statement schedules).
Money records are read-only here: they change only through the services (validated, locked, audited)."""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from kamcrm.admin import ReadOnlyAdmin

from . import holds
from .models import (
    AgingBucketSet,
    Allocation,
    CollectionActivity,
    CreditHold,
    CreditHoldRule,
    CreditNote,
    Invoice,
    Payment,
    ReceivablesSettings,
    ReminderLevel,
    ReminderMessage,
    StatementSchedule,
    WriteOff,
)
from .reminders import stuck_messages


@admin.register(ReceivablesSettings)
class ReceivablesSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "contact_language", "updated_at"]

    def has_add_permission(self, request):
        return not ReceivablesSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class CreditHoldRuleForm(forms.ModelForm):
    class Meta:
        model = CreditHoldRule
        fields = ["name", "condition", "tier", "over_days", "up_to_days", "min_share", "action", "is_active"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            holds.check_rule(self.instance)  # the same rule as the API: no overlapping buckets per tier
        return cleaned


@admin.register(CreditHoldRule)
class CreditHoldRuleAdmin(admin.ModelAdmin):
    form = CreditHoldRuleForm
    list_display = ["name", "condition", "tier", "over_days", "up_to_days", "min_share", "action", "is_active"]
    list_filter = ["is_active", "action", "tier"]

    def has_delete_permission(self, request, obj=None):
        return False  # switch a rule off instead: its history stays readable


@admin.register(CreditHold)
class CreditHoldAdmin(ReadOnlyAdmin):
    """Read-only: finance holds and releases from the account's receivables page or the API (audited)."""

    list_display = ["distributor", "kind", "reason", "until", "placed_by", "placed_at", "ended_at"]
    list_filter = ["kind"]


@admin.register(ReminderLevel)
class ReminderLevelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "days_from_due",
        "email_contact",
        "rep_task",
        "notify_kam",
        "notify_finance",
        "notify_regional_manager",
        "stop_supply",
        "is_active",
    ]
    list_editable = ["is_active"]


@admin.register(AgingBucketSet)
class AgingBucketSetAdmin(admin.ModelAdmin):
    list_display = ["name", "thresholds", "is_default"]


@admin.register(StatementSchedule)
class StatementScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "frequency", "day", "is_active", "created_by"]
    filter_horizontal = ["teams", "regions"]
    raw_id_fields = ["distributors"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "distributor", "issue_date", "due_date", "amount", "open_amount", "status"]
    list_filter = ["status"]
    search_fields = ["number", "distributor__code", "distributor__name"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["paid_on", "distributor", "amount", "method", "reference", "unallocated_amount"]
    search_fields = ["reference", "distributor__code"]


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "distributor", "issue_date", "amount", "unapplied_amount"]


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "payment", "credit_note", "write_off", "amount", "paid_on"]


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnlyAdmin):
    list_display = ["invoice", "amount", "status", "proposed_by", "decided_by", "decided_on"]


@admin.register(CollectionActivity)
class CollectionActivityAdmin(ReadOnlyAdmin):
    list_display = ["distributor", "kind", "occurred_on", "by"]
    list_filter = ["kind"]


class StuckFilter(admin.SimpleListFilter):
    """Messages left "sending" by a process that died (the sweeper sends them again within minutes)."""

    title = _("stuck in sending")
    parameter_name = "stuck"

    def lookups(self, request, model_admin):
        return [("yes", _("Stuck for more than %(n)s minutes") % {"n": settings.REMINDER_STUCK_AFTER_MINUTES})]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=stuck_messages().values("pk"))
        return queryset


@admin.register(ReminderMessage)
class ReminderMessageAdmin(ReadOnlyAdmin):
    list_display = ["run_date", "distributor", "recipient_email", "status", "attempts", "claimed_at", "sent_at"]
    list_filter = [StuckFilter, "status"]
