"""Issue 13, My day: the rep's home page merges scheduled stops, overdue visits, visit-to-collect tasks and due
action items into one list in route order, each with its reason and a one-tap "Log visit"; a KAM sees any rep's."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from distributors.models import Distributor
from receivables.models import CollectionTask
from reports.cycle.day_plan import PlanItem, PlanReason, Reason, merge, route_order
from reports.cycle.selectors import week_start_of
from reports.models import ScheduleEntry, WeeklySchedule
from reports.visits import geo
from tests import factories as f
from tests.plans.factories import AccountPlanFactory, ActionItemFactory

# --- the pure rule -------------------------------------------------------------------------------


def _item(n, *, seq=None, late=0, coords=None, collect=None) -> PlanItem:
    d = Distributor(pk=n, code=f"C{n:03d}", latitude=coords and coords[0], longitude=coords and coords[1])
    reasons = [PlanReason(Reason.SCHEDULED, sequence=seq)] if seq is not None else []
    reasons.append(PlanReason(Reason.COLLECT if collect else Reason.OVERDUE, days_late=late, amount=collect))
    return PlanItem(d, reasons)


items = st.lists(
    st.builds(
        lambda seq, late, coords: (seq, late, coords),
        st.one_of(st.none(), st.integers(1, 9)),
        st.integers(0, 60),
        st.one_of(
            st.none(),
            st.tuples(st.decimals(30, 32, places=4).map(Decimal), st.decimals(120, 122, places=4).map(Decimal)),
        ),
    ),
    max_size=8,
)


@given(items)
def test_route_order_follows_the_documented_rule(specs):
    plan = [_item(n, seq=seq, late=late, coords=coords) for n, (seq, late, coords) in enumerate(specs, start=1)]
    route = route_order(plan)

    assert sorted(i.distributor.pk for i in route) == sorted(i.distributor.pk for i in plan)  # all, once
    scheduled = [i for i in route if i.sequence is not None]
    assert route[: len(scheduled)] == scheduled  # the weekly schedule first ...
    assert [i.sequence for i in scheduled] == sorted(i.sequence for i in scheduled)  # ... in its order
    rest = route[len(scheduled) :]
    placed = [i for i in rest if i.coordinates]
    assert rest[: len(placed)] == placed  # stops with coordinates before those without
    unplaced = rest[len(placed) :]
    assert [-i.days_late for i in unplaced] == sorted(-i.days_late for i in unplaced)  # then by urgency
    for index, item in enumerate(rest):
        previous = route[len(scheduled) + index - 1] if len(scheduled) + index else None
        if item.coordinates and previous is not None and previous.coordinates:
            here = previous.coordinates
            nearest = min(geo.distance_m(*here, *i.coordinates) for i in rest[index:] if i.coordinates)
            assert geo.distance_m(*here, *item.coordinates) == nearest  # the nearest to the previous stop


def test_route_order_without_coordinates_goes_by_urgency_and_money():
    plan = [_item(1, late=3), _item(2, late=10), _item(3, late=3, collect=Decimal("500")), _item(4, seq=2)]
    assert [i.distributor.pk for i in route_order(plan)] == [4, 2, 3, 1]


def test_merge_gives_one_item_per_account_with_every_reason():
    a, b = Distributor(pk=1, code="A"), Distributor(pk=2, code="B")
    merged = merge(
        [
            (a, PlanReason(Reason.SCHEDULED, sequence=1)),
            (b, PlanReason(Reason.OVERDUE, days_late=4)),
            (a, PlanReason(Reason.COLLECT, amount=Decimal("12345.00"))),
        ]
    )
    assert [(i.distributor.pk, i.kinds) for i in merged] == [(1, ["scheduled", "collect"]), (2, ["overdue"])]
    assert merged[0].purpose == "collection" and merged[1].purpose == "order_taking"


# --- the page and the API --------------------------------------------------------------------------


def _plan_day(org, cards):
    """rep_a1's day: a scheduled stop in Shanghai, an account overdue for a visit (Suzhou), a collection task
    next to the scheduled stop, and an action item due today on an account with no coordinates."""
    today = timezone.localdate()
    rep = org.rep_a1
    Distributor.objects.filter(pk=cards.a1.pk).update(latitude=Decimal("31.2304"), longitude=Decimal("121.4737"))
    Distributor.objects.filter(pk=cards.a1_second.pk).update(
        latitude=Decimal("31.2989"), longitude=Decimal("120.5853"), last_visited_on=today - timedelta(days=40)
    )
    near = f.DistributorFactory(owner=rep, code="A1-003", latitude=Decimal("31.2400"), longitude=Decimal("121.4800"))
    unplaced = f.DistributorFactory(owner=rep, code="A1-004")
    schedule = WeeklySchedule.objects.create(rep=rep, week_start=week_start_of(today))
    ScheduleEntry.objects.create(schedule=schedule, day=today, sequence=1, distributor=cards.a1)
    CollectionTask.objects.create(distributor=near, assigned_to=rep, due_on=today, amount=Decimal("12345.00"))
    plan = AccountPlanFactory(distributor=unplaced, year=today.year)
    ActionItemFactory(account_plan=plan, owner=rep, task="Sign the annual contract", due_on=today)
    ActionItemFactory(account_plan=plan, owner=rep, task="Later", due_on=today + timedelta(days=3))
    return [cards.a1.code, near.code, cards.a1_second.code, unplaced.code]


def test_my_day_is_the_reps_home_page_with_the_four_kinds_in_route_order(org, cards, client_for):
    expected = _plan_day(org, cards)
    home = client_for(org.rep_a1).get("/").content.decode()
    assert 'id="day-plan"' in home
    order = [code for code in expected if f'data-account="{code}"' in home]
    assert order == expected
    assert sorted(home.index(f'data-account="{c}"') for c in expected) == [
        home.index(f'data-account="{c}"') for c in expected
    ]
    for reason in ("scheduled · stop 1", "overdue 26 days", "collect 12345.00", "action due"):
        assert reason in home
    assert "Sign the annual contract" in home and "Later" not in home
    near = Distributor.objects.get(code="A1-003")
    assert f"/reports/visits/new/?distributor={near.pk}&amp;purpose=collection" in home
    f.ContactFactory(distributor=near, name="Ms Cashier")
    form = client_for(org.rep_a1).get(f"/reports/visits/new/?distributor={near.pk}&purpose=collection")
    assert 'value="collection" selected' in form.content.decode()
    assert "Ms Cashier" in form.content.decode()  # the pre-filled account's contacts, ready to tick


def test_the_kam_sees_a_reps_day_and_no_one_else_does(org, cards, client_for, api_for):
    expected = _plan_day(org, cards)
    page = client_for(org.kam_a1).get(f"/reports/my-day/?rep={org.rep_a1.pk}").content.decode()
    assert [c for c in expected if f'data-account="{c}"' in page] == expected
    assert "Log visit</a>" not in page  # the KAM reads the rep's plan; the rep logs the visits
    api = api_for(org.kam_a1).get(f"/api/day-plan/?rep={org.rep_a1.pk}")
    assert api.status_code == 200
    assert [row["code"] for row in api.json()] == expected
    assert [r["kind"] for r in api.json()[1]["reasons"]] == ["collect"]
    assert [row["code"] for row in api_for(org.rep_a1).get("/api/day-plan/").json()] == expected
    for outsider in (org.kam_a2, org.rep_a1b, org.kam_b1):
        assert client_for(outsider).get(f"/reports/my-day/?rep={org.rep_a1.pk}").status_code == 404
        assert api_for(outsider).get(f"/api/day-plan/?rep={org.rep_a1.pk}").status_code == 404
