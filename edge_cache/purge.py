"""Purges at the HTTP caches in front of the site (Varnish, a CDN), by surrogate key.

Every cacheable page names what it shows in a header of keys (the backend's `header`).
After a change commits, and before the response that made it returns, `purge` asks
every cache in EDGE_PURGE_URLS to drop the pages with those keys, through the backend
of EDGE_CACHE_BACKEND (edge_cache.backends).

Purges from one process are coalesced: while one is on its way, the keys of later
changes wait for the next one, and every caller waits until a purge sent after its own
change has been answered. A burst of votes on one story becomes a few purges, and no
reader sees a count older than the last committed vote. A cache that is down is logged
and never fails the editor's save or the reader's vote. Sending a purge costs one
request on a connection kept open (the backend's); with one cache, it is sent from the
caller's own thread.
"""

import http.client
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait

from edge_cache.backends import backend
from edge_cache.conf import setting

log = logging.getLogger("edge_cache")

TIMEOUT_SECONDS = 2.0
QUIET_SECONDS = 60  # a cache that keeps failing is logged once in this long


def purge_urls():
    """The caches to purge (EDGE_PURGE_URLS)."""
    return [url for url in setting("EDGE_PURGE_URLS") if url]


class _Purger:
    """Sends the keys gathered while the previous purge was on its way, in one request.

    No thread of its own: a caller that finds no purge on its way sends one itself, with
    every key gathered so far; callers that come meanwhile wait for it, and one of them
    sends the next batch, with theirs.
    """

    def __init__(self):
        self._lock = threading.Condition()
        self._pending = set()
        self._taken = 0  # batches taken from the pending keys (sent or on their way)
        self._sent = 0  # batches answered (or given up on)
        self._busy = False
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="edge-purge")
        self._failures = {}  # url: (when last logged, failures not logged since)

    def purge(self, keys):
        deadline = time.monotonic() + TIMEOUT_SECONDS * 3
        with self._lock:
            self._pending.update(keys)
            batch = self._taken + 1  # the next batch taken carries these keys
            while self._sent < batch:
                if not self._busy:
                    self._send_pending()
                elif not self._lock.wait(timeout=max(0.0, deadline - time.monotonic())):
                    return  # given up on: the purge on its way is logged if it fails

    def _send_pending(self):
        """Take the pending keys and send them, the lock released meanwhile."""
        self._busy = True
        keys, self._pending = self._pending, set()
        self._taken += 1
        self._lock.release()
        try:
            self._send(keys)
        finally:
            self._lock.acquire()
            self._sent += 1
            self._busy = False
            self._lock.notify_all()

    def _send(self, keys):
        value = sorted(keys)
        urls = purge_urls()
        if len(urls) == 1:  # no other thread needed to send one request
            self._check(urls[0], lambda: backend(urls[0]).purge(value, timeout=TIMEOUT_SECONDS))
            return
        futures = {
            self._pool.submit(backend(url).purge, value, timeout=TIMEOUT_SECONDS): url
            for url in urls
        }
        done, not_done = wait(futures, timeout=TIMEOUT_SECONDS + 0.5)
        for future in done:
            self._check(futures[future], future.result)
        for future in not_done:
            self._failed(futures[future], "did not answer a purge in time")

    def _check(self, url, answer):
        """Log a purge at `url` that failed: `answer()` gives its HTTP status or raises."""
        try:
            status = answer()
        except (http.client.HTTPException, OSError) as exc:
            self._failed(url, f"unreachable, purge lost: {exc}")
            return
        except Exception as exc:  # noqa: BLE001 (a backend's fault never fails the change)
            self._failed(url, f"purge failed: {exc!r}")
            return
        if status >= 400:
            self._failed(url, f"refused a purge: {status}")

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
