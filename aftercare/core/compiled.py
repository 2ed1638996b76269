"""Reads whose SQL the ORM compiles once per shape.

A page that runs the same few indexed lookups on every request pays more to
build and compile each QuerySet than to run it (measured on the repair-order
page, SQLite: 0.2-1 ms per query against 15-80 µs for the statement itself).
`CompiledQuery` keeps the SQL the ORM wrote for one *shape* of arguments, each
argument an id or a list of ids (a list's length is part of the shape), and
runs it with the arguments bound as parameters (datetimes too: an aware
datetime argument is a shape of its own and is bound as the database stores it). The QuerySet stays the only
definition of the statement; the SQL text never holds a value.

    lines = CompiledQuery(lambda order_id: Line.objects.filter(order_id=order_id).values_list("id", "amount"))
    lines.rows(42)  # [(7, Decimal("120.00")), ...], converted as the ORM converts them

The search box compiles its statements the same way (customers/selectors.py)."""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

# Ids are positive: a stand-in is never a real value, and one that shows up in
# the SQL text or goes missing from the parameters is noticed.
_STANDIN_BASE = -7_000_000_000


# Datetimes: nothing happened in 1901.
_STANDIN_TIME = datetime(1901, 1, 1, tzinfo=UTC)
DATETIME = "datetime"  # the shape of a datetime argument


def _standin(argument: int, index: int) -> int:
    return _STANDIN_BASE - argument * 100_000 - index


def _shape_of(argument) -> int | str | None:
    if isinstance(argument, datetime):
        return DATETIME
    return len(argument) if isinstance(argument, list | tuple) else None


class _Statement:
    __slots__ = ("converters", "slots", "sql")

    def __init__(self, sql: str | None, slots: tuple = (), converters: tuple = ()):
        self.sql = sql  # None: the shape matches no row (an empty list of ids)
        # Per parameter: (argument, index, constant): argument None for a constant of the query.
        self.slots = slots
        self.converters = converters


class CompiledQuery:
    """One read, compiled by the ORM once per database vendor and argument shape.

    `build(*arguments)` returns a `values_list()` QuerySet; every value that
    changes between calls must be one of the arguments (an int id, a list of
    int ids or an aware datetime), everything else is a constant of the statement."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._statements: dict[tuple, _Statement] = {}

    def rows(self, *arguments: int | Sequence[int]) -> list[tuple]:
        shape = (connection.vendor, *(_shape_of(a) for a in arguments))
        statement = self._statements.get(shape)
        if statement is None:
            statement = self._statements[shape] = self._compile(shape)
        if statement.sql is None:
            return []
        if DATETIME in shape:
            adapt = connection.ops.adapt_datetimefield_value
            arguments = [adapt(a) if isinstance(a, datetime) else a for a in arguments]
        params = [
            constant if argument is None else arguments[argument] if index is None else arguments[argument][index]
            for argument, index, constant in statement.slots
        ]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            rows = cursor.fetchall()
        if not statement.converters:
            return rows
        # What the ORM does to the values it reads (SQLite: Decimals, aware datetimes; JSON everywhere).
        converted = []
        for row in rows:
            row = list(row)
            for position, functions, expression in statement.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted

    def _compile(self, shape: tuple) -> _Statement:
        standins, places = [], {}
        adapt = connection.ops.adapt_datetimefield_value
        for argument, size in enumerate(shape[1:]):
            if size == DATETIME:
                standins.append(_STANDIN_TIME + timedelta(seconds=argument))
                places[adapt(standins[-1])] = (argument, None)
            elif size is None:
                standins.append(_standin(argument, 0))
                places[standins[-1]] = (argument, None)
            else:
                standins.append([_standin(argument, index + 1) for index in range(size)])
                places.update({value: (argument, index) for index, value in enumerate(standins[-1])})
        queryset = self.build(*standins)
        compiler = queryset.query.get_compiler(queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # `id IN ()`: Django runs no query either
            return _Statement(None)
        slots, found = [], set()
        for param in params:
            place = places.get(param) if type(param) in (int, str, datetime) else None
            if place is None:
                slots.append((None, None, param))
            else:
                slots.append((*place, None))
                found.add(place)
        if found != set(places.values()) or any(str(value) in sql for value in places):
            raise RuntimeError(f"CompiledQuery: cannot bind every argument of {sql!r}")
        expressions = [column for column, *_rest in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(expressions).items()
        )
        return _Statement(sql, tuple(slots), converters)
