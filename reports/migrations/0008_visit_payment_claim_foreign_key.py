"""The link between a visit and the payment claim of the money collected on it becomes one real foreign key.

Before, both sides held a bare integer (``Visit.payment_claim_id`` and ``PaymentClaim.visit_id``). The key now
lives on the visit (reports sits above receivables and points down). Existing links are kept: a visit keeps its
claim when that claim still exists, else takes the claim that named it; an id whose row is gone becomes NULL.
"""

import django.db.models.deletion
from django.db import migrations, models


def link_visits_to_claims(apps, schema_editor):
    """Copy the bare ids into the new key (both directions of the old link); dangling ids become NULL."""
    Visit = apps.get_model("reports", "Visit")
    PaymentClaim = apps.get_model("receivables", "PaymentClaim")
    claims = set(PaymentClaim.objects.values_list("pk", flat=True))
    linked: dict[int, int] = {}  # visit -> claim
    used: set[int] = set()
    for visit_pk, claim_pk in (
        Visit.objects.filter(legacy_payment_claim_id__isnull=False)
        .order_by("pk")
        .values_list("pk", "legacy_payment_claim_id")
        .iterator()
    ):
        if claim_pk in claims and claim_pk not in used:
            linked[visit_pk] = claim_pk
            used.add(claim_pk)
    visits_from_claims = dict(
        PaymentClaim.objects.filter(visit_id__isnull=False).order_by("pk").values_list("pk", "visit_id")
    )
    existing_visits = set(Visit.objects.filter(pk__in=visits_from_claims.values()).values_list("pk", flat=True))
    for claim_pk, visit_pk in visits_from_claims.items():
        if visit_pk in existing_visits and visit_pk not in linked and claim_pk not in used:
            linked[visit_pk] = claim_pk
            used.add(claim_pk)
    for visit_pk, claim_pk in linked.items():
        Visit.objects.filter(pk=visit_pk).update(payment_claim_id=claim_pk)


def unlink(apps, schema_editor):
    """Going back: the bare ids again, on both sides."""
    Visit = apps.get_model("reports", "Visit")
    PaymentClaim = apps.get_model("receivables", "PaymentClaim")
    for visit_pk, claim_pk in Visit.objects.filter(payment_claim__isnull=False).values_list("pk", "payment_claim_id"):
        Visit.objects.filter(pk=visit_pk).update(legacy_payment_claim_id=claim_pk)
        PaymentClaim.objects.filter(pk=claim_pk).update(visit_id=visit_pk)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0007_free_text_max_length"),
        ("receivables", "0010_invoice_issue_date_index_for_dso"),
    ]
    # PaymentClaim.visit_id is read here before receivables drops it.
    run_before = [("receivables", "0011_paymentclaim_visit_link_moves_to_visit")]

    operations = [
        migrations.RenameField(model_name="visit", old_name="payment_claim_id", new_name="legacy_payment_claim_id"),
        migrations.AddField(
            model_name="visit",
            name="payment_claim",
            field=models.OneToOneField(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="visit",
                to="receivables.paymentclaim",
                verbose_name="payment claim",
            ),
        ),
        migrations.RunPython(link_visits_to_claims, unlink, elidable=False),
        migrations.RemoveField(model_name="visit", name="legacy_payment_claim_id"),
    ]
