"""A Redis cache that degrades instead of failing, with an ordered write.

When Redis is unreachable every cache call behaves like a miss (reads return the
default, writes do nothing), the failure is logged once, and Redis is not tried
again for a few seconds, so pages keep rendering from the database at full speed.

`set_if_newer` stores a value only if no newer one is there: writers that race (a
reader filling the cache from an old row, a voter publishing a new one) cannot put
an older value over a newer one, whatever order their writes arrive in.
"""

import functools
import hashlib
import logging
import os
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError, NoScriptError, RedisError, ResponseError

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


# KEYS: value key, order key. ARGV: order, serialized value, seconds to keep.
# The order key holds the order of the value stored; a value whose order key is gone
# (evicted on its own) can no longer be compared, so it is dropped instead.
SET_IF_NEWER = """
local stored = redis.call('GET', KEYS[2])
if stored then
  if tonumber(stored) >= tonumber(ARGV[1]) then return 0 end
elseif redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[3])
return 1
"""
SET_IF_NEWER_SHA = hashlib.sha1(SET_IF_NEWER.encode()).hexdigest()


class ReusingRedisCacheClient(RedisCacheClient):
    """Reuse one redis.Redis per connection pool instead of building one per operation;
    read on a connection each thread keeps.

    redis.Redis() is thread-safe and cheap to share, but slow to construct (it builds its
    response-callback table), which costs more than the cache lookup itself.

    Reads (`get`, `get_many`: every stored page served) skip redis.Redis's per-command
    layers (pool checkout and return, retries, event hooks, response callbacks), which
    cost more CPU than the round trip to Redis itself. They are sent on a connection the
    thread keeps for itself; a connection found broken (Redis restarted) is opened again
    once, and any other failure closes it, so no reply is ever left unread on it. The
    ordered write (`set_if_newer`: a vote's score, twice a vote) is sent the same way,
    never twice.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._held = threading.local()

    def _connection(self, write):
        """The connection this thread keeps to the pool for reads or writes."""
        pool = self._get_connection_pool(write=write)
        held = self._held
        if getattr(held, "pid", None) != os.getpid():  # a new thread, or a forked process
            held.pid, held.connections = os.getpid(), {}
        connection = held.connections.get(id(pool))
        if connection is None:
            connection = held.connections[id(pool)] = pool.make_connection()
        return connection

    def _read(self, *command):
        connection = self._connection(write=False)
        try:
            try:
                connection.send_command(*command)
                return connection.read_response()
            except ConnectionError:
                connection.disconnect()
                connection.send_command(*command)
                return connection.read_response()
        except BaseException:
            connection.disconnect()
            raise

    def _write(self, commands):
        """The replies to `commands`, sent together on this thread's connection for writes
        (one round trip); an error reply is returned, not raised. Not sent again after a
        broken connection: a write may have been done before its reply was lost."""
        connection = self._connection(write=True)
        try:
            connection.send_packed_command(connection.pack_commands(commands))
            replies = []
            for _command in commands:
                try:
                    replies.append(connection.read_response())
                except ResponseError as exc:  # the other replies are read all the same
                    replies.append(exc)
            return replies
        except BaseException:
            connection.disconnect()
            raise

    def get(self, key, default):
        value = self._read("GET", key)
        return default if value is None else self._serializer.loads(value)

    def get_many(self, keys):
        if not keys:
            return {}
        keys = list(keys)
        values = self._read("MGET", *keys)
        loads = self._serializer.loads
        return {
            key: loads(value) for key, value in zip(keys, values, strict=True) if value is not None
        }

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def set_if_newer(self, key, order_key, value, order, timeout, also=None):
        """SET_IF_NEWER's answer; `also` {key: value} set in the same round trip. The script
        is called by its hash, and sent whole the first time Redis does not know it."""
        dumps = self._serializer.dumps
        args = (order, dumps(value), timeout)
        others = [("SET", other, dumps(other_value)) for other, other_value in (also or {}).items()]
        replies = self._write([("EVALSHA", SET_IF_NEWER_SHA, 2, key, order_key, *args), *others])
        if isinstance(replies[0], NoScriptError):
            replies = self._write([("EVAL", SET_IF_NEWER, 2, key, order_key, *args), *others])
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return bool(replies[0])


class ResilientRedisCache(RedisCache):
    _down_until = 0.0

    def validate_key(self, key):
        """Redis takes any key: skip the memcached portability warnings (a loop per key)."""

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

    def get_many_raw(self, keys):
        """The stored bytes of `keys` (None for a missing one) in one MGET, for a caller that
        decodes (loads) only what it has not decoded before; None while Redis is down."""
        if self._down_until > time.monotonic():
            return None
        try:
            return self._cache._read("MGET", *[self.make_and_validate_key(key) for key in keys])
        except RedisError as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            log.error("cache unavailable, serving without it: %s", exc)
            return None

    def loads(self, value):
        """A value from get_many_raw(), decoded as get() decodes it."""
        return self._cache._serializer.loads(value)

    def set_if_newer(self, key, value, order, timeout, *, always_try=False, also=None):
        """Store `value` unless the value already there has the same or a higher `order`.

        Atomic in Redis. True if stored, False if a newer value is there, None if Redis
        could not be reached. `always_try` tries even while Redis is thought to be down,
        for writers whose news other servers must not miss. `also`: {key: value} stored
        too (without expiry, whatever the order), in the same round trip.
        """
        if not always_try and self._down_until > time.monotonic():
            return False
        try:
            return self._cache.set_if_newer(
                self.make_and_validate_key(key),
                self.make_and_validate_key(f"{key}:order"),
                value,
                int(order),
                max(1, int(timeout)),
                also={self.make_and_validate_key(k): v for k, v in (also or {}).items()},
            )
        except RedisError as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            log.error("cache unavailable, serving without it: %s", exc)
            return None

    def incr(self, key, delta=1, version=None):
        if self._down_until > time.monotonic():
            raise ValueError("cache unavailable")
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            log.error("cache unavailable, serving without it: %s", exc)
            raise ValueError("cache unavailable") from exc
