"""Whole-page caching for anonymous readers, keyed by the content version.

A page is stored once per address, language, host and content version, and served
to every anonymous reader from the cache. Nothing per-reader is ever stored: the
rating block (live average, count, CSRF token) is cut out of the stored page and
put in for each request, and so is the home page's top-rated block. Signed-in users,
readers with a pending message and non-GET requests always get a freshly rendered page.

`ReaderPageCacheMiddleware` serves stored pages before the session, locale, URL
resolving and view layers run, the way Django's own per-site cache does; the views
render and store a page when it is missing.
"""

import functools
import hashlib

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers

from articles.cache import cap_shared_lifetime, get_versioned
from newsroom.db_router import PIN_COOKIE

PAGE_TTL = 600
PAGE_FORMAT = 3  # part of every key: a release that stores pages differently starts afresh
RATING_SLOT = "<!--newsroom:rating-block-->"
TOP_RATED_SLOT = "<!--newsroom:top-rated-block-->"  # the home page's block
TOP_RATED_LIST_SLOT = "<!--newsroom:top-rated-list-->"  # the top-rated page's list

# How a stored page of each kind becomes a response: kind -> serve(request, entry, found).
_servers = {}
# Per process: the extra cache keys a stored page needs (its live score, say), so one
# round trip fetches them with the page. A hint only: a wrong one costs a second trip.
_extra_keys = {}
EXTRA_KEYS_MAX = 50_000


def reader_cacheable(request):
    """True for requests whose page is the same for every anonymous reader."""
    return (
        request.method in ("GET", "HEAD")
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def page_key(request, language):
    """The page's cache key; the entry stored there records the content version it shows."""
    # Only the page number or cursor of the query string matters: other parameters
    # (tracking tags, junk) must not multiply the cached copies.
    page = request.GET.get("page", "")[:8]
    before = request.GET.get("before", "")[:40]
    raw = f"{request.scheme}://{request.get_host()}{request.path}?page={page}&before={before}"
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"page:{PAGE_FORMAT}:{language}:{digest}"


def store(key, entry, extra_keys=()):
    """Keep a page entry (a dict with "kind" and "version") for later readers."""
    cache.set(key, {**entry, "extra_keys": list(extra_keys)}, PAGE_TTL)
    _remember(key, list(extra_keys))


def _remember(key, extra_keys):
    if len(_extra_keys) >= EXTRA_KEYS_MAX:
        _extra_keys.clear()
    _extra_keys[key] = extra_keys


def forget_stored_pages():
    """Drop this process's hints (after the cache itself was emptied)."""
    _extra_keys.clear()


def lookup(key):
    """(version, entry, found): the entry stored for the current content version, or None.

    `found` holds the entry's extra keys, fetched in the same round trip when this
    process has served the page before.
    """
    hinted = _extra_keys.get(key, [])
    version, entry, found = get_versioned(key, *hinted)
    if entry is not None and entry["extra_keys"] != hinted:
        _remember(key, entry["extra_keys"])
        found = cache.get_many(entry["extra_keys"]) if entry["extra_keys"] else {}
    return version, entry, found


def lookup_for(request, key):
    """lookup(key) for a request, which then renders with the version it saw.

    No second round trip when the middleware already looked the key up and missed.
    """
    if getattr(request, "page_cache_missed", None) == key:
        return request.content_version, None, {}
    version, entry, found = lookup(key)
    request.content_version = version
    return version, entry, found


def serve(request, entry, found):
    return _servers[entry["kind"]](request, entry, found)


def serves(kind):
    """Register how stored pages of `kind` are served."""

    def register(function):
        _servers[kind] = function
        return function

    return register


def replay(entry, content=None):
    response = HttpResponse(entry["content"] if content is None else content)
    for name, value in entry["headers"].items():
        response[name] = value
    return cap_shared_lifetime(response)


def cached_for_readers(view=None, *, fill=None, fill_key=None):
    """Serve a page from the page cache to anonymous readers.

    `fill(request, html)` puts the live parts into the page for every reader, e.g. the
    top-rated block, which changes with votes rather than with content. The cache value
    under `fill_key` says which state the fill shows; a page filled for the current
    state is served as it is, without filling again.
    """
    if view is None:
        return functools.partial(cached_for_readers, fill=fill, fill_key=fill_key)
    kind = view.__name__

    def filled(request, response):
        if fill is not None and response.status_code == 200:
            response.content = fill(request, response.content.decode())
        return response

    @serves(kind)
    def serve_stored(request, entry, found):
        if fill is None:
            return replay(entry)
        stamp = found.get(fill_key, 0) if fill_key else None
        if fill_key and entry.get("filled_for") == stamp:
            return replay(entry, entry["filled"])
        content = fill(request, entry["content"].decode()).encode()
        if fill_key:
            filled_entry = {**entry, "filled": content, "filled_for": stamp}
            cache.set(request.page_cache_key, filled_entry, PAGE_TTL)
        return replay(entry, content)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not reader_cacheable(request):
            return filled(request, view(request, *args, **kwargs))
        key = request.page_cache_key = page_key(request, translation.get_language())
        version, entry, found = lookup_for(request, key)
        if entry is not None:
            return serve(request, entry, found)
        response = view(request, *args, **kwargs)
        # Only a successful page without cookies is kept for other readers.
        if response.status_code == 200 and not response.streaming and not response.cookies:
            headers = {
                name: response[name]
                for name in ("Content-Type", "Cache-Control", "Content-Language", "Vary")
                if response.has_header(name)
            }
            entry = {"kind": kind, "content": response.content, "headers": headers}
            store(key, {**entry, "version": version}, [fill_key] if fill_key else [])
        return filled(request, response)

    return wrapper


class ReaderPageCacheMiddleware:
    """Serve stored pages to anonymous readers before the rest of the stack runs.

    Placed below the middleware that sets headers on every response (security, CSP,
    frame options) and above sessions, locale, CSRF and URL resolving. Only addresses
    this process has stored or served a page for are looked up. A request that may see
    something of its own (a session, a pending message, a recent write) or that is not
    a GET goes down the stack as usual, and so does any page not stored yet.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request):
        cookies = request.COOKIES
        if (
            request.method not in ("GET", "HEAD")
            or settings.SESSION_COOKIE_NAME in cookies
            or "messages" in cookies
            or PIN_COOKIE in cookies
        ):
            return self.get_response(request)
        from_path = translation.get_language_from_path(request.path_info)
        language = from_path or settings.LANGUAGE_CODE
        try:
            key = page_key(request, language)
        except DisallowedHost:
            return self.get_response(request)  # answered with 400 further down
        if key not in _extra_keys:
            # Not a page this process has stored or served: let the view decide.
            return self.get_response(request)
        version, entry, found = lookup(key)
        if entry is None:
            # the view renders with this version and need not ask again
            request.page_cache_missed, request.content_version = key, version
            return self.get_response(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        request.user = AnonymousUser()
        request.page_cache_key = key
        self.csrf.process_request(request)
        response = serve(request, entry, found)
        # what the session and locale middleware would add (the language of an address
        # without a prefix is the default one, whatever the browser asks for)
        patch_vary_headers(response, ("Cookie",) if from_path else ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return self.csrf.process_response(request, response)
