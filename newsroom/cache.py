"""A Redis cache that degrades instead of failing.

When Redis is unreachable every cache call behaves like a miss (reads return the
default, writes do nothing), the failure is logged once, and Redis is not tried
again for a few seconds, so pages keep rendering from the database at full speed.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger("newsroom.faults")

RETRY_AFTER_SECONDS = 5.0


def _degrades(default=None):
    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if self._down_until > time.monotonic():
                return default(args, kwargs) if callable(default) else default
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
                log.error("cache unavailable, serving without it: %s", exc)
                return default(args, kwargs) if callable(default) else default

        return wrapper

    return decorator


def _get_default(args, kwargs):
    return kwargs.get("default", args[1] if len(args) > 1 else None)


class ReusingRedisCacheClient(RedisCacheClient):
    """Reuse one redis.Redis per connection pool instead of building one per operation.

    redis.Redis() is thread-safe and cheap to share, but slow to construct (it builds its
    response-callback table), which costs more than the cache lookup itself.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    _down_until = 0.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    get = _degrades(_get_default)(RedisCache.get)
    set = _degrades(None)(RedisCache.set)
    add = _degrades(False)(RedisCache.add)
    touch = _degrades(False)(RedisCache.touch)
    delete = _degrades(False)(RedisCache.delete)
    get_many = _degrades(lambda a, k: {})(RedisCache.get_many)
    set_many = _degrades(lambda a, k: [])(RedisCache.set_many)
    delete_many = _degrades(None)(RedisCache.delete_many)
    has_key = _degrades(False)(RedisCache.has_key)
    clear = _degrades(None)(RedisCache.clear)

    def incr(self, key, delta=1, version=None):
        if self._down_until > time.monotonic():
            raise ValueError("cache unavailable")
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            log.error("cache unavailable, serving without it: %s", exc)
            raise ValueError("cache unavailable") from exc
