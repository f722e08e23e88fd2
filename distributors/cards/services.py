"""Writes to customer cards. Each is one atomic, validated, audited function.

Callers pass the acting user as ``by``; a card ``by`` may not edit raises
``PermissionDenied`` (the caller has already found it through ``visible_to``,
so the object itself is no secret), and bad data raises ``ValidationError``
with field errors. Nothing is saved unless everything is valid.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from kamcrm.audit import services as audit
from kamcrm.money import HUNDRED

from .models import Complaint, Contact, Distributor, DistributorBrand, ProductCategory, Suggestion

OWNER_ROLES = (Role.REP, Role.KAM)
# Credit terms feed the credit check on orders: finance's to set, not the sales side's (README, "Customer cards").
CREDIT_TERMS = ("credit_limit", "payment_terms_days")
CREDIT_TERMS_ROLES = (Role.FINANCE, Role.ADMIN)


def can_create(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.effective_role != Role.FINANCE


def can_edit(user: User, distributor: Distributor) -> bool:
    return Distributor.objects.editable_by(user).filter(pk=distributor.pk).exists()


def can_set_credit_terms(user: User, distributor: Distributor | None = None) -> bool:
    """Finance (of the company or the account's region) and the admin set credit terms; a KAM asks finance."""
    if not (user.is_authenticated and user.is_active and user.effective_role in CREDIT_TERMS_ROLES):
        return False
    return distributor is None or Distributor.objects.visible_to(user).filter(pk=distributor.pk).exists()


def _changed_fields(stored: Distributor | None, distributor: Distributor) -> set[str]:
    """Names of the card's fields that differ from ``stored`` (from the field defaults for a new card)."""
    if stored is None:
        return {
            name
            for name in CREDIT_TERMS
            if getattr(distributor, name) != Distributor._meta.get_field(name).get_default()
        }
    return {
        field.name
        for field in Distributor._meta.concrete_fields
        if field.value_from_object(stored) != field.value_from_object(distributor)
    } - {"updated_at"}


def credit_terms_errors(*, distributor: Distributor, stored: Distributor | None, by: User) -> dict:
    """Field errors for credit terms ``by`` may not set (changed against ``stored``; against the defaults when new)."""
    if can_set_credit_terms(by, stored):
        return {}
    return {
        name: [_("Only finance sets credit terms; ask finance to change them.")]
        for name in sorted(_changed_fields(stored, distributor) & set(CREDIT_TERMS))
    }


def can_reassign(user: User) -> bool:
    return user.is_authenticated and user.effective_role in (Role.KAM, Role.REGIONAL_MANAGER, Role.ADMIN)


def assignable_owners(user: User):
    """Reps and KAMs who may own a card ``user`` creates or reassigns: a rep only themselves."""
    return User.objects.reps_in_scope_of(user).filter(role__in=OWNER_ROLES).select_related("team")


def _check_owner(owner: User | None, by: User) -> None:
    if owner is None:
        raise ValidationError({"owner": _("Choose the rep who owns this account.")})
    if not assignable_owners(by).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("%(user)s is not a rep you can assign accounts to.") % {"user": owner}})


def check_brand_shares(brands: list[tuple]) -> None:
    seen = set()
    for brand, share in brands:
        if brand.pk in seen:
            raise ValidationError({"brands": _("%(brand)s is listed twice.") % {"brand": brand}})
        seen.add(brand.pk)
        if share is None or share < 0 or share > HUNDRED:
            raise ValidationError({"brands": _("A brand's share must be between 0 and 100 %.")})
    total = sum((share for _brand, share in brands), Decimal("0"))
    if total > HUNDRED:
        raise ValidationError(
            {"brands": _("Brand shares add up to %(total)s %%, more than 100 %%.") % {"total": total}}
        )


@transaction.atomic
def save_distributor(
    *,
    distributor: Distributor,
    by: User,
    brands: list[tuple] | None = None,
    categories: Iterable[ProductCategory] | None = None,
) -> Distributor:
    """Create or change a customer card, with its brands carried ``[(brand, share_pct), ...]`` and categories.

    ``brands``/``categories`` of ``None`` leave them as they are. A rep may only own
    their own cards; a KAM assigns within the team, a regional manager within the
    region. Raises ValidationError (field errors) or PermissionDenied.
    """
    stored = Distributor.objects.select_for_update().filter(pk=distributor.pk).first() if distributor.pk else None
    if stored is None and not can_create(by):
        raise PermissionDenied(_("Your role cannot create customer cards."))
    if stored is not None and not can_edit(by, stored):
        # Finance may not edit the card, but sets its credit terms (nothing else, through this same function).
        only_terms = brands is None and categories is None and _changed_fields(stored, distributor) <= set(CREDIT_TERMS)
        if not (only_terms and can_set_credit_terms(by, stored)):
            raise PermissionDenied(_("You can view this card but not change it."))
    if stored is None or stored.owner_id != distributor.owner_id:
        _check_owner(distributor.owner if distributor.owner_id else None, by)
    if errors := credit_terms_errors(distributor=distributor, stored=stored, by=by):
        raise ValidationError(errors)
    # The credit-limit check constraint mirrors the field's validator; skipping its SQL probe
    # makes a 5,000-row import a third faster. Unique codes are still checked.
    distributor.full_clean(validate_constraints=False)
    if brands is not None:
        check_brand_shares(brands)
    before = _card_snapshot(stored) if stored else None
    distributor.save()
    if categories is not None:
        distributor.product_categories.set(categories)
    if brands is not None:
        distributor.brands_carried.all().delete()
        DistributorBrand.objects.bulk_create(
            DistributorBrand(distributor=distributor, brand=brand, share_pct=share) for brand, share in brands
        )
    after = _card_snapshot(distributor)
    audit.record(
        distributor,
        by=by,
        action="distributor_created" if before is None else "distributor_changed",
        before=before,
        after=after,
    )
    return distributor


def set_credit_terms(
    *, distributor: Distributor, credit_limit: Decimal, payment_terms_days: int, by: User
) -> Distributor:
    """Set an account's credit limit and payment terms (finance or the admin), audited like any change of the card.

    Raises ValidationError (field errors) or PermissionDenied for anyone else.
    """
    if not can_set_credit_terms(by, distributor):
        raise PermissionDenied(_("Only finance sets credit terms."))
    distributor.credit_limit = credit_limit
    distributor.payment_terms_days = payment_terms_days
    return save_distributor(distributor=distributor, by=by)


def _card_snapshot(distributor: Distributor) -> dict:
    data = audit.snapshot(distributor)
    data["brands"] = {str(b.brand_id): str(b.share_pct) for b in distributor.brands_carried.all()}
    data["product_categories"] = sorted(distributor.product_categories.values_list("pk", flat=True))
    return data


@transaction.atomic
def reassign(*, distributor: Distributor, owner: User, by: User) -> Distributor:
    """Give the account to another rep: a KAM within the team, a regional manager across the region's teams."""
    if not can_reassign(by):
        raise PermissionDenied(_("Only a KAM or a manager can reassign accounts."))
    stored = Distributor.objects.select_for_update().get(pk=distributor.pk)
    if not can_edit(by, stored):
        raise PermissionDenied(_("You can view this card but not change it."))
    _check_owner(owner, by)
    if stored.owner_id == owner.pk:
        return stored
    before = audit.snapshot(stored)
    stored.owner = owner
    stored.save(update_fields=["owner", "updated_at"])
    audit.record(stored, by=by, action="owner_changed", before=before)
    return stored


def _check_card_editable(distributor: Distributor, by: User) -> None:
    if not can_edit(by, distributor):
        raise PermissionDenied(_("You can view this card but not change it."))


@transaction.atomic
def save_contact(*, contact: Contact, by: User) -> Contact:
    """Create or change a contact. The first contact of an account, or one marked primary, becomes its primary."""
    _check_card_editable(contact.distributor, by)
    before = audit.snapshot(Contact.objects.get(pk=contact.pk)) if contact.pk else None
    siblings = Contact.objects.select_for_update().filter(distributor=contact.distributor).exclude(pk=contact.pk)
    if not siblings.filter(is_primary=True).exists():
        contact.is_primary = True
    contact.full_clean(validate_constraints=False)  # the one-primary rule is kept just below
    if contact.is_primary:
        siblings.filter(is_primary=True).update(is_primary=False)
    contact.save()
    audit.record(contact, by=by, action="contact_created" if before is None else "contact_changed", before=before)
    return contact


@transaction.atomic
def delete_contact(*, contact: Contact, by: User) -> None:
    """Remove a contact; if it was the primary one, the next contact becomes primary."""
    _check_card_editable(contact.distributor, by)
    audit.record(contact, by=by, action="contact_deleted", before=audit.snapshot(contact), after={})
    was_primary, distributor = contact.is_primary, contact.distributor
    contact.delete()
    if was_primary:
        successor = Contact.objects.filter(distributor=distributor).order_by("name").first()
        if successor:
            Contact.objects.filter(pk=successor.pk).update(is_primary=True)


def _check_recorder(distributor: Distributor, by: User) -> None:
    if not Distributor.objects.visible_to(by).filter(pk=distributor.pk).exists() or by.effective_role == Role.FINANCE:
        raise PermissionDenied(_("You can view this card but not change it."))


def _save_recorded(record: Complaint | Suggestion, *, by: User, actions: tuple[str, str]):
    """Validate and save a complaint or suggestion (a new one is recorded by ``by``); audited as ``actions[0]``
    when new, else ``actions[1]``."""
    before = audit.snapshot(type(record).objects.get(pk=record.pk)) if record.pk else None
    if before is None:
        record.recorded_by = by
    record.full_clean()
    record.save()
    audit.record(record, by=by, action=actions[0] if before is None else actions[1], before=before)
    return record


@transaction.atomic
def save_complaint(*, complaint: Complaint, by: User) -> Complaint:
    """Record or update a complaint. Anyone working the account (not finance) may; the handler must be visible."""
    _check_recorder(complaint.distributor, by)
    if complaint.owner_id and not User.objects.visible_to(by).filter(pk=complaint.owner_id, is_active=True).exists():
        raise ValidationError({"owner": _("Choose an active colleague you can see.")})
    return _save_recorded(complaint, by=by, actions=("complaint_recorded", "complaint_changed"))


@transaction.atomic
def save_suggestion(*, suggestion: Suggestion, by: User) -> Suggestion:
    """Record or update a customer suggestion and our response."""
    _check_recorder(suggestion.distributor, by)
    return _save_recorded(suggestion, by=by, actions=("suggestion_recorded", "suggestion_changed"))


@transaction.atomic
def apply_measured_evaluation(*, tiers: dict[int, str], suggestions: dict[int, str]) -> int:
    """The system's monthly write (``reports.tiers``): set measured tiers and store attractiveness suggestions.

    ``tiers`` {card id: "A" | "B" | "C"}; ``suggestions`` {card id: measured attractiveness} for the cards measured
    (a suggestion equal to the card's attractiveness, or a card left out, clears it). Each tier change is recorded
    in the card's evaluation history with no actor — the system (``audit.record(by=None)``). The cards to change
    are locked and read again first, so a second run, even a concurrent one, records nothing twice. Returns the
    number of tier changes.
    """
    current = {
        pk: (tier, attractiveness, suggested)
        for pk, tier, attractiveness, suggested in Distributor.objects.values_list(
            "pk", "tier", "attractiveness", "suggested_attractiveness"
        )
    }

    def wanted(pk, tier, attractiveness):
        suggestion = suggestions.get(pk, "")
        return tiers.get(pk, tier), "" if suggestion == attractiveness else suggestion

    stale = [pk for pk, (t, a, s) in current.items() if wanted(pk, t, a) != (t, s)]
    changed = 0
    for card in Distributor.objects.select_for_update().filter(pk__in=stale).order_by("pk"):
        tier, suggestion = wanted(card.pk, card.tier, card.attractiveness)
        if card.tier != tier:
            before = audit.snapshot(card)
            card.tier, card.suggested_attractiveness = tier, suggestion
            card.save(update_fields=["tier", "suggested_attractiveness", "updated_at"])
            audit.record(card, by=None, action="tier_recomputed", before=before)
            changed += 1
        elif card.suggested_attractiveness != suggestion:
            Distributor.objects.filter(pk=card.pk).update(suggested_attractiveness=suggestion)
    return changed


@transaction.atomic
def accept_attractiveness_suggestion(*, distributor: Distributor, by: User) -> Distributor:
    """Set the card's attractiveness to the measured suggestion (the portfolio grid's "accept"), audited in the
    card's evaluation history with ``by``. Raises PermissionDenied when ``by`` may not edit the card and
    ValidationError when there is no suggestion (already accepted, or none made)."""
    stored = Distributor.objects.select_for_update().get(pk=distributor.pk)
    _check_card_editable(stored, by)
    if not stored.suggested_attractiveness:
        raise ValidationError({"suggested_attractiveness": _("There is no suggestion to accept.")})
    before = audit.snapshot(stored)
    stored.attractiveness, stored.suggested_attractiveness = stored.suggested_attractiveness, ""
    stored.save(update_fields=["attractiveness", "suggested_attractiveness", "updated_at"])
    audit.record(stored, by=by, action="attractiveness_suggestion_accepted", before=before)
    return stored
