"""The statements of a vote in plain SQL: the only writes readers make during a spike.

The statements the ORM would send, in the same order (see ratings.services.cast_vote
for why each is there), without compiling a QuerySet for each: an ORM query costs
about 400 µs of CPU to build, the statement itself about 50. On PostgreSQL the lock
and the voter's own vote are read in one round trip, and the vote's write and its
score's update are one statement. Columns are read from the models, so the tables stay
the ORM's.
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
    sql, params = _own_vote(content_type_id, object_id, field, user_id, cookie_id)
    return _run(sql, params)


def _own_vote(content_type_id, object_id, field, user_id, cookie_id):
    table, c = _names(Vote)
    voter, value = ("user", user_id) if user_id else ("cookie_id", cookie_id)
    return (
        f"SELECT {c['id']}, {c['score']} FROM {table} WHERE {_where(c)} AND {c[voter]} = %s",
        [content_type_id, object_id, field, value],
    )


def locked_score_and_own_vote(content_type_id, object_id, field, *, user_id=None, cookie_id=None):
    """(locked_score(), own_vote()): the Score row locked until the transaction ends, then
    the voter's vote as it is once the lock is held; (None, None) when the object has no
    Score row yet (nothing is locked).

    On PostgreSQL both in one round trip: two statements sent together, the second
    reading the Score row again with the vote. Each statement sees what was committed
    before it began, so the second, begun once the first holds the lock, sees every vote
    committed under the lock before. (One statement would not do: its snapshot would be
    from before it waited for the lock.)
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        score = locked_score(content_type_id, object_id, field)
        if score is None:
            return None, None
        return score, own_vote(
            content_type_id, object_id, field, user_id=user_id, cookie_id=cookie_id
        )
    table, c = _names(Score)
    vote_sql, vote_params = _own_vote(content_type_id, object_id, field, user_id, cookie_id)
    where = [content_type_id, object_id, field]
    found = _run(
        f"SELECT 1 FROM {table} WHERE {_where(c)} FOR UPDATE; "
        f"SELECT {c['id']}, {c['count']}, {c['total']}, {c['revision']}, own.vote, own.score "
        f"FROM {table} LEFT JOIN ({vote_sql}) AS own (vote, score) ON TRUE WHERE {_where(c)}",
        [*where, *vote_params, *where],
    )
    if found is None:
        return None, None
    return found[:4], (found[4:] if found[4] is not None else None)


def insert_vote(
    content_type_id, object_id, field, *, score, user_id, cookie_id, address_hash, score_id
):
    """A new Vote row, counted in the Score row `score_id` (raises IntegrityError for a
    voter who has one, and nothing is counted)."""
    table, c = _names(Vote)
    connection = connections[DEFAULT_DB_ALIAS]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    names = ("content_type", "object_id", "field", "score", "user", "cookie_id")
    names += ("address_hash", "created_at", "updated_at")
    values = [content_type_id, object_id, field, score, user_id, cookie_id, address_hash, now, now]
    insert = (
        f"INSERT INTO {table} ({', '.join(c[name] for name in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    _with_score_change(insert, values, score_id, count=1, total=score)


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


def change_vote(vote_id, score, *, score_id, change):
    """Give the vote `vote_id` a new score; its Score row's total moves by `change`."""
    table, c = _names(Vote)
    now = connections[DEFAULT_DB_ALIAS].ops.adapt_datetimefield_value(timezone.now())
    update = f"UPDATE {table} SET {c['score']} = %s, {c['updated_at']} = %s WHERE {c['id']} = %s"
    _with_score_change(update, [score, now, vote_id], score_id, count=0, total=change)


def _score_change(score_id, count, total):
    """The statement that adds `count` votes and `total` points to a Score row and moves
    its revision on."""
    table, c = _names(Score)
    return (
        f"UPDATE {table} SET {c['count']} = {c['count']} + %s, {c['total']} = {c['total']} + %s, "
        f"{c['revision']} = {c['revision']} + 1 WHERE {c['id']} = %s",
        [count, total, score_id],
    )


def _with_score_change(write, params, score_id, *, count, total):
    """The vote's `write` and its Score row's change: one statement on PostgreSQL (a
    data-modifying WITH, one round trip fewer for every vote), two elsewhere. Either both
    happen or, the write failing, neither."""
    change, change_params = _score_change(score_id, count, total)
    if connections[DEFAULT_DB_ALIAS].vendor == "postgresql":
        _run(f"WITH vote AS ({write}) {change}", [*params, *change_params])
    else:
        _run(write, params)
        _run(change, change_params)
