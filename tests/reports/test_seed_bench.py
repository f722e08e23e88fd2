"""``manage.py seed_bench`` at a tiny size: the benchmark company keeps the invariants the services keep."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Max, Sum
from django.test import Client
from django.utils import timezone

from accounts.models import Region, Role, Team, User
from distributors.models import Distributor
from distributors.plans.models import MonthlyPlan, PlanStatus, QuarterlyPlan, RepSplit
from kamcrm.demo import reports_bench as bench_data
from receivables.models import Allocation, Invoice
from reports.models import Order, OrderLine, ScheduleEntry, Visit

pytestmark = pytest.mark.django_db
SIZE = {"reps": 20, "distributors": 40, "visits": 200, "orders": 100, "invoices": 100}
CENT = Decimal("0.01")


def seed(**size) -> str:
    out = StringIO()
    args = [f"--{name}={value}" for name, value in {**SIZE, **size}.items()]
    call_command("seed_bench", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark company is written in PostgreSQL")


def test_refuses_a_database_that_is_not_postgresql(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        seed()


def test_tiny_company_counts_and_invariants(postgresql):
    output = seed()
    assert "visits" in output and "rows:" in output
    assert Region.objects.filter(name__startswith="bench").count() == 1
    assert Team.objects.filter(name__startswith="bench").count() == 2
    bench = User.objects.filter(username__startswith="bench")
    assert bench.filter(role=Role.REP).count() == 20 and bench.filter(role=Role.KAM).count() == 2
    assert bench.filter(role=Role.REGIONAL_MANAGER).count() == 1 and bench.count() == 20 + 2 + 1 + 2
    assert User.objects.get(username="bench_admin").is_superuser
    for team in Team.objects.filter(name__startswith="bench"):
        assert team.kam.role == Role.KAM and team.kam.team_id == team.pk and team.members.count() == 11
    assert Distributor.objects.filter(code__startswith="bench").count() == 40
    assert set(Distributor.objects.values_list("owner__username", flat=True).distinct()) == {
        f"bench_rep_{i:04d}" for i in range(20)
    }
    assert Visit.objects.count() == 200 and Order.objects.count() == 100 and Invoice.objects.count() == 100
    assert 200 <= OrderLine.objects.count() <= 400  # 1–5 lines an order, 3 on average
    # Orders: amount = Σ line amounts, gross profit = Σ (amount − quantity × unit cost), as reports.visits.services
    # does.
    for order in Order.objects.prefetch_related("lines"):
        lines = list(order.lines.all())
        assert lines
        assert all(line.amount == (line.quantity * line.unit_price).quantize(CENT) for line in lines)
        assert order.amount == sum(line.amount for line in lines)
        assert order.gross_profit == sum(line.gross_profit for line in lines)
        if order.visit_id:
            visit = order.visit
            assert (visit.rep_id, visit.distributor_id, visit.visit_date) == (
                order.rep_id,
                order.distributor_id,
                order.order_date,
            )
    # Visits: the day is the local date of the start, nothing in the future, the rep is of the owner's team.
    now = timezone.now()
    for visit in Visit.objects.select_related("distributor__owner", "rep"):
        assert visit.visit_date == timezone.localdate(visit.started_at)
        assert visit.started_at <= now and (visit.ended_at is None or visit.started_at <= visit.ended_at <= now)
        assert visit.rep.team_id == visit.distributor.owner.team_id
    assert not Visit.objects.exclude(distributor__in=Distributor.objects.all()).exists()
    for distributor in Distributor.objects.annotate(last=Max("visits__visit_date")):
        assert distributor.last_visited_on == distributor.last
    # Schedules: a stop a day and account, inside its week.
    for entry in ScheduleEntry.objects.select_related("schedule"):
        assert entry.schedule.week_start.weekday() == 0
        assert 0 <= (entry.day - entry.schedule.week_start).days < 7
    # Plans: approved, three months adding up to the quarter, the owner's split equal to the month.
    plans = QuarterlyPlan.objects.all()
    assert plans.exists() and not plans.exclude(status=PlanStatus.APPROVED).exists()
    for plan in plans.annotate(month_count=Count("monthly_plans"), total=Sum("monthly_plans__sales_amount")):
        assert plan.month_count == 3 and plan.total == plan.sales_amount
    for split in RepSplit.objects.select_related("monthly_plan__plan__distributor"):
        month = split.monthly_plan
        assert split.rep_id == month.plan.distributor.owner_id and split.sales_amount == month.sales_amount
    assert MonthlyPlan.objects.count() == RepSplit.objects.count() == 3 * plans.count()
    # Receivables: the open amount is what the allocations left.
    for invoice in Invoice.objects.annotate(paid=Sum("allocations__amount")):
        assert invoice.open_amount == invoice.amount - (invoice.paid or 0)
    assert Allocation.objects.exists()


def test_every_bench_user_signs_in_with_the_bench_password(postgresql):
    seed()
    for username in ("bench_rep_0000", "bench_kam_000", "bench_rm_00", "bench_finance", "bench_admin"):
        assert User.objects.get(username=username).check_password(bench_data.PASSWORD)
        response = Client().post("/login/", {"username": username, "password": bench_data.PASSWORD})
        assert response.status_code == 302, username


def test_running_again_replaces_the_benchmark_rows(postgresql):
    seed()
    seed(visits=150, orders=60, invoices=80)
    assert User.objects.filter(username__startswith="bench").count() == 25
    assert Distributor.objects.count() == 40
    assert (Visit.objects.count(), Order.objects.count(), Invoice.objects.count()) == (150, 60, 80)
    assert not OrderLine.objects.exclude(order__in=Order.objects.all()).exists()
