"""Whole-page caching for anonymous readers, keyed by the content version.

A page is stored once per address, language, host and content version, and served
to every anonymous reader from the cache. Nothing per-reader is ever stored: the
rating block (live average, count, CSRF token) is cut out of the stored page and
rendered fresh for each request. Signed-in users, readers with a pending message and
non-GET requests always get a freshly rendered page.
"""

import functools
import hashlib

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language

from articles.cache import get_versioned

PAGE_TTL = 600
RATING_SLOT = "<!--newsroom:rating-block-->"
TOP_RATED_SLOT = "<!--newsroom:top-rated-block-->"


def reader_cacheable(request):
    """True for requests whose page is the same for every anonymous reader."""
    return (
        request.method in ("GET", "HEAD")
        and "messages" not in request.COOKIES
        and not request.user.is_authenticated
    )


def page_key(request, kind):
    """The page's cache key; the entry stored there records the content version it shows."""
    # Only the page number or cursor of the query string matters: other parameters
    # (tracking tags, junk) must not multiply the cached copies.
    page = request.GET.get("page", "")[:8]
    before = request.GET.get("before", "")[:40]
    raw = f"{request.scheme}://{request.get_host()}{request.path}?page={page}&before={before}"
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"page:{kind}:{get_language()}:{digest}"


def store(key, response, version):
    """Keep a successful page (without cookies) for later readers of this content version."""
    if response.status_code == 200 and not response.streaming and not response.cookies:
        headers = {
            name: response[name]
            for name in ("Content-Type", "Cache-Control", "Content-Language", "Vary")
            if response.has_header(name)
        }
        entry = {"content": response.content, "headers": headers, "version": version}
        cache.set(key, entry, PAGE_TTL)


def replay(entry, content=None):
    response = HttpResponse(entry["content"] if content is None else content)
    for name, value in entry["headers"].items():
        response[name] = value
    return response


def cached_for_readers(view=None, *, fill=None, fill_key=None):
    """Serve a page from the page cache to anonymous readers.

    `fill(request, html)` puts the live parts into the page for every reader, e.g. the
    top-rated block, which changes with votes rather than with content. The cache value
    under `fill_key` says which state the fill shows; a page filled for the current
    state is served as it is, without filling again.
    """
    if view is None:
        return functools.partial(cached_for_readers, fill=fill, fill_key=fill_key)

    def filled(request, response):
        if fill is not None and response.status_code == 200:
            response.content = fill(request, response.content.decode())
        return response

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not reader_cacheable(request):
            return filled(request, view(request, *args, **kwargs))
        key = page_key(request, view.__name__)
        extra = [fill_key] if fill_key else []
        version, entry, found = get_versioned(key, *extra)
        if entry is None:
            response = view(request, *args, **kwargs)
            store(key, response, version)
            return filled(request, response)
        if fill is None:
            return replay(entry)
        stamp = found.get(fill_key, 0) if fill_key else None
        if fill_key and entry.get("filled_for") == stamp:
            return replay(entry, entry["filled"])
        content = fill(request, entry["content"].decode())
        if fill_key:
            cache.set(key, {**entry, "filled": content, "filled_for": stamp}, PAGE_TTL)
        return replay(entry, content)

    return wrapper
