"""Each rated object's live score, cached without ever serving one older than the last vote.

Every change to a Score row increments its `revision` while the row is locked. A
cached score carries its order, 2 × revision + 1; the cache keeps whichever value has
the highest order (`set_if_newer`), so a reader filling the cache from a row it read
before a vote cannot overwrite the voter's newer value, whichever write lands last.

A vote, while its transaction is still open, first stores a pending mark (order
2 × revision, no value): from then on every server reads the score from the database,
and no reader can put back the older value. Once the vote commits, and before its
response is sent, the new score replaces the mark. If that last step never happens (the
worker dies between commit and publish), the next reader reads the committed row and
publishes it, since its order is higher than the mark's.

The project's cache backends (Redis, and the in-process cache of development) provide
`set_if_newer`; with any other backend scores are not cached and every read goes to
the database.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from ratings.models import Score

SCORE_TTL = 120  # seconds; longer than any request (so a slow reader cannot outlive it)
PENDING = "pending"


def enabled():
    return hasattr(cache, "set_if_newer")


def cache_key(content_type_id, object_id, key):
    return f"ratings:score:{content_type_id}:{object_id}:{key}"


def key_for(model, object_id, key):
    """The cache key of the score of a `model` object's rated field `key`."""
    return cache_key(ContentType.objects.get_for_model(model).pk, object_id, key)


def read_row(content_type_id, object_id, key):
    """(count, total, revision) from the database; zeros for an object never voted on."""
    # From the primary: a lagging replica would hand out a score older than a vote.
    # Plain SQL, no ORM compile: every story view that misses the cache runs it.
    connection = connections[DEFAULT_DB_ALIAS]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q('count')}, {q('total')}, {q('revision')} "
            f"FROM {q(Score._meta.db_table)} "
            f"WHERE {q('content_type_id')} = %s AND {q('object_id')} = %s AND {q('key')} = %s",
            [content_type_id, object_id, key],
        )
        return cursor.fetchone() or (0, 0, 0)


def score(model, object_id, key, *, cached=None):
    """(count, total) of a `model` object's field `key`: from the cache if it holds the latest.

    `cached` is the cache's value under key_for(model, object_id, key) when the caller
    already fetched it together with other keys.
    """
    content_type_id = ContentType.objects.get_for_model(model).pk
    if not enabled():
        return read_row(content_type_id, object_id, key)[:2]
    ck = cache_key(content_type_id, object_id, key)
    if cached is None:
        cached = cache.get(ck)
    if isinstance(cached, tuple):
        return cached
    count, total, revision = read_row(content_type_id, object_id, key)
    cache.set_if_newer(ck, (count, total), 2 * revision + 1, SCORE_TTL)
    return count, total


def changed(content_type_id, object_id, key, *, revision, count, total):
    """Call inside the transaction that moved a Score row to `revision`."""
    if not enabled():
        return
    ck = cache_key(content_type_id, object_id, key)
    if cache.set_if_newer(ck, PENDING, 2 * revision, SCORE_TTL, always_try=True) is None:
        return  # Redis is out of reach: the older value there expires within SCORE_TTL
    transaction.on_commit(
        lambda: cache.set_if_newer(ck, (count, total), 2 * revision + 1, SCORE_TTL, always_try=True)
    )
