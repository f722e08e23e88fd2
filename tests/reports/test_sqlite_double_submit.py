"""On the embedded SQLite default, simultaneous saves of the visit form (a double submit, the same client_ref)
never answer 500 "database is locked": each answers as a single submit would, and one visit is saved.

The suite runs on PostgreSQL, so this starts a subprocess on a fresh SQLite file with the real settings
(tests/reports/sqlite_double_submit.py does the submitting, in threads with a connection each).
"""

from tests.reports.helpers import run_on_sqlite


def _run_on_sqlite(tmp_path, rounds: int, parallel: list[int]) -> dict:
    return run_on_sqlite(tmp_path, "tests.reports.sqlite_double_submit", str(rounds), ",".join(map(str, parallel)))


def test_simultaneous_saves_of_one_visit_on_sqlite_never_500(tmp_path):
    result = _run_on_sqlite(tmp_path, rounds=3, parallel=[2, 3, 4])  # 3 double, 3 triple, 3 quadruple submits
    assert result["vendor"] == "sqlite" and result["journal_mode"] == "wal"
    assert result["errors"] == []
    assert set(result["statuses"]) == {302}, result["statuses"]  # saved, on to the visit (the retry: the same one)
    assert result["visits_per_ref"] == [1] * 9
