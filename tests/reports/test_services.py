import contextlib
import threading
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from distributors.models import Distributor
from reports.cycle import services as cycle_services
from reports.models import DailyReport, Order, Visit
from reports.visits import services
from tests import factories as f
from tests.reports.helpers import earlier_today

SHANGHAI = ZoneInfo("Asia/Shanghai")


def a_visit(rep, distributor, **fields):
    start, end = earlier_today()
    fields.setdefault("started_at", start)
    fields.setdefault("ended_at", end)
    return Visit(rep=rep, distributor=distributor, **fields)


def test_visit_with_an_order_computes_totals_and_gross_profit_to_the_cent(org, cards):
    cola = f.ProductFactory(unit_price=Decimal("48.00"), unit_cost=Decimal("31.37"))
    chips = f.ProductFactory(unit_price=Decimal("12.50"), unit_cost=Decimal("7.05"))
    visit = services.save_visit(
        visit=a_visit(org.rep_a1, cards.a1),
        by=org.rep_a1,
        extras=services.VisitExtras(
            orders=[
                services.OrderInput(
                    lines=[
                        services.LineInput(product=cola, quantity=Decimal("3")),
                        services.LineInput(product=chips, quantity=Decimal("7.5"), unit_price=Decimal("11.99")),
                    ]
                )
            ]
        ),
    )
    order = visit.orders.get()
    # 3 × 48.00 = 144.00; 7.5 × 11.99 = 89.925 → 89.93 (half up)
    assert order.amount == Decimal("233.93")
    # 144.00 − 3 × 31.37 (94.11) = 49.89; 89.93 − 7.5 × 7.05 (52.875 → 52.88) = 37.05
    assert order.gross_profit == Decimal("86.94")
    assert (order.source, order.status, order.order_date) == ("visit", "taken", visit.visit_date)
    assert Distributor.objects.get(pk=cards.a1.pk).last_visited_on == visit.visit_date


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"started_at": "future"}, "started_at"),
        ({"ended_at": "before_start"}, "ended_at"),
        ({"distributor": "other_team"}, "distributor"),
        ({"collected_amount": Decimal("100")}, "collection_method"),
        ({"collected_amount": Decimal("-1"), "collection_method": "cash"}, "collected_amount"),
    ],
)
def test_bad_visits_are_refused_and_nothing_is_saved(org, cards, change, field):
    visit = a_visit(org.rep_a1, cards.a1)
    for name, value in change.items():
        if value == "future":
            value = timezone.now() + timedelta(hours=2)
        elif value == "before_start":
            value = visit.started_at - timedelta(minutes=1)
        elif value == "other_team":
            value = cards.b1
        setattr(visit, name, value)
    with pytest.raises(ValidationError) as exc:
        services.save_visit(visit=visit, by=org.rep_a1)
    assert field in exc.value.message_dict
    assert not Visit.objects.exists()


def test_bad_order_lines_save_nothing(org, cards):
    product, retired = f.ProductFactory(), f.ProductFactory(is_active=False)
    for line in (
        services.LineInput(product=product, quantity=Decimal("-1")),
        services.LineInput(product=product, quantity=Decimal("1"), unit_price=Decimal("-5")),
        services.LineInput(product=retired, quantity=Decimal("1")),
    ):
        with pytest.raises(ValidationError) as exc:
            services.save_visit(
                visit=a_visit(org.rep_a1, cards.a1),
                by=org.rep_a1,
                extras=services.VisitExtras(orders=[services.OrderInput(lines=[line])]),
            )
        assert "lines" in exc.value.message_dict
    assert not Visit.objects.exists() and not Order.objects.exists()


def test_a_retried_submit_saves_the_visit_once(org, cards):
    ref = "0b1f6c1e-0a4c-4a8e-9f0e-1234567890ab"
    first = services.save_visit(visit=a_visit(org.rep_a1, cards.a1, client_ref=ref), by=org.rep_a1)
    again = services.save_visit(visit=a_visit(org.rep_a1, cards.a1, client_ref=ref), by=org.rep_a1)
    assert again.pk == first.pk and Visit.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel PostgreSQL connections")
@pytest.mark.parametrize("in_a_callers_transaction", [False, True])
def test_a_retry_saved_in_parallel_after_the_checks_gives_the_first_visit(
    org, cards, monkeypatch, in_a_callers_transaction
):
    """The phone's first send commits between its retry's checks and the retry's INSERT: the retry answers with the
    first visit, no error, one visit saved (with or without a transaction of the caller around the save)."""
    ref = uuid.uuid4()
    checks, first = services._new_visit_checks, {}

    def send_first():
        try:
            first["visit"] = services.save_visit(visit=a_visit(org.rep_a1, cards.a1, client_ref=ref), by=org.rep_a1)
        finally:
            connection.close()

    def racing_checks(visit, by):
        found = checks(visit, by)
        if not first:  # the retry's checks saw no first visit; it commits now, from another connection
            first["started"] = True
            thread = threading.Thread(target=send_first)
            thread.start()
            thread.join(30)
        return found

    monkeypatch.setattr(services, "_new_visit_checks", racing_checks)
    with transaction.atomic() if in_a_callers_transaction else contextlib.nullcontext():
        again = services.save_visit(visit=a_visit(org.rep_a1, cards.a1, client_ref=ref, outcome="retry"), by=org.rep_a1)
    assert again.pk == first["visit"].pk and again.credit_warning == ""
    assert list(Visit.objects.values_list("client_ref", "outcome")) == [(ref, "")]


def test_a_rep_moved_to_another_team_logs_visits_at_the_new_teams_accounts_only(org, cards):
    """The scope's compiled SQL is kept per scope: a rep who changes team gets the new team's, at once."""
    services.save_visit(visit=a_visit(org.rep_a1, cards.a1b), by=org.rep_a1)  # a teammate's account
    with pytest.raises(ValidationError) as exc:
        services.save_visit(visit=a_visit(org.rep_a1, cards.b1), by=org.rep_a1)
    assert "distributor" in exc.value.message_dict
    org.rep_a1.team = org.rep_b1.team
    org.rep_a1.save()
    services.save_visit(visit=a_visit(org.rep_a1, cards.b1), by=org.rep_a1)
    with pytest.raises(ValidationError) as exc:
        services.save_visit(visit=a_visit(org.rep_a1, cards.a1b), by=org.rep_a1)
    assert "distributor" in exc.value.message_dict


def test_visit_far_from_the_account_is_flagged(org, cards):
    Distributor.objects.filter(pk=cards.a1.pk).update(latitude=Decimal("31.230400"), longitude=Decimal("121.473700"))
    cards.a1.refresh_from_db()
    near = services.save_visit(
        visit=a_visit(org.rep_a1, cards.a1, latitude=Decimal("31.230500"), longitude=Decimal("121.473800")),
        by=org.rep_a1,
    )
    far = services.save_visit(
        visit=a_visit(org.rep_a1, cards.a1, latitude=Decimal("31.300000"), longitude=Decimal("121.473700")),
        by=org.rep_a1,
    )
    assert near.is_far_from_account is False and near.distance_from_account_m < 50
    assert far.is_far_from_account is True and 7000 < far.distance_from_account_m < 8500


def test_rep_may_not_log_for_someone_else_but_the_kam_may(org, cards):
    with pytest.raises(ValidationError) as exc:
        services.save_visit(visit=a_visit(org.rep_a1b, cards.a1b), by=org.rep_a1)
    assert "rep" in exc.value.message_dict
    assert services.save_visit(visit=a_visit(org.rep_a1b, cards.a1b), by=org.kam_a1).rep == org.rep_a1b
    with pytest.raises(ValidationError):
        services.save_visit(visit=a_visit(org.rep_a2, cards.a2), by=org.kam_a1)


def test_visit_date_is_the_local_date_in_shanghai(org, cards):
    # 2026-03-31 17:30 UTC is already 1 April 01:30 in Shanghai.
    started = datetime(2026, 3, 31, 17, 30, tzinfo=ZoneInfo("UTC"))
    visit = services.save_visit(
        visit=a_visit(org.rep_a1, cards.a1, started_at=started, ended_at=started), by=org.rep_a1
    )
    assert str(visit.visit_date) == "2026-04-01"


def test_submitted_day_is_locked_until_the_kam_reopens_it(org, cards):
    today = timezone.localdate()
    report = cycle_services.submit_daily_report(
        report=DailyReport(rep=org.rep_a1, date=today, happenings="Busy"), by=org.rep_a1
    )
    assert report.is_locked and report.submitted_at
    with pytest.raises(ValidationError, match="already submitted"):
        cycle_services.submit_daily_report(report=DailyReport(rep=org.rep_a1, date=today), by=org.rep_a1)
    # A new visit for the locked day is kept as a late entry for the KAM (issue 13); changing it is refused.
    late = services.save_visit(visit=a_visit(org.rep_a1, cards.a1), by=org.rep_a1)
    assert late.late_entry == "pending"
    late.outcome = "changed"
    with pytest.raises(ValidationError, match="locked"):
        services.save_visit(visit=late, by=org.rep_a1)
    with pytest.raises(ValidationError, match="locked"):
        cycle_services.save_daily_notes(report=DailyReport(rep=org.rep_a1, date=today, problems="x"), by=org.rep_a1)
    with pytest.raises(PermissionDenied):
        cycle_services.reopen_daily_report(report=report, by=org.rep_a1)
    with pytest.raises(PermissionDenied):
        cycle_services.reopen_daily_report(report=report, by=org.kam_a2)  # not their team
    cycle_services.reopen_daily_report(report=report, by=org.kam_a1, reason="Add the afternoon visit")
    services.save_visit(visit=a_visit(org.rep_a1, cards.a1), by=org.rep_a1)
    again = cycle_services.submit_daily_report(report=DailyReport(rep=org.rep_a1, date=today), by=org.rep_a1)
    assert again.is_locked and again.happenings == "Busy"


def test_order_status_moves_forward_only(org, cards):
    product = f.ProductFactory()
    order = services.save_order(
        order=Order(distributor=cards.a1, rep=org.rep_a1, order_date=timezone.localdate()),
        lines=[services.LineInput(product=product, quantity=Decimal("2"))],
        by=org.kam_a1,
    )
    services.set_order_status(order=order, status="confirmed", by=org.kam_a1)
    services.set_order_status(order=order, status="shipped", by=org.kam_a1)
    with pytest.raises(ValidationError):
        services.set_order_status(order=order, status="cancelled", by=org.kam_a1)
    with pytest.raises(ValidationError):
        services.save_order(
            order=Order.objects.get(pk=order.pk),
            lines=[services.LineInput(product=product, quantity=Decimal("1"))],
            by=org.kam_a1,
        )


def test_future_order_date_is_refused(org, cards):
    with pytest.raises(ValidationError) as exc:
        services.save_order(
            order=Order(distributor=cards.a1, rep=org.rep_a1, order_date=timezone.localdate() + timedelta(days=1)),
            lines=[services.LineInput(product=f.ProductFactory(), quantity=Decimal("1"))],
            by=org.rep_a1,
        )
    assert "order_date" in exc.value.message_dict
