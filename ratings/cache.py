"""Each rated object's live score, cached without ever serving one older than the last vote.

Every change to a Score row increments its `revision` while the row is locked. A
cached score carries its order, 2 × revision + 1; the cache keeps whichever value has
the highest order (an ordered write, `set_if_newer`), so a reader filling the cache from
a row it read before a vote cannot overwrite the voter's newer value, whichever write
lands last.

A vote, while its transaction is still open, first stores a pending mark (order
2 × revision, no value): from then on every server reads the score from the database,
and no reader can put back the older value. Once the vote commits, and before its
response is sent, the new score replaces the mark. If that last step never happens (the
worker dies between commit and publish), the next reader reads the committed row and
publishes it, since its order is higher than the mark's.

Ordered writes: a cache backend may offer `set_if_newer(key, value, order, timeout,
always_try=False)` (the project's Redis backend does, atomically in Redis); Django's
in-process LocMemCache gets one here under a lock. With any other backend scores are
not cached and every read goes to the database: slower, never stale.
"""

import threading

from django.contrib.contenttypes.models import ContentType
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.connection import ConnectionProxy

from ratings.models import Score

SCORE_TTL = 120  # seconds; longer than any request (so a slow reader cannot outlive it)
PENDING = "pending"

_local_lock = threading.Lock()


def _backend(cache):
    """The backend behind Django's `cache` proxy (whose class says nothing of it)."""
    if isinstance(cache, ConnectionProxy):
        return cache._connections[cache._alias]
    return cache


def set_if_newer(backend, key, value, order, timeout, *, always_try=False, also=None):
    """Store `value` unless a value of the same or a higher `order` is there; and
    `also` ({key: value}, kept without expiry) whatever the order, in the same round trip
    where the backend can.

    True if stored, False if not, None if the cache could not be reached; raises
    TypeError for a backend that cannot order writes (see supports_ordered_writes).
    """
    backend = _backend(backend)
    if hasattr(backend, "set_if_newer"):
        extra = {"also": also} if also else {}  # a backend's own may not take `also`
        return backend.set_if_newer(key, value, order, timeout, always_try=always_try, **extra)
    if not isinstance(backend, LocMemCache):
        raise TypeError(f"{type(backend).__name__} cannot order writes")
    if also:
        backend.set_many(also, None)
    with _local_lock:
        stored = backend.get(f"{key}:order")
        if stored is None and backend.has_key(key):
            backend.delete(key)  # a value whose order is gone cannot be compared: drop it
            return False
        if stored is not None and stored >= order:
            return False
        backend.set_many({key: value, f"{key}:order": order}, timeout)
        return True


def supports_ordered_writes(backend):
    backend = _backend(backend)
    return hasattr(backend, "set_if_newer") or isinstance(backend, LocMemCache)


def _cache():
    """The default cache backend itself (not Django's proxy, which hides its class)."""
    return caches[DEFAULT_CACHE_ALIAS]


# Per process: new scores whose publication the cache did not take (it was out of reach
# or stalled). Published again before this process reads or writes any score, so that
# a cache that comes back never keeps the older value for long.
_unpublished = {}


def _publish(backend, key, value, order, also=None):
    stored = set_if_newer(backend, key, value, order, SCORE_TTL, always_try=True, also=also)
    if stored is None:
        _unpublished[key] = (value, order)
    else:
        _unpublished.pop(key, None)
    return stored


def _publish_pending(backend):
    for key, (value, order) in list(_unpublished.items()):
        if set_if_newer(backend, key, value, order, SCORE_TTL, always_try=True) is None:
            return  # still out of reach
        _unpublished.pop(key, None)


def score_cache_key(content_type_id, object_id, field):
    return f"ratings:score:{content_type_id}:{object_id}:{field}"


def cache_key_for(model, object_id, field):
    """The cache key of the score of a `model` object's rated field `field`."""
    return score_cache_key(ContentType.objects.get_for_model(model).pk, object_id, field)


def read_row(content_type_id, object_id, field):
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
            [content_type_id, object_id, field],
        )
        return cursor.fetchone() or (0, 0, 0)


# score(cached=ABSENT): the caller asked the cache for the key and it had no value
ABSENT = object()


def score(model, object_id, field, *, cached=None):
    """(count, total) of a `model` object's rated field: from the cache if it holds the latest.

    `cached` is the cache's value under cache_key_for(model, object_id, field) when the
    caller already fetched it together with other keys, ABSENT when it had none (the
    score is then read from the database without asking the cache again).
    """
    content_type_id = ContentType.objects.get_for_model(model).pk
    backend = _cache()
    if not supports_ordered_writes(backend):
        return read_row(content_type_id, object_id, field)[:2]
    key = score_cache_key(content_type_id, object_id, field)
    if _unpublished:
        _publish_pending(backend)
        if key in _unpublished:
            cached = None  # the cache may hold an older value: trust the database
    if cached is None and key not in _unpublished:
        cached = backend.get(key)
    if isinstance(cached, tuple | list) and len(cached) == 2:
        return tuple(cached)
    count, total, revision = read_row(content_type_id, object_id, field)
    set_if_newer(backend, key, (count, total), 2 * revision + 1, SCORE_TTL)
    return count, total


def changed(content_type_id, object_id, field, *, revision, count, total, also=None):
    """Call inside the transaction that moved a Score row to `revision`.

    `also`: a function called after the commit, whose {key: value} are stored (without
    expiry) in the same round trip as the new score.
    """
    backend = _cache()
    if not supports_ordered_writes(backend):
        if also is not None:
            transaction.on_commit(lambda: backend.set_many(also(), None))
        return
    key = score_cache_key(content_type_id, object_id, field)
    if _unpublished:
        _publish_pending(backend)
    set_if_newer(backend, key, PENDING, 2 * revision, SCORE_TTL, always_try=True)
    new_value = (count, total)

    # after commit, before the response; if the cache does not take it, this process
    # tries again before it next reads or writes a score
    def publish():
        _publish(backend, key, new_value, 2 * revision + 1, also() if also else None)

    transaction.on_commit(publish)
