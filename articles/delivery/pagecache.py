"""The page cache: whole pages for anonymous readers, the same bytes an HTTP cache stores.

A page is the same for every reader without a session: no CSRF token, no cookie, nothing
of their own (votes need no token, see ratings.views). So the views render it once per
content version (articles.delivery.content_version) and `ReaderPageCacheMiddleware` serves it to
every later reader before sessions, locale, URL resolving and the views run, the way
Django's own per-site cache does, and the way Varnish or a CDN in front serves it.

A page may have one live part that follows votes rather than content: the story's rating
block, the top-rated list. The page is stored with a slot there, and the part is filled
in for every request from the cache by its renderer (named by its dotted path, so any
process can serve a page it never rendered), from keys fetched in the same round trip as
the page.

A request flows: middleware (here) → view (articles.views) → template; a stored page
comes back from `serve`, the one function that answers both paths.
"""

import functools
import hashlib
import pickle
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, parse_http_date_safe
from django.utils.module_loading import import_string

from articles.delivery import compression, cookies, edge
from articles.delivery.content_version import STATE_KEY, content_state

# Lifetimes, in seconds: the one table of them.
STORE_SECONDS = 600  # a stored page, at most (a new content version retires it sooner)
EDGE_SECONDS = 300  # s-maxage for HTTP caches in front; they are purged on every change
EDGE_STALE_SECONDS = 30  # stale-while-revalidate
DAY = 86400  # how far "never" is, for a shared cache
PAGE_FORMAT = 10  # part of every key: a release that stores pages differently starts afresh

# Query parameters that name a different page; every other one (utm_source, fbclid…)
# shows the same page and must not multiply the stored copies.
PAGE_PARAMETERS = ("page", "before", "q", "p", "order")  # p: a sitemap's page; order: a live page's
# Headers made anew for every response; the others are kept with a stored page.
PER_RESPONSE = {"content-length", "content-encoding", "etag", "cache-control", "date", "set-cookie"}
# Content types worth compressing: every page, feed and sitemap.
COMPRESSED_TYPES = ("text/", "application/xml", "application/rss+xml", "application/atom+xml")
# Paths that are never pages for readers.
NOT_PAGES = ("/admin/", "/healthz", "/static/", "/media/", "/ratings/", "/en/ratings/")


@dataclass(frozen=True)
class LivePart:
    """A part of a stored page filled in for every request by its renderer.

    `renderer`: the dotted path of `render(request, found, *args) -> (html, state)`, where
    `found` holds the cache's values of `cache_keys` and `state` names what the part showed
    (it goes into the ETag).
    """

    renderer: str
    args: tuple = ()
    cache_keys: tuple = ()  # fetched in one round trip and handed to the renderer
    # How long an HTTP cache may keep the page for this part's sake (None: EDGE_SECONDS),
    # for a part that follows votes without a purge for each (the top-rated list).
    edge_seconds: int | None = None


@dataclass(frozen=True)
class StoredPage:
    """What is kept of a page: its bytes (around the live part's slot) and headers."""

    version: int  # the content version it was rendered from
    until: float | None  # when that version ends by itself (a story's time, a banner's)
    parameters: tuple  # the query parameters the page shows something by (page, before)
    head: bytes  # the page up to the live part (all of it without one)
    tail: bytes = b""
    live: LivePart | None = None
    headers: dict = field(default_factory=dict)
    digest: str = ""  # of head and tail: with the live part's state, the ETag
    gzipped: tuple = ()  # head and tail compressed once, head's CRC (compression.pieces)


@functools.cache
def renderer(path) -> Callable:
    return import_string(path)


# What loading a page stored by an earlier release raises when the code it names has moved
# (its classes are pickled by module path, its renderer named by one): such a page is
# rendered afresh and stored again, never answered with a 500. PAGE_FORMAT changes with
# every release that moves them, so these are only a safety net.
MOVED_CODE = (ImportError, AttributeError, pickle.UnpicklingError)


def renders(page):
    """True if the page's live part (if any) names a renderer this release has."""
    if page.live is None:
        return True
    try:
        renderer(page.live.renderer)
    except ImportError:
        return False
    return True


class PageResponse(HttpResponse):
    """A page's response; `shared` ones (any anonymous reader's) the middleware keeps."""

    def __init__(self, page: StoredPage, body: bytes, *, etag: str, shared: bool):
        super().__init__(body)
        self.page = page
        self.shared = shared
        self["ETag"] = etag


def cacheable_request(request):
    """True for a request whose answer is the same for every anonymous reader.

    A session is not asked about here: the views see it as a signed-in user, and the
    middleware asks (cookies.has_live_session) only before it serves a stored page.
    """
    return (
        request.method in ("GET", "HEAD")
        and not request.path_info.startswith(NOT_PAGES)
        and not cookies.has_signed_own_cookie(request)
    )


def canonical_query(request):
    """The query string of the page the request names: its own parameters, in order."""
    if not request.META.get("QUERY_STRING"):
        return ""  # most requests: no QueryDict to build
    parts = []
    for name in PAGE_PARAMETERS:
        value = request.GET.get(name)
        if value is None or (name == "page" and value == "1"):
            continue
        parts.append(f"{name}={value[:200]}")
    return "&".join(parts)


def page_key(request, language):
    """The stored page's key: language, path and the page's own parameters; not the host.

    Every address in a page is built from SITE_URL, never from the Host header, so the
    bytes are the same whatever host or port a request names.
    """
    return key_for(language, request.path_info, canonical_query(request))


def key_for(language, path_info, query):
    """page_key() of a request for `path_info` with canonical_query() `query`."""
    raw = f"{language}|{path_info}|{query}"
    return f"page:{PAGE_FORMAT}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def make_page(state, content, *, slot=None, live=None, headers=None, parameters=()):
    """A StoredPage from bytes rendered with content `state`; `slot`: where the live part goes.

    `parameters`: those of PAGE_PARAMETERS the page is shown by; a request naming any
    other one gets the page, and nothing is stored for it (its address names no other page).
    """
    head, tail = (content, b"") if slot is None else content.split(slot.encode(), 1)
    digest = hashlib.sha256(head + b"\0" + tail).hexdigest()[:24]
    kind = (headers or {}).get("Content-Type", "text/html")
    gzipped = compression.pieces(head, tail) if kind.startswith(COMPRESSED_TYPES) else ()
    return StoredPage(
        state["v"],
        state["until"],
        tuple(parameters),
        head,
        tail,
        live,
        dict(headers or {}),
        digest,
        gzipped,
    )


def respond(request, page, *, public=True, found=None):
    """The response to `request` for `page`: the live part filled in, validators, 304.

    Used by the views for a page they just rendered and by the middleware for a stored
    one, so both answer with the same bytes and headers. `found`: the live part's cache
    keys, when the caller fetched them already.
    """
    status, body, headers = answer(request, page, found)
    if status == 304:
        response = HttpResponseNotModified()
    else:
        response = PageResponse(page, body, etag=headers["ETag"], shared=public)
    for name, value in headers.items():
        response[name] = value
    if public:
        response["Cache-Control"] = cache_control(edge_seconds(page), until=page.until)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response


def answer(request, page, found=None):
    """(status, body, headers) of `page` for `request`, without its Cache-Control: what
    respond() answers, as plain values (newsroom.stored_pages answers them ahead of Django)."""
    live, state = render_live_part(request, page, found)
    gzipped = bool(page.gzipped) and compression.accepts_gzip(request)
    # each encoding is a representation of its own, with an ETag of its own
    etag = hashlib.sha256(f"{page.digest}:{state}".encode()).hexdigest()[:32]
    headers = {"ETag": f'"{etag}-gzip"' if gzipped else f'"{etag}"'}
    if not_modified(request, headers["ETag"], page.headers.get("Last-Modified")):
        status, body = 304, b""
    elif gzipped:
        status, body = 200, compression.gzip_page(page.gzipped, page.head, live, page.tail)
        headers["Content-Encoding"] = "gzip"
    else:
        status, body = 200, page.head + live + page.tail
    if status == 200:  # a length, not chunks: one write fewer for the server, any client
        headers["Content-Length"] = str(len(body))
    headers.update(page.headers)
    if page.gzipped:
        headers["Vary"] = _vary(headers.get("Vary"), "Accept-Encoding")
    return status, body, headers


def _vary(value, name):
    """A Vary header's `value` with `name` added (as patch_vary_headers does)."""
    names = [part for part in re.split(r"\s*,\s*", value or "") if part]
    if "*" in names or name.lower() in {part.lower() for part in names}:
        return ", ".join(names)
    return ", ".join([*names, name])


def render_live_part(request, page, found=None):
    """(bytes, state) of the page's live part for this request; (b"", "") without one."""
    if page.live is None:
        return b"", ""
    if found is None:
        keys = page.live.cache_keys
        found = cache.get_many(keys) if keys else {}
    html, state = renderer(page.live.renderer)(request, found, *page.live.args)
    return html.encode(), state


def edge_seconds(page):
    """How long HTTP caches in front may keep the page: its live part's say, or the rule."""
    return (page.live and page.live.edge_seconds) or EDGE_SECONDS


def not_modified(request, etag, last_modified=None):
    """True when the reader's copy is current: If-None-Match names the ETag, or, without
    If-None-Match, If-Modified-Since is no earlier than `last_modified` (an HTTP date)."""
    return not_modified_since(request.META, etag, last_modified)


def not_modified_since(meta, etag, last_modified=None):
    """not_modified() of a request with headers `meta` (request.META, or a WSGI environ)."""
    matches = meta.get("HTTP_IF_NONE_MATCH")
    if matches:
        return etag in parse_etags(matches)
    if not last_modified or "HTTP_IF_MODIFIED_SINCE" not in meta:
        return False  # most requests: nothing to parse
    since = parse_http_date_safe(meta["HTTP_IF_MODIFIED_SINCE"])
    modified = parse_http_date_safe(last_modified)
    return since is not None and modified is not None and modified <= since


def shared_document(request, response, *, state, keys, parameters=()):
    """A feed's or sitemap's response kept like a page: under content `state` (read before
    it was made), served warm by the middleware, purged by `keys`, with ETag and
    Last-Modified answered by 304."""
    if response.status_code != 200:
        return response
    if hasattr(response, "render"):
        response.render()
    headers = {"Content-Type": response["Content-Type"], **edge.headers(keys)}
    if response.has_header("Last-Modified"):
        headers["Last-Modified"] = response["Last-Modified"]
    page = make_page(state, response.content, headers=headers, parameters=parameters)
    return respond(request, page, public=cacheable_request(request))


_READ = object()


def public_cache(response, seconds=EDGE_SECONDS, *, until=_READ):
    """Shared-cacheable for every reader, never past the content's next change by itself.

    A scheduled story's time or a banner's start or expiry ends what the page shows, so
    s-maxage and stale-while-revalidate together stop there. `until` is that moment (a
    timestamp, or None for never) when the caller knows it; otherwise it is read.
    """
    if until is _READ:
        until = content_state()["until"]
    if response.has_header("Cache-Control"):
        shared, stale = _edge_lifetimes(seconds, until)
        patch_cache_control(
            response, public=True, max_age=0, s_maxage=shared, stale_while_revalidate=stale
        )
    else:  # every stored page: the same header, without parsing one first
        response["Cache-Control"] = cache_control(seconds, until=until)
    return response


def cache_control(seconds, *, until):
    """The Cache-Control of a shared page kept `seconds` at the edge, never past `until`."""
    shared, stale = _edge_lifetimes(seconds, until)
    return f"public, max-age=0, s-maxage={shared}, stale-while-revalidate={stale}"


def _edge_lifetimes(seconds, until):
    """(s-maxage, stale-while-revalidate) that end by `until` (a timestamp, or None)."""
    left = DAY if until is None else max(0, int(until - time.time()))
    shared = max(0, min(seconds, left))
    return shared, max(0, min(EDGE_STALE_SECONDS, left - shared))


# Per process: the cache keys the live part of each page read the last time it was
# served, so that a warm page, its content version and its live score come back in one
# round trip. Only a guess: a wrong or missing one costs a second round trip.
_live_keys = {}
LIVE_KEYS_REMEMBERED = 20_000


def remember_live_keys(key, page):
    if len(_live_keys) >= LIVE_KEYS_REMEMBERED:
        _live_keys.clear()
    _live_keys[key] = page.live.cache_keys if page.live else ()


def lookup(key):
    """(page, found): the page stored under `key` for the current version, or None; and
    the cache's values of its live part's keys, fetched in the same round trip if known."""
    guessed = _live_keys.get(key, ())
    try:
        found = cache.get_many([STATE_KEY, key, *guessed])
    except MOVED_CODE:
        return None, None
    page = found.get(key)
    if not isinstance(page, StoredPage) or not renders(page):
        return None, None
    if page.version != content_state(found.get(STATE_KEY))["v"]:
        return None, None
    wanted = page.live.cache_keys if page.live else ()
    if wanted != guessed:
        remember_live_keys(key, page)
        return page, None
    return page, found


def store(key, request, response):
    """Keep a PageResponse for later readers: a 200 that sets no cookie, at its own address."""
    page = response.page
    if response.status_code != 200 or response.cookies or response.has_header("Set-Cookie"):
        return
    if any(name in request.GET for name in PAGE_PARAMETERS if name not in page.parameters):
        return  # ?q=… on a story: the same page under an address that names no other
    headers = {name: value for name, value in response.items() if name.lower() not in PER_RESPONSE}
    page = StoredPage(
        page.version,
        page.until,
        page.parameters,
        page.head,
        page.tail,
        page.live,
        headers,
        page.digest,
        page.gzipped,
    )
    cache.set(key, page, STORE_SECONDS)


class ReaderPageCacheMiddleware:
    """Serve stored pages to anonymous readers before the rest of the stack runs; store new ones.

    Placed below the security headers (frame options, CSP, HTTPS redirect, HSTS), which
    every response gets, stored or not, and above sessions, locale, CSRF and URL
    resolving: a page is kept with the headers those added when it was rendered (Vary,
    Content-Language) and served with the same ones, without running them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not cacheable_request(request):
            return self.get_response(request)
        try:
            request.get_host()  # a Host not in ALLOWED_HOSTS is a 400, as for every page
        except DisallowedHost:
            return self.get_response(request)
        language = translation.get_language_from_path(request.path_info)
        key = page_key(request, language or settings.LANGUAGE_CODE)
        page, found = lookup(key)
        if page is None or cookies.has_live_session(request):
            response = self.get_response(request)
            if isinstance(response, PageResponse) and response.shared:
                store(key, request, response)
                remember_live_keys(key, response.page)
            return response
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        request.user = AnonymousUser()  # no live session: what auth would have found
        return respond(request, page, found=found)
