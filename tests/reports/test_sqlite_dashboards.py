"""On the embedded SQLite default (the README's first command without DATABASE_URL) every dashboard is computed: the
money open before a period, read by raw SQL from the accounts' balances, comes back as Decimal amounts equal to
every earlier month's flows added up, as on PostgreSQL. (The README's first command failed in ``seed_demo`` when
it came back as floats.)

The suite runs on PostgreSQL, so this starts a subprocess on a fresh SQLite file with the real settings
(tests/reports/sqlite_dashboards.py builds a small company and computes the dashboards).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_dashboard_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'kamcrm.sqlite3'}",
        KAMCRM_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="kamcrm.settings.test",
        LOG_LEVEL="ERROR",
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.reports.sqlite_dashboards"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["vendor"] == "sqlite"
    assert result["errors"] == []
    assert result["computed"] == 300  # 10 scopes × 5 kinds of period × 6 days
    assert result["differing"] == []
