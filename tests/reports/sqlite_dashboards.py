"""The dashboards on the embedded SQLite database: a small company with invoices and payments spread over 14 months
(months without a row between them), then every scope's dashboard of several periods.

Not a test module: tests/reports/test_sqlite_dashboards.py runs it in a subprocess with DATABASE_URL pointing at a
fresh SQLite file (the suite itself runs on PostgreSQL). Prints one JSON object: the vendor, how many dashboards
were computed, the errors, and each period where the money open before it, read from the accounts' balances,
differs from the sum of every earlier month's flows.
"""

import json
import random
import traceback
from datetime import timedelta
from decimal import Decimal

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Region, Role, Team, User  # noqa: E402
from kamcrm.money import cents  # noqa: E402
from receivables import services as money  # noqa: E402
from reports.analytics.dashboards import selectors as dashboard  # noqa: E402
from reports.analytics.rollups import services as rollups  # noqa: E402
from tests import factories as f  # noqa: E402


def _company(today) -> None:
    """Two regions, three teams, four reps, eight accounts; invoices and payments on a few random days each over 14
    months, so an account has months without a row before a period as well as a row just before it."""
    rng = random.Random(11)
    regions = [f.RegionFactory(name=f"Region {n}") for n in "AB"]
    teams = [f.TeamFactory(name=f"Team {n}", region=regions[n % 2]) for n in range(3)]
    reps = [f.RepFactory(username=f"rep_{n}", team=teams[n % 3]) for n in range(4)]
    finance = f.FinanceFactory(username="finance")
    start = today - timedelta(days=420)
    for n in range(8):
        account = f.DistributorFactory(code=f"SQ-{n}", owner=reps[n % 4])
        for k in range(rng.randint(1, 5)):
            money.record_invoice(
                distributor=account,
                number=f"SQ-{n}-{k}",
                issue_date=start + timedelta(days=rng.randint(0, 420)),
                amount=Decimal(rng.randint(10000, 500000)) / 100,
                by=finance,
            )
        for k in range(rng.randint(0, 3)):
            money.record_payment(
                distributor=account,
                amount=Decimal(rng.randint(5000, 300000)) / 100,
                paid_on=start + timedelta(days=rng.randint(0, 420)),
                method="bank_transfer",
                by=finance,
                reference=f"SQ-{n}-P{k}",
            )
    rollups.rebuild()


def _scopes() -> list:
    scopes = [dashboard.Scope("company", None)]
    scopes += [dashboard.Scope("region", region) for region in Region.objects.order_by("pk")]
    scopes += [dashboard.Scope("team", team) for team in Team.objects.order_by("pk")]
    scopes += [dashboard.Scope("rep", rep) for rep in User.objects.filter(role=Role.REP).order_by("pk")]
    return scopes


def main() -> dict:
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    _company(today)
    days = [today - timedelta(days=back) for back in (0, 40, 75, 130, 200, 300)]
    periods = [dashboard.period_containing(kind, day) for kind in dashboard.PERIODS for day in days]
    computed, errors, differing = 0, [], []
    for scope in _scopes():
        for period in periods:
            try:
                board = dashboard.dashboard_json(dashboard.dashboard(scope=scope, period=period))
                json.dumps(board, default=str)
                computed += 1
            except Exception:
                errors.append(f"{scope.level} {scope.id} {period.kind} {period.start}: {traceback.format_exc()[-600:]}")
                continue
            for path in (None, "distributor_id", "distributor__owner_id"):
                # One period: the balances; three (as a trend asks): every earlier month's flows added up.
                by_balance = dashboard._open_before_months(scope.q(), [period], path)
                by_sum = dashboard._open_before_months(scope.q(), [period] * 3, path)
                for key in set(by_balance) | set(by_sum):
                    a = (by_balance.get(key) or {}).get("b_0") or Decimal(0)
                    b = (by_sum.get(key) or {}).get("b_0") or Decimal(0)
                    if not isinstance(a, Decimal) or cents(a) != cents(b):  # as _cells reads both
                        differing.append([scope.level, scope.id, str(period.start), path, key, repr(a), repr(b)])
    return {"vendor": connection.vendor, "computed": computed, "errors": errors, "differing": differing}


if __name__ == "__main__":
    print(json.dumps(main()))
