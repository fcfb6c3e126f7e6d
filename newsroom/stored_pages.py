"""Stored pages answered ahead of Django's handler: a warm page costs its lookup, not the
middleware stack.

The page cache (articles.delivery.pagecache) keeps every anonymous reader's page, and its
middleware serves it before sessions, URL resolving and the views. What still ran for
each warm page was the rest of the stack around it: the request and response objects'
layers, the request signals, a dozen middleware calls, most of which add nothing to a
stored page. `StoredPageApp` wraps the WSGI application and answers a stored page with
the same lookup and the same `pagecache.respond()`, adds what the middleware above the
page cache adds to every page (the security headers, computed by those middleware once
per process and scheme), logs the request line as RequestLogMiddleware does and strips a
HEAD's body as HeadMiddleware does. Anything else goes to Django: a request the page
cache would not serve, a plain-HTTP request where HTTPS is enforced, a page or live part
that needs the database (the content version expired, a score being changed), a page
not kept compressed.
"""

import functools
import io
import time
import uuid
from contextlib import ExitStack

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils import translation
from django.utils.module_loading import import_string

from articles.delivery import cookies, pagecache
from newsroom.middleware import log_request

# The middleware above the page cache whose headers every page gets whatever it is; the
# others there act on the request (health, HTTPS redirect, NUL, static files, routing,
# old addresses) or are done here (the log line, HEAD, compression by respond()).
HEADER_MIDDLEWARE = (
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.CSPMiddleware",
    "newsroom.middleware.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
)


STATUS = {200: "200 OK", 304: "304 Not Modified"}


class NeedsDjango(Exception):
    """The page cannot be answered here (it needs the database): Django answers it."""


def _refuse_queries(execute, sql, params, many, context):
    raise NeedsDjango


@functools.cache
def page_headers(secure):
    """[(name, value)] the header middleware add to a page, for a plain or HTTPS request."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.input": io.BytesIO()}
    environ.update(SERVER_NAME="localhost", SERVER_PORT="80")
    environ["wsgi.url_scheme"] = "https" if secure else "http"
    request = WSGIRequest(environ)
    request.is_secure = lambda: secure  # whichever way the proxy tells it
    blank = HttpResponse()
    before = set(blank.headers)
    handler = lambda request: blank  # noqa: E731
    for path in reversed([name for name in settings.MIDDLEWARE if name in HEADER_MIDDLEWARE]):
        handler = import_string(path)(handler)
    response = handler(request)
    return [(name, value) for name, value in response.items() if name not in before]


@receiver(setting_changed)
def _settings_changed(**kwargs):
    page_headers.cache_clear()


def stored_answer(request):
    """(status, body, headers) of the stored page for `request` (pagecache.answer), or
    None when Django must answer."""
    if not _may_be_stored(request):
        return None
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with ExitStack() as guard:
        for alias in connections:
            guard.enter_context(connections[alias].execute_wrapper(_refuse_queries))
        page, found = pagecache.lookup(pagecache.page_key(request, language))
        if page is None or not page.gzipped or cookies.has_live_session(request):
            return None
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        request.user = AnonymousUser()
        status, body, headers = pagecache.answer(request, page, found)
    headers["Cache-Control"] = pagecache.cache_control(
        pagecache.edge_seconds(page), until=page.until
    )
    return status, body, headers


def _may_be_stored(request):
    """Whether a stored page may answer `request` before Django sees it at all."""
    if request.method not in ("GET", "HEAD") or "%00" in request.META.get("QUERY_STRING", ""):
        return False
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return False  # SecurityMiddleware's redirect
    if not pagecache.cacheable_request(request):
        return False
    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True


class StoredPageApp:
    """WSGI middleware: stored pages are answered here, everything else goes to `app`."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request = WSGIRequest(environ)
        try:
            answered = stored_answer(request)
        except NeedsDjango:
            answered = None
        if answered is None:
            return self.app(environ, start_response)
        status, body, headers = answered
        request.id = environ.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        given = {name.lower() for name in headers}
        for name, value in page_headers(request.is_secure()):
            if name.lower() not in given:
                headers[name] = value
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(body))
            body = b""
        headers["X-Request-ID"] = request.id
        log_request(request, status, started)
        start_response(STATUS[status], list(headers.items()))
        return [body]
