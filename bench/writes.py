"""The write path under load (issue 16): not a test, CI never runs it.

    runuser -u postgres -- createdb -O kamcrm kamcrm_bench
    export DATABASE_URL=postgres://kamcrm:kamcrm@127.0.0.1:5432/kamcrm_bench REDIS_URL=redis://127.0.0.1:6379/6
    .venv/bin/python bench/writes.py all          # seeds if needed, rebuilds, analyzes, then every figure below

Commands (each prints the load average beside its figures; the machine is shared):

``setup``    migrate; ``seed_bench`` at full size when the database has no bench company; full rebuild of the
             rollups, timed (it ends with ANALYZE of what it rewrote); VACUUM ANALYZE of the base tables.
``rollups``  one account's refresh of the day a change touched (p50/p95 over random accounts, rolled back),
             the same through the drain (requests stored, then drained), the nightly rollup of one day and of
             yesterday + today for every account (rolled back).
``visit``    POST /api/visits/ alone, in-process through DRF (token auth, JSON), p50/p95 and SQL queries.
``load``     the write-load run: gunicorn and a Celery worker (queues ``rollups`` and ``celery``) as separate
             processes; N threads post visits as N different reps for S seconds while a probe posts a visit of
             its own every few seconds and polls its rep dashboard until the visit shows (the staleness),
             and a manager views dashboards (a team with writes, a team without, the company) twice a second.
             Prints throughput, p50/p95 latency, errors, the staleness p50/p95/max, the drain's backlog,
             the CPU per POST of each role and the dashboard views' p50/p95. ``--target drf`` or ``django``
             posts the same bodies to a floor instead (``bench/floor_urls.py``: a POST that DRF authenticates
             by token and answers 201, or one only Django's middleware sees): what any POST costs the machine
             before the visit's own work.
``replica``  starts a streaming replica of this PostgreSQL cluster on port 5433 (pg_basebackup into
             /var/lib/postgresql/kamcrm-replica; needs root for ``runuser -u postgres``), waits for it to
             catch up, and times the dashboard and aging endpoints with DATABASE_REPLICA_URL pointing at it.
             ``replica --stop`` stops it and removes its replication slot and copy (run it when done: the slot
             keeps WAL on the primary); ``--fresh`` takes a new copy.
"""

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kamcrm.settings.local")
os.environ.setdefault("DJANGO_DEBUG", "false")  # DEBUG keeps every query in memory
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
REPLICA_DIR = Path("/var/lib/postgresql/kamcrm-replica")
REPLICA_PORT = 5433
REPLICA_SLOT = "kamcrm_bench_replica"
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _pct(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _report(label: str, samples: list[float], unit: str = "ms") -> None:
    p50, p95 = _pct(samples)
    scale = 1000 if unit == "ms" else 1
    print(
        f"  {label:<58} p50 {p50 * scale:8.1f} {unit}  p95 {p95 * scale:8.1f} {unit}  (n={len(samples)}; {_load()})",
        flush=True,
    )


def _check_database() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")


def _env() -> dict:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"], "DJANGO_DEBUG": "false"}


# --- setup --------------------------------------------------------------------------------------------------------


def setup() -> None:
    from accounts.models import User
    from reports.analytics.rollups import services as rollups

    _check_database()
    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="bench_admin").exists():
        print("No bench company: seed_bench at full size (~6-11 min) …", flush=True)
        call_command("seed_bench")
    began = time.monotonic()
    rollups.rebuild()
    print(f"  full rebuild of the rollups (with ANALYZE): {time.monotonic() - began:.1f} s ({_load()})", flush=True)
    began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE: {time.monotonic() - began:.1f} s", flush=True)


# --- rollups --------------------------------------------------------------------------------------------------------


def bench_rollups(samples: int) -> None:
    from distributors.models import Distributor
    from receivables.models import Invoice, Payment
    from reports.analytics.models import PendingRefresh
    from reports.analytics.rollups import services as rollups
    from reports.visits.models import Order, Visit

    _check_database()
    rng = random.Random(16)
    today = timezone.localdate()
    ids = list(Distributor.objects.filter(code__startswith="B").values_list("pk", flat=True)) or list(
        Distributor.objects.values_list("pk", flat=True)
    )
    # Requests other runs left stored (``visit`` queues its POSTs' refreshes, not drains them) would be drained by
    # every sample below: drained first, for good. Then the dead rows of earlier rolled-back samples are vacuumed
    # (autovacuum is off on these machines), and again before each group below, whose rolled-back samples leave
    # theirs: both made "through the drain" 60 ms instead of 10 once, and one account's refresh 25.7 ms instead of
    # 15.6 (the day rows' dead ones). The source tables are vacuumed too.
    left = 0
    while drained := rollups.drain():
        left += drained

    def vacuumed(models=(*rollups.ROLLUP_TABLES, PendingRefresh)) -> None:
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    vacuumed()
    # The rows a refresh reads: ``load`` and ``visit`` runs add visits and orders (their visibility map: 38.6 ms ->
    # 19.3 ms for one account's refresh).
    vacuumed((Distributor, Visit, Order, Invoice, Payment))
    print(f"Rollups ({len(ids)} accounts; today {today}; {left} stored requests drained first):", flush=True)

    def rolled_back(function) -> float:
        with transaction.atomic():
            began = time.perf_counter()
            function()
            elapsed = time.perf_counter() - began
            transaction.set_rollback(True)
        return elapsed

    picks = [rng.choice(ids) for _ in range(samples)]
    visit = rollups.FLOWS  # what a visit reaches: the day and month rows
    rolled_back(lambda: rollups.rebuild(start=today, end=today, distributor_ids=[picks[0]]))  # warm-up
    _report(
        "one account after a visit (its day and month rows)",
        [
            rolled_back(lambda p=p: rollups.rebuild(start=today, end=today, distributor_ids=[p], parts=visit))
            for p in picks
        ],
    )

    def drained(pk: int) -> None:
        rollups.request({pk: (today, today, rollups.FLOWS)})
        rollups.drain()

    vacuumed()
    _report(
        "one account through the drain (stored request + drain)",
        [rolled_back(lambda pk=pk: drained(pk)) for pk in picks],
    )

    def burst() -> None:  # 50 reps' visits in a second: 50 accounts, several requests each
        chosen = rng.sample(ids, 50)
        PendingRefresh.objects.bulk_create(
            PendingRefresh(distributor_id=pk, start=today, end=today, parts=rollups.FLOWS)
            for pk in chosen
            for _ in range(3)
        )
        rollups.drain()

    vacuumed()
    _report(
        "150 requests of 50 accounts, one drain (merged)", [rolled_back(burst) for _ in range(max(5, samples // 8))]
    )
    _report(
        "one account, all history (what every change cost before)",
        [rolled_back(lambda pk=pk: rollups.rebuild(distributor_ids=[pk])) for pk in picks[: max(5, samples // 4)]],
    )
    yesterday = today - timedelta(days=1)
    vacuumed()
    _report(
        "nightly: every account, one day (yesterday)",  # the nightly's parts: flows, early allocations, outlets
        [rolled_back(lambda: rollups.rebuild_recent(today=yesterday, days=1)) for _ in range(5)],
        unit="s",
    )
    vacuumed()
    _report(
        "nightly: every account, yesterday and today (the task)",
        [rolled_back(lambda: rollups.rebuild_recent(today=today)) for _ in range(5)],
        unit="s",
    )


# --- visit alone --------------------------------------------------------------------------------------------------


def _reps(count: int, offset: int = 0) -> list[tuple[object, list[int]]]:
    from accounts.models import User
    from distributors.models import Distributor

    reps = list(User.objects.filter(username__startswith="bench_rep_").order_by("username")[offset : offset + count])
    accounts: dict[int, list[int]] = {}
    for pk, owner in Distributor.objects.filter(owner__in=reps).values_list("pk", "owner_id"):
        accounts.setdefault(owner, []).append(pk)
    return [(rep, accounts[rep.pk]) for rep in reps if rep.pk in accounts]


def _visit_body(distributor: int) -> dict:
    now = timezone.now()
    return {
        "distributor": distributor,
        "kind": "in_person",
        "purpose": "order_taking",
        "started_at": (now - timedelta(minutes=50)).isoformat(),
        "ended_at": (now - timedelta(minutes=20)).isoformat(),
        "outcome": "Checked the shelf and the stock",
        "client_ref": str(uuid.uuid4()),
    }


def _token(user) -> str:
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=user)
    if token.created < timezone.now() - timedelta(days=1):  # tokens expire: a fresh one for the run
        token.delete()
        token = Token.objects.create(user=user)
    return token.key


def bench_visit(samples: int, profile: bool = False) -> None:
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    _check_database()
    rng = random.Random(7)
    reps = _reps(20, offset=1000)
    clients = []
    for rep, accounts in reps:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {_token(rep)}")
        clients.append((client, accounts))
    client, accounts = clients[0]
    assert client.post("/api/visits/", _visit_body(accounts[0]), format="json").status_code == 201  # warm-up
    times, queries = [], []
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    for _ in range(samples):
        client, accounts = rng.choice(clients)
        body = _visit_body(rng.choice(accounts))
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.post("/api/visits/", body, format="json")
            times.append(time.perf_counter() - began)
        assert response.status_code == 201, response.content[:300]
        queries.append(len(captured))
    if profiler is not None:
        import pstats

        profiler.disable()
        order, lines = os.environ.get("BENCH_SORT", "cumulative"), int(os.environ.get("BENCH_LINES", "45"))
        pstats.Stats(profiler).sort_stats(order).print_stats(lines)
    print("Visit POST alone (in-process, token auth, JSON, committed; the drain is queued, not run):", flush=True)
    _report("POST /api/visits/", times)
    print(f"  SQL queries per POST: {min(queries)}–{max(queries)}", flush=True)


# --- load ----------------------------------------------------------------------------------------------------------


class _Http:
    def __init__(self, port: int, token: str):
        self.port, self.headers = port, {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.conn = HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=json.dumps(body) if body else None, headers=self.headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (ConnectionError, OSError):
                self.conn.close()
                self.conn = HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def _start(command: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env={**_env(), **(env or {})},
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _servers(
    port: int, web_workers: int, web_threads: int, worker_concurrency: int, env: dict | None = None
) -> tuple[subprocess.Popen, subprocess.Popen]:
    """gunicorn on ``port`` (with the deployment's ``kamcrm/gunicorn_conf.py``, sized by the arguments; options in
    ``BENCH_GUNICORN`` added, e.g. ``--keep-alive 2 --worker-connections 1000`` for connections kept alive) and a
    Celery worker (queues ``rollups`` and ``celery``), as separate processes."""
    logs = Path(os.environ.get("KAMCRM_VAR_DIR", ROOT / "var")) / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    connections.close_all()
    web = _start(
        [str(ROOT / ".venv/bin/gunicorn"), "kamcrm.wsgi", "--config", "python:kamcrm.gunicorn_conf",
         "--bind", f"127.0.0.1:{port}", *os.environ.get("BENCH_GUNICORN", "").split()],
        logs / "web.log",
        {**(env or {}), "WEB_WORKERS": str(web_workers), "WEB_THREADS": str(web_threads)},
    )  # fmt: skip
    worker = _start(
        [str(ROOT / ".venv/bin/celery"), "-A", "kamcrm", "worker", "--queues", "rollups,celery",
         "--concurrency", str(worker_concurrency), "--loglevel", "warning",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        logs / "worker.log",
        env,
    )  # fmt: skip
    return web, worker


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def _wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    sys.exit(f"The web server on port {port} did not answer")


def _cpu_by_role(web_group: int, worker_group: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each role's live processes, read from /proc: the load
    generator (this process), gunicorn, the Celery worker, PostgreSQL, Redis, and the machine in all."""
    tick = os.sysconf("SC_CLK_TCK")
    roles = dict.fromkeys(("client", "web", "worker", "postgresql", "redis", "other"), 0.0)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as handle:
                text = handle.read()
        except OSError:
            continue
        command = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        # utime + stime, and cutime + cstime: the processes it reaped (PostgreSQL's backends closed at
        # DATABASE_CONN_MAX_AGE, gunicorn's workers), which /proc no longer lists.
        group, used = int(fields[2]), sum(int(v) for v in fields[11:15]) / tick
        if int(name) == os.getpid():
            role = "client"
        elif group == web_group:
            role = "web"
        elif group == worker_group:
            role = "worker"
        elif command.startswith("postgres"):
            role = "postgresql"
        elif command.startswith("redis"):
            role = "redis"
        else:
            role = "other"
        roles[role] += used
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
    roles["interrupts"] = (values[5] + values[6]) / tick  # the kernel's network and disk work, no process's
    roles["steal"] = values[7] / tick  # taken by the host from this virtual machine
    roles["machine"] = (sum(values) - values[3] - values[4]) / tick  # all but idle and iowait
    return roles


FLOORS = {"drf": "/bench/floor/drf/", "django": "/bench/floor/django/"}


def bench_load(
    threads: int, seconds: int, web_workers: int, web_threads: int, worker_concurrency: int, target: str = "visit"
) -> None:
    """``target``: ``visit`` (POST /api/visits/, with the staleness probe and a manager's views), or a floor
    (``bench/floor_urls.py``): ``drf``, a POST that DRF authenticates by token, parses and answers 201, or
    ``django``, one that only Django's middleware sees; the same body, clients and servers."""
    from reports.analytics.models import PendingRefresh

    _check_database()
    port = 8716
    from accounts.models import Team, User

    reps = _reps(threads + 1, offset=200)
    probe_rep, probe_accounts = reps.pop()
    tokens = {rep.pk: _token(rep) for rep, _ in [*reps, (probe_rep, None)]}
    viewer = User.objects.filter(username="bench_admin").first() or User.objects.filter(is_superuser=True).first()
    viewer_token = _token(viewer)
    # The teams of the posting reps (their dashboards change under the load) and ten others (quiet ones).
    busy = sorted({rep.team_id for rep, _accounts in reps if rep.team_id})
    quiet = list(Team.objects.filter(name__startswith="bench").exclude(pk__in=busy).values_list("pk", flat=True)[:10])
    floor = FLOORS.get(target)
    settings_env = {"DJANGO_SETTINGS_MODULE": "bench.floor_settings"} if floor else None
    web, worker = _servers(port, web_workers, web_threads, worker_concurrency, settings_env)
    try:
        _wait_for(port)
        time.sleep(3)  # the worker's start
        latencies: list[float] = []
        by_rep: dict[int, list[float]] = {}  # fairness: each rep's own latencies
        errors: list[int] = []
        stale: list[float] = []
        stop = threading.Event()

        def post_visits(rep, accounts):
            http, rng = _Http(port, tokens[rep.pk]), random.Random(rep.pk)
            while not stop.is_set():
                began = time.perf_counter()
                status, _body = http.request("POST", floor or "/api/visits/", _visit_body(rng.choice(accounts)))
                latencies.append(time.perf_counter() - began)
                by_rep.setdefault(rep.pk, []).append(latencies[-1])
                if status != 201:
                    errors.append(status)

        def probe():
            http = _Http(port, tokens[probe_rep.pk])
            url = f"/api/dashboard/?level=rep&id={probe_rep.pk}&period=day"

            def visits() -> int:
                status, body = http.request("GET", url)
                return json.loads(body)["figures"]["visits"] if status == 200 else -1

            while not stop.is_set():
                before = visits()
                status, _ = http.request("POST", "/api/visits/", _visit_body(random.choice(probe_accounts)))
                posted = time.perf_counter()
                while visits() < before + 1 and time.perf_counter() - posted < 900:
                    time.sleep(0.2)
                stale.append(time.perf_counter() - posted)
                stop.wait(2)

        views: dict[str, list[float]] = {"busy": [], "quiet": [], "company": []}

        def view_dashboards():
            """A manager's views while the reps write: a busy team's month, a quiet team's, the company's."""
            http, rng = _Http(port, viewer_token), random.Random(5)
            while not stop.is_set():
                for kind, url in (
                    ("busy", f"/api/dashboard/?level=team&id={rng.choice(busy)}"),
                    ("quiet", f"/api/dashboard/?level=team&id={rng.choice(quiet)}"),
                    ("company", "/api/dashboard/?level=company"),
                ):
                    began = time.perf_counter()
                    status, _body = http.request("GET", url)
                    if status == 200:
                        views[kind].append(time.perf_counter() - began)
                stop.wait(0.5)

        workers = [threading.Thread(target=post_visits, args=rep) for rep in reps]
        if not floor:
            workers.append(threading.Thread(target=probe))
            workers.append(threading.Thread(target=view_dashboards))
        cpu_before = _cpu_by_role(web.pid, worker.pid)
        began = time.perf_counter()
        for thread in workers:
            thread.start()
        backlog = []
        while time.perf_counter() - began < seconds:
            time.sleep(5)
            backlog.append(PendingRefresh.objects.count())
        stop.set()
        for thread in workers:
            thread.join()
        elapsed = time.perf_counter() - began
        cpu_after = _cpu_by_role(web.pid, worker.pid)
        drained_in = time.perf_counter()
        while PendingRefresh.objects.exists() and time.perf_counter() - drained_in < 600:
            time.sleep(0.5)
        drained_in = time.perf_counter() - drained_in
        what = f"POST {floor} (a floor: {target})" if floor else "visits"
        print(
            f"Write load: {len(reps)} reps posting {what} for {elapsed:.0f} s (gunicorn {web_workers}×{web_threads} "
            f"gthread {os.environ.get('BENCH_GUNICORN', '')}, one Celery worker ×{worker_concurrency} on rollups):",
            flush=True,
        )
        print(f"  throughput {len(latencies) / elapsed:.1f} req/s, {len(errors)} errors {sorted(set(errors))}")
        _report(f"POST {floor or '/api/visits/'} under load", latencies)
        means = sorted(1000 * sum(values) / len(values) for values in by_rep.values())
        print(f"  fairness: each rep's mean latency {means[0]:.0f}–{means[-1]:.0f} ms", flush=True)
        if stale:
            _report("staleness: a visit until its rep dashboard shows it", stale, unit="s")
            print(f"  staleness max {max(stale):.1f} s")
        print(f"  drain backlog every 5 s (stored requests): {backlog}; empty {drained_in:.1f} s after the load")
        posts = max(1, len(latencies))
        print(
            "  CPU per POST during the load (ms, all of the machine's processes by role; "
            + f"{os.cpu_count()} cores): "
            + ", ".join(f"{role} {1000 * (cpu_after[role] - cpu_before[role]) / posts:.2f}" for role in cpu_after)
        )
        labels = {
            "busy": f"a team month with writes ({len(busy)} teams), viewed under load",
            "quiet": "a team month without writes (10 teams), viewed under load",
            "company": "the company month, viewed under load",
        }
        for kind, label in labels.items():
            if views[kind]:
                _report(label, views[kind])
    finally:
        _stop(web)
        _stop(worker)


# --- a working day in miniature -----------------------------------------------------------------------------------


def bench_day(teams: int, seconds: int, post_every: float, view_every: float, rounds: int, warms: list[str]) -> None:
    """Managers look at their team's month (and one at the company's) every ``view_every`` seconds while two reps
    of each team log a visit every ``post_every`` seconds (both jittered ±50 %): the views' times with the
    worker's recompute after a change off (``DASHBOARD_WARM_SECONDS=0``: the first view after a change computes)
    and on (``warms``: its values, e.g. 0, 10 and 30), interleaved ``rounds`` times. A team's first view of a run is
    left out (computed either way). "Over 25 ms": the share of views that took longer (computed, nearly all)."""
    from accounts.models import Team, User
    from distributors.models import Distributor

    _check_database()
    port = 8717
    chosen = list(Team.objects.filter(name__startswith="bench").order_by("pk").values_list("pk", flat=True)[:teams])
    posters = []
    for team in chosen:
        for rep in User.objects.filter(team_id=team, username__startswith="bench_rep_").order_by("pk")[:2]:
            accounts = list(Distributor.objects.filter(owner=rep).values_list("pk", flat=True))
            if accounts:
                posters.append((_token(rep), accounts))
    viewer = User.objects.filter(username="bench_admin").first() or User.objects.filter(is_superuser=True).first()
    viewer_token = _token(viewer)
    print(f"A working day in miniature ({_load()}): {len(chosen)} teams, {len(posters)} reps posting a visit every "
          f"~{post_every:g} s, each team's month and the company's month viewed every ~{view_every:g} s, "
          f"{seconds} s a run", flush=True)  # fmt: skip
    for round_ in range(rounds):
        for warm in warms:
            web, worker = _servers(port, 2, 4, 1, env={"DASHBOARD_WARM_SECONDS": warm})
            try:
                _wait_for(port)
                time.sleep(3)
                views, posted = _day_run(port, chosen, posters, viewer_token, seconds, post_every, view_every)
                print(f"  round {round_ + 1}, DASHBOARD_WARM_SECONDS={warm}: {len(posted)} visits posted "
                      f"({sum(1 for s in posted if s != 201)} errors), {_load()}")  # fmt: skip
                for kind, label in (("team", "a team's month, viewed"), ("company", "the company's month, viewed")):
                    slow = sum(1 for t in views[kind] if t > 0.025) / max(1, len(views[kind]))
                    _report(f"{label} ({slow:.0%} over 25 ms)", views[kind])
            finally:
                _stop(web)
                _stop(worker)


def _day_run(port, chosen, posters, viewer_token, seconds, post_every, view_every) -> tuple[dict, list]:
    stop = threading.Event()
    views: dict[str, list[float]] = {"team": [], "company": []}
    posted: list[int] = []

    def post(token, accounts, seed):
        http, rng = _Http(port, token), random.Random(seed)
        while not stop.wait(rng.uniform(0.5, 1.5) * post_every):
            status, _body = http.request("POST", "/api/visits/", _visit_body(rng.choice(accounts)))
            posted.append(status)

    def view(url, kind, seed):
        http, rng, first = _Http(port, viewer_token), random.Random(seed), True
        while not stop.is_set():
            began = time.perf_counter()
            status, _body = http.request("GET", url)
            if status == 200 and not first:
                views[kind].append(time.perf_counter() - began)
            first = False
            stop.wait(rng.uniform(0.5, 1.5) * view_every)

    threads = [
        threading.Thread(target=view, args=(f"/api/dashboard/?level=team&id={team}", "team", team)) for team in chosen
    ]
    threads.append(threading.Thread(target=view, args=("/api/dashboard/?level=company", "company", 0)))
    threads += [threading.Thread(target=post, args=(*p, i)) for i, p in enumerate(posters)]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return views, posted


# --- replica --------------------------------------------------------------------------------------------------------


def _as_postgres(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True, check=check)


def replica(stop: bool, fresh: bool, samples: int) -> None:
    ctl = str(PG_BIN / "pg_ctl")
    if stop:  # the replica, its slot (which keeps WAL on the primary while it exists) and its copy
        print(_as_postgres(ctl, "-D", str(REPLICA_DIR), "stop", "-m", "fast", check=False).stdout)
        _as_postgres("psql", "-c", f"SELECT pg_drop_replication_slot('{REPLICA_SLOT}')", check=False)
        subprocess.run(["rm", "-rf", str(REPLICA_DIR)], check=True)
        return
    running = _as_postgres(ctl, "-D", str(REPLICA_DIR), "status", check=False).returncode == 0
    if fresh and running:
        _as_postgres(ctl, "-D", str(REPLICA_DIR), "stop", "-m", "fast")
        running = False
    if fresh or not REPLICA_DIR.exists():
        hba = Path(_as_postgres("psql", "-tAc", "SHOW hba_file").stdout.strip())
        if "replication" not in hba.read_text():
            # pg_basebackup connects as a replication client over the local socket.
            with hba.open("a") as f:
                f.write("\n# kamcrm bench/writes.py replica: streaming replication over the local socket\n")
                f.write("local replication all trust\n")
            _as_postgres("psql", "-c", "SELECT pg_reload_conf()")
        subprocess.run(["rm", "-rf", str(REPLICA_DIR)], check=True)
        began = time.monotonic()
        print("pg_basebackup of the whole cluster …", flush=True)
        _as_postgres("psql", "-c", f"SELECT pg_drop_replication_slot('{REPLICA_SLOT}')", check=False)
        # A slot keeps the WAL the replica still needs (a busy primary removes it within minutes otherwise).
        _as_postgres(
            str(PG_BIN / "pg_basebackup"), "-D", str(REPLICA_DIR), "-X", "stream", "-R", "-c", "fast",
            "-C", "-S", REPLICA_SLOT,
        )  # fmt: skip
        print(f"  copied in {time.monotonic() - began:.0f} s", flush=True)
        (REPLICA_DIR / "postgresql.conf").write_text(
            f"port = {REPLICA_PORT}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '/tmp'\n"
            "hot_standby = on\nshared_buffers = 128MB\njit = off\nrandom_page_cost = 1.1\n"
            "max_standby_streaming_delay = 30s\nhot_standby_feedback = on\n"
        )
        (REPLICA_DIR / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        (REPLICA_DIR / "pg_ident.conf").write_text("")
        subprocess.run(["chown", "-R", "postgres:postgres", str(REPLICA_DIR)], check=True)
    if not running:
        _as_postgres(ctl, "-D", str(REPLICA_DIR), "-l", str(REPLICA_DIR / "replica.log"), "-w", "start")
    primary = connections["default"].settings_dict
    replica_url = f"postgres://{primary['USER']}:{primary['PASSWORD']}@127.0.0.1:{REPLICA_PORT}/{primary['NAME']}"
    with connection.cursor() as cursor:  # replication lag: the primary's WAL position reached by the replica
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    for _ in range(600):
        probe = subprocess.run(
            ["psql", replica_url, "-tAc", f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"],
            capture_output=True, text=True,
        )  # fmt: skip
        if probe.stdout.strip() == "t":
            break
        time.sleep(1)
    print(f"Streaming replica on port {REPLICA_PORT} caught up; read figures with DATABASE_REPLICA_URL:", flush=True)
    env = {**_env(), "DATABASE_REPLICA_URL": replica_url}
    subprocess.run([PYTHON, __file__, "replica-reads", "--samples", str(samples)], cwd=ROOT, env=env, check=True)


def replica_reads(samples: int) -> None:
    """Dashboards and aging through the real views, reading from the replica (run by ``replica``)."""
    from django.conf import settings
    from rest_framework.test import APIClient

    from accounts.models import Region, Team, User

    assert settings.KAMCRM_READ_REPLICA, "DATABASE_REPLICA_URL is not set"
    admin = User.objects.get(username="bench_admin")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {_token(admin)}")
    rng = random.Random(5)
    teams = list(Team.objects.filter(name__startswith="bench").values_list("pk", flat=True))
    regions = list(Region.objects.filter(name__startswith="bench").values_list("pk", flat=True))
    replica_queries = []

    answered = [0]

    def count(execute, sql, params, many, context):
        answered[0] += 1
        return execute(sql, params, many, context)

    def get(url: str) -> float:
        answered[0] = 0
        with connections["replica"].execute_wrapper(count):  # what the replica answered
            began = time.perf_counter()
            response = api.get(url)
            elapsed = time.perf_counter() - began
        assert response.status_code == 200, (url, response.status_code)
        replica_queries.append(answered[0])
        return elapsed

    get(f"/api/dashboard/?level=team&id={teams[0]}")
    for label, url, pool in (
        ("team dashboard, this month", "/api/dashboard/?level=team&id={}", teams),
        ("region dashboard, this year", "/api/dashboard/?level=region&id={}&period=year", regions),
        ("company aging by region", "/api/receivables/aging/?group_by=region", [None]),
    ):
        _report(f"{label} (replica)", [get(url.format(rng.choice(pool))) for _ in range(samples)])
    print(f"  queries answered by the replica per request: {min(replica_queries)}–{max(replica_queries)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup")
    for name in ("rollups", "visit", "replica-reads"):
        command = sub.add_parser(name)
        command.add_argument("--samples", type=int, default=40)
        if name == "visit":
            command.add_argument("--profile", action="store_true", help="print where the POSTs spent their time")
    load = sub.add_parser("load")
    load.add_argument("--threads", type=int, default=50)
    load.add_argument("--seconds", type=int, default=60)
    load.add_argument("--web-workers", type=int, default=2)
    load.add_argument("--web-threads", type=int, default=5)
    load.add_argument("--worker-concurrency", type=int, default=1)
    load.add_argument("--target", choices=["visit", *FLOORS], default="visit", help="visit, or a floor: bench_load")
    day = sub.add_parser("day")
    day.add_argument("--teams", type=int, default=10)
    day.add_argument("--seconds", type=int, default=120)
    day.add_argument("--post-every", type=float, default=80)
    day.add_argument("--view-every", type=float, default=15)
    day.add_argument("--rounds", type=int, default=2)
    day.add_argument("--warm", default="0,30", help="the DASHBOARD_WARM_SECONDS values to compare (default 0,30)")
    rep = sub.add_parser("replica")
    rep.add_argument("--stop", action="store_true")
    rep.add_argument("--fresh", action="store_true")
    rep.add_argument("--samples", type=int, default=20)
    all_ = sub.add_parser("all")
    all_.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    if args.command == "setup":
        setup()
    elif args.command == "rollups":
        bench_rollups(args.samples)
    elif args.command == "visit":
        bench_visit(args.samples, args.profile)
    elif args.command == "load":
        bench_load(args.threads, args.seconds, args.web_workers, args.web_threads, args.worker_concurrency, args.target)
    elif args.command == "day":
        bench_day(args.teams, args.seconds, args.post_every, args.view_every, args.rounds, args.warm.split(","))
    elif args.command == "replica":
        replica(args.stop, args.fresh, args.samples)
    elif args.command == "replica-reads":
        replica_reads(args.samples)
    else:
        setup()
        bench_rollups(40)
        bench_visit(100)
        bench_load(50, args.seconds, 2, 5, 1)


if __name__ == "__main__":
    main()
