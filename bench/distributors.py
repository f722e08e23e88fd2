"""Customer-card list speed at the target size (issue 3): not a test, CI never runs it.

Uses the company that ``bench/receivables.py seed`` writes (20,000 distributors over 2,000 reps):

    DATABASE_URL=postgres://kamcrm:kamcrm@127.0.0.1:5432/kamcrm_recv .venv/bin/python bench/distributors.py

Times, through the real views (session auth, filters, paging, template or JSON rendering), the list page and
the list API for an admin (all 20,000 cards) and a KAM (one team), first page and a deep page, with and
without a search and filters. Median of 7 after a warm-up.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kamcrm.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from distributors.models import Distributor  # noqa: E402


def timed(client: Client, url: str) -> float:
    client.get(url)  # warm-up
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        response = client.get(url)
        runs.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(runs)


def main() -> None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Point DATABASE_URL at the benchmark PostgreSQL database.")
    settings.ALLOWED_HOSTS = ["*"]
    total = Distributor.objects.count()
    admin, _ = User.objects.get_or_create(username="bench_admin", defaults={"role": Role.ADMIN})
    kam = User.objects.filter(role=Role.KAM, led_team__isnull=False).first()
    print(f"{total} distributors; admin={admin}, kam={kam}")
    for user in (admin, kam):
        last = max(1, Distributor.objects.visible_to(user).count() // 50)  # the deepest full page
        urls = [
            "/distributors/",
            f"/distributors/?page={last}",
            "/distributors/?q=00012",
            "/distributors/?status=key&tier=A",
            "/distributors/?not_visited_days=30&ordering=-updated",
            "/api/distributors/",
            f"/api/distributors/?page={last}",
            "/api/distributors/?q=00012&status=qualified",
        ]
        client = Client()
        client.force_login(user)
        for url in urls:
            print(f"{user.effective_role:6} {url:55} {timed(client, url):8.1f} ms")


if __name__ == "__main__":
    main()
