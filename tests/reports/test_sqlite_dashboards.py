"""On the embedded SQLite default (the README's first command without DATABASE_URL) every dashboard is computed: the
money open before a period, read by raw SQL from the accounts' balances, comes back as Decimal amounts equal to
every earlier month's flows added up, as on PostgreSQL. (The README's first command failed in ``seed_demo`` when
it came back as floats.)

The suite runs on PostgreSQL, so this starts a subprocess on a fresh SQLite file with the real settings
(tests/reports/sqlite_dashboards.py builds a small company and computes the dashboards).
"""

from tests.reports.helpers import run_on_sqlite


def test_every_dashboard_on_sqlite(tmp_path):
    result = run_on_sqlite(tmp_path, "tests.reports.sqlite_dashboards")
    assert result["vendor"] == "sqlite"
    assert result["errors"] == []
    assert result["computed"] == 300  # 10 scopes × 5 kinds of period × 6 days
    assert result["differing"] == []
