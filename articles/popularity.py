"""Most read: views counted per story per hour, with no cookie and no address stored.

A story page sends one small beacon (static/js/site.js) to `record_view`'s endpoint; the
page itself stays the same bytes for every reader and as cacheable as before. A view is
one increment of the story's counter in the current hour's bucket: with Redis a sorted
set per hour (ZINCRBY; the buckets of the last day are summed by ZUNIONSTORE when the
list is made), with any other cache a dictionary per hour (one process: a laptop).
Buckets expire after a day and an hour. Nothing about the reader is kept.

The list is made at most every MOST_READ_SECONDS and is part of the home page, which is
stored for at most articles.pagecache.STORE_SECONDS: it is at most that much older than
the counts (15 minutes), which is what a "most read" list needs.
"""

import logging
import time

from django.core.cache import cache

log = logging.getLogger(__name__)

HOUR = 3600
WINDOW_HOURS = 24
MOST_READ_SECONDS = 300
MOST_READ_KEY = "articles:most-read"


def _bucket(hour):
    return f"articles:views:{hour}"


def _redis():
    """The Redis client behind the default cache, or None for other cache backends."""
    client = getattr(cache, "_cache", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client else None


def _raw_key(name):
    return cache.make_and_validate_key(name)


def record_view(article_id, *, now=None):
    """Count one view of a story in the current hour's bucket."""
    hour = int((now or time.time()) // HOUR)
    try:
        redis = _redis()
        if redis is not None:
            key = _raw_key(_bucket(hour))
            with redis.pipeline(transaction=False) as pipe:
                pipe.zincrby(key, 1, str(article_id))
                pipe.expire(key, (WINDOW_HOURS + 1) * HOUR)
                pipe.execute()
            return
        counts = cache.get(_bucket(hour)) or {}
        counts[article_id] = counts.get(article_id, 0) + 1
        cache.set(_bucket(hour), counts, (WINDOW_HOURS + 1) * HOUR)
    except Exception:  # a view not counted must never break a page
        log.warning("view of story %s not counted", article_id, exc_info=True)


def _count(limit, now):
    """[(story id, views)] of the last day, most viewed first."""
    hour = int(now // HOUR)
    hours = range(hour - WINDOW_HOURS + 1, hour + 1)
    redis = _redis()
    if redis is not None:
        target = _raw_key("articles:views:day")
        with redis.pipeline(transaction=False) as pipe:
            pipe.zunionstore(target, [_raw_key(_bucket(h)) for h in hours])
            pipe.zrevrange(target, 0, limit * 3 - 1, withscores=True)
            _stored, ranked = pipe.execute()
        return [(int(member), int(score)) for member, score in ranked]
    totals = {}
    for counts in cache.get_many([_bucket(h) for h in hours]).values():
        for article_id, views in counts.items():
            totals[article_id] = totals.get(article_id, 0) + views
    return sorted(totals.items(), key=lambda item: (-item[1], -item[0]))[: limit * 3]


def most_read_ids(limit=5, *, now=None):
    """Ids of the most viewed stories of the last 24 hours (more than `limit`: some may
    have been unpublished since), remade at most every MOST_READ_SECONDS."""
    found = cache.get(MOST_READ_KEY)
    if found is not None and found["limit"] >= limit:
        return found["ids"]
    try:
        ids = [article_id for article_id, _views in _count(limit, now or time.time())]
    except Exception:
        log.warning("most-read list not made", exc_info=True)
        return []
    cache.set(MOST_READ_KEY, {"limit": limit, "ids": ids}, MOST_READ_SECONDS)
    return ids
