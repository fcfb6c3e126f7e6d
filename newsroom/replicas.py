"""Read replicas: which one may serve a read, judged by how far it has replayed.

The rule that keeps every cache fresh: a replica serves a read only when it has
replayed every write the site has committed so far. After each committed write the
primary's WAL position is recorded in the shared cache ("the last write", kept
monotonic, see `note_write`); a replica may serve a request if its replay position
(`pg_last_wal_replay_lsn()`, cached here for at most PROBE_SECONDS) is at least that
far and it lags no more than DATABASE_REPLICA_MAX_LAG seconds. Otherwise the request
reads the primary. So a page rendered from a replica shows every write whose content
version a reader could have seen, and nothing rendered from a lagging replica is
ever stored in any cache.

A replica that cannot be reached trips a per-process circuit breaker: for
BREAKER_SECONDS nobody here tries it, reads go elsewhere, and the fault is logged
once. The request routing itself (which alias a request reads from) is in
newsroom/db_router.py; the hooks on the connections are in newsroom/postgresql/.
"""

import itertools
import logging
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

log = logging.getLogger("newsroom.faults")

LAST_WRITE_KEY = "newsroom:replicas:last-write-lsn"
LAST_WRITE_TTL = 24 * 3600  # when it is gone the primary's position is asked for again
PROBE_SECONDS = 1.0  # a replica's replay position is asked for at most this often
RECHECK_SECONDS = 0.05  # ...or this often while it is behind what a request needs
BREAKER_SECONDS = 5.0  # an unreachable replica is left alone this long

# The replica's position, and its lag: the time since the last transaction it replayed
# while it has received WAL it has not replayed yet (zero when it has replayed all).
PROBE_SQL = """
SELECT pg_is_in_recovery(),
       pg_last_wal_replay_lsn() - '0/0',
       CASE WHEN pg_last_wal_receive_lsn() IS NULL
              OR pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()
            THEN EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
            ELSE 0 END
"""
# The end of the WAL the primary has written: pg_current_wal_insert_lsn() names where
# the next record starts, which is past a page header when the last record ended on a
# page boundary; `end_of_wal` takes the header off again.
WRITE_POSITION_SQL = """
SELECT pg_current_wal_insert_lsn() - '0/0',
       current_setting('wal_block_size')::int,
       pg_size_bytes(current_setting('wal_segment_size'))
"""
SHORT_PAGE_HEADER, LONG_PAGE_HEADER = 24, 40


def aliases():
    """The database aliases of the configured replicas."""
    return settings.DATABASE_REPLICAS


@dataclass
class Replica:
    """What this process knows about one replica."""

    alias: str
    in_recovery: bool = True
    replay_lsn: int = 0
    lag: float = 0.0
    checked_at: float = float("-inf")
    down_until: float = 0.0
    error: str = ""
    lagging: bool = False

    @property
    def down(self):
        return self.down_until > time.monotonic()

    def caught_up(self, need):
        """True if it has replayed everything up to WAL position `need`."""
        return not self.in_recovery or self.replay_lsn >= need

    def usable(self, need):
        return not self.down and self.caught_up(need) and not self.lagging


_replicas: dict[str, Replica] = {}
_turn = itertools.count()
_probing: ContextVar[bool] = ContextVar("newsroom_replica_probing", default=False)


def state(alias):
    replica = _replicas.get(alias)
    if replica is None:
        replica = _replicas[alias] = Replica(alias)
    return replica


def forget():
    """Drop what this process knows about the replicas (tests)."""
    _replicas.clear()


def is_probing():
    return _probing.get()


@contextmanager
def _probe_context():
    token = _probing.set(True)
    try:
        yield
    finally:
        _probing.reset(token)


def probe(alias):
    """Ask the replica for its replay position and lag now; trip the breaker on failure."""
    replica = state(alias)
    if connections[alias].vendor != "postgresql":
        # a test copy of the primary (SQLite): nothing to replay, nothing to ask
        replica.in_recovery, replica.checked_at = False, time.monotonic()
        return replica
    try:
        with _probe_context(), connections[alias].cursor() as cursor:
            cursor.execute(PROBE_SQL)
            in_recovery, replay_lsn, lag = cursor.fetchone()
    except DatabaseError as exc:
        failed(alias, exc)
        return replica
    replica.in_recovery = bool(in_recovery)
    replica.replay_lsn = int(replay_lsn or 0)
    replica.lag = float(lag or 0)
    replica.checked_at = time.monotonic()
    if replica.error:
        log.warning("replica %s is reachable again", alias)
        replica.error = ""
    lagging = replica.lag > settings.DATABASE_REPLICA_MAX_LAG
    if lagging != replica.lagging:
        if lagging:
            log.warning(
                "replica %s lags %.1f s, more than DATABASE_REPLICA_MAX_LAG: reads go elsewhere",
                alias,
                replica.lag,
            )
        else:
            log.warning("replica %s has caught up (lag %.1f s)", alias, replica.lag)
        replica.lagging = lagging
    return replica


def failed(alias, exc):
    """A replica could not be reached: leave it alone for BREAKER_SECONDS.

    Logged once when it starts failing (and once when it is reachable again), not at
    every retry while it stays down.
    """
    replica = state(alias)
    if not replica.error:
        log.error(
            "replica %s unavailable, reading from the others or the primary "
            "(tried again every %.0f s): %s",
            alias,
            BREAKER_SECONDS,
            str(exc).strip() or type(exc).__name__,
        )
    replica.error = type(exc).__name__
    replica.down_until = time.monotonic() + BREAKER_SECONDS
    # a connection that failed is of no use when the replica comes back
    try:
        connections[alias].close()
    except DatabaseError:
        pass


def usable(alias, need):
    """True if the replica may serve a read that must see WAL position `need`."""
    replica = state(alias)
    if replica.down:
        return False
    age = time.monotonic() - replica.checked_at
    if age > PROBE_SECONDS or (not replica.caught_up(need) and age > RECHECK_SECONDS):
        probe(alias)
    return replica.usable(need)


def choose(need):
    """A replica that may serve reads that must see WAL position `need`, or None.

    Turns go round the replicas, so reads spread over all those that are usable.
    """
    candidates = aliases()
    start = next(_turn)
    for n in range(len(candidates)):
        alias = candidates[(start + n) % len(candidates)]
        if usable(alias, need):
            return alias
    return None


def end_of_wal(insert_lsn, block_size, segment_size):
    """The end of the last WAL record, from the position where the next one starts."""
    offset = insert_lsn % block_size
    if offset == SHORT_PAGE_HEADER or (
        offset == LONG_PAGE_HEADER and insert_lsn % segment_size == LONG_PAGE_HEADER
    ):
        return insert_lsn - offset
    return insert_lsn


def write_position(raw_connection):
    """The primary's WAL position now, read on a DB-API connection (no Django wrappers)."""
    with raw_connection.cursor() as cursor:
        cursor.execute(WRITE_POSITION_SQL)
        insert_lsn, block_size, segment_size = cursor.fetchone()
    return end_of_wal(int(insert_lsn), block_size, segment_size)


def note_write(lsn, *, quiet=False):
    """Record that a write up to WAL position `lsn` has committed (keeps the highest)."""
    stored = None
    if hasattr(cache, "set_if_newer"):
        stored = cache.set_if_newer(LAST_WRITE_KEY, lsn, lsn, LAST_WRITE_TTL, always_try=True)
    else:
        if (cache.get(LAST_WRITE_KEY) or 0) < lsn:
            cache.set(LAST_WRITE_KEY, lsn, LAST_WRITE_TTL)
            stored = True
    if stored is None and not quiet:
        log.error("could not record the last write position %s in the cache", lsn)


def last_write():
    """The WAL position every read must see: the last committed write's.

    When the cache has none (expired, emptied, out of reach), or is not shared by every
    process (no REDIS_URL), the primary's own current position is used, which is at
    least as far.
    """
    lsn = cache.get(LAST_WRITE_KEY) if settings.REDIS_URL else None
    if lsn is not None:
        return lsn
    primary = connections[DEFAULT_DB_ALIAS]
    if primary.vendor != "postgresql":
        return 0
    primary.ensure_connection()
    lsn = write_position(primary.connection)
    note_write(lsn, quiet=True)
    return lsn


def report():
    """Each replica's state for /healthz: asked for now unless its breaker is open."""
    need = None
    result = {}
    for alias in aliases():
        replica = state(alias)
        if not replica.down:
            probe(alias)
        if replica.down:
            retry = max(0.0, replica.down_until - time.monotonic())
            result[alias] = {"state": "down", "error": replica.error, "retry_in": round(retry, 1)}
            continue
        if need is None:
            try:
                need = last_write()
            except DatabaseError:
                need = 0
        if not replica.in_recovery:
            status = "ok"  # the primary itself, or a copy that is not replaying
        elif replica.lagging:
            status = "lagging"
        elif not replica.caught_up(need):
            status = "behind"
        else:
            status = "ok"
        result[alias] = {
            "state": status,
            "lag_seconds": round(replica.lag, 3),
            "behind_bytes": max(0, need - replica.replay_lsn) if replica.in_recovery else 0,
        }
    return result
