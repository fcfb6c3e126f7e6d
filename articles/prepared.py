"""Reads a story page makes on every page-cache miss, their SQL built once per process.

Building a QuerySet's SQL costs Django more CPU than the database spends running it: about
2 ms for Інші новини's union, 1 ms for a story by its address, against a tenth of that to
run them. A Prepared read builds its SQL twice, with two sets of stand-in values, once per
process, database and shape; the parameters that differ between the two are the read's
own values, and every later call runs the same SQL with the real ones put in their place.
The QuerySets stay the one place each rule is written (Article.objects.published()).

A read whose stand-ins cannot be told apart in its parameters is built afresh on every
call, as it would be without this module.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connections
from django.db.models import QuerySet

from articles import server_statements

# within every integer column's range (a lookup beyond it is no query at all)
_INT_PROBES = (-1_000_000_000, -2_000_000_000)
_TIME_PROBES = (datetime(1901, 1, 1, tzinfo=UTC), datetime(1902, 1, 1, tzinfo=UTC))


@dataclass(frozen=True)
class Statement:
    """A read's SQL and parameters, with what the backend makes of its columns."""

    sql: str
    params: tuple
    converters: tuple = ()  # (position, converters, expression) as Django's compiler has them
    slots: tuple = ()  # (position in params, name of the value)


class Prepared:
    """A read built by `build(using, *shape, **values)`: a values_list QuerySet, or the
    (sql, params) of one statement. Its SQL is made once per database and shape (a LIMIT,
    written into the SQL); `kinds` names each value and its type (int, str or datetime).
    """

    def __init__(self, build, **kinds):
        self.build = build
        self.kinds = kinds
        self._statements = {}  # (alias, shape) -> Statement, or None: built on every call

    def rows(self, using, *shape, **values):
        """The rows of the read, as lists, each column as the QuerySet would give it."""
        learnt = self.learn(using, *shape)
        connection = connections[using]
        with connection.cursor() as cursor:
            adapt = _adapter(using)
            if learnt is not None and server_statements.run(cursor, learnt, values, adapt):
                converters = learnt.converters
            else:
                statement = self.statement(using, *shape, **values)
                cursor.execute(statement.sql, statement.params)
                converters = statement.converters
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for position, functions, expression in converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
        return rows

    def learn(self, using, *shape):
        """Build the read's SQL for the database `using` and `shape` now, not on first use
        (newsroom.prefork: once in the app server's master, for every worker)."""
        key = (using, shape)
        if key not in self._statements:
            self._statements[key] = self._learn(using, shape)
        return self._statements[key]

    def statement(self, using, *shape, **values):
        """The Statement of the read with `values`, on the database `using`."""
        learnt = self.learn(using, *shape)
        if learnt is None:
            return _compile(self.build(using, *shape, **values), using)
        params = list(learnt.params)
        adapt = _adapter(using)
        for position, name in learnt.slots:
            params[position] = adapt(values[name])
        return Statement(learnt.sql, tuple(params), learnt.converters)

    def _learn(self, using, shape):
        adapt = _adapter(using)
        kinds = list(self.kinds.items())
        probes = [
            {name: _probe(kind, n, which) for n, (name, kind) in enumerate(kinds)}
            for which in (0, 1)
        ]
        first, second = (_compile(self.build(using, *shape, **p), using) for p in probes)
        if first.sql != second.sql or len(first.params) != len(second.params):
            return None
        slots = []
        for position, pair in enumerate(zip(first.params, second.params, strict=True)):
            if pair[0] == pair[1]:
                continue  # a constant of the read
            names = [n for n in self.kinds if (adapt(probes[0][n]), adapt(probes[1][n])) == pair]
            if len(names) != 1:
                return None
            slots.append((position, names[0]))
        return Statement(first.sql, first.params, first.converters, tuple(slots))


def _probe(kind, number, which):
    """The stand-in `which` (0 or 1) for the `number`th value, of type `kind`."""
    if kind is int:
        return _INT_PROBES[which] - number
    if kind is datetime:
        return _TIME_PROBES[which] + timedelta(seconds=number)
    return f"\x01probe-{number}-{which}\x02"


def _compile(built, using):
    """The Statement of a QuerySet or of (sql, params)."""
    if not isinstance(built, QuerySet):
        sql, params = built
        return Statement(sql, tuple(params))
    compiler = built.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    columns = [column[0] for column in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(columns)
    found = tuple((pos, tuple(functions), expr) for pos, (functions, expr) in converters.items())
    return Statement(sql, tuple(params), found)


def _adapter(using):
    """The parameter a database's backend makes of a value (a time is text to SQLite)."""
    ops = connections[using].ops

    def adapt(value):
        if isinstance(value, datetime):
            return ops.adapt_datetimefield_value(value)
        return value

    return adapt


def queryset_sql(queryset, using):
    """The SQL and parameters of a QuerySet on the database `using`."""
    return queryset.query.get_compiler(using=using).as_sql()
