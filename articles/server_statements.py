"""PostgreSQL's own prepared statements for the reads of articles.prepared.

A read's SQL is the same on every call; sent as text, PostgreSQL parses and plans it
each time, and planning costs more than running it (about 1.5 ms of the database's CPU
for a story page's reads against 0.3 ms to run them). Each read is prepared once per
connection (PREPARE) and then executed by name with its values (EXECUTE); PostgreSQL
keeps a generic plan after a few executions.

Used only outside a transaction (a failed PREPARE would abort it) and when the setting
DATABASE_PREPARED_STATEMENTS is on (off behind a pooler that hands one client's
statements to another server connection, as PgBouncer's transaction pooling does). A
statement PostgreSQL refuses to prepare, or one the connection no longer has, is run
as plain SQL instead, as it would be without this module.
"""

import hashlib
import re
import weakref

from django.conf import settings
from django.db import DatabaseError

# what each server connection has prepared: {name: the names of its values, in order}
_prepared = weakref.WeakKeyDictionary()
_refused = set()  # names of statements PostgreSQL would not prepare: plain SQL from then on
_PLACEHOLDER = re.compile(r"%%|%s")


def usable(connection):
    """True when reads on `connection` may run as prepared statements now."""
    return (
        connection.vendor == "postgresql"
        and settings.DATABASE_PREPARED_STATEMENTS
        and not connection.in_atomic_block
    )


def server_text(statement, literal):
    """(text, names): what PREPARE is given for a learnt Statement, each of its values'
    placeholders numbered ($1, $2…) and each constant written as `literal` writes it; and
    the names of the values in the order of their numbers."""
    slots = dict(statement.slots)
    names = []
    position = 0

    def replace(match):
        nonlocal position
        if match.group(0) == "%%":
            return "%"
        at, position = position, position + 1
        if at in slots:
            names.append(slots[at])
            return f"${len(names)}"
        return literal(statement.params[at])

    return _PLACEHOLDER.sub(replace, statement.sql), tuple(names)


def run(cursor, statement, values, adapt):
    """Run a learnt Statement with `values` (each made a parameter by `adapt`) by name,
    preparing it first on this server connection; False when it was not run (the caller
    runs it as plain SQL)."""
    connection = cursor.db
    if not usable(connection):
        return False
    name = _name(statement)
    if name in _refused:
        return False
    raw = connection.connection
    known = _prepared.setdefault(raw, {})
    if name not in known:
        text, names = server_text(statement, lambda value: _literal(cursor, value))
        try:
            cursor.execute(f"PREPARE {name} AS {text}")
        except DatabaseError:
            _refused.add(name)  # a read PostgreSQL cannot prepare (a value it cannot type)
            return False
        known[name] = names
    names = known[name]
    args = [adapt(values[value]) for value in names]
    placeholders = ", ".join(["%s"] * len(args))
    try:
        cursor.execute(f"EXECUTE {name}({placeholders})" if args else f"EXECUTE {name}", args)
    except DatabaseError:
        _prepared.pop(raw, None)  # gone from the server (a pooler, DISCARD ALL): start over
        return False
    return True


_names = {}  # (sql, params, slots) -> the statement's name on every connection


def _name(statement):
    """The statement's name: its SQL and its constants make it (two reads with one SQL and
    other constants are two statements)."""
    key = (statement.sql, statement.params, statement.slots)
    name = _names.get(key)
    if name is None:
        digest = hashlib.sha1(repr(key).encode(), usedforsecurity=False).hexdigest()
        name = _names[key] = f"newsroom_{digest[:20]}"
    return name


def _literal(cursor, value):
    """`value` as psycopg2 writes it into SQL text."""
    written = cursor.cursor.mogrify("%s", [value])
    return written.decode() if isinstance(written, bytes) else written
