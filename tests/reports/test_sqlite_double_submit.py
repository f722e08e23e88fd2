"""On the embedded SQLite default, simultaneous saves of the visit form (a double submit, the same client_ref)
never answer 500 "database is locked": each answers as a single submit would, and one visit is saved.

The suite runs on PostgreSQL, so this starts a subprocess on a fresh SQLite file with the real settings
(tests/reports/sqlite_double_submit.py does the submitting, in threads with a connection each).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_on_sqlite(tmp_path, rounds: int, parallel: list[int]) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'kamcrm.sqlite3'}",
        KAMCRM_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="kamcrm.settings.test",
        LOG_LEVEL="ERROR",
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.reports.sqlite_double_submit", str(rounds), ",".join(map(str, parallel))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_simultaneous_saves_of_one_visit_on_sqlite_never_500(tmp_path):
    result = _run_on_sqlite(tmp_path, rounds=3, parallel=[2, 3, 4])  # 3 double, 3 triple, 3 quadruple submits
    assert result["vendor"] == "sqlite" and result["journal_mode"] == "wal"
    assert result["errors"] == []
    assert set(result["statuses"]) == {302}, result["statuses"]  # saved, on to the visit (the retry: the same one)
    assert result["visits_per_ref"] == [1] * 9
