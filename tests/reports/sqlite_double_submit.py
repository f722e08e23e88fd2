"""Double submits of the visit form on the embedded SQLite database, in threads (one connection each).

Not a test module: tests/reports/test_sqlite_double_submit.py runs it in a subprocess with DATABASE_URL pointing
at a fresh SQLite file (the suite itself runs on PostgreSQL). Prints one JSON object: the status codes, the
errors and how many visits each client_ref made.
"""

import json
import sys
import threading
import traceback
import uuid

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from reports.models import Visit  # noqa: E402
from tests import factories as f  # noqa: E402
from tests.reports.test_views import visit_post  # noqa: E402


def main(rounds: int, parallel: list[int]) -> dict:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    team = f.TeamFactory(region=f.RegionFactory())
    rep = f.RepFactory(team=team)
    distributor = f.DistributorFactory(owner=rep)
    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()
    statuses, errors, refs = [], [], []
    for at_once in [n for n in parallel for _round in range(rounds)]:
        ref = str(uuid.uuid4())
        refs.append(ref)
        start = threading.Barrier(at_once)

        def submit(ref=ref, start=start):
            client = Client(raise_request_exception=True)
            client.force_login(rep)
            try:
                start.wait(10)
                response = client.post("/reports/visits/new/", visit_post(distributor, client_ref=ref, outcome="x"))
                statuses.append(response.status_code)
            except Exception as exc:  # a 500: the test reports it
                statuses.append(500)
                errors.append(f"{exc.__class__.__name__}: {exc} at {traceback.extract_tb(exc.__traceback__)[-1]}")
            finally:
                connection.close()

        threads = [threading.Thread(target=submit) for _ in range(at_once)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    return {
        "vendor": connection.vendor,
        "journal_mode": journal_mode,
        "statuses": statuses,
        "errors": errors[:5],
        "visits_per_ref": [Visit.objects.filter(client_ref=ref).count() for ref in refs],
    }


if __name__ == "__main__":
    print(json.dumps(main(rounds=int(sys.argv[1]), parallel=[int(n) for n in sys.argv[2].split(",")])))
