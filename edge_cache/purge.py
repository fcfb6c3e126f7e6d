"""Purges at the HTTP caches in front of the site (Varnish, a CDN), by surrogate key.

Every cacheable page names what it shows in a header of keys (the backend's `header`).
After a change commits, and before the response that made it returns, `purge` asks
every cache in EDGE_PURGE_URLS to drop the pages with those keys, through the backend
of EDGE_CACHE_BACKEND (edge_cache.backends).

Purges from one process are coalesced: while one is on its way, the keys of later
changes wait for the next one, and every caller waits until a purge sent after its own
change has been answered. A burst of votes on one story becomes a few purges, and no
reader sees a count older than the last committed vote. A cache that is down is logged
and never fails the editor's save or the reader's vote.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

import requests

from edge_cache.backends import backend
from edge_cache.conf import setting

log = logging.getLogger("edge_cache")

TIMEOUT_SECONDS = 2.0
QUIET_SECONDS = 60  # a cache that keeps failing is logged once in this long


def purge_urls():
    """The caches to purge (EDGE_PURGE_URLS)."""
    return [url for url in setting("EDGE_PURGE_URLS") if url]


class _Purger:
    """Sends the keys gathered while the previous purge was on its way, in one request."""

    def __init__(self):
        self._lock = threading.Condition()
        self._pending = set()
        self._taken = 0  # batches taken from the pending keys (sent or on their way)
        self._sent = 0  # batches answered (or given up on)
        self._busy = False
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="edge-purge")
        self._failures = {}  # url: (when last logged, failures not logged since)

    def purge(self, keys):
        with self._lock:
            self._pending.update(keys)
            batch = self._taken + 1  # the next batch taken carries these keys
            if not self._busy:
                self._busy = True
                threading.Thread(target=self._run, daemon=True).start()
            self._lock.wait_for(lambda: self._sent >= batch, timeout=TIMEOUT_SECONDS * 3)

    def _run(self):
        while True:
            with self._lock:
                if not self._pending:
                    self._busy = False
                    return
                keys, self._pending = self._pending, set()
                self._taken += 1
            self._send(keys)
            with self._lock:
                self._sent += 1
                self._lock.notify_all()

    def _send(self, keys):
        value = sorted(keys)
        futures = {
            self._pool.submit(backend(url).purge, value, timeout=TIMEOUT_SECONDS): url
            for url in purge_urls()
        }
        done, not_done = wait(futures, timeout=TIMEOUT_SECONDS + 0.5)
        for future in done:
            try:
                response = future.result()
            except requests.RequestException as exc:
                self._failed(futures[future], f"unreachable, purge lost: {exc}")
                continue
            if response.status_code >= 400:
                self._failed(futures[future], f"refused a purge: {response.status_code}")
        for future in not_done:
            self._failed(futures[future], "did not answer a purge in time")

    def _failed(self, url, problem):
        """Log a failed purge; one a minute at most for a cache that keeps failing (a
        bulk write while it is down would log every story), with how many were not."""
        now = time.monotonic()
        last, unlogged = self._failures.get(url, (None, 0))
        if last is not None and now - last < QUIET_SECONDS:
            self._failures[url] = (last, unlogged + 1)
            return
        self._failures[url] = (now, 0)
        more = f" ({unlogged} more failed purges not logged)" if unlogged else ""
        log.error("edge cache %s %s%s", url, problem, more)


_purger = _Purger()


def purge(keys):
    """Drop the pages with any of `keys` from every HTTP cache in front; wait for the answer."""
    keys = [key for key in keys if key]
    if keys and purge_urls():
        _purger.purge(keys)
