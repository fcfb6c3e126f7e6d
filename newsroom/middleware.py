"""Health checks, request logging, bodiless HEAD answers, compression, a friendly answer
when the database is down, the Content Security Policy."""

import functools
import logging
import time
import uuid

import csp.constants
import csp.middleware
import csp.utils
from django.conf import settings
from django.core.signals import setting_changed
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import patch_cache_control, patch_vary_headers

from articles.delivery.compression import accepts_gzip
from newsroom import logs
from newsroom.health import healthz
from newsroom.views import bad_request, database_unavailable

HTTPS_REDIRECT_SECONDS = 86400  # how long a browser may keep the redirect to HTTPS

request_log = logging.getLogger("newsroom.request")
fault_log = logging.getLogger("newsroom.faults")


class HealthCheckMiddleware:
    """/healthz, first of all the middleware: for load balancers and Varnish's probe.

    A probe names its backend by address (`Host: 10.0.0.5`) and speaks plain HTTP, so
    the answer comes before the Host check and the redirect to HTTPS; and it is not a
    request line in the log every two seconds (an answer other than 200 is logged).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != "/healthz":
            return self.get_response(request)
        response = healthz(request)
        if response.status_code != 200:
            fault_log.warning("health check: %s", response.content.decode())
        return response


class RequestLogMiddleware:
    """One structured log line per request: request id, method, path, status, duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.id = request.META.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        started = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        log_request(request, response.status_code, started)
        return response


def log_request(request, status, started):
    """The request's log line."""
    request_line(request.method, request.path, status, request.id, started)


def request_line(method, path, status, request_id, started):
    """One request's log line (stored pages answered ahead of Django log it from here).

    Where the line would reach one plain stream through the JSON formatter alone (the
    production setting), it is written as that formatter writes it, without the logging
    machinery's record: some 15 µs, a tenth of a stored page's cost. Anywhere else (text
    lines, other handlers, filters, a test capturing records) it goes through logging.
    """
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    fields = {
        "request_id": request_id,
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": duration_ms,
    }
    handler = _json_stream_handler()
    if handler is None:
        request_log.info("%s %s %s %.1f ms", method, path, status, duration_ms, extra=fields)
        return
    created = time.time()
    message = f"{method} {path} {status} {duration_ms:.1f} ms"
    handler.acquire()
    try:
        handler.stream.write(
            logs.json_line(created, "INFO", request_log.name, message, fields) + handler.terminator
        )
        handler.flush()
    except Exception:  # noqa: BLE001 (as logging.StreamHandler.emit: reported, never raised)
        record = logging.makeLogRecord({"name": request_log.name, "msg": message, **fields})
        handler.handleError(record)
    finally:
        handler.release()


def _json_stream_handler():
    """The one handler an INFO line of the request log reaches, when it is a plain stream
    with the JSON formatter and nothing on the way filters or changes the line; or None."""
    if request_log.disabled or request_log.filters or not request_log.isEnabledFor(logging.INFO):
        return None  # logging.info() costs next to nothing then, or must filter
    found = None
    logger = request_log
    while logger:
        for handler in logger.handlers:
            if found is not None:
                return None
            found = handler
        if not logger.propagate:
            break
        logger = logger.parent
    if type(found) is not logging.StreamHandler or found.filters or found.level > logging.INFO:
        return None
    return found if logs.writes_json_lines(found.formatter) else None


class HeadMiddleware:
    """Answer HEAD with the headers of GET and no body, as HTTP asks of the application.

    Django renders HEAD like GET; the WSGI server would drop the body anyway (and log a
    warning for each request). Content-Length still gives the length of the GET body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            if not response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
            response.content = b""
        return response


class PermissionsPolicyMiddleware:
    """Every answer says which powerful browser features no page of the site uses
    (settings.PERMISSIONS_POLICY), so no script or frame on it can ask for them."""

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.value = ", ".join(f"{name}=()" for name in settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault("Permissions-Policy", self.value)
        return response


class PlainHttpPrivateMiddleware:
    """Where the site redirects plain HTTP to HTTPS, no shared cache keeps that answer.

    A cache in front that does not key on the scheme would hand the redirect to readers
    already on HTTPS, back to the address they asked for, round and round. A browser
    keys its cache on the scheme, so the redirect is `private` with a lifetime of its own.
    Placed just above Django's SecurityMiddleware, which makes the redirect.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            patch_cache_control(response, private=True, max_age=HTTPS_REDIRECT_SECONDS)
        return response


class CompressionMiddleware(GZipMiddleware):
    """Django's gzip for every text answer not compressed already (stored pages come
    compressed from the page cache), for clients that take it: `gzip;q=0` refuses it."""

    def process_response(self, request, response):
        if not accepts_gzip(request):
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        return super().process_response(request, response)


class RefuseNulMiddleware:
    """A query string with a NUL character (%00) is a 400: no page, filter or search takes
    one, and PostgreSQL refuses it in any query (the admin's filters would answer 500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", ""):
            return bad_request(request)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """Answer 503 with a friendly page, never a 500, when the database cannot be reached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable(request, exception)
        return None


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the policy built once for the responses that change
    nothing of it (no nonce asked for, no per-view policy): stored pages among them, which
    it would otherwise build anew for each reader, some 40 µs each)."""

    def process_response(self, request, response):
        if not _fixed_policy(request, response):
            return super().process_response(request, response)
        if csp.constants.HEADER not in response:
            response[csp.constants.HEADER] = _built_policy()
        # as django-csp does: a nonce asked for after the header is written is an error
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


def _fixed_policy(request, response):
    """True when the response gets the configured policy as it is."""
    if getattr(request, "_csp_nonce", None) is not None:
        return False
    if any(name.startswith("_csp") for name in vars(response)):
        return False  # csp.decorators: a view's own policy or exemption
    if settings.DEBUG and response.status_code in (404, 500):
        return False  # Django's debug pages: django-csp leaves them alone
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
    return not report_only and not policy.get("EXCLUDE_URL_PREFIXES")


@functools.cache
def _built_policy():
    return csp.utils.build_policy()


@receiver(setting_changed)
def _policy_changed(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _built_policy.cache_clear()
