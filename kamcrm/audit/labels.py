"""What an audit action reads as on a page ("Invoice recorded", 发票已登记) — never the stored code."""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "invoice_recorded": _("Invoice recorded"),
    "invoice_became_doubtful": _("Invoice became doubtful"),
    "invoice_notes_changed": _("Notes changed"),
    "payment_recorded": _("Payment recorded"),
    "payment_allocated": _("Payment allocated to invoices"),
    "payment_reversed": _("Payment reversed"),
    "payment_reversal_recorded": _("Reversal recorded"),
    "payment_notes_changed": _("Notes changed"),
    "creditnote_notes_changed": _("Notes changed"),
    "credit_note_recorded": _("Credit note recorded"),
    "credit_note_applied": _("Credit note applied"),
    "write_off_proposed": _("Write-off proposed"),
    "write_off_approved": _("Write-off approved"),
    "write_off_rejected": _("Write-off rejected"),
    "payment_claim_recorded": _("Collection claimed"),
    "payment_claim_changed": _("Collection claim changed"),
    "payment_claim_confirmed": _("Collection claim confirmed"),
    "payment_claim_rejected": _("Collection claim rejected"),
    "collection_activity_logged": _("Collection activity logged"),
    "dispute_resolved": _("Dispute resolved"),
    "statement_emailed": _("Statement e-mailed"),
    "plan_created": _("Plan created"),
    "plan_submitted": _("Plan submitted"),
    "plan_approved": _("Plan approved"),
    "plan_returned": _("Plan returned"),
    "plan_revised": _("Plan revised"),
    "plan_superseded": _("Plan superseded"),
    "plan_confirmed": _("Plan confirmed with the customer"),
    "distributor_created": _("Card created"),
    "owner_changed": _("Owner changed"),
    "tier_recomputed": _("Tier recomputed"),
    "order_created": _("Order created"),
    "order_imported": _("Order imported"),
    "order_status_changed": _("Order status changed"),
    "visit_logged": _("Visit logged"),
}


def action_label(code: str) -> str:
    """The action in the active language; an action without a label reads "Changed" (no raw code on a page)."""
    return str(ACTION_LABELS.get(code, _("Changed")))
