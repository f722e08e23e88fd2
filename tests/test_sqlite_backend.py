"""The embedded SQLite database (no DATABASE_URL) compares integers beyond 64 bits as PostgreSQL does: a hostile id
or filter in a URL finds nothing (or everything below it), never an OverflowError and a 500."""

import pytest
from django.db.utils import ConnectionHandler
from hypothesis import given, settings
from hypothesis import strategies as st

STORED = [-(2**63), -5, 0, 1, 7, 2**63 - 1]


@pytest.fixture(scope="module")
def sqlite(django_db_blocker):
    """A connection of the embedded backend to a database of its own in memory (not the test database)."""
    with django_db_blocker.unblock():
        connection = ConnectionHandler({"default": {"ENGINE": "kamcrm.sqlite", "NAME": ":memory:"}})["default"]
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE t (id integer)")
            cursor.executemany("INSERT INTO t (id) VALUES (%s)", [(value,) for value in STORED])
        yield connection
        connection.close()


@settings(max_examples=300)
@given(
    value=st.one_of(
        st.integers(),
        st.integers(min_value=2**63 - 3, max_value=2**70),
        st.integers(min_value=-(2**70), max_value=-(2**63) + 3),
        st.sampled_from(STORED),
    )
)
def test_any_integer_compares_as_a_number(sqlite, django_db_blocker, value):
    with django_db_blocker.unblock(), sqlite.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t WHERE id = %s", [value])
        assert cursor.fetchone()[0] == STORED.count(value)
        cursor.execute("SELECT count(*) FROM t WHERE id < %(v)s", {"v": value})
        assert cursor.fetchone()[0] == sum(1 for stored in STORED if stored < value)
        cursor.execute("SELECT count(*) FROM t WHERE id IN (%s, %s)", [value, -value])
        assert cursor.fetchone()[0] == sum(1 for stored in STORED if stored in (value, -value))
