"""Stored pages read warm: one round trip, and nothing decoded that was decoded before.

newsroom.stored_pages answers stored pages ahead of Django with what is here. Every
request still reads the content state, the page and its live part's keys from the cache
in one round trip (MGET): that is what keeps a page exact after an edit or a vote. What
it no longer does is decode them all again. Each process keeps, for the pages it served
lately, the bytes a page was stored as and the page they decode to, with what every
answer of that page repeats: its ETag for each state of the live part, its bodies for
each rendering of it, its headers. A lookup compares the bytes read with those kept
(a page that changed is stored anew, with other bytes) and decodes only what differs,
the live part's keys (a few bytes each) and a new content state.

The answers are those of pagecache.answer(), byte for byte and header for header
(tests/test_stored_pages.py compares them).
"""

import hashlib
import time

from django.core.cache import cache

from articles.delivery import compression, pagecache
from articles.delivery.content_version import STATE_KEY

KEPT_PAGES = 256  # pages kept decoded per process, the oldest dropped first
KEPT_BYTES = 256 * 1024  # a larger page (a sitemap of 5,000 addresses) is decoded each time
KEPT_ETAGS = 16  # ETags kept per page (states of its live part)
KEPT_BODIES = 4  # bodies kept per page: the live part's latest states, each encoding


class WarmPage:
    """A stored page as this process last read it, and what its answers repeat."""

    def __init__(self, raw, page):
        self.raw = raw  # the cache's bytes (or value, for a cache that keeps objects)
        self.page = page
        self.live_keys = page.live.cache_keys if page.live else ()
        self.cache_control = None  # when the page has no `until`: the same every time
        self._etags = {}
        self._bodies = {}
        self._headers = {}

    def etag(self, state, gzipped):
        """The ETag of the page with its live part in `state`, as pagecache.answer() makes it."""
        etag = self._etags.get((state, gzipped))
        if etag is None:
            digest = hashlib.sha256(f"{self.page.digest}:{state}".encode()).hexdigest()[:32]
            etag = f'"{digest}-gzip"' if gzipped else f'"{digest}"'
            _keep(self._etags, (state, gzipped), etag, KEPT_ETAGS)
        return etag

    def body(self, live, gzipped):
        """The page's bytes with `live` in its slot, compressed or not."""
        body = self._bodies.get((live, gzipped))
        if body is None:
            page = self.page
            if gzipped:
                body = compression.gzip_page(page.gzipped, page.head, live, page.tail)
            else:
                body = page.head + live + page.tail
            _keep(self._bodies, (live, gzipped), body, KEPT_BODIES)
        return body

    def headers(self, variant, make, *args):
        """The headers every answer of `variant` repeats (a tuple), made once by
        `make(page, *args)`."""
        headers = self._headers.get(variant)
        if headers is None:
            headers = self._headers[variant] = tuple(make(self.page, *args))
        return headers

    def edge_cache_control(self):
        """The Cache-Control of the page (pagecache.cache_control)."""
        if self.cache_control is not None:
            return self.cache_control
        page = self.page
        value = pagecache.cache_control(pagecache.edge_seconds(page), until=page.until)
        if page.until is None:
            self.cache_control = value
        return value


def _keep(kept, key, value, most):
    if len(kept) >= most:
        del kept[next(iter(kept))]
    kept[key] = value


_pages = {}  # page key -> WarmPage
_state = [(None, None)]  # (the content state's bytes as last read, what they decode to)


def lookup(key):
    """(warm page, found) for the page stored under `key` when it is current and its
    content state need not be made anew; None for anything else (Django answers it).

    `found`: the cache's values of the live part's keys, read in the same round trip; None
    when they were not (the first time this process sees the page), and the live part
    reads them itself.
    """
    warm = _pages.get(key)
    guessed = warm.live_keys if warm is not None else pagecache._live_keys.get(key, ())
    fetched = _fetch([STATE_KEY, key, *guessed])
    if fetched is None:
        return None
    (raw_state, raw_page, *raw_live), loads = fetched
    if raw_page is None or raw_state is None:
        return None
    try:
        state = _current_state(raw_state, loads)
        if warm is None or warm.raw != raw_page:
            warm = _decoded(key, raw_page, loads)
        if state is None or warm is None or warm.page.version != state["v"]:
            return None
        if warm.live_keys != guessed:
            pagecache.remember_live_keys(key, warm.page)
            return warm, None
        live = zip(guessed, raw_live, strict=True)
        found = {name: loads(raw) for name, raw in live if raw is not None}
    except pagecache.MOVED_CODE:
        return None
    return warm, found


def _fetch(keys):
    """([the cache's bytes of each key, None where missing], how to decode one), or None
    when the cache cannot be reached; a cache that keeps objects gives them, to keep."""
    read = getattr(cache, "get_many_raw", None)
    if read is None:
        found = cache.get_many(keys)
        return [found.get(key) for key in keys], _as_kept
    raw = read(keys)
    return None if raw is None else (raw, cache.loads)


def _as_kept(value):
    return value


def _current_state(raw, loads):
    """The content state from its bytes, or None when its time is up (Django makes the next)."""
    kept, state = _state[0]  # one read: another thread may replace it meanwhile
    if kept != raw:
        state = loads(raw)
        _state[0] = (raw, state)
    if state["until"] is not None and time.time() >= state["until"]:
        return None
    return state


def _decoded(key, raw, loads):
    page = loads(raw)
    if not isinstance(page, pagecache.StoredPage) or not pagecache.renders(page):
        return None
    warm = WarmPage(raw, page)
    _pages.pop(key, None)
    if len(page.head) + len(page.tail) <= KEPT_BYTES:
        if len(_pages) >= KEPT_PAGES:
            del _pages[next(iter(_pages))]
        _pages[key] = warm
    return warm


def forget():
    """Drop what this process keeps (for tests)."""
    _pages.clear()
    _state[0] = (None, None)
