"""The page cache: whole pages for anonymous readers, the same bytes an HTTP cache stores.

A page is the same for every reader without a session: no CSRF token, no cookie, nothing
of their own (votes need no token, see ratings.views). So the views render it once per
content version (articles.content_version) and `ReaderPageCacheMiddleware` serves it to
every later reader before sessions, locale, URL resolving and the views run, the way
Django's own per-site cache does, and the way Varnish or a CDN in front serves it.

A page may have one live part that follows votes rather than content: the story's rating
block, the top-rated list. The page is stored with a slot there, and the part is filled
in for every request from the cache (`live_part` renderers, registered by the views).

A request flows: middleware (here) → view (articles.views) → template; a stored page
comes back from `serve`, the one function that answers both paths.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags

from articles.content_version import STATE_KEY, content_state, seconds_until_next_change

# Lifetimes, in seconds: the one table of them.
STORE_SECONDS = 600  # a stored page, at most (a new content version retires it sooner)
EDGE_SECONDS = 300  # s-maxage for HTTP caches in front; they are purged on every change
EDGE_STALE_SECONDS = 30  # stale-while-revalidate
PAGE_FORMAT = 4  # part of every key: a release that stores pages differently starts afresh

# Query parameters that name a different page; every other one (utm_source, fbclid…)
# shows the same page and must not multiply the stored copies.
PAGE_PARAMETERS = ("page", "before", "q")
# Paths that are never pages for readers.
NOT_PAGES = ("/admin/", "/healthz", "/static/", "/media/", "/ratings/", "/en/ratings/")
# Cookies of a reader who may see something of their own (set by sessions, messages and
# the database router's read-your-writes pin): their requests go to the views.
BYPASS_COOKIES = (
    settings.SESSION_COOKIE_NAME,
    "messages",
    *getattr(settings, "PAGE_CACHE_BYPASS_COOKIES", ()),
)


@dataclass(frozen=True)
class LivePart:
    """A part of a stored page filled in for every request, by a registered renderer."""

    renderer: str
    args: tuple = ()
    cache_keys: tuple = ()  # fetched in one round trip and handed to the renderer


@dataclass(frozen=True)
class StoredPage:
    """What is kept of a page: its bytes (around the live part's slot) and headers."""

    version: int  # the content version it was rendered from
    head: bytes  # the page up to the live part (all of it without one)
    tail: bytes = b""
    live: LivePart | None = None
    headers: dict = field(default_factory=dict)
    digest: str = ""  # of head and tail: with the live part's state, the ETag


_renderers: dict[str, Callable] = {}


def live_part(name):
    """Register `render(request, found, *args) -> (html, state)` for LivePart(name, …)."""

    def register(render):
        _renderers[name] = render
        return render

    return register


class PageResponse(HttpResponse):
    """A page's response; `shared` ones (any anonymous reader's) the middleware keeps."""

    def __init__(self, page: StoredPage, body: bytes, *, etag: str, shared: bool):
        super().__init__(body)
        self.page = page
        self.shared = shared
        self["ETag"] = etag


def cacheable_request(request):
    """True for a request whose answer is the same for every anonymous reader."""
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and not request.path_info.startswith(NOT_PAGES)
        and not any(name in cookies for name in BYPASS_COOKIES)
    )


def canonical_query(request):
    """The query string of the page the request names: its own parameters, in order."""
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
    raw = f"{language}|{request.path_info}|{canonical_query(request)}"
    return f"page:{PAGE_FORMAT}:{hashlib.sha256(raw.encode()).hexdigest()[:40]}"


def make_page(version, content, *, slot=None, live=None, headers=None):
    """A StoredPage from rendered bytes; `slot` marks where the live part goes."""
    head, tail = (content, b"") if slot is None else content.split(slot.encode(), 1)
    digest = hashlib.sha256(head + b"\0" + tail).hexdigest()[:24]
    return StoredPage(version, head, tail, live, dict(headers or {}), digest)


def respond(request, page, *, public=True):
    """The response to `request` for `page`: the live part filled in, validators, 304.

    Used by the views for a page they just rendered and by the middleware for a stored
    one, so both answer with the same bytes and headers.
    """
    state = ""
    body = page.head + page.tail
    if page.live is not None:
        found = cache.get_many(page.live.cache_keys) if page.live.cache_keys else {}
        html, state = _renderers[page.live.renderer](request, found, *page.live.args)
        body = page.head + html.encode() + page.tail
    etag = f'"{hashlib.sha256(f"{page.digest}:{state}".encode()).hexdigest()[:32]}"'
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
        response["ETag"] = etag
    else:
        response = PageResponse(page, body, etag=etag, shared=public)
    for name, value in page.headers.items():
        response[name] = value
    if public:
        public_cache(response)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    return response


def public_cache(response, seconds=EDGE_SECONDS):
    """Shared-cacheable for every reader, never past the next scheduled story's time."""
    seconds = max(0, min(seconds, seconds_until_next_change()))
    patch_cache_control(
        response,
        public=True,
        max_age=0,
        s_maxage=seconds,
        stale_while_revalidate=EDGE_STALE_SECONDS,
    )
    return response


def lookup(key):
    """The page stored under `key` for the current content version, or None."""
    found = cache.get_many([STATE_KEY, key])
    page = found.get(key)
    if not isinstance(page, StoredPage):
        return None
    if page.version != content_state(found.get(STATE_KEY))["v"]:
        return None
    return page


def store(key, response):
    """Keep a PageResponse for later readers: only a 200 that sets no cookie."""
    page = response.page
    if response.status_code != 200 or response.cookies or response.has_header("Set-Cookie"):
        return
    kept = ("Content-Type", "Content-Language", "Vary", "Cache-Control", "xkey")
    headers = {name: response[name] for name in kept if response.has_header(name)}
    page = StoredPage(page.version, page.head, page.tail, page.live, headers, page.digest)
    cache.set(key, page, STORE_SECONDS)


class ReaderPageCacheMiddleware:
    """Serve stored pages to anonymous readers before the rest of the stack runs; store new ones.

    Placed below the middleware that sets headers on every response (security, CSP,
    frame options), above sessions, locale, CSRF and URL resolving, so a page is kept
    with the headers those add and served with the same ones.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not cacheable_request(request):
            return self.get_response(request)
        language = translation.get_language_from_path(request.path_info)
        key = page_key(request, language or settings.LANGUAGE_CODE)
        page = lookup(key)
        if page is None:
            response = self.get_response(request)
            if isinstance(response, PageResponse) and response.shared:
                store(key, response)
            return response
        translation.activate(language or settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        request.user = AnonymousUser()  # no session cookie: what auth would have found
        return respond(request, page)
