"""The demo visits, orders and daily reports of ``manage.py seed_demo``: believable, consistent, safe to run again."""

from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Max
from django.utils import timezone

from accounts.models import Role, User
from distributors.cards.models import Status
from distributors.models import Distributor
from kamcrm.audit.models import AuditEvent
from kamcrm.demo import reports_visits as demo
from kamcrm.demo.distributors_cards import CITY_CENTRES
from reports.models import (
    Comment,
    DailyReport,
    MarketCheck,
    Order,
    OrderLine,
    OrderStatus,
    ServiceStrategy,
    Visit,
    VisitStock,
)
from reports.visits import geo, selectors

CENT = Decimal("0.01")


@pytest.fixture
def seeded(demo_company, db):
    """The demo company (seeded once for this module; each test's changes are rolled back)."""


def counts() -> dict:
    return {
        "visits": Visit.objects.count(),
        "contacts met": Visit.contacts_met.through.objects.count(),
        "brands discussed": Visit.brands_discussed.through.objects.count(),
        "strategies applied": Visit.strategies.through.objects.count(),
        "stock seen": VisitStock.objects.count(),
        "orders": Order.objects.count(),
        "order lines": OrderLine.objects.count(),
        "daily reports": DailyReport.objects.count(),
        "submitted": DailyReport.objects.filter(state=DailyReport.State.SUBMITTED).count(),
        "reviewed": DailyReport.objects.exclude(reviewed_by=None).count(),
        "comments": Comment.objects.count(),
        "strategies": ServiceStrategy.objects.count(),
        "last visits": sorted(Distributor.objects.values_list("code", "last_visited_on")),
        "audit events": AuditEvent.objects.count(),
        "market checks": MarketCheck.objects.count(),
    }


def test_every_demo_rep_has_three_months_of_working_days(seeded):
    today = timezone.localdate()
    reps = User.objects.filter(role=Role.REP)
    assert reps.count() == 12
    for rep in reps:
        visits = Visit.objects.filter(rep=rep)
        days = set(visits.values_list("visit_date", flat=True))
        assert visits.count() >= 60, rep
        assert len(days) >= 50, rep  # about 75 working days, some with no visit logged
        assert min(days) >= today - timedelta(days=demo.HISTORY_DAYS) and max(days) < today
        assert not [day for day in days if day.weekday() == 6], "no visits on Sundays"
        assert not visits.exclude(distributor__owner=rep).exists(), "reps visit their own accounts"
        assert not visits.filter(distributor__status=Status.TERMINATED).exists()
        per_day = visits.values("visit_date").annotate(n=Count("pk")).aggregate(most=Max("n"))["most"]
        assert per_day <= 6
        submitted = set(
            DailyReport.objects.filter(rep=rep, state=DailyReport.State.SUBMITTED).values_list("date", flat=True)
        )
        assert len(submitted) >= 55 and len(days - submitted) <= 1, rep  # only the late reps' last day is open
    # visits are written in Chinese, with what came of them
    visits = Visit.objects.all()
    assert all(v.outcome and v.purpose_note and v.ended_at > v.started_at for v in visits)
    assert visits.filter(kind="phone").exists() and visits.filter(kind="online").exists()
    assert len(set(visits.values_list("purpose", flat=True))) == 7
    assert visits.exclude(follow_up_action="").filter(follow_up_due__isnull=False).exists()
    collected = visits.filter(collected_amount__gt=0)
    assert collected.exists() and not collected.filter(collection_method="").exists()
    assert ServiceStrategy.objects.count() == 10  # the KZB table; the demo's visits apply eight of them
    assert len(selectors.strategy_counts(visits=visits)) == 8
    report = DailyReport.objects.filter(state=DailyReport.State.SUBMITTED).first()
    assert report.happenings and report.market_info and report.competitor_activity and report.submitted_at


def test_order_totals_match_their_lines_to_the_cent(seeded):
    orders = Order.objects.prefetch_related("lines")
    assert orders.count() > 500
    for order in orders:
        lines = list(order.lines.all())
        assert 1 <= len(lines) <= 4, order
        for line in lines:
            assert line.amount == (line.quantity * line.unit_price).quantize(CENT, ROUND_HALF_UP)
        assert order.amount == sum(line.amount for line in lines)
        assert order.gross_profit == sum(
            line.amount - (line.quantity * line.unit_cost).quantize(CENT, ROUND_HALF_UP) for line in lines
        )
    # orders come from visits, from the KAM and from the ERP
    assert {o.source for o in orders} == {Order.Source.VISIT, Order.Source.MANUAL, Order.Source.IMPORT}
    assert not orders.filter(source=Order.Source.VISIT, visit=None).exists()
    assert all(o.rep_id == o.visit.rep_id and o.order_date == o.visit.visit_date for o in orders.exclude(visit=None))
    imported = orders.filter(source=Order.Source.IMPORT)
    assert all(o.erp_number.startswith("ERP-20") and len(o.erp_number) == 15 for o in imported)
    assert all(o.created_by.role == Role.KAM for o in imported)
    assert AuditEvent.objects.filter(action="order_imported").count() == imported.count()
    manual = orders.filter(source=Order.Source.MANUAL)
    assert manual.exists() and all(o.created_by.role == Role.KAM for o in manual)
    # older orders have shipped, recent ones are confirmed or taken, a few were cancelled
    assert set(orders.values_list("status", flat=True)) == set(OrderStatus.values)
    old = orders.filter(order_date__lt=timezone.localdate() - timedelta(days=21))
    assert set(old.values_list("status", flat=True)) <= {OrderStatus.SHIPPED, OrderStatus.CANCELLED}
    assert orders.filter(status=OrderStatus.CANCELLED).count() < orders.count() / 10
    # every line is a product of our own brands, at most 5 % off the list price
    assert all(line.product.brand.is_own for line in OrderLine.objects.select_related("product__brand"))
    assert all(
        line.product.unit_price * Decimal("0.95") - CENT <= line.unit_price <= line.product.unit_price
        for line in OrderLine.objects.filter(order__source=Order.Source.VISIT).select_related("product")
    )


def test_last_visits_overdue_accounts_and_missing_reports_read_right(seeded):
    for card in Distributor.objects.all():
        latest = Visit.objects.filter(distributor=card).aggregate(latest=Max("visit_date"))["latest"]
        assert card.last_visited_on == latest, card
    today = timezone.localdate()
    kams = User.objects.filter(role=Role.KAM)
    overdue = [row for kam in kams for row in selectors.overdue_visits(for_user=kam, as_of=today)]
    live = Distributor.objects.exclude(status=Status.TERMINATED).count()
    assert 0 < len(overdue) < live / 2, "some accounts but not all are overdue for a visit"
    assert not [row for row in overdue if row.distributor.tier == "A"], "key accounts are seen every week"
    last_day = demo.last_working_day(today)
    late = User.objects.filter(username__in=demo.LATE_REPS)
    assert not DailyReport.objects.filter(rep__in=late, date=last_day, state=DailyReport.State.SUBMITTED).exists()
    assert DailyReport.objects.filter(rep__username=demo.LATE_REPS[0], date=last_day, state="draft").exists()
    missing = {user.username for kam in kams for user in selectors.missing_daily_reports(for_user=kam, on=last_day)}
    assert set(demo.LATE_REPS) <= missing and len(missing) < 6
    # a few days were reviewed by the KAM, most of them with a comment
    reviewed = DailyReport.objects.exclude(reviewed_by=None).select_related("rep__team")
    assert reviewed.count() >= 20 and all(r.reviewed_by_id == r.rep.team.kam_id for r in reviewed)
    assert Comment.objects.count() >= 10


def test_the_last_days_went_through_the_services_and_the_erp_import(seeded):
    recent = Visit.objects.filter(visit_date__gte=timezone.localdate() - timedelta(days=demo.SERVICE_DAYS))
    assert recent.exists()
    logged = AuditEvent.objects.filter(action="visit_logged")
    assert logged.count() == Visit.objects.count()  # older history has its audit events too
    assert AuditEvent.objects.filter(action="order_status_changed").exists()
    assert AuditEvent.objects.filter(action="daily_report_submitted").count() == (
        DailyReport.objects.filter(state=DailyReport.State.SUBMITTED).count()
    )


def test_running_seed_demo_again_changes_nothing(seeded):
    first = counts()
    assert first["visits"] and first["orders"] and first["daily reports"]
    call_command("seed_demo", quiet=True)
    assert counts() == first


def test_a_run_on_the_next_day_only_adds_what_is_missing(db, monkeypatch):
    """Seeded yesterday, seeded again today: what was there stays as it was; the new day is added."""
    real_localdate = timezone.localdate
    today = real_localdate()

    def yesterday(value=None, timezone=None):
        return real_localdate(value, timezone) if value is not None else today - timedelta(days=1)

    monkeypatch.setattr("django.utils.timezone.localdate", yesterday)
    call_command("seed_demo", quiet=True)
    first_late_day = demo.last_working_day(today - timedelta(days=1))
    monkeypatch.undo()
    visits = set(Visit.objects.values_list("pk", "rep_id", "distributor_id", "visit_date", "collected_amount"))
    orders = set(Order.objects.values_list("pk", "status", "amount", "gross_profit"))
    submitted = set(DailyReport.objects.filter(state="submitted").values_list("pk", "rep_id", "date", "submitted_at"))

    call_command("seed_demo", quiet=True)
    visits_now = set(Visit.objects.values_list("pk", "rep_id", "distributor_id", "visit_date", "collected_amount"))
    assert visits <= visits_now
    assert {visit[3] for visit in visits_now - visits} <= {today - timedelta(days=1)}
    keys = Visit.objects.values("rep", "distributor", "visit_date").annotate(n=Count("pk"))
    assert not keys.filter(n__gt=1).exists()
    assert orders <= set(Order.objects.values_list("pk", "status", "amount", "gross_profit"))
    assert submitted <= set(
        DailyReport.objects.filter(state="submitted").values_list("pk", "rep_id", "date", "submitted_at")
    )
    if first_late_day != demo.last_working_day(today):  # the late reps have caught up with that day
        late = DailyReport.objects.filter(rep__username__in=demo.LATE_REPS, date=first_late_day)
        assert {report.state for report in late} <= {DailyReport.State.SUBMITTED}


def test_weekly_schedules_plan_most_of_the_visits_made(seeded):
    from reports.models import ScheduleEntry, WeeklySchedule

    assert WeeklySchedule.objects.filter(rep__username="rep_sh_1").count() >= 12
    entries = ScheduleEntry.objects.all()
    visited = {(v.visit_date, v.distributor_id, v.rep_id) for v in Visit.objects.filter(rep__role=Role.REP)}
    planned = {(e.day, e.distributor_id, e.schedule.rep_id) for e in entries.select_related("schedule")}
    kept = len(planned & visited)
    assert 0.8 * len(planned) < kept < len(planned), "most planned stops were visited, a few slipped"


def test_demo_plans_follow_the_accounts_sales_so_no_rate_reads_above_200_percent(seeded, client):
    """A newcomer's first look: last month's completion rates of every team and rep are believable.

    The demo sets each plan from the account's recent sales (read from the rollups), so a plan seeded before the
    rollups exist would fall back to tier defaults and the rates would read 10 % or 1,000 %.
    """
    admin = User.objects.get(username="admin")
    client.force_login(admin)
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    company = client.get(f"/api/dashboard/?level=company&period=month&date={last_month}").json()
    rates = []
    for region in company["children"]:
        teams = client.get(
            f"/api/dashboard/?level=region&id={region['id']}&period=month&date={last_month}&children=team"
        ).json()["children"]
        for team in teams:
            board = client.get(f"/api/dashboard/?level=team&id={team['id']}&period=month&date={last_month}").json()
            for who in [board, *board["children"]]:
                for name in ("sales_rate", "gross_profit_rate", "market_rate"):
                    value = who["figures"][name]
                    if value is not None:
                        rates.append((who.get("label", team["label"]), name, Decimal(value)))
    assert len(rates) > 20
    assert all(Decimal("0") <= rate <= Decimal("2") for _, _, rate in rates), [r for r in rates if r[2] > 2]
    team_sales = [rate for label, name, rate in rates if name == "sales_rate"]
    assert all(Decimal("0.3") <= rate for rate in team_sales), f"plans far above the accounts' sales: {team_sales}"


def test_demo_accounts_sit_in_their_cities_and_some_check_ins_are_flagged(seeded):
    accounts = list(Distributor.objects.all())
    assert accounts and all(d.latitude is not None and d.longitude is not None for d in accounts)
    for d in accounts:
        lat, lon = CITY_CENTRES[d.city]
        assert geo.distance_m(d.latitude, d.longitude, Decimal(str(lat)), Decimal(str(lon))) < 10_000
    in_person = Visit.objects.filter(kind="in_person")
    flags = Counter(v.check_in for v in in_person.only("kind", "latitude", "longitude", "distance_from_account_m"))
    assert flags["ok"] > flags["far"] > 0 and flags["no_location"] > 0 and flags["unknown"] == 0


def test_demo_scorecards_show_last_months_ratings_ranked_with_training_needs(seeded, client):
    """The KAM's month-end review reads from the demo: every rep of the team rated last month, ranked, with
    earlier months to compare and some training needs noted."""
    kam = User.objects.get(username="kam_sh")
    client.force_login(kam)
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    team = client.get(f"/api/scorecards/?period=month&date={last_month}").json()
    assert len(team["results"]) >= 2
    assert all(row["rating"] is not None for row in team["results"] if row["rep"] != kam.pk)
    assert any(row["training_needs"] for row in team["results"])
    rep = team["results"][0]["rep"]
    card = client.get(f"/api/scorecards/{rep}/?period=month&date={last_month}").json()
    assert [p["rating"] is not None for p in card["history"]][:3] == [True, True, True]


def test_demo_contests_show_a_live_leaderboard_and_last_months_winners(seeded, client):
    from reports.models import Contest

    rep = User.objects.get(username="rep_sh_1")
    client.force_login(rep)
    home = client.get("/").content.decode()
    assert home.count('class="col-12 col-md-6 col-xl-4 contest-board"') >= 2  # the team's and the region's
    frozen = Contest.objects.filter(team=rep.team, frozen_at__isnull=False).get()
    board = client.get(f"/api/contests/{frozen.pk}/").json()
    assert board["status"] == "frozen" and board["leaderboard"][0]["position"] == 1


def test_demo_progress_table_has_stages_next_steps_and_conversion(seeded, client):
    client.force_login(User.objects.get(username="admin"))
    rows = client.get("/api/progress/?page_size=500").json()["results"]
    assert len({row["stage"] for row in rows if row["stage"]}) >= 3
    assert all(row["next_step"] for row in rows if row["stage"])
    total = client.get("/api/progress/conversion/?period=month").json()["results"][-1]
    assert total["signed"] >= 1 and total["rate"] is not None


def test_demo_card_shows_pickups_against_policy_shipments_and_stock(seeded, client):
    from distributors.models import PickupPolicy

    policy = PickupPolicy.objects.select_related("distributor__owner").order_by("distributor__code").first()
    assert policy is not None and policy.tiers.count() == 3
    client.force_login(policy.distributor.owner)
    card = client.get(f"/api/distributors/{policy.distributor_id}/pickups/").json()
    assert all(m["minimum"] == f"{policy.min_monthly_pickup:.2f}" for m in card["pickups"][-3:])
    assert any(Decimal(m["pickup"]) > 0 for m in card["pickups"])
    shipped = client.get("/api/shipments/").json()
    assert shipped["count"] > 0


def test_demo_market_report_has_price_ranges_stock_trends_and_competitors_in_each_region(seeded, client):
    from reports.market.selectors import month_shift

    last_month = month_shift(timezone.localdate().replace(day=1), -1)
    for manager in User.objects.filter(role=Role.REGIONAL_MANAGER, is_active=True):
        client.force_login(manager)
        body = client.get(f"/api/market-report/?month={last_month:%Y-%m}").json()
        assert body["visits_checked"][-1] >= 10
        ours = [p for p in body["prices"] if p["ours"]]
        theirs = [p for p in body["prices"] if not p["ours"]]
        assert len(ours) >= 5 and len(theirs) >= 3
        assert all(Decimal(p["min"]) <= Decimal(p["median"]) <= Decimal(p["max"]) for p in body["prices"])
        assert sum(1 for s in body["stock"] if sum(v is not None for v in s["stock"]) >= 2) >= 5
        assert len(body["presence"]) >= 2 and all(0 < Decimal(p["share"][-1]) < 1 for p in body["presence"])
        page = client.get(f"/reports/market/?month={last_month:%Y-%m}")
        assert page.status_code == 200 and 'data-chart="prices"' in page.content.decode()


def test_demo_needs_and_training_make_their_screens_meaningful(seeded, api_for, client_for):
    from reports.models import AccountIndicator, AccountNeed, TrainingSession

    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    assert AccountIndicator.objects.filter(month=last_month).count() >= 20
    needs = AccountNeed.objects.all()
    assert needs.filter(source="indicator").exists() and needs.filter(source="observation", status="open").exists()
    assert needs.filter(status="closed", outcome="met").exists()
    kam = User.objects.get(username="kam_sh")
    month = last_month.isoformat()
    end = (timezone.localdate().replace(day=1) - timedelta(days=1)).isoformat()
    outcomes = api_for(kam).get(
        "/api/strategy-outcomes/", {"start": (last_month - timedelta(days=62)).isoformat(), "end": end}
    )
    assert sum(r["needs_addressed"] for r in outcomes.json()["results"]) > 0, month
    sessions = TrainingSession.objects.filter(team__kam=kam)
    assert {s.audience for s in sessions} == {"reps", "distributor"}
    assert sessions.get(audience="reps").scorecards.exists()
    detail = api_for(kam).get(f"/api/training-sessions/{sessions.get(audience='reps').pk}/").json()
    assert detail["effect"]["attendees"] and any(r["sales_change"] != "0.00" for r in detail["effect"]["attendees"])
    rep = sessions.get(audience="reps").attendee_reps.first()
    open_need = (
        AccountNeed.objects.filter(status="open", distributor__owner=rep).first() or needs.filter(status="open").first()
    )
    page = client_for(open_need.distributor.owner).get(f"/reports/visits/new/?distributor={open_need.distributor_id}")
    assert "strategy-suggestion" in page.content.decode()
