"""The dashboards on the embedded SQLite database: the demo company (what the README's first command loads), then
every scope's dashboard of several periods.

Not a test module: tests/reports/test_sqlite_dashboards.py runs it in a subprocess with DATABASE_URL pointing at a
fresh SQLite file (the suite itself runs on PostgreSQL). Prints one JSON object: the vendor, how many dashboards
were computed, the errors, and each period where the money open before it, read from the accounts' balances,
differs from the sum of every earlier month's flows.
"""

import json
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
from reports.analytics.dashboards import selectors as dashboard  # noqa: E402


def _scopes() -> list:
    scopes = [dashboard.Scope("company", None)]
    scopes += [dashboard.Scope("region", region) for region in Region.objects.order_by("pk")]
    scopes += [dashboard.Scope("team", team) for team in Team.objects.order_by("pk")]
    scopes += [dashboard.Scope("rep", rep) for rep in User.objects.filter(role=Role.REP).order_by("pk")]
    return scopes


def main() -> dict:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", quiet=True)
    today = timezone.localdate()
    days = [today, today - timedelta(days=40), today - timedelta(days=200)]
    periods = [dashboard.period_containing(kind, day) for kind in ("week", "month", "year") for day in days]
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
