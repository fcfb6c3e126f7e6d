"""The statements of a vote in plain SQL: the only writes readers make during a spike.

The same statements, in the same order, as the ORM would send them (see
ratings.services.cast_vote for why each is there), without compiling a QuerySet for
each: an ORM query costs about 400 µs of CPU to build, the statement itself about 50.
Columns are read from the models, so the tables stay the ORM's.
"""

import functools

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from ratings.models import Score, Vote


@functools.cache
def _names(model):
    """(quoted table name, {field name: quoted column}) of `model`."""
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    columns = {field.name: quote(field.column) for field in model._meta.concrete_fields}
    return quote(model._meta.db_table), columns


def _run(sql, params):
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if cursor.description else None


def _where(columns):
    return (
        f"{columns['content_type']} = %s AND {columns['object_id']} = %s "
        f"AND {columns['field']} = %s"
    )


def locked_score(content_type_id, object_id, field):
    """(id, count, total, revision) of the Score row, locked until the transaction ends;
    None when the object has no Score row yet."""
    table, c = _names(Score)
    connection = connections[DEFAULT_DB_ALIAS]
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return _run(
        f"SELECT {c['id']}, {c['count']}, {c['total']}, {c['revision']} FROM {table} "
        f"WHERE {_where(c)}{lock}",
        [content_type_id, object_id, field],
    )


def own_vote(content_type_id, object_id, field, *, user_id=None, cookie_id=None):
    """(id, score) of the voter's vote, or None."""
    table, c = _names(Vote)
    voter, value = ("user", user_id) if user_id else ("cookie_id", cookie_id)
    return _run(
        f"SELECT {c['id']}, {c['score']} FROM {table} WHERE {_where(c)} AND {c[voter]} = %s",
        [content_type_id, object_id, field, value],
    )


def insert_vote(content_type_id, object_id, field, *, score, user_id, cookie_id, address_hash):
    """A new Vote row (raises IntegrityError for a voter who has one)."""
    table, c = _names(Vote)
    connection = connections[DEFAULT_DB_ALIAS]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    names = ("content_type", "object_id", "field", "score", "user", "cookie_id")
    names += ("address_hash", "created_at", "updated_at")
    values = [content_type_id, object_id, field, score, user_id, cookie_id, address_hash, now, now]
    _run(
        f"INSERT INTO {table} ({', '.join(c[name] for name in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))})",
        values,
    )


def recent_from_address(content_type_id, object_id, field, address_hash, *, since, limit):
    """The times (oldest first, at most `limit`) of the votes on the object from the
    address `address_hash` since `since`."""
    table, c = _names(Vote)
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {c['created_at']} FROM {table} WHERE {_where(c)} "
            f"AND {c['address_hash']} = %s AND {c['created_at']} >= %s "
            f"ORDER BY {c['created_at']} LIMIT %s",
            [
                content_type_id,
                object_id,
                field,
                address_hash,
                connection.ops.adapt_datetimefield_value(since),
                limit,
            ],
        )
        found = [row[0] for row in cursor.fetchall()]
    column, converters = _converters(Vote, "created_at")
    for convert in converters:
        found = [convert(value, column, connection) for value in found]
    return found


@functools.cache
def _converters(model, name):
    """The column of `model`'s field `name`, and what turns its values from the database
    into the field's (as the ORM does: SQLite's text into a datetime)."""
    connection = connections[DEFAULT_DB_ALIAS]
    column = model._meta.get_field(name).get_col(model._meta.db_table)
    return column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)


def change_vote(vote_id, score):
    table, c = _names(Vote)
    now = connections[DEFAULT_DB_ALIAS].ops.adapt_datetimefield_value(timezone.now())
    _run(
        f"UPDATE {table} SET {c['score']} = %s, {c['updated_at']} = %s WHERE {c['id']} = %s",
        [score, now, vote_id],
    )


def add_to_score(score_id, *, count, total):
    """Add `count` votes and `total` points to a Score row and move its revision on."""
    table, c = _names(Score)
    _run(
        f"UPDATE {table} SET {c['count']} = {c['count']} + %s, {c['total']} = {c['total']} + %s, "
        f"{c['revision']} = {c['revision']} + 1 WHERE {c['id']} = %s",
        [count, total, score_id],
    )
