"""Reads of customer cards, always through ``visible_to``."""

import functools
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from kamcrm.audit.models import AuditEvent

from .filters import owner_queryset
from .models import (
    EVALUATION_FIELDS,
    Attractiveness,
    Contact,
    Distributor,
    DistributorBrand,
    RelationshipStage,
    visible_scope,
)


@functools.lru_cache(maxsize=4096)
def _visible_ids_sql(scope: Q) -> tuple[str, tuple]:
    try:
        return Distributor.objects.filter(scope).order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # the scope of nobody (an inactive user)
        return "", ()


def visible_ids_sql(*, for_user: User) -> tuple[str, tuple]:
    """SQL and parameters selecting the ids of the cards ``visible_to(for_user)`` ('' when none), compiled once per
    scope: a rep logs dozens of visits a day, each checked against the scope, and compiling the scope's query took
    longer than running it."""
    return _visible_ids_sql(visible_scope(for_user))


def visible_card(*, for_user: User, pk) -> Distributor:
    """The card ``pk`` (as ``visible_to(for_user).get(pk=pk)``) in one query whose scope part is compiled once per
    scope. Raises Distributor.DoesNotExist outside the user's scope, TypeError or ValueError for a pk that is no
    number."""
    field = Distributor._meta.pk
    pk = field.get_prep_value(pk)
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    sql, params = visible_ids_sql(for_user=for_user)
    if not sql or not low <= pk <= high:  # out of range: no such id (as the ORM's lookup answers)
        raise Distributor.DoesNotExist
    table, column = connection.ops.quote_name(Distributor._meta.db_table), connection.ops.quote_name(field.column)
    found = list(
        Distributor.objects.raw(f"SELECT * FROM {table} WHERE {column} = %s AND {column} IN ({sql})", [pk, *params])
    )
    if not found:
        raise Distributor.DoesNotExist
    return found[0]


def distributor_list(*, for_user: User) -> QuerySet[Distributor]:
    """Cards the user may see, with owner → team → region loaded for the list columns."""
    return Distributor.objects.visible_to(for_user).select_related("owner__team__region", "owner__team__kam")


def distributor_card(*, for_user: User, pk: int) -> Distributor:
    """One card with everything its page shows. Raises Distributor.DoesNotExist outside the user's scope."""
    return (
        distributor_list(for_user=for_user)
        .prefetch_related(
            "product_categories",
            Prefetch("brands_carried", queryset=DistributorBrand.objects.select_related("brand")),
            Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "name")),
        )
        .get(pk=pk)
    )


def can_see_personal_notes(user: User, distributor: Distributor) -> bool:
    """Contacts' personal notes are for the account's own team and the managers above it — not finance."""
    return distributor.pk in personal_notes_visible(user=user, distributor_ids=[distributor.pk])


def personal_notes_visible(*, user: User, distributor_ids) -> set[int]:
    """Which of these distributors' contacts' personal notes ``user`` may see (one query for a whole list)."""
    if user.effective_role == Role.FINANCE:
        return set()
    return set(Distributor.objects.visible_to(user).filter(pk__in=set(distributor_ids)).values_list("pk", flat=True))


@dataclass(frozen=True)
class HistoryRow:
    at: object
    by: User | None
    field: str
    label: str
    before: str
    after: str


def _display(distributor: Distributor, field: str, value) -> str:
    if field == "owner_id":
        user = User.objects.filter(pk=value).first()
        return user.display_name if user else "—"
    model_field = Distributor._meta.get_field(field.removesuffix("_id"))
    return str(dict(model_field.flatchoices).get(value, value or "—"))


def evaluation_history(*, distributor: Distributor) -> list[HistoryRow]:
    """Every change of the evaluation fields and of the owner, newest first: who, when, from, to."""
    tracked = [*EVALUATION_FIELDS, "owner_id"]
    rows = []
    for event in AuditEvent.objects.for_object(distributor).select_related("actor").exclude(before=None):
        for field, (old, new) in event.changes.items():
            if field in tracked:
                label = Distributor._meta.get_field(field.removesuffix("_id")).verbose_name
                rows.append(
                    HistoryRow(
                        event.at,
                        event.actor,
                        field,
                        str(label),
                        _display(distributor, field, old),
                        _display(distributor, field, new),
                    )
                )
    return rows


def portfolio_grid(*, for_user: User, team=None) -> tuple[list, list, dict]:
    """Attractiveness × relationship stage for the accounts in scope (optionally one team).

    Returns (rows, columns, cells) where cells[(attractiveness, stage)] is the list of accounts.
    Terminated accounts are left out.
    """
    accounts = (
        distributor_list(for_user=for_user)
        .exclude(status="terminated")
        .only(
            "pk",
            "code",
            "name",
            "short_name",
            "tier",
            "attractiveness",
            "suggested_attractiveness",
            "relationship_stage",
            "owner",
        )
    )
    if team is not None:
        accounts = accounts.filter(owner__team=team)
    cells = {(a, s): [] for a in Attractiveness.values for s in RelationshipStage.values}
    for account in accounts.order_by("tier", "code"):
        cells[(account.attractiveness, account.relationship_stage)].append(account)
    return Attractiveness.choices, RelationshipStage.choices, cells


# --- The card list grouped (issue 15) -----------------------------------------------------------------------------

GROUP_BY = {"owner": _("Owner"), "tier": _("Tier"), "status": _("Status")}


@dataclass(frozen=True)
class CardGroup:
    key: str  # the filter value that shows the group's cards (owner id, tier, status)
    label: str
    count: int


def card_groups(*, queryset: QuerySet[Distributor], group_by: str) -> list[CardGroup]:
    """The (already filtered) cards counted per owner, tier or status, largest group first. One query.
    Raises ValueError for another ``group_by``."""
    if group_by not in GROUP_BY:
        raise ValueError(group_by)
    if group_by == "owner":
        rows = queryset.order_by().values("owner", "owner__username", "owner__first_name", "owner__last_name")
        rows = rows.annotate(n=Count("pk"))
        groups = [
            CardGroup(
                str(r["owner"] or ""),
                User(first_name=r["owner__first_name"] or "", last_name=r["owner__last_name"] or "").get_full_name()
                or r["owner__username"]
                or "—",
                r["n"],
            )
            for r in rows
        ]
    else:
        labels = dict(Distributor._meta.get_field(group_by).choices)
        rows = queryset.order_by().values(group_by).annotate(n=Count("pk"))
        groups = [
            CardGroup(str(r[group_by] or ""), str(labels.get(r[group_by], r[group_by] or "—")), r["n"]) for r in rows
        ]
    return sorted(groups, key=lambda g: (-g.count, g.label))


def owner_choices(*, for_user: User, q: str, limit: int = 20) -> list[User]:
    """Owners the user may filter the card list by whose name or username contains ``q`` (the type-ahead)."""
    people = owner_queryset(for_user)
    q = (q or "").strip()
    if q:
        people = people.filter(Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
    return list(people.order_by("username")[:limit])
