"""Dashboards kept in the cache (issue 16): a second view of an unchanged dashboard is read, not computed, and no
write — a visit through the API, an order, an invoice, a payment, a card given to another rep, a rep moved to
another team, a team to another region, a renamed card — leaves any kept dashboard showing what it no longer is.

Each check compares the API's answer with the same request computed afresh (the cache turned off), for every
scope, after the write's commit and the rollups' refresh that follows it.
"""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services as people
from distributors.cards import services as cards_services
from receivables import services as money
from reports import tasks
from reports.analytics.rollups import services as rollups
from tests.reports.factories import VisitFactory
from tests.reports.test_api import visit_payload
from tests.reports.test_dashboard import _sell

TODAY = timezone.localdate()
NUMBERS = itertools.count(1)


def _scopes(org):
    """(viewer, query) of every scope: the company, both regions, the three teams, two reps; month and year."""
    scopes = [
        (org.admin, "level=company"),
        (org.admin, f"level=region&id={org.region_a.pk}"),
        (org.admin, f"level=region&id={org.region_b.pk}"),
        (org.admin, f"level=team&id={org.team_a1.pk}"),
        (org.admin, f"level=team&id={org.team_a2.pk}"),
        (org.admin, f"level=team&id={org.team_b1.pk}"),
        (org.admin, f"level=rep&id={org.rep_a1.pk}"),
        (org.admin, f"level=rep&id={org.rep_a2.pk}"),
    ]
    return [
        (viewer, f"{query}&period={period}&date={TODAY}") for viewer, query in scopes for period in ("month", "year")
    ]


def _views(api_for, org) -> dict:
    """{query: (dashboard, trend)} as the API answers now."""
    answers = {}
    for viewer, query in _scopes(org):
        client = api_for(viewer)
        board, trend = client.get(f"/api/dashboard/?{query}"), client.get(f"/api/dashboard/trend/?{query}")
        assert board.status_code == trend.status_code == 200, query
        answers[query] = (board.json(), trend.json())
    return answers


def _assert_current(api_for, org, before: dict | None = None) -> dict:
    """Every scope's answers are the figures computed afresh, except that a view may show what the previous views
    showed (``before``) while the worker recomputes it; the view after that recompute shows the new figures."""
    shown = _views(api_for, org)
    again = _views(api_for, org)  # the recompute the first views queued has run (Celery is eager in the tests)
    with override_settings(DASHBOARD_CACHE_SECONDS=0):
        computed = _views(api_for, org)
    for query, answer in computed.items():
        assert again[query] == answer, query
        assert shown[query] == answer or before is not None and shown[query] == before[query], query
    return again


def test_a_second_view_is_read_from_the_cache(org, cards, api_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # committed, then refreshed by the drain
        VisitFactory(distributor=cards.a1, visit_date=TODAY)
    client = api_for(org.kam_a1)
    url = f"/api/dashboard/?level=team&id={org.team_a1.pk}&period=month&date={TODAY}"
    with CaptureQueriesContext(connection) as first:
        computed = client.get(url)
    with CaptureQueriesContext(connection) as second:
        kept = client.get(url)
    assert computed.status_code == kept.status_code == 200
    assert kept.json() == computed.json()
    assert kept.json()["figures"]["visits"] == 1
    assert len(first) >= 10  # the figures, computed
    assert len(second) <= 2  # who may see the team; the figures come from the cache


def test_after_the_nightly_run_the_first_view_of_this_month_and_year_is_read(org, cards, api_for):
    tasks.rebuild_recent_rollups.delay()  # and, after it, the warm-up of the company's, regions' and teams' boards
    for viewer, query in [
        (org.kam_a1, f"level=team&id={org.team_a1.pk}"),
        (org.rm_b, f"level=region&id={org.region_b.pk}"),
        (org.finance, "level=company"),
    ]:
        for period in ("month", "year"):
            for language in ("en", "zh-hans"):
                with CaptureQueriesContext(connection) as queries:
                    response = api_for(viewer).get(
                        f"/api/dashboard/?{query}&period={period}", HTTP_ACCEPT_LANGUAGE=language
                    )
                assert response.status_code == 200
                assert len(queries) <= 2, (query, period, language)
    # A quarter was not warmed: its first view computes.
    with CaptureQueriesContext(connection) as queries:
        api_for(org.kam_a1).get(f"/api/dashboard/?level=team&id={org.team_a1.pk}&period=quarter")
    assert len(queries) >= 10


def test_the_nightly_warm_up_still_serves_the_mornings_first_views(org, cards, api_for, monkeypatch):
    import time

    tasks.rebuild_recent_rollups.delay()  # 01:30, then the warm-up
    later = time.time() + 7 * 3600  # 08:30: the first views of the working day
    monkeypatch.setattr(time, "time", lambda: later)
    for viewer, query in [(org.kam_a1, f"level=team&id={org.team_a1.pk}"), (org.finance, "level=company")]:
        with CaptureQueriesContext(connection) as queries:
            response = api_for(viewer).get(f"/api/dashboard/?{query}&period=month")
        assert response.status_code == 200
        assert len(queries) <= 2, query  # read: what the warm-up kept


def test_what_is_kept_holds_no_person(org, cards, api_for):
    rollups.rebuild()
    response = api_for(org.kam_a1).get(f"/api/dashboard/?level=rep&id={org.rep_a1.pk}&date={TODAY}")
    assert response.status_code == 200
    assert response.json()["label"] == org.rep_a1.display_name
    kept = b"".join(value for value in cache._cache.values() if isinstance(value, bytes))  # LocMemCache: pickles
    assert b"Dashboard" in kept
    assert org.rep_a1.password.encode() not in kept  # a rep's scope is a User: not pickled with the figures
    again = api_for(org.kam_a1).get(f"/api/dashboard/?level=rep&id={org.rep_a1.pk}&date={TODAY}")
    assert again.json() == response.json()


def test_a_kept_dashboard_is_per_language(org, cards, api_for):
    rollups.rebuild()
    client = api_for(org.admin)
    url = f"/api/dashboard/?level=company&period=month&date={TODAY}"
    assert client.get(url).json()["label"] == "Company"
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["label"] == "公司"


def test_without_a_cache_dashboards_still_answer(org, cards, api_for):
    dead = {"default": {"BACKEND": "kamcrm.redis_cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    rollups.rebuild()
    with override_settings(CACHES=dead):
        response = api_for(org.kam_a1).get(f"/api/dashboard/?level=team&id={org.team_a1.pk}&date={TODAY}")
        assert response.status_code == 200
        assert response.json()["level"] == "team"


# One write: (kind, account, days before today, amount in yuan, a choice among people, teams or regions).
WRITES = st.lists(
    st.tuples(
        st.sampled_from(["visit", "order", "invoice", "payment", "reassign", "move_rep", "move_team", "rename"]),
        st.integers(0, 4),
        st.integers(0, 40),
        st.integers(1, 900),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=WRITES)
def test_no_write_leaves_a_kept_dashboard_behind(org, cards, api_for, django_capture_on_commit_callbacks, writes):
    accounts = [cards.a1, cards.a1_second, cards.a1b, cards.a2, cards.b1]
    reps = [org.rep_a1, org.rep_a1b, org.rep_a2, org.rep_b1, org.kam_a1, org.kam_b1]
    teams = [org.team_a1, org.team_a2, org.team_b1]
    regions = [org.region_a, org.region_b]
    rollups.rebuild()
    before = _views(api_for, org)  # every dashboard kept
    for kind, which, days_ago, amount, other in writes:
        account, day = accounts[which], TODAY - timedelta(days=days_ago)
        account.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):  # the commit: the drain refreshes the rollups
            if kind == "visit":
                owner = account.owner
                response = api_for(owner).post("/api/visits/", visit_payload(account), format="json")
                assert response.status_code == 201, response.content
            elif kind == "order":
                _sell(account, f"{amount}.00", day=day)
            elif kind == "invoice":
                money.record_invoice(
                    distributor=account,
                    number=f"K-{next(NUMBERS)}",
                    issue_date=day,
                    due_date=day + timedelta(days=10),
                    amount=Decimal(amount),
                    by=org.finance,
                )
            elif kind == "payment":
                money.record_payment(
                    distributor=account, amount=Decimal(amount), paid_on=day, method="cash", by=org.finance
                )
            elif kind == "reassign":
                cards_services.reassign(distributor=account, owner=reps[other], by=org.admin)
            elif kind == "move_rep":
                rep = reps[other % 4]
                rep.refresh_from_db()
                rep.team = teams[which % 3]
                people.save_user(user=rep, by=org.admin)
            elif kind == "move_team":
                team = teams[which % 3]
                team.refresh_from_db()
                team.region = regions[other % 2]
                people.save_team(team=team, by=org.admin)
            else:
                account.name = f"Renamed {next(NUMBERS)}"
                account.save()
        # A change of the organisation (who owns what, where a team is, a card's name) is never shown late.
        late_ok = kind in ("visit", "order", "invoice", "payment")
        before = _assert_current(api_for, org, before if late_ok else None)


def test_a_refresh_of_many_accounts_replaces_every_generation(org, cards, monkeypatch):
    from reports.analytics.rollups import generations

    every = generations.current(["all"])
    rollups.refresh(distributor_ids=[cards.a1.pk])
    assert generations.current(["all"]) == every  # one account: its scopes' generations only
    monkeypatch.setattr(generations, "MANY_ACCOUNTS", 2)
    rollups.refresh(distributor_ids=[cards.a1.pk, cards.a2.pk, cards.b1.pk])
    assert generations.current(["all"]) != every  # no statement naming thousands of accounts


# --- Shown while recomputed: brief, never to the writer, never after a change of the organisation ---------------


def _visits(client, query: str) -> int:
    response = client.get(f"/api/dashboard/?{query}&period=month&date={TODAY}")
    assert response.status_code == 200, response.content
    return response.json()["figures"]["visits"]


def _hold(monkeypatch, module, name: str) -> list[dict]:
    """The tasks ``name`` that ``module`` queues, held back (the worker has not run them yet): their options
    (``args``, ``kwargs``, ``countdown``…). Other tasks run."""
    held, enqueue = [], module.outbox.enqueue

    def hold(task, **options):
        if task == name:
            held.append(options)
        else:
            enqueue(task, **options)

    monkeypatch.setattr(module.outbox, "enqueue", hold)
    return held


def _hold_recomputes(monkeypatch) -> list[dict]:
    """The recomputes the views queue, held back: their options (``kwargs`` as the worker gets them)."""
    from reports.analytics.dashboards import cache as kept

    return _hold(monkeypatch, kept, "reports.tasks.refresh_dashboard")


def _post_visit(api_for, rep, account, capture) -> None:
    with capture(execute=True):  # committed, then the drain refreshes the rollups
        assert api_for(rep).post("/api/visits/", visit_payload(account), format="json").status_code == 201


@override_settings(DASHBOARD_STALE_SECONDS=5)
def test_after_a_write_a_dashboard_computed_seconds_ago_is_shown_while_the_worker_recomputes_it(
    org, cards, api_for, django_capture_on_commit_callbacks, monkeypatch
):

    queued = _hold_recomputes(monkeypatch)
    rollups.rebuild()
    kam, team = api_for(org.kam_a1), f"level=team&id={org.team_a1.pk}"
    assert _visits(kam, team) == 0
    _post_visit(api_for, org.rep_a1, cards.a1, django_capture_on_commit_callbacks)

    with CaptureQueriesContext(connection) as shown:
        assert _visits(kam, team) == 0  # computed a moment ago: shown while recomputed
    assert len(shown) <= 2
    assert _visits(kam, team) == 0  # asked again before the worker ran: shown again, not queued twice
    assert len(queued) == 1

    tasks.refresh_dashboard(**queued[0]["kwargs"])  # the worker
    with CaptureQueriesContext(connection) as read:
        assert _visits(kam, team) == 1
    assert len(read) <= 2  # the worker's figures, read


@override_settings(DASHBOARD_STALE_SECONDS=5)
def test_a_dashboard_is_never_shown_late_to_its_writer_after_the_window_or_after_a_change_of_organisation(
    org, cards, api_for, django_capture_on_commit_callbacks, monkeypatch
):
    from reports.analytics.dashboards import cache as kept

    _hold_recomputes(monkeypatch)  # the worker never comes
    rollups.rebuild()
    kam, rep_query = api_for(org.kam_a1), f"level=rep&id={org.rep_a1.pk}"
    assert _visits(kam, rep_query) == 0

    # The writer sees their own visit at once.
    _post_visit(api_for, org.rep_a1, cards.a1, django_capture_on_commit_callbacks)
    assert _visits(api_for(org.rep_a1), rep_query) == 1

    # Another write; the dashboard was computed a moment ago: another reader is shown it, but not once the
    # window has passed.
    _post_visit(api_for, org.rep_a1, cards.a1_second, django_capture_on_commit_callbacks)
    assert _visits(kam, rep_query) == 1
    now = kept.time.time()
    monkeypatch.setattr(kept.time, "time", lambda: now + 6)
    assert _visits(kam, rep_query) == 2

    # A card given to another rep: never shown late, though just computed.
    with django_capture_on_commit_callbacks(execute=True):
        cards_services.reassign(distributor=cards.a1, owner=org.rep_a1b, by=org.admin)
    assert _visits(kam, rep_query) == 1  # the visit on a1 went with the card


def test_a_failed_write_leaves_no_writer_mark(org, cards, api_for):
    from reports.analytics.dashboards import cache as kept

    response = api_for(org.rep_a1).post("/api/visits/", {**visit_payload(cards.b1)}, format="json")
    assert response.status_code == 400  # not the rep's account
    assert cache.get(kept._writer_key(org.rep_a1.pk)) is None
    assert api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1), format="json").status_code == 201
    assert cache.get(kept._writer_key(org.rep_a1.pk)) == 1


@override_settings(DASHBOARD_STALE_SECONDS=5)
def test_the_dashboard_page_follows_the_same_rule(
    org, cards, api_for, client_for, django_capture_on_commit_callbacks, monkeypatch
):
    queued = _hold_recomputes(monkeypatch)
    rollups.rebuild()
    page = f"/dashboard/?level=team&id={org.team_a1.pk}&period=month&date={TODAY}"
    kam = client_for(org.kam_a1)
    assert kam.get(page).context["board"].figures.visits == 0
    _post_visit(api_for, org.rep_a1, cards.a1, django_capture_on_commit_callbacks)
    assert kam.get(page).context["board"].figures.visits == 0  # shown while the worker recomputes it
    assert len(queued) == 1
    tasks.refresh_dashboard(**queued[0]["kwargs"])
    assert kam.get(page).context["board"].figures.visits == 1
    # The KAM changes something (a visit of their own): their next views are never shown late.
    with django_capture_on_commit_callbacks(execute=True):
        assert kam.post("/api/visits/", visit_payload(cards.a1b), content_type="application/json").status_code == 201
    assert kam.get(page).context["board"].figures.visits == 2


# --- Recomputed after a change, when people look at them ----------------------------------------------------------


def _queries(client, url: str) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json(), len(queries)


def test_after_a_write_the_dashboards_people_look_at_are_recomputed_and_the_next_view_is_read(
    org, cards, api_for, django_capture_on_commit_callbacks
):
    rollups.rebuild()
    kam, admin = api_for(org.kam_a1), api_for(org.admin)
    # Viewed before the write: the KAM's team (month and year, in Chinese too), its region, the company's trend.
    viewed = [
        (kam, f"/api/dashboard/?level=team&id={org.team_a1.pk}&period=month&date={TODAY}", "en"),
        (kam, f"/api/dashboard/?level=team&id={org.team_a1.pk}&period=year&date={TODAY}", "zh-hans"),
        (admin, f"/api/dashboard/?level=region&id={org.region_a.pk}&period=month&date={TODAY}", "en"),
        (admin, f"/api/dashboard/trend/?level=company&period=month&date={TODAY}", "en"),
    ]
    for client, url, language in viewed:
        client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    _post_visit(api_for, org.rep_a1, cards.a1, django_capture_on_commit_callbacks)  # the worker runs (eager)

    for client, url, language in viewed:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert len(queries) <= 2, url  # read: recomputed by the worker after the write
        with override_settings(DASHBOARD_CACHE_SECONDS=0):
            assert response.json() == client.get(url, HTTP_ACCEPT_LANGUAGE=language).json(), url  # and current
    assert _visits(kam, f"level=team&id={org.team_a1.pk}") == 1
    # Not viewed before the write: its first view computes, as before (a quarter, the other region's month).
    for url in (
        f"/api/dashboard/?level=team&id={org.team_a1.pk}&period=quarter&date={TODAY}",
        f"/api/dashboard/?level=region&id={org.region_a.pk}&period=year&date={TODAY}",
    ):
        assert _queries(admin, url)[1] >= 10, url


def test_the_dashboard_page_a_manager_looked_at_is_read_after_a_write_too(
    org, cards, api_for, client_for, django_capture_on_commit_callbacks
):
    rollups.rebuild()
    kam = client_for(org.kam_a1)
    page = f"/dashboard/?level=team&id={org.team_a1.pk}&period=month&date={TODAY}"
    assert kam.get(page).context["board"].figures.visits == 0
    _post_visit(api_for, org.rep_a1, cards.a1, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as queries:
        response = kam.get(page)
    assert response.context["board"].figures.visits == 1  # the worker's recompute, read
    figures = [q["sql"] for q in queries.captured_queries if "reports_distributormonth" in q["sql"]]
    assert figures == []  # no figure computed by the page


def test_a_dashboard_is_recomputed_at_most_once_per_interval_and_the_last_change_is_never_left_out(
    org, cards, api_for, django_capture_on_commit_callbacks, monkeypatch
):
    from reports.analytics.dashboards import cache as kept

    held = _hold(monkeypatch, kept, "reports.tasks.refresh_dashboard")
    rollups.rebuild()
    kam, team = api_for(org.kam_a1), f"level=team&id={org.team_a1.pk}"
    assert _visits(kam, team) == 0
    with override_settings(DASHBOARD_WARM_SECONDS=30, DASHBOARD_STALE_SECONDS=0):
        _post_visit(api_for, org.rep_a1, cards.a1, django_capture_on_commit_callbacks)
        _post_visit(api_for, org.rep_a1, cards.a1_second, django_capture_on_commit_callbacks)
        assert len(held) == 1  # two changes, one recompute queued, a moment after the first
        assert held[0]["countdown"] == kept.WARM_DELAY
        now = kept.time.time()
        tasks.refresh_dashboard(**held[0]["kwargs"])  # the worker
        board, count = _queries(kam, f"/api/dashboard/?{team}&period=month&date={TODAY}")
        assert board["figures"]["visits"] == 2 and count <= 2  # both changes, read

        # Another change 10 s later: queued for when the interval since the last recompute ends, not sooner.
        monkeypatch.setattr(kept.time, "time", lambda: now + 10)
        _post_visit(api_for, org.rep_a1b, cards.a1b, django_capture_on_commit_callbacks)
        assert len(held) == 2
        assert 19 <= held[1]["countdown"] <= 20.5
        assert _visits(kam, team) == 3  # meanwhile a view computes: never shown late (no stale window here)

    with override_settings(DASHBOARD_WARM_SECONDS=0):  # off: nothing queued
        _post_visit(api_for, org.rep_a1, cards.a1, django_capture_on_commit_callbacks)
    assert len(held) == 2


@override_settings(DASHBOARD_STALE_SECONDS=0)
def test_a_failing_cache_after_the_commit_never_fails_the_write(
    org, cards, api_for, django_capture_on_commit_callbacks, monkeypatch
):
    from reports.analytics.dashboards import cache as kept

    rollups.rebuild()
    _visits(api_for(org.kam_a1), f"level=team&id={org.team_a1.pk}")

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(kept.cache, "get_many", down)
    _post_visit(api_for, org.rep_a1, cards.a1, django_capture_on_commit_callbacks)  # 201, and the drain ran
    monkeypatch.undo()
    assert _visits(api_for(org.kam_a1), f"level=team&id={org.team_a1.pk}") == 1


@override_settings(DASHBOARD_STALE_SECONDS=0, DASHBOARD_WARM_SECONDS=0)
def test_generations_the_cache_missed_at_a_commit_are_replaced_by_the_worker_once_it_answers(
    org, cards, api_for, django_capture_on_commit_callbacks, monkeypatch
):
    from reports.analytics.rollups import generations

    held = _hold(monkeypatch, generations, "reports.tasks.renew_generations")
    rollups.rebuild()
    kam, team = api_for(org.kam_a1), f"level=team&id={org.team_a1.pk}"
    assert _visits(kam, team) == 0  # kept

    set_many, down = cache.set_many, [True]

    def blip(data, *args, **kwargs):  # the cache misses the generations, and only them
        if down[0] and any(key.startswith(generations.PREFIX) for key in data):
            raise ConnectionError("cache unreachable")
        return set_many(data, *args, **kwargs)

    monkeypatch.setattr(cache, "set_many", blip)
    _post_visit(api_for, org.rep_a1, cards.a1, django_capture_on_commit_callbacks)  # 201: the write stands
    down[0] = False  # the cache answers again
    assert _visits(kam, team) == 0  # the kept dashboard does not know of the visit yet
    assert len(held) == 1 and f"team:{org.team_a1.pk}" in held[0]["args"][0]

    tasks.renew_generations(*held[0]["args"])  # the worker's retry
    assert _visits(kam, team) == 1


def test_a_long_lived_process_forgets_its_old_notes_of_views(org, cards, api_for):
    from reports.analytics.dashboards import cache as kept

    long_ago = kept.time.monotonic() - kept.NOTE_SECONDS - 1
    kept._viewed.update({("team:0", ("board", "day", str(i), "", "en")): long_ago for i in range(10_001)})
    _visits(api_for(org.kam_a1), f"level=team&id={org.team_a1.pk}")  # a view, noted
    assert len(kept._viewed) == 1
