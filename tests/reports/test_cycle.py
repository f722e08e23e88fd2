"""The "135" cycle (monthly work plan, weekly schedule, weekly review, monthly summary, the KAM's comments) and the
service-strategy library — pages, API and services, from the outside."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from distributors.models import MonthlyPlan, QuarterlyPlan, RepSplit
from reports.cycle import selectors as cycle_selectors
from reports.cycle import services
from reports.models import Comment, MonthlyWorkPlan, Need, Review, ScheduleEntry, ServiceStrategy, WeeklySchedule
from tests import factories as f
from tests.reports.factories import ServiceStrategyFactory, VisitFactory


def today():
    return timezone.localdate()


def this_month():
    return today().replace(day=1)


def this_week():
    return today() - timedelta(days=today().weekday())


def month_param(day=None):
    return f"{(day or today()):%Y-%m}"


def a_plan(rep, month=None, accounts=(), goals="Win back Acme's shelf."):
    return services.save_work_plan(
        plan=MonthlyWorkPlan(rep=rep, month=month or this_month(), market_goals=goals),
        by=rep,
        focus_accounts=list(accounts),
    )


def a_schedule(rep, entries, week=None):
    return services.save_weekly_schedule(
        schedule=WeeklySchedule(rep=rep, week_start=week or this_week()), by=rep, entries=entries
    )


def a_review(rep, kind="weekly", period=None, text="Good week; two new outlets."):
    start = period or (this_week() if kind == "weekly" else this_month())
    return services.save_review(review=Review(rep=rep, kind=kind, period_start=start, text=text), by=rep)


def schedule_form_data(stops_by_day: dict[int, list[tuple[str, object, str]]], notes="", rows=3) -> dict:
    """POST data of the schedule page: ``stops_by_day`` maps 0 (Monday) .. 6 to (stop number, account, note)."""
    data = {"notes": notes}
    for i in range(7):
        stops = stops_by_day.get(i, [])
        total = max(rows, len(stops))
        data.update({f"d{i}-TOTAL_FORMS": str(total), f"d{i}-INITIAL_FORMS": "0"})
        data.update({f"d{i}-MIN_NUM_FORMS": "0", f"d{i}-MAX_NUM_FORMS": "1000"})
        for n in range(total):
            seq, account, note = stops[n] if n < len(stops) else ("", None, "")
            data[f"d{i}-{n}-sequence"] = seq
            data[f"d{i}-{n}-distributor"] = account.pk if account else ""
            data[f"d{i}-{n}-note"] = note
    return data


# --- the rep writes ------------------------------------------------------------------------------------------


def test_rep_writes_the_monthly_work_plan_in_the_browser(org, cards, client_for):
    brand = f.BrandFactory(name="Our Cola")
    client = client_for(org.rep_a1)
    month_page = client.get(reverse("reports:my_month"))
    assert month_page.status_code == 200 and "Not written yet." in month_page.content.decode()
    url = reverse("reports:plan_edit", args=[month_param()])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "focus_accounts": [cards.a1.pk, cards.a1_second.pk],
            "focus_brands": [brand.pk],
            "market_goals": "3 new outlets",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("reports:my_month", args=[month_param()])
    plan = MonthlyWorkPlan.objects.get(rep=org.rep_a1)
    assert plan.month == this_month() and plan.market_goals == "3 new outlets"
    assert set(plan.focus_accounts.all()) == {cards.a1, cards.a1_second} and list(plan.focus_brands.all()) == [brand]
    page = client.get(reverse("reports:my_month")).content.decode()
    assert "3 new outlets" in page and "A1-002" in page
    # Editing keeps one plan for the month.
    client.post(url, {"focus_accounts": [cards.a1.pk], "market_goals": "4 new outlets"})
    assert MonthlyWorkPlan.objects.get(rep=org.rep_a1).market_goals == "4 new outlets"


def test_plan_page_refuses_an_account_of_another_team_and_saves_nothing(org, cards, client_for):
    client = client_for(org.rep_a1)
    response = client.post(
        reverse("reports:plan_edit", args=[month_param()]), {"focus_accounts": [cards.b1.pk], "market_goals": "x"}
    )
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert not MonthlyWorkPlan.objects.exists()


def test_rep_plans_the_week_and_sees_todays_route_in_order(org, cards, client_for):
    client = client_for(org.rep_a1)
    week = this_week().isoformat()
    url = reverse("reports:schedule_edit", args=[week])
    assert client.get(url).status_code == 200
    d = today().weekday()
    other_day = (d + 1) % 7
    data = schedule_form_data(
        {
            d: [("2", cards.a1, "collect the March invoice"), ("1", cards.a1_second, ""), ("", cards.a1b, "for Li")],
            other_day: [("", cards.a1, "")],
        },
        notes="Focus on Suzhou",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = WeeklySchedule.objects.get(rep=org.rep_a1)
    assert schedule.week_start == this_week() and schedule.notes == "Focus on Suzhou"
    route = cycle_selectors.route_for(org.rep_a1, today())
    # numbered stops first in number order; a row without a number keeps its place (3rd)
    assert [(e.sequence, e.distributor) for e in route] == [(1, cards.a1_second), (2, cards.a1), (3, cards.a1b)]
    assert route[1].note == "collect the March invoice"
    assert ScheduleEntry.objects.filter(schedule=schedule).count() == 4
    VisitFactory(distributor=cards.a1_second, rep=org.rep_a1)
    page = client.get(reverse("reports:my_week", args=[week])).content.decode()
    todays = page[page.index('id="todays-route"') : page.index('id="edit-schedule"')]
    names = [cards.a1_second.display_name, cards.a1.display_name, cards.a1b.display_name]
    assert todays.index(names[0]) < todays.index(names[1]) < todays.index(names[2])
    assert "visited" in todays and "Log a visit" in todays
    assert page.count('aria-current="date"') == 1


def test_more_stops_adds_rows_without_saving(org, cards, client_for):
    client = client_for(org.rep_a1)
    url = reverse("reports:schedule_edit", args=[this_week().isoformat()])
    data = schedule_form_data({0: [("", cards.a1, "")]})
    data["more"] = "0"
    response = client.post(url, data)
    assert response.status_code == 200
    assert len(response.context["days"][0].formset.forms) == 6
    assert not WeeklySchedule.objects.exists()


def test_schedule_page_shows_bad_rows_and_saves_nothing(org, cards, client_for):
    client = client_for(org.rep_a1)
    url = reverse("reports:schedule_edit", args=[this_week().isoformat()])
    foreign = client.post(url, schedule_form_data({0: [("", cards.a1, ""), ("", cards.b1, "")]}))
    assert foreign.status_code == 200 and "Select a valid choice" in foreign.content.decode()
    twice = client.post(url, schedule_form_data({0: [("", cards.a1, ""), ("", cards.a1, "")]}))
    assert twice.status_code == 200 and "once a day is enough" in twice.content.decode()
    assert not WeeklySchedule.objects.exists() and not ScheduleEntry.objects.exists()


def test_rep_writes_weekly_review_and_monthly_summary_in_the_browser(org, client_for):
    client = client_for(org.rep_a1)
    week = this_week().isoformat()
    response = client.post(reverse("reports:review_edit", args=[week]), {"text": "周体会: 两个新网点"})
    assert response.status_code == 302
    response = client.post(reverse("reports:summary_edit", args=[month_param()]), {"text": "月总结: on plan"})
    assert response.status_code == 302
    assert set(Review.objects.values_list("kind", "period_start")) == {
        ("weekly", this_week()),
        ("monthly", this_month()),
    }
    assert "周体会: 两个新网点" in client.get(reverse("reports:my_week", args=[week])).content.decode()
    assert "月总结: on plan" in client.get(reverse("reports:my_month")).content.decode()


def test_review_for_a_future_period_is_refused_on_the_page(org, client_for):
    client = client_for(org.rep_a1)
    next_week = (this_week() + timedelta(days=7)).isoformat()
    response = client.post(reverse("reports:review_edit", args=[next_week]), {"text": "too early"})
    assert response.status_code == 200 and "has not started yet" in response.content.decode()
    assert not Review.objects.exists()


def test_bad_periods_in_urls_are_404(org, client_for):
    client = client_for(org.rep_a1)
    assert client.get(reverse("reports:my_month", args=["2026-13"])).status_code == 404
    assert client.get(reverse("reports:my_week", args=["not-a-day"])).status_code == 404


# --- services ------------------------------------------------------------------------------------------------


def test_services_refuse_bad_input_and_save_nothing(org, cards):
    rep = org.rep_a1
    outside = this_week() + timedelta(days=7)
    cases = [
        (lambda: a_schedule(rep, [(outside, cards.a1, "")]), "entries"),
        (lambda: a_schedule(rep, [(today(), cards.a2, "")]), "entries"),  # another team's account
        (lambda: a_schedule(rep, [(today(), cards.a1, ""), (today(), cards.a1, "")]), "entries"),
        (lambda: a_schedule(rep, [(today(), cards.a1, "x" * 201)]), "entries"),
        (lambda: a_plan(rep, accounts=[cards.b1]), "focus_accounts"),
        (lambda: a_review(rep, period=this_week() + timedelta(days=7)), "period_start"),
        (lambda: a_review(rep, kind="monthly", period=this_month() + timedelta(days=40)), "period_start"),
        (lambda: a_review(rep, kind="yearly"), "kind"),
        (lambda: a_review(rep, text=""), "text"),
    ]
    for call, field in cases:
        with pytest.raises(ValidationError) as exc:
            call()
        assert field in exc.value.message_dict, (field, exc.value)
    assert not WeeklySchedule.objects.exists() and not MonthlyWorkPlan.objects.exists() and not Review.objects.exists()


def test_duplicates_are_field_errors(org, cards):
    a_plan(org.rep_a1)
    a_schedule(org.rep_a1, [])
    a_review(org.rep_a1)
    with pytest.raises(ValidationError) as exc:
        a_plan(org.rep_a1, month=this_month() + timedelta(days=3))
    assert "month" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        a_schedule(org.rep_a1, [], week=this_week() + timedelta(days=2))
    assert "week_start" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        a_review(org.rep_a1, text="again")
    assert "period_start" in exc.value.message_dict
    assert (MonthlyWorkPlan.objects.count(), WeeklySchedule.objects.count(), Review.objects.count()) == (1, 1, 1)


def test_only_the_rep_writes_their_cycle(org, cards):
    plan = a_plan(org.rep_a1)
    plan.market_goals = "changed by the KAM"
    with pytest.raises(PermissionDenied):
        services.save_work_plan(plan=plan, by=org.kam_a1)
    with pytest.raises(PermissionDenied):
        services.add_comment(target=plan, by=org.kam_b1, text="not my team")
    with pytest.raises(PermissionDenied):
        services.add_comment(target=plan, by=org.finance, text="finance")


def test_saving_a_schedule_without_entries_keeps_its_stops(org, cards):
    schedule = a_schedule(org.rep_a1, [(today(), cards.a1, "")])
    schedule.notes = "only the notes"
    services.save_weekly_schedule(schedule=schedule, by=org.rep_a1)
    assert schedule.entries.count() == 1


# --- the KAM reads and comments -------------------------------------------------------------------------------


def test_kam_sees_the_team_with_not_written_yet_and_comments_and_the_rep_sees_it(org, cards, client_for):
    plan = a_plan(org.rep_a1, accounts=[cards.a1])
    a_review(org.rep_a1)
    kam = client_for(org.kam_a1)
    team = kam.get(reverse("reports:team_notes")).content.decode()
    assert org.rep_a1.display_name in team and org.rep_a1b.display_name in team
    assert org.rep_a2.display_name not in team and org.rep_b1.display_name not in team
    assert team.count("not written yet") == 4 + 2  # rep_a1b: all four; rep_a1: schedule and summary
    assert reverse("reports:plan_detail", args=[plan.pk]) in team
    detail = kam.get(reverse("reports:plan_detail", args=[plan.pk]))
    assert detail.status_code == 200 and "Win back Acme" in detail.content.decode()
    url = reverse("reports:comment_add", args=["plan", plan.pk])
    partial = kam.post(url, {"text": "Add Blue Sky to the focus list."}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    text = partial.content.decode()
    assert "Add Blue Sky to the focus list." in text and '<nav class="navbar' not in text
    empty = kam.post(url, {"text": "   "}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 200 and Comment.objects.count() == 1
    assert kam.post(url, {"text": "Plain form too.", "next": "https://evil.example/"}).status_code == 302
    assert Comment.objects.count() == 2 and Comment.objects.first().author == org.kam_a1
    rep_page = client_for(org.rep_a1).get(reverse("reports:my_month")).content.decode()
    assert "Add Blue Sky to the focus list." in rep_page and "Plain form too." in rep_page
    assert "2 comments" in kam.get(reverse("reports:team_notes")).content.decode()


def test_team_notes_queries_do_not_grow_with_the_team(org, cards, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(org.kam_a1)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("reports:team_notes")).status_code == 200
        return len(ctx.captured_queries)

    a_plan(org.rep_a1)
    a_review(org.rep_a1)
    a_schedule(org.rep_a1, [(today(), cards.a1, "")])
    before = queries()
    for n in range(4):
        rep = f.RepFactory(username=f"extra{n}", team=org.team_a1)
        a_plan(rep)
        a_review(rep)
        a_schedule(rep, [])
    assert queries() == before


def test_regional_manager_and_admin_read_the_region_and_filter_by_team(org, cards, client_for):
    plan = a_plan(org.rep_a2)
    rm = client_for(org.rm_a)
    page = rm.get(reverse("reports:team_notes"), {"team": org.team_a2.pk}).content.decode()
    assert org.rep_a2.display_name in page and org.rep_a1.display_name not in page
    assert rm.get(reverse("reports:plan_detail", args=[plan.pk])).status_code == 200
    assert rm.get(reverse("reports:team_notes"), {"team": org.team_b1.pk}).status_code == 404
    assert client_for(org.rm_b).get(reverse("reports:plan_detail", args=[plan.pk])).status_code == 404
    assert client_for(org.admin).get(reverse("reports:plan_detail", args=[plan.pk])).status_code == 200
    summary = a_review(org.rep_a2, kind="monthly", text="月总结: 回款率 92%")
    page = rm.get(reverse("reports:review_detail", args=[summary.pk]))
    assert page.status_code == 200 and "回款率 92%" in page.content.decode()
    own = client_for(org.rep_a2).get(reverse("reports:review_detail", args=[summary.pk])).content.decode()
    assert reverse("reports:summary_edit", args=[month_param()]) in own


def test_managers_on_the_reps_own_pages_go_to_the_team_view(org, client_for):
    response = client_for(org.kam_a1).get(reverse("reports:my_month", args=["2026-01"]))
    assert response.status_code == 302 and response["Location"] == reverse("reports:team_notes") + "?month=2026-01"


# --- scope from the outside -----------------------------------------------------------------------------------


@pytest.fixture
def rep_a1_cycle(org, cards):
    plan = a_plan(org.rep_a1, accounts=[cards.a1])
    schedule = a_schedule(org.rep_a1, [(today(), cards.a1, "")])
    review = a_review(org.rep_a1)
    return {"plan": plan, "schedule": schedule, "review": review}


OBJECT_PAGES = [
    ("plan", "reports:plan_detail"),
    ("schedule", "reports:schedule_detail"),
    ("review", "reports:review_detail"),
]
API = {"plan": "/api/work-plans/", "schedule": "/api/weekly-schedules/", "review": "/api/reviews/"}


@pytest.mark.parametrize("outsider", ["rep_b1", "kam_b1", "kam_a2", "rep_a1b", "rm_b", "finance", "finance_a"])
def test_outsiders_get_404_on_the_objects_pages_and_api(org, rep_a1_cycle, client_for, api_for, outsider):
    user = getattr(org, outsider)
    client, api = client_for(user), api_for(user)
    for kind, url_name in OBJECT_PAGES:
        obj = rep_a1_cycle[kind]
        assert client.get(reverse(url_name, args=[obj.pk])).status_code == 404
        assert client.post(reverse("reports:comment_add", args=[kind, obj.pk]), {"text": "hi"}).status_code == 404
        assert api.get(f"{API[kind]}{obj.pk}/").status_code == 404
        assert api.patch(f"{API[kind]}{obj.pk}/", {"notes": "x"}, format="json").status_code == 404
        assert api.post(f"{API[kind]}{obj.pk}/comments/", {"text": "hi"}, format="json").status_code == 404
        if user.effective_role != "finance":
            assert obj.pk not in [row["id"] for row in api.get(API[kind]).json()["results"]]
    assert not Comment.objects.exists()
    assert MonthlyWorkPlan.objects.get().notes == ""


def test_finance_has_no_cycle_pages_or_lists_but_reads_the_strategy_library(org, client_for, api_for):
    client, api = client_for(org.finance), api_for(org.finance)
    for name in ("my_month", "my_week", "team_notes"):
        assert client.get(reverse(f"reports:{name}")).status_code == 403
    for url in API.values():
        assert api.get(url).status_code == 403
    assert api.get("/api/weekly-schedules/route/").status_code == 403
    assert client.get(reverse("reports:strategy_list")).status_code == 200
    assert api.get("/api/strategies/").status_code == 200
    nav = client.get(reverse("reports:strategy_list")).content.decode()
    assert "Team notes" not in nav and "My plan" not in nav and "Service strategies" in nav


def test_a_rep_has_no_team_view_and_the_menu_fits_the_role(org, client_for):
    rep = client_for(org.rep_a1)
    assert rep.get(reverse("reports:team_notes")).status_code == 403
    rep_nav = rep.get(reverse("reports:my_week")).content.decode()
    assert "My plan" in rep_nav and "Team notes" not in rep_nav
    kam_nav = client_for(org.kam_a1).get(reverse("reports:team_notes")).content.decode()
    assert "Team notes" in kam_nav and "My plan" not in kam_nav


def test_unknown_comment_kind_is_404(org, rep_a1_cycle, client_for):
    url = reverse("reports:comment_add", args=["invoice", rep_a1_cycle["plan"].pk])
    assert client_for(org.kam_a1).post(url, {"text": "x"}).status_code == 404


# --- API ------------------------------------------------------------------------------------------------------


def test_rep_writes_plan_schedule_and_reviews_through_the_api(org, cards, api_for):
    brand = f.BrandFactory()
    api = api_for(org.rep_a1)
    plan = api.post(
        "/api/work-plans/",
        {"month": month_param(), "focus_accounts": [cards.a1.pk], "focus_brands": [brand.pk], "market_goals": "go"},
        format="json",
    )
    assert plan.status_code == 201, plan.json()
    body = plan.json()
    assert body["rep"] == org.rep_a1.pk and body["month"] == this_month().isoformat()
    assert body["focus_accounts"] == [cards.a1.pk] and body["comments"] == []
    d = today()
    schedule = api.post(
        "/api/weekly-schedules/",
        {
            "week_start": d.isoformat(),
            "entries": [
                {"day": d.isoformat(), "distributor": cards.a1.pk, "sequence": 2, "note": "invoice"},
                {"day": d.isoformat(), "distributor": cards.a1_second.pk, "sequence": 1},
            ],
        },
        format="json",
    )
    assert schedule.status_code == 201, schedule.json()
    entries = schedule.json()["entries"]
    assert schedule.json()["week_start"] == this_week().isoformat()
    assert [(e["distributor"], e["sequence"], e["note"]) for e in entries] == [
        (cards.a1_second.pk, 1, ""),
        (cards.a1.pk, 2, "invoice"),
    ]
    schedule_id = schedule.json()["id"]
    notes_only = api.patch(f"/api/weekly-schedules/{schedule_id}/", {"notes": "rain"}, format="json")
    assert notes_only.status_code == 200 and len(notes_only.json()["entries"]) == 2
    route = api.get("/api/weekly-schedules/route/", {"date": d.isoformat()}).json()
    assert [s["distributor"] for s in route["stops"]] == [cards.a1_second.pk, cards.a1.pk]
    assert route["stops"][0]["visited"] is False
    review = api.post(
        "/api/reviews/", {"kind": "weekly", "period_start": d.isoformat(), "text": "周体会"}, format="json"
    )
    assert review.status_code == 201 and review.json()["period_start"] == this_week().isoformat()
    summary = api.post(
        "/api/reviews/", {"kind": "monthly", "period_start": d.isoformat(), "text": "月总结"}, format="json"
    )
    assert summary.status_code == 201 and summary.json()["period_start"] == this_month().isoformat()
    assert api.get("/api/reviews/", {"kind": "monthly"}).json()["count"] == 1
    assert api.get("/api/work-plans/", {"month": d.isoformat()}).json()["count"] == 1
    assert api.get("/api/weekly-schedules/", {"week_start": d.isoformat()}).json()["count"] == 1
    assert api.delete(f"/api/reviews/{review.json()['id']}/").status_code == 405


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        ("/api/weekly-schedules/", {"entries": [{"day": "@next_week", "distributor": "@a1"}]}, "entries"),
        ("/api/weekly-schedules/", {"entries": [{"day": "@today", "distributor": "@b1"}]}, "entries"),
        (
            "/api/weekly-schedules/",
            {"entries": [{"day": "@today", "distributor": "@a1"}, {"day": "@today", "distributor": "@a1"}]},
            "entries",
        ),
        ("/api/weekly-schedules/", {"week_start": "2026-02-30"}, "week_start"),
        ("/api/work-plans/", {"focus_accounts": ["@b1"]}, "focus_accounts"),
        ("/api/work-plans/", {"month": "next year"}, "month"),
        ("/api/reviews/", {"period_start": "@next_week"}, "period_start"),
        ("/api/reviews/", {"kind": "daily"}, "kind"),
        ("/api/reviews/", {"text": ""}, "text"),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(org, cards, api_for, url, payload, field):
    values = {
        "@today": today().isoformat(),
        "@next_week": (this_week() + timedelta(days=7)).isoformat(),
        "@a1": cards.a1.pk,
        "@b1": cards.b1.pk,
    }
    base = {
        "/api/weekly-schedules/": {"week_start": today().isoformat()},
        "/api/work-plans/": {"month": month_param()},
        "/api/reviews/": {"kind": "weekly", "period_start": today().isoformat(), "text": "ok"},
    }[url]

    def resolve(value):
        if isinstance(value, dict):
            return {k: resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return values.get(value, value) if isinstance(value, str) else value

    response = api_for(org.rep_a1).post(url, {**base, **resolve(payload)}, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not (MonthlyWorkPlan.objects.exists() or WeeklySchedule.objects.exists() or Review.objects.exists())


def test_api_duplicates_are_400(org, cards, api_for):
    api = api_for(org.rep_a1)
    assert api.post("/api/work-plans/", {"month": month_param()}, format="json").status_code == 201
    again = api.post("/api/work-plans/", {"month": this_month().isoformat()}, format="json")
    assert again.status_code == 400 and "month" in again.json()
    assert MonthlyWorkPlan.objects.count() == 1


def test_kam_reads_and_comments_through_the_api_but_may_not_write_the_plan(org, rep_a1_cycle, api_for):
    kam = api_for(org.kam_a1)
    plan = rep_a1_cycle["plan"]
    listing = kam.get("/api/work-plans/").json()
    assert [row["id"] for row in listing["results"]] == [plan.pk] and "comments" not in listing["results"][0]
    assert kam.patch(f"/api/work-plans/{plan.pk}/", {"notes": "mine"}, format="json").status_code == 403
    assert kam.post("/api/work-plans/", {"month": month_param()}, format="json").status_code == 403
    for kind, url in API.items():
        obj = rep_a1_cycle[kind]
        response = kam.post(f"{url}{obj.pk}/comments/", {"text": f"Seen the {kind}."}, format="json")
        assert response.status_code == 201 and response.json()["author"] == org.kam_a1.pk
    assert (
        kam.post(f"/api/reviews/{rep_a1_cycle['review'].pk}/comments/", {"text": ""}, format="json").status_code == 400
    )
    rep = api_for(org.rep_a1)
    detail = rep.get(f"/api/work-plans/{plan.pk}/").json()
    assert [c["text"] for c in detail["comments"]] == ["Seen the plan."]
    assert rep.get("/api/reviews/").json()["results"][0]["comment_count"] == 1
    assert rep.get(f"/api/weekly-schedules/{rep_a1_cycle['schedule'].pk}/comments/").json()[0]["text"] == (
        "Seen the schedule."
    )
    assert rep.patch(f"/api/work-plans/{plan.pk}/", {"notes": "thanks"}, format="json").status_code == 200


def test_route_of_another_teams_rep_is_a_400(org, rep_a1_cycle, api_for):
    kam = api_for(org.kam_a1)
    ok = kam.get("/api/weekly-schedules/route/", {"rep": org.rep_a1.pk})
    assert ok.status_code == 200 and len(ok.json()["stops"]) == 1
    bad = api_for(org.kam_b1).get("/api/weekly-schedules/route/", {"rep": org.rep_a1.pk})
    assert bad.status_code == 400 and "rep" in bad.json()


def test_api_needs_credentials(db, client):
    assert client.get("/api/work-plans/").status_code == 401


# --- the service-strategy library -----------------------------------------------------------------------------


@pytest.fixture
def empty_library(db):
    """No strategy yet: the KZB table the need catalogue's data migration seeds is set aside for these tests."""
    Need.objects.all().delete()
    ServiceStrategy.objects.all().delete()


def test_everyone_reads_the_library_and_only_the_admin_writes_it(empty_library, org, api_for, client_for):
    strategy = ServiceStrategyFactory(code="OOS", name="Out-of-stock brand substitution")
    for user in (org.rep_a1, org.kam_a1, org.finance):
        api = api_for(user)
        assert api.get("/api/strategies/").json()["results"][0]["code"] == "OOS"
        assert api.post("/api/strategies/", {"code": "X", "name": "X"}, format="json").status_code == 403
        assert api.patch(f"/api/strategies/{strategy.pk}/", {"name": "Y"}, format="json").status_code == 403
        assert api.delete(f"/api/strategies/{strategy.pk}/").status_code == 403
        assert client_for(user).get(reverse("reports:strategy_new")).status_code == 403
        assert client_for(user).post(reverse("reports:strategy_delete", args=[strategy.pk])).status_code == 403
    assert api_for(org.rep_a1).patch("/api/strategies/99999/", {"name": "Y"}, format="json").status_code == 404
    admin = api_for(org.admin)
    created = admin.post(
        "/api/strategies/", {"code": "DISPLAY", "name": "Display service", "description": "Shelf"}, format="json"
    )
    assert created.status_code == 201 and created.json()["is_active"] is True
    duplicate = admin.post("/api/strategies/", {"code": "OOS", "name": "again"}, format="json")
    assert duplicate.status_code == 400 and "code" in duplicate.json()
    assert (
        admin.patch(f"/api/strategies/{strategy.pk}/", {"is_active": False}, format="json").json()["is_active"] is False
    )
    assert ServiceStrategy.objects.get(code="OOS").name == "Out-of-stock brand substitution"


def test_admin_keeps_the_library_in_the_browser(empty_library, org, client_for):
    client = client_for(org.admin)
    response = client.post(
        reverse("reports:strategy_new"), {"code": "PROMO", "name": "Promotion follow-up", "is_active": "on"}
    )
    assert response.status_code == 302
    strategy = ServiceStrategy.objects.get(code="PROMO")
    bad = client.post(reverse("reports:strategy_new"), {"code": "PROMO", "name": "Twice"})
    assert bad.status_code == 200 and ServiceStrategy.objects.count() == 1
    client.post(reverse("reports:strategy_edit", args=[strategy.pk]), {"code": "PROMO", "name": "Promotion check"})
    strategy.refresh_from_db()
    assert strategy.name == "Promotion check" and strategy.is_active is False
    assert client.post(reverse("reports:strategy_delete", args=[strategy.pk])).status_code == 302
    assert not ServiceStrategy.objects.exists()


def test_a_strategy_applied_on_visits_cannot_be_deleted(org, cards, api_for):
    strategy = ServiceStrategyFactory()
    VisitFactory(distributor=cards.a1, strategies=[strategy])
    response = api_for(org.admin).delete(f"/api/strategies/{strategy.pk}/")
    assert response.status_code == 400 and ServiceStrategy.objects.filter(pk=strategy.pk).exists()
    unused = ServiceStrategyFactory()
    assert api_for(org.admin).delete(f"/api/strategies/{unused.pk}/").status_code == 204


def test_strategy_usage_counts_visits_of_the_scope_in_the_period(empty_library, org, cards, api_for, client_for):
    oos, display, promo = (ServiceStrategyFactory(code=c) for c in ("OOS", "DISPLAY", "PROMO"))
    first = this_month()
    VisitFactory(distributor=cards.a1, visit_date=first, strategies=[oos, display])
    VisitFactory(distributor=cards.a1_second, visit_date=first, strategies=[oos])
    VisitFactory(distributor=cards.a1b, visit_date=first, strategies=[oos])  # rep_a1b, same team
    VisitFactory(distributor=cards.b1, visit_date=first, strategies=[oos, promo])  # another region
    VisitFactory(distributor=cards.a1, visit_date=first - timedelta(days=1), strategies=[display])  # last month
    VisitFactory(distributor=cards.a1, visit_date=first)  # no strategy
    end = cycle_selectors.month_end_of(first)

    def usage(user):
        return {(u.code, u.visits) for u in cycle_selectors.strategy_usage(user, first, end)}

    assert usage(org.rep_a1) == {("OOS", 2), ("DISPLAY", 1)}
    assert usage(org.kam_a1) == {("OOS", 3), ("DISPLAY", 1)}
    assert usage(org.admin) == {("OOS", 4), ("DISPLAY", 1), ("PROMO", 1)}
    assert cycle_selectors.strategy_usage(org.kam_a1, first, end)[0].code == "OOS"  # most used first
    body = api_for(org.kam_a1).get("/api/strategies/usage/", {"start": first.isoformat()}).json()
    assert body["end"] == end.isoformat()
    assert {(r["code"], r["visits"]) for r in body["results"]} == {("OOS", 3), ("DISPLAY", 1)}
    bad = api_for(org.kam_a1).get("/api/strategies/usage/", {"start": end.isoformat(), "end": first.isoformat()})
    assert bad.status_code == 400 and "end" in bad.json()
    page = client_for(org.rep_a1).get(reverse("reports:strategy_list"), {"month": month_param(first)})
    assert page.status_code == 200
    rows = {s.code: n for s, n in page.context["rows"]}
    assert rows == {"DISPLAY": 1, "OOS": 2, "PROMO": 0}


# --- the rep's targets from the distributor plans --------------------------------------------------------------


def test_month_page_shows_the_reps_approved_targets_read_only(org, cards, client_for):
    quarterly, monthly, split = QuarterlyPlan, MonthlyPlan, RepSplit
    month = this_month()
    plan = quarterly.objects.create(
        distributor=cards.a1,
        year=month.year,
        quarter=(month.month - 1) // 3 + 1,
        status="approved",
        created_by=org.kam_a1,
    )
    split.objects.create(
        monthly_plan=monthly.objects.create(plan=plan, month=month),
        rep=org.rep_a1,
        sales_amount=Decimal("12345.60"),
        outlet_coverage=7,
    )
    targets = cycle_selectors.rep_targets(rep=org.rep_a1, month=month, for_user=org.rep_a1)
    assert targets.totals["sales_amount"] == Decimal("12345.60") and targets.totals["outlet_coverage"] == 7
    assert cycle_selectors.rep_targets(rep=org.rep_a1, month=month, for_user=org.kam_b1).rows == []
    page = client_for(org.rep_a1).get(reverse("reports:my_month")).content.decode()
    assert 'id="rep-targets"' in page and "12,345.60" in page


def test_weeks_of_a_month_start_on_monday():
    from datetime import date

    weeks = cycle_selectors.weeks_of_month(date(2026, 3, 1))  # a Sunday
    assert weeks[0] == date(2026, 2, 23) and weeks[-1] == date(2026, 3, 30) and len(weeks) == 6
    assert cycle_selectors.month_end_of(date(2024, 2, 10)) == date(2024, 2, 29)


@pytest.mark.parametrize(
    "next_value, secure, stays",
    [
        ("https://evil.example/", False, False),
        ("//evil.example/x", False, False),
        ("javascript:alert(1)", False, False),
        ("http://testserver/reports/my-month/", True, False),  # down to http from an https page
        ("/reports/my-month/", True, True),
        ("/reports/my-month/", False, True),
    ],
)
def test_a_comment_post_goes_back_to_next_only_when_it_is_safe(org, cards, client_for, next_value, secure, stays):
    plan = a_plan(org.rep_a1, accounts=[cards.a1])
    url = reverse("reports:comment_add", args=["plan", plan.pk])
    response = client_for(org.kam_a1).post(url, {"text": "Seen.", "next": next_value}, secure=secure)
    assert response.status_code == 302
    fallback = reverse("reports:plan_detail", args=[plan.pk])
    assert response["Location"] == (next_value if stays else fallback)
