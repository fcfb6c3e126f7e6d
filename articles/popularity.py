"""Most read: views counted per story per hour, with no cookie and no address stored.

A story page sends one small beacon (static/js/site.js) to `record_view`'s endpoint; the
page itself stays the same bytes for every reader and as cacheable as before. A view is
one increment of the story's counter in the current hour's bucket: with Redis a sorted
set per hour (ZINCRBY; the buckets of the last day are summed by ZUNIONSTORE when the
list is made), with any other cache a dictionary per hour (one process: a laptop).
Buckets expire after a day and an hour. Nothing about the reader is kept but a keyed
hash of their address group, for minutes.

Nobody can empty or steer the list with made-up beacons:
- only public stories are counted (not unknown ids, drafts or embargoed stories), so
  the buckets hold at most one member per public story;
- one client's views of one story count once per REPEAT_SECONDS, and a client counts at
  most VIEWS_PER_CLIENT views a minute; both marks expire by themselves, so their number
  is bounded by the readers of the last few minutes.

The list is made at most every MOST_READ_SECONDS and is part of the home page, which is
stored for at most articles.delivery.pagecache.STORE_SECONDS: it is at most that much older than
the counts (15 minutes), which is what a "most read" list needs.
"""

import logging
import time

from django.core.cache import cache

from articles.delivery.content_version import content_version

log = logging.getLogger(__name__)

HOUR = 3600
WINDOW_HOURS = 24
MOST_READ_SECONDS = 300
MOST_READ_KEY = "articles:most-read"
# A reader opens a story once and reads it; a reload within ten minutes is no new view.
REPEAT_SECONDS = 600
# More stories a minute than anyone reads: beyond it, views of that client are not counted.
VIEWS_PER_CLIENT = 20

# Whether a story id is public, per content version (a new version: a new answer).
_public = {"version": None, "ids": {}}
_PUBLIC_MAX = 50_000

# One round trip for a batch of views: KEYS = [bucket, (client-minute key, repeat key)…],
# ARGV = [bucket ttl, repeat ttl, views per client, story id…].
COUNT_SCRIPT = """
local counted = 0
for i = 1, #ARGV - 3 do
  local rate, seen = KEYS[2 * i], KEYS[2 * i + 1]
  local n = redis.call('INCR', rate)
  if n == 1 then redis.call('EXPIRE', rate, 60) end
  if n <= tonumber(ARGV[3]) and redis.call('SET', seen, 1, 'NX', 'EX', ARGV[2]) then
    redis.call('ZINCRBY', KEYS[1], 1, ARGV[i + 3])
    counted = counted + 1
  end
end
if counted > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return counted
"""


def _bucket(hour):
    return f"articles:views:{hour}"


def _redis():
    """The Redis client behind the default cache, or None for other cache backends."""
    client = getattr(cache, "_cache", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client else None


def _raw_key(name):
    return cache.make_and_validate_key(name)


def public_ids(ids):
    """The ids among `ids` of stories readers may see now (one query for those not known
    under the current content version, none for the rest)."""
    from articles.models import Article

    version = content_version()
    if _public["version"] != version or len(_public["ids"]) > _PUBLIC_MAX:
        _public.update(version=version, ids={})
    known = _public["ids"]
    unknown = {pk for pk in ids if pk not in known and 0 < pk < 2**63}
    if unknown:
        found = set(Article.objects.published().filter(pk__in=unknown).values_list("pk", flat=True))
        known.update((pk, pk in found) for pk in unknown)
    return {pk for pk in ids if known.get(pk)}


def record_views(views, *, now=None):
    """Count views [(client, story id)]: public stories only, each client's view of a
    story once per REPEAT_SECONDS, at most VIEWS_PER_CLIENT a minute. Returns how many
    were counted. `client` is a keyed hash of the reader's address group, or "" when
    there is none (then all such views share one client)."""
    now = now or time.time()
    public = public_ids({pk for _client, pk in views})
    views = [(client or "-", pk) for client, pk in views if pk in public]
    if not views:
        return 0
    try:
        return _count_views(views, now)
    except Exception:  # a view not counted must never break a page
        log.warning("%d views not counted", len(views), exc_info=True)
        return 0


def record_view(article_id, *, client="", now=None):
    """Count one view of a story (see record_views)."""
    return record_views([(client, article_id)], now=now) == 1


def _marks(client, pk, now):
    minute = int(now // 60)
    return f"articles:view-rate:{minute}:{client}", f"articles:viewed:{client}:{pk}"


def _count_views(views, now):
    hour = int(now // HOUR)
    redis = _redis()
    if redis is not None:
        keys = [_raw_key(_bucket(hour))]
        for client, pk in views:
            keys += [_raw_key(key) for key in _marks(client, pk, now)]
        ttls = [(WINDOW_HOURS + 1) * HOUR, REPEAT_SECONDS, VIEWS_PER_CLIENT]
        return redis.eval(COUNT_SCRIPT, len(keys), *keys, *ttls, *(pk for _c, pk in views))
    return _count_views_in_cache(views, now, hour)


def _count_views_in_cache(views, now, hour):
    """_count_views with any cache backend: the same rules, without one atomic script."""
    counted = {}
    for client, pk in views:
        rate, seen = _marks(client, pk, now)
        cache.add(rate, 0, 60)
        if cache.incr(rate) <= VIEWS_PER_CLIENT and cache.add(seen, 1, REPEAT_SECONDS):
            counted[pk] = counted.get(pk, 0) + 1
    if counted:
        counts = cache.get(_bucket(hour)) or {}
        for pk, n in counted.items():
            counts[pk] = counts.get(pk, 0) + n
        cache.set(_bucket(hour), counts, (WINDOW_HOURS + 1) * HOUR)
    return sum(counted.values())


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
