"""Querysets compiled once per shape: the ORM's SQL kept, each call's values put in its parameters.

A dashboard is a dozen reads whose SQL differs from one call to the next only in its values (a team's id, a
period's dates). Building and compiling those querysets took about as long as PostgreSQL took to run them (a
team's month: ~7 of its ~23 ms, serially). :func:`rows` builds and compiles ``build(**values)`` once per *shape*
— with a *marker* (a value of the same type no caller passes) in place of each value — and later calls put their
values where the markers were and run the same SQL, with the ORM's own converters on the rows. The answer is what
iterating ``build(**values)`` gives: dicts for ``values()``, tuples for ``values_list()``.

The rules for ``build``, which the test settings check on every call (``PREPARED_QUERIES_CHECK``: the queryset
is also built and compiled the ORM's way, and its SQL and parameters must be the same):

- every value that may differ between calls is one of its keyword arguments: an ``int``, a ``date``, a ``str``,
  a list, tuple or set of those (a set comes as a sorted list), or a ``Q`` whose leaves are. A value read from
  anywhere else (today's date, the language) would be compiled in once and kept;
- it uses them only as values of the query, never to choose its shape (an ``if`` on a value); a bool, None or a
  list's length is part of the shape (the key), so it may choose.

The time zone's name is part of the key as well (``TruncMonth`` of a timestamp compiles it in). Only on
PostgreSQL, and unless ``PREPARED_QUERIES`` is False; elsewhere (the embedded SQLite) the querysets run as they
are. A shape whose markers do not all come out unchanged in the parameters (a value the ORM transforms) runs as it
is, every time.
"""

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Q, QuerySet
from django.db.models.query import FlatValuesListIterable, ValuesIterable, ValuesListIterable
from django.utils import timezone

MAX_SHAPES = 512  # compiled statements kept per process (the least recently used go first)
MAX_LIST = 64  # longer lists are not compiled per length: run as they are

# Int markers: within a small integer column's range (a year, a quarter), where a value out of range makes the ORM
# drop the condition; they stand out from the constants the queries hold (0, 1, a few days).
_INT_BASE = 31_000
_MAX_MARKERS = 1_700
_DATE_BASE = date(1111, 1, 1)  # date markers: a day no period falls on

_lock = threading.Lock()
_compiled: "OrderedDict[tuple, _Statement | None]" = OrderedDict()  # None: a shape that runs as it is


class _Statement:
    """One compiled shape: its SQL, where each parameter comes from, and how its rows are read."""

    def __init__(self, compiler, sql: str, slots: list, iterable, names: list):
        self.compiler, self.sql, self.slots, self.iterable, self.names = compiler, sql, slots, iterable, names
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)

    def params(self, flat_values: list) -> list:
        """The call's parameters: each slot a constant of the SQL, or a value (in the ORM's wrapper for it)."""
        return [slot[1] if slot[0] is None else slot[1](flat_values[slot[0]]) for slot in self.slots]

    def run(self, flat_values: list, alias: str) -> list:
        with connections[alias].cursor() as cursor:
            cursor.execute(self.sql, self.params(flat_values))
            found = cursor.fetchall()
        if self.converters:
            found = self.compiler.apply_converters(found, self.converters)
        if self.iterable is ValuesIterable:
            names = self.names
            return [dict(zip(names, row, strict=True)) for row in found]
        if self.iterable is FlatValuesListIterable:
            return [row[0] for row in found]
        return [tuple(row) for row in found]


class _Markers:
    """Markers of one compile, each standing for one value (its index in the call's flattened values)."""

    def __init__(self):
        self.count = itertools.count()
        self.index: dict = {}  # (type, marker) -> index of the value it stands for

    def mark(self, value):
        i = next(self.count)
        if i >= _MAX_MARKERS:
            raise _Unprepared
        if isinstance(value, int):
            marker = _INT_BASE + i
        elif isinstance(value, date) and not isinstance(value, datetime):
            marker = _DATE_BASE + timedelta(days=i)
        else:  # str
            marker = f"\x1fkamcrm-marker-{i}\x1f"
        self.index[(type(marker), marker)] = i
        return marker


def _markable(value) -> bool:
    return (
        (isinstance(value, int) and not isinstance(value, bool))
        or isinstance(value, date | str)
        and not (isinstance(value, datetime))
    )


def _shape(value, markers: _Markers | None, flat: list):
    """(the value's shape, for the key; the value with markers in place of its values). ``flat`` collects the
    values in the markers' order."""
    if isinstance(value, Q):
        shapes, children = [], []
        for child in value.children:
            if isinstance(child, Q):
                child_shape, marked = _shape(child, markers, flat)
            else:
                name, leaf = child
                leaf_shape, leaf_marked = _shape(leaf, markers, flat)
                child_shape, marked = (name, leaf_shape), (name, leaf_marked)
            shapes.append(child_shape)
            children.append(marked)
        marked_q = Q(*children, _connector=value.connector, _negated=value.negated) if markers else None
        return ("Q", value.connector, value.negated, tuple(shapes)), marked_q
    if isinstance(value, list | tuple):
        items = list(value)
        if len(items) > MAX_LIST or not all(_markable(item) for item in items) or len(set(items)) != len(items):
            raise _Unprepared  # long, or of other values, or with repeats (which ``__in`` drops)
        shapes, marked = [], []
        for item in items:
            item_shape, item_marked = _shape(item, markers, flat)
            shapes.append(item_shape)
            marked.append(item_marked)
        return (type(value).__name__, tuple(shapes)), (type(value)(marked) if markers else None)
    if _markable(value):
        flat.append(value)
        return type(value).__name__, (markers.mark(value) if markers else None)
    if value is None or isinstance(value, bool):
        return value, value
    raise _Unprepared


def _same(value):
    return value


class _Unprepared(Exception):
    """A value of a kind not put in by marker: the queryset runs as it is."""


def _iterable(queryset: QuerySet):
    kind = queryset._iterable_class
    return kind if kind in (ValuesIterable, ValuesListIterable, FlatValuesListIterable) else None


def _compile(build: Callable[..., QuerySet], values: dict, alias: str) -> "_Statement | None":
    markers = _Markers()
    try:  # a marker may be a value the query cannot take (a year of 31000 as a date): then it runs as it is
        marked = {name: _shape(value, markers, [])[1] for name, value in sorted(values.items())}  # as ``_prepare``
        queryset = build(**marked)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
    except (_Unprepared, EmptyResultSet, ValueError, TypeError, OverflowError):
        return None
    iterable = _iterable(queryset)
    slots, seen = [], set()
    for param in params:
        # The ORM may wrap an int for its column (psycopg's Int2 for a small integer): the wrapper is kept.
        kind = int if isinstance(param, int) and not isinstance(param, bool) else type(param)
        i = markers.index.get((kind, param)) if _markable(param) else None
        if i is None:
            slots.append((None, param))
        else:
            slots.append((i, _same if type(param) is kind else type(param)))
            seen.add(i)
    if len(seen) != len(markers.index):  # a value changed on its way (or unused): not safe to put in
        return None
    query = queryset.query
    names = (
        list(query.selected)
        if query.selected
        else [*query.extra_select, *query.values_select, *query.annotation_select]
    )
    return _Statement(compiler, sql, slots, iterable, names)


def _prepare(key: str, build: Callable[..., QuerySet], values: dict):
    """(the compiled statement of this call's shape, or None to run ``build`` as it is; the values flattened in
    its markers' order; the database alias)."""
    try:
        flat: list = []
        shape = tuple((name, _shape(value, None, flat)[0]) for name, value in sorted(values.items()))
    except _Unprepared:
        return None, [], None
    alias = router.db_for_read(_model_of(key, build, values))
    if connections[alias].vendor != "postgresql" or not getattr(settings, "PREPARED_QUERIES", True):
        return None, [], alias
    cache_key = (key, alias, timezone.get_current_timezone_name(), shape)
    with _lock:
        statement = _compiled.get(cache_key, _MISSING)
        if statement is not _MISSING:
            _compiled.move_to_end(cache_key)
    if statement is _MISSING:
        statement = _compile(build, values, alias)
        with _lock:
            _compiled[cache_key] = statement
            while len(_compiled) > MAX_SHAPES:
                _compiled.popitem(last=False)
    if statement is not None and getattr(settings, "PREPARED_QUERIES_CHECK", False):
        expected_sql, expected_params = build(**values).query.get_compiler(using=alias).as_sql()
        params = statement.params(flat)
        if (statement.sql, params) != (expected_sql, list(expected_params)):
            raise AssertionError(f"{key}: compiled once {statement.sql} {params}, now {expected_sql} {expected_params}")
    return statement, flat, alias


def _normal(values: dict) -> dict:
    """A set's order is its own: as a sorted list, the ORM's parameters come in the markers' order."""
    return {name: sorted(v) if isinstance(v, set | frozenset) else v for name, v in values.items()}


def rows(key: str, build: Callable[..., QuerySet], /, **values) -> list:
    """What iterating ``build(**values)`` gives (a ``values()`` or ``values_list()`` queryset), from its SQL
    compiled once per shape (see the module's notes). ``key`` names the call site."""
    values = _normal(values)
    statement, flat, alias = _prepare(key, build, values)
    if statement is None or statement.iterable is None:
        return list(build(**values))
    return statement.run(flat, alias)


def sql(key: str, build: Callable[..., QuerySet], /, **values) -> tuple[str, list]:
    """The SQL and parameters of ``build(**values)`` (to put in raw SQL), compiled once per shape. Raises
    EmptyResultSet as compiling it does."""
    values = _normal(values)
    statement, flat, alias = _prepare(key, build, values)
    if statement is None:
        queryset = build(**values)
        found, params = queryset.query.get_compiler(using=alias or router.db_for_read(queryset.model)).as_sql()
        return found, list(params)
    return statement.sql, statement.params(flat)


_MISSING = object()
_models: dict = {}  # call site -> the model its querysets read (for the router)


def _model_of(key: str, build: Callable[..., QuerySet], values: dict):
    model = _models.get(key)
    if model is None:
        model = _models[key] = build(**values).model
    return model


def clear() -> None:
    """Forget every compiled shape (tests that change the schema or the settings)."""
    with _lock:
        _compiled.clear()
    _models.clear()
