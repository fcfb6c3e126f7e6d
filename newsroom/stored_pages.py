"""Stored pages answered ahead of Django's handler: a warm page costs its lookup, not the
middleware stack.

The page cache (articles.delivery.pagecache) keeps every anonymous reader's page, and its
middleware serves it before sessions, URL resolving and the views. What still ran for
each warm page was the rest of the stack around it: the request and response objects'
layers, the request signals, a dozen middleware calls, most of which add nothing to a
stored page. `StoredPageApp` wraps the WSGI application and answers a stored page from
the WSGI environ, with the same key, the same bytes and headers as `pagecache.answer()`
(articles.delivery.warm reads them in one round trip and decodes only what changed), adds
what the middleware above the page cache adds to every page (the security headers,
computed by those middleware once per process and scheme), logs the request line as
RequestLogMiddleware does and strips a HEAD's body as HeadMiddleware does. A Django
request is made only for what needs one: the cookies (a session or a message of the
reader's, which must bypass the page), the page parameters of a query string, the live
part's renderer.

Anything else goes to Django: a request the page cache would not serve, a Host not
allowed, a plain-HTTP request where HTTPS is enforced, a page or live part that needs the
database (the content version expired, a score being changed), a session to look up.
"""

import functools
import io
import time
import uuid

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest, get_path_info, get_script_name
from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils import translation
from django.utils.module_loading import import_string

from articles.delivery import compression, cookies, pagecache, warm
from newsroom.middleware import request_line

# The middleware above the page cache whose headers every page gets whatever it is; the
# others there act on the request (health, HTTPS redirect, NUL, static files, routing,
# old addresses) or are done here (the log line, HEAD, compression by respond()).
HEADER_MIDDLEWARE = (
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.CSPMiddleware",
    "newsroom.middleware.PermissionsPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
)
# Headers made for each answer here; the middleware's never replace them.
PER_ANSWER = {"etag", "content-encoding", "content-length", "cache-control", "x-request-id"}
REMEMBERED = 1000  # hosts and first path segments remembered per process

STATUS = {200: "200 OK", 304: "304 Not Modified"}


class NeedsDjango(Exception):
    """The page cannot be answered here (it needs the database): Django answers it."""


def _refuse_queries(execute, sql, params, many, context):
    raise NeedsDjango


def _without_queries(function, *args):
    """function(*args), raising NeedsDjango instead of running any query."""
    wrappers = [connections[alias].execute_wrappers for alias in connections]
    for wrapper in wrappers:
        wrapper.append(_refuse_queries)
    try:
        return function(*args)
    finally:
        for wrapper in wrappers:
            wrapper.remove(_refuse_queries)


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


_hosts = {}  # (Host and what else get_host() reads) -> allowed
_languages = {}  # a path's first segment -> the language it names, or None


@receiver(setting_changed)
def _settings_changed(**kwargs):
    page_headers.cache_clear()
    _hosts.clear()
    _languages.clear()


class Answer:
    """A stored page's answer: status (200 or 304), body, headers (without X-Request-ID)."""

    __slots__ = ("status", "body", "headers", "method", "path")

    def __init__(self, status, body, headers, method, path):
        self.status, self.body, self.headers = status, body, headers
        self.method, self.path = method, path


def stored_answer(environ):
    """The Answer of the stored page a WSGI request asks for, or None when Django must
    answer it (pagecache.answer() with the header middleware's headers)."""
    method = environ.get("REQUEST_METHOD", "").upper()
    query = environ.get("QUERY_STRING", "")
    if method not in ("GET", "HEAD") or "%00" in query:
        return None
    path_info = get_path_info(environ) or "/"
    if path_info.startswith(pagecache.NOT_PAGES):
        return None
    secure = _is_secure(environ)
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None  # SecurityMiddleware's redirect
    if not _allowed_host(environ):
        return None  # a 400, as for every page
    request = None
    if "HTTP_COOKIE" in environ or query:  # decided with Django's own parsing of them
        request = WSGIRequest(environ)
        if cookies.has_signed_own_cookie(request):
            return None
    language = _language(path_info)
    canonical = pagecache.canonical_query(request) if request is not None else ""
    found = warm.lookup(pagecache.key_for(language, path_info, canonical))
    if found is None or not found[0].page.gzipped:
        return None  # a page not kept compressed: Django's middleware compresses it
    if request is not None and _without_queries(cookies.has_live_session, request):
        return None
    return _answer(environ, request, method, path_info, language, secure, *found)


def _answer(environ, request, method, path_info, language, secure, warm_page, found):
    page = warm_page.page
    gzipped = bool(page.gzipped) and compression.takes_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
    live, state = b"", ""
    if page.live is not None:
        request = request or WSGIRequest(environ)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        request.user = AnonymousUser()  # no live session: what auth would have found
        live, state = _without_queries(pagecache.render_live_part, request, page, found)
    etag = warm_page.etag(state, gzipped)
    if pagecache.not_modified_since(environ, etag, page.headers.get("Last-Modified")):
        status, body = 304, b""
        headers = [("ETag", etag)]
    else:
        status, body = 200, warm_page.body(live, gzipped)
        headers = [("ETag", etag), ("Content-Encoding", "gzip")] if gzipped else [("ETag", etag)]
    headers += warm_page.headers(secure, _kept_headers, secure)
    if status == 200 or method == "HEAD":  # HEAD: the length GET would have
        headers.append(("Content-Length", str(len(body))))
    if method == "HEAD":
        body = b""
    headers.append(("Cache-Control", warm_page.edge_cache_control()))
    script_name = get_script_name(environ)
    path = f"{script_name.rstrip('/')}/{path_info.replace('/', '', 1)}"
    return Answer(status, body, headers, method, path)


def _kept_headers(page, secure):
    """The headers every answer of `page` repeats: its own (Vary with Accept-Encoding, as it
    is kept compressed), then those of the header middleware it does not set itself."""
    headers = dict(page.headers)
    headers["Vary"] = pagecache._vary(headers.get("Vary"), "Accept-Encoding")
    given = PER_ANSWER | {name.lower() for name in headers}
    added = [(name, value) for name, value in page_headers(secure) if name.lower() not in given]
    return [*headers.items(), *added]


def _is_secure(environ):
    """request.is_secure() of the request `environ` describes."""
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        value = environ.get(header)
        if value is not None:
            return value.split(",", 1)[0].strip() == secure_value
    return environ.get("wsgi.url_scheme") == "https"


def _allowed_host(environ):
    """Whether request.get_host() of the request `environ` describes is allowed."""
    key = tuple(
        environ.get(name)
        for name in (
            "HTTP_HOST",
            "SERVER_NAME",
            "SERVER_PORT",
            "HTTP_X_FORWARDED_HOST",
            "HTTP_X_FORWARDED_PORT",
        )
    )
    allowed = _hosts.get(key)
    if allowed is None:
        try:
            WSGIRequest(environ).get_host()
            allowed = True
        except DisallowedHost:
            allowed = False
        if len(_hosts) >= REMEMBERED:
            _hosts.clear()
        _hosts[key] = allowed
    return allowed


def _language(path_info):
    """The language a path is in (its prefix, else the site's), as the page cache keys it:
    decided by its first segment alone, so remembered by that."""
    segment = path_info[1:].partition("/")[0]
    language = _languages.get(segment, False)
    if language is False:
        language = translation.get_language_from_path(f"/{segment}/")
        if len(_languages) >= REMEMBERED:
            _languages.clear()
        _languages[segment] = language
    return language or settings.LANGUAGE_CODE


class StoredPageApp:
    """WSGI middleware: stored pages are answered here, everything else goes to `app`."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        try:
            answer = stored_answer(environ)
        except NeedsDjango:
            answer = None
        if answer is None:
            return self.app(environ, start_response)
        request_id = environ.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        answer.headers.append(("X-Request-ID", request_id))
        request_line(answer.method, answer.path, answer.status, request_id, started)
        start_response(STATUS[answer.status], answer.headers)
        return [answer.body]
