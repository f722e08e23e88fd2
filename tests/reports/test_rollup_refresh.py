"""The rollups after a change (issue 16): each account is refreshed once over the days its changes touched, and
the result is exactly what a full rebuild gives, whatever the changes."""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.cards import services as cards_services
from receivables import services as money
from reports.analytics.models import (
    DistributorDay,
    DistributorMonth,
    OwnerMonth,
    PendingRefresh,
)
from reports.analytics.rollups import services as rollups
from tests import factories as f
from tests.reports.factories import VisitFactory
from tests.reports.helpers import owner_months_by_hand, owner_months_kept, rollup_tables
from tests.reports.test_api import visit_payload
from tests.reports.test_dashboard import _sell

TODAY = timezone.localdate()
INVOICE_NUMBERS = itertools.count()


# One change: (kind, account index, days before today, amount in yuan).
CHANGES = st.lists(
    st.tuples(
        st.sampled_from(["visit", "order", "invoice", "payment", "reassign"]),
        st.integers(0, 1),
        st.integers(0, 75),  # across two month ends
        st.integers(1, 900),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=CHANGES)
def test_the_refresh_after_any_changes_equals_a_full_rebuild(org, cards, django_capture_on_commit_callbacks, changes):
    accounts = [cards.a1, cards.b1]
    with django_capture_on_commit_callbacks(execute=True):
        for kind, which, days_ago, amount in changes:
            account, day = accounts[which], TODAY - timedelta(days=days_ago)
            if kind == "visit":
                VisitFactory(distributor=account, visit_date=day)
            elif kind == "reassign":  # to a rep of another team or back: the reps' month sums follow the card
                cards_services.reassign(
                    distributor=account,
                    owner=org.rep_a2 if account.owner_id != org.rep_a2.pk else org.rep_a1,
                    by=org.admin,
                )
                account.refresh_from_db()
            elif kind == "order":
                _sell(account, f"{amount}.00", day=day)
            elif kind == "invoice":
                money.record_invoice(
                    distributor=account,
                    number=f"I-{next(INVOICE_NUMBERS)}",
                    issue_date=day,
                    due_date=day + timedelta(days=30),
                    amount=Decimal(amount),
                    by=org.finance,
                )
            else:  # allocated oldest due first: settles invoices before, on or after they fall due
                money.record_payment(
                    distributor=account, amount=Decimal(amount), paid_on=day, method="cash", by=org.finance
                )
    assert not PendingRefresh.objects.exists()  # drained after the commit
    assert owner_months_kept() == owner_months_by_hand()
    incremental = rollup_tables()
    rollups.rebuild()
    assert rollup_tables() == incremental


def test_many_changes_of_an_account_are_one_refresh_of_the_days_they_touched(
    org, cards, api_for, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        VisitFactory(distributor=cards.a1, visit_date=TODAY - timedelta(days=40))
    older = DistributorDay.objects.get(distributor=cards.a1, day=TODAY - timedelta(days=40))
    monkeypatch.setattr(rollups, "wake_drain", lambda: None)  # the worker is busy: requests pile up
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1), format="json")
        assert response.status_code == 201
    assert set(PendingRefresh.objects.values_list("distributor_id", "start", "end")) == {(cards.a1.pk, TODAY, TODAY)}

    assert rollups.drain() == 1  # five requests, one refresh
    assert not PendingRefresh.objects.exists()
    assert DistributorDay.objects.get(distributor=cards.a1, day=TODAY).visits == 5
    assert DistributorMonth.objects.get(distributor=cards.a1, month=TODAY.replace(day=1)).visits == 5
    # A day the changes did not touch was left as it was, not deleted and written again.
    assert DistributorDay.objects.get(distributor=cards.a1, day=older.day).pk == older.pk
    dashboard = api_for(org.kam_a1).get(f"/api/dashboard/?level=team&id={org.team_a1.pk}&date={TODAY}").json()
    assert dashboard["figures"]["visits"] == 5


def test_a_visit_moved_to_another_day_refreshes_both_days(org, cards, django_capture_on_commit_callbacks):
    visit = VisitFactory(distributor=cards.a1, visit_date=TODAY - timedelta(days=35))
    rollups.rebuild()
    with django_capture_on_commit_callbacks(execute=True):
        visit.visit_date = TODAY
        visit.save()
    assert DistributorDay.objects.get(distributor=cards.a1, day=TODAY).visits == 1
    assert not DistributorDay.objects.filter(distributor=cards.a1, day=TODAY - timedelta(days=35)).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's")
def test_a_full_rebuild_leaves_the_planner_statistics_of_what_it_rewrote(cards):
    VisitFactory(distributor=cards.a1)
    rollups.rebuild()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)",
            [[model._meta.db_table for model in rollups.ROLLUP_TABLES]],
        )
        tuples = dict(cursor.fetchall())
    # reltuples is -1 until a table is analyzed; after ANALYZE it is the row count.
    assert tuples["reports_distributorday"] == 1 and tuples["reports_rollupstate"] == 5
    assert tuples["reports_ownermonth"] == OwnerMonth.objects.count() == 1
    with connection.cursor() as cursor:  # its columns' statistics too: analyzed after it was written, not before
        cursor.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'reports_ownermonth'")
        assert cursor.fetchone()[0] > 0
    assert min(tuples.values()) >= 0


def _schema_of_rolluprollup_tables() -> list:
    """Every index and constraint of the rollup tables, as PostgreSQL would write them again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.relname, pg_get_indexdef(x.indexrelid), "
            "(SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.conindid = x.indexrelid "
            " AND k.conrelid = x.indrelid) "
            "FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE c.relname = ANY(%s) "
            "UNION ALL SELECT c.relname, k.conname, pg_get_constraintdef(k.oid), k.contype::text "
            "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relname = ANY(%s) ORDER BY 1, 2, 3",
            [[model._meta.db_table for model in rollups.ROLLUP_TABLES]] * 2,
        )
        return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk load drops PostgreSQL's indexes")
def test_a_full_rebuild_builds_every_index_and_constraint_again_as_it_was(org, cards):
    """A full rebuild drops the tables' indexes for the bulk insert and builds them after it: the same names and
    definitions, the unique constraints enforced again, and the same rows as before."""
    VisitFactory(distributor=cards.a1, visit_date=TODAY - timedelta(days=40))
    _sell(cards.b1, "120.00", day=TODAY)
    rollups.rebuild()
    schema, rows = _schema_of_rolluprollup_tables(), rollup_tables()
    assert any(name == "rollup_day_unique" for _table, name, *_rest in schema)

    rollups.rebuild()
    assert _schema_of_rolluprollup_tables() == schema
    assert rollup_tables() == rows
    day = DistributorDay.objects.get(distributor=cards.a1)
    with pytest.raises(IntegrityError), transaction.atomic():  # the unique constraint holds again
        DistributorDay.objects.create(distributor_id=day.distributor_id, day=day.day)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk load drops PostgreSQL's indexes")
def test_a_full_rebuild_that_fails_half_way_leaves_the_indexes_and_the_rows(org, cards, monkeypatch):
    VisitFactory(distributor=cards.a1, visit_date=TODAY - timedelta(days=3))
    rollups.rebuild()
    schema, rows = _schema_of_rolluprollup_tables(), rollup_tables()

    def broken(*args, **kwargs):
        raise RuntimeError("the server went away")

    monkeypatch.setattr(rollups, "_rebuild_months", broken)  # after the day rows and their indexes went
    with pytest.raises(RuntimeError):
        rollups.rebuild()
    assert _schema_of_rolluprollup_tables() == schema
    assert rollup_tables() == rows


def test_the_reps_month_sums_leave_out_a_deleted_card(org, cards):
    """A card is deleted with its month rows (a card without visits, orders, money or plans: anything else
    protects it); its rep's month sums no longer count them."""
    card = f.DistributorFactory(code="GONE-1", owner=org.rep_a1)
    month = TODAY.replace(day=1)
    DistributorMonth.objects.create(distributor=card, month=month, sales_amount=Decimal("70.00"), orders=1)
    rollups.rebuild_owner_months(None, [org.rep_a1.pk])
    assert OwnerMonth.objects.get(owner=org.rep_a1, month=month).sales_amount == Decimal("70.00")
    card.delete()
    assert owner_months_kept() == owner_months_by_hand()
    assert not OwnerMonth.objects.filter(owner=org.rep_a1, month=month, sales_amount__gt=0).exists()


@pytest.mark.django_db(transaction=True)
def test_a_card_moved_while_its_refresh_is_in_flight_is_summed_under_its_new_rep(org, cards):
    """A refresh has written an account's month rows and read its owner, not yet summed the owner's months, when a
    manager moves the card to another rep. Whichever commits first, both reps' month sums end up those of the
    accounts they own, with the refresh's rows (the move waits for the account's lock)."""
    import threading

    from tests.receivables.threads import in_thread

    account = cards.a1
    VisitFactory(distributor=account, visit_date=TODAY)  # a row the refresh below writes
    month = TODAY.replace(day=1)
    DistributorMonth.objects.all().delete()  # as if that refresh had not run yet
    rollups.rebuild_owner_months(None, None)
    read_owner, release, results = threading.Event(), threading.Event(), {}

    def refresh():
        with transaction.atomic():
            rollups._lock([account.pk])
            rollups._rebuild(TODAY, TODAY, [account.pk], rollups.FLOWS)
            owners = rollups.owners_of([account.pk])  # the rep before the move
            read_owner.set()
            release.wait(10)
            rollups.rebuild_owner_months(month, owners)
        return True

    def move():
        read_owner.wait(10)
        cards_services.reassign(distributor=account, owner=org.rep_b1, by=org.admin)
        return True

    threads = [in_thread(refresh, results, "refresh"), in_thread(move, results, "move")]
    read_owner.wait(10)
    threading.Event().wait(0.5)  # the move is waiting for the account (or, without its lock, has committed)
    release.set()
    for thread in threads:
        thread.join(20)
    assert results == {"refresh": True, "move": True}
    assert owner_months_kept() == owner_months_by_hand()
    assert OwnerMonth.objects.get(owner=org.rep_b1, month=month).visits >= 1
