"""Django's SQLite backend, except that a query parameter beyond SQLite's 64-bit integers is sent as infinity.

PostgreSQL compares ``id = 99999999999999999999999`` as a number (no row matches); SQLite's driver cannot bind such
an int and raises OverflowError, which every hostile id or filter in a URL turned into a 500 on the embedded
database. Sent as infinity (of its sign) it matches no stored integer and orders above (or below) every one, which
is what the comparison means; nothing this large is ever written (ids, counts and cents all fit in 64 bits).
"""

from collections.abc import Mapping

from django.db.backends.sqlite3 import base

_LOW, _HIGH = -(2**63), 2**63 - 1


def _fit(value):
    if type(value) is int and not _LOW <= value <= _HIGH:
        # Infinity, not float(value): near the limits a float rounds onto a stored integer (-(2**63) - 1 would
        # match -(2**63)); every comparison with a 64-bit integer comes out the same with infinity.
        return float("inf") if value > 0 else float("-inf")
    return value


def _fitted(params):
    if isinstance(params, Mapping):
        return {name: _fit(value) for name, value in params.items()}
    return [_fit(value) for value in params]


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        return super().execute(query, params if params is None else _fitted(params))

    def executemany(self, query, param_list):
        return super().executemany(query, (_fitted(params) for params in param_list))


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)
