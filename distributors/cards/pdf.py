"""The printable customer card (客户资料卡) as a PDF, rendered by WeasyPrint.

The card shows what the card page shows, read through the same selectors and the
same rule for contacts' personal notes (``selectors.can_see_personal_notes``), in
the language active when it is rendered, through the one renderer ``kamcrm.pdf.render_pdf``.
"""

from decimal import Decimal
from itertools import zip_longest

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import Team, User
from kamcrm.money import money_text
from kamcrm.pdf import css_content, render_pdf

from . import selectors, timeline
from .models import CARD_SECTION_FIELDS, Contact, Distributor, DistributorBrand, Status
from .models import EVALUATION_FIELDS as MODEL_EVALUATION_FIELDS

TEMPLATE = "distributors/card_pdf.html"
TIMELINE_LIMIT = 30  # business dealings: the newest entries only, so a card stays a few pages long
RECORDS_LIMIT = 30  # suggestions and complaints, each
# Characters of each suggestion, complaint and contact detail printed (the card page shows them in full): a card of
# 30 suggestions and 30 complaints at the text limit would otherwise run to a hundred pages and most of a minute.
RECORD_TEXT_LIMIT = 300
EMPTY = "—"

# The card's sections (``CARD_SECTION_FIELDS``) as the printed card shows them: the owner, the place and the
# product categories have their own lines; the evaluation adds the last visit.
PROFILE_FIELDS = tuple(
    name
    for name in CARD_SECTION_FIELDS["profile"]
    if name not in ("owner", "city", "county", "town", "product_categories")
)
OUTLET_FIELDS = CARD_SECTION_FIELDS["outlets"]
LOGISTICS_FIELDS = CARD_SECTION_FIELDS["logistics"]
TERMS_FIELDS = CARD_SECTION_FIELDS["terms"]
EVALUATION_FIELDS = (*MODEL_EVALUATION_FIELDS, "last_visited_on")
CONTACT_FIELDS = ("position", "phone", "mobile", "email", "wechat", "notes")


def money(value: Decimal | None) -> str:
    """Money with thousands separators and exactly 2 decimals (``1,234,567.50``); ``—`` for no value."""
    return money_text(value, empty=EMPTY)


def _label(model, name: str) -> str:
    return capfirst(str(model._meta.get_field(name).verbose_name))


def _value(obj, name: str) -> str:
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if value is None or value == "":
        return EMPTY
    if field.choices:
        return str(getattr(obj, f"get_{name}_display")())
    if field.get_internal_type() == "DecimalField":
        return money(value)
    if field.get_internal_type() == "DateField":
        return value.isoformat()
    return str(value)


def _items(obj, names) -> list[tuple[str, str]]:
    return [(_label(type(obj), name), _value(obj, name)) for name in names]


def _pairs(items: list[tuple[str, str]]) -> list[tuple]:
    """Label/value items laid out two to a table row: [(a, b), (c, d), (e, None)]."""
    return list(zip_longest(items[0::2], items[1::2]))


def _person(user: User | None) -> str:
    return user.display_name if user else EMPTY


def _ownership(distributor: Distributor) -> list[tuple[str, str]]:
    owner = distributor.owner
    team = owner.team
    return [
        (_label(Distributor, "owner"), _person(owner)),
        (_label(User, "team"), str(team) if team else EMPTY),
        (_label(Team, "kam"), _person(team.kam) if team else EMPTY),
        (_label(Team, "region"), str(team.region) if team else str(owner.region or EMPTY)),
    ]


def _contacts(distributor: Distributor, personal_notes: bool) -> list[dict]:
    contacts = []
    for contact in distributor.contacts.all():
        contacts.append(
            {
                "name": contact.name,
                "is_primary": contact.is_primary,
                "details": [item for item in _items(contact, CONTACT_FIELDS) if item[1] != EMPTY],
                # Left out of the context altogether, not just hidden, when the reader may not see them.
                "personal": _items(contact, Contact.PERSONAL_FIELDS) if personal_notes else [],
            }
        )
    return contacts


def _dealings(distributor: Distributor, for_user: User) -> list[dict]:
    return [
        {
            "at": entry.at,
            "kind": entry.kind_label,
            "title": entry.title,
            "detail": entry.detail,
            "amount": "" if entry.amount is None else money(entry.amount),
        }
        for entry in timeline.timeline(distributor=distributor, for_user=for_user, limit=TIMELINE_LIMIT)
    ]


def _newest(queryset, limit: int = RECORDS_LIMIT) -> tuple[list, int]:
    rows = list(queryset[:limit])
    total = len(rows) if len(rows) < limit else queryset.count()
    return rows, total


def card_context(*, distributor: Distributor, for_user: User) -> dict:
    """Everything the printed card shows, with money and choices already formatted in the active language.

    ``distributor`` should come from ``selectors.distributor_card`` (scope checked, relations prefetched).
    """
    personal_notes = selectors.can_see_personal_notes(for_user, distributor)
    printed_at = timezone.localtime()
    categories = ", ".join(str(c) for c in distributor.product_categories.all())
    place = " / ".join(p for p in (distributor.city, distributor.county, distributor.town) if p) or EMPTY
    profile = _items(distributor, PROFILE_FIELDS)
    profile.insert(PROFILE_FIELDS.index("address") + 1, (_("City / county / town"), place))
    profile.append((_label(Distributor, "product_categories"), categories or EMPTY))
    suggestions, suggestions_total = _newest(distributor.suggestions.all())
    complaints, complaints_total = _newest(distributor.complaints.select_related("owner"))
    evaluation = _items(distributor, EVALUATION_FIELDS)
    if distributor.status == Status.TERMINATED:
        evaluation += _items(distributor, ("terminated_reason", "terminated_on"))
    return {
        "d": distributor,
        "header_left": css_content(_("KAM CRM")),
        "header_right": css_content(f"{_('Customer card')} · {distributor.code}"),
        "footer_left": css_content(
            _("Printed %(at)s by %(user)s") % {"at": date_format(printed_at, "Y-m-d H:i"), "user": _person(for_user)}
        ),
        "footer_right": css_content(_("Page %(page)s of %(pages)s"), counters=True),
        "profile": _pairs(profile),
        "brands": [
            {
                "name": b.brand.name,
                "manufacturer": b.brand.manufacturer or EMPTY,
                "is_own": b.brand.is_own,
                "share": f"{b.share_pct:.2f}",
            }
            for b in distributor.brands_carried.all()
        ],
        "brand_labels": {
            "plural": capfirst(str(DistributorBrand._meta.verbose_name_plural)),
            "share": _label(DistributorBrand, "share_pct"),
        },
        "outlets": _pairs(_items(distributor, OUTLET_FIELDS)),
        "logistics": _pairs(_items(distributor, LOGISTICS_FIELDS)),
        "terms": _pairs(_items(distributor, TERMS_FIELDS)),
        "ownership": _pairs(_ownership(distributor)),
        "personal_notes": personal_notes,
        "contacts": _contacts(distributor, personal_notes),
        "dealings": _dealings(distributor, for_user),
        "dealings_limit": TIMELINE_LIMIT,
        "record_text_limit": RECORD_TEXT_LIMIT,
        "suggestions": suggestions,
        "suggestions_total": suggestions_total,
        "complaints": complaints,
        "complaints_total": complaints_total,
        "evaluation": _pairs(evaluation),
        "assessment": distributor.assessment,
        "history": selectors.evaluation_history(distributor=distributor),
    }


def render_card_pdf(*, distributor: Distributor, for_user: User) -> bytes:
    """The customer card of ``distributor`` as printed by ``for_user``: PDF bytes, A4, in the active language.

    The caller has checked scope (``selectors.distributor_card`` raises ``Distributor.DoesNotExist``
    outside it); contacts' personal notes are left out unless ``for_user`` may see them.
    """
    return render_pdf(template=TEMPLATE, context=card_context(distributor=distributor, for_user=for_user))
