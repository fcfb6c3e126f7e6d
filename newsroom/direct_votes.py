"""Anonymous readers' JSON votes answered ahead of Django's handler and middleware.

A vote through Django runs the whole middleware stack and URL resolving around the
view, about a millisecond of CPU, more than the vote's own statements. `VoteApp` wraps
the WSGI application and gives a reader's vote from the rating block's script the
vote view's own answer (ratings.direct.answer), with what the middleware add to it:
the language of the address (LocaleMiddleware), Vary and Content-Language, the
read-your-writes cookie after a write (PinPrimaryMiddleware), compression, the security
headers (computed once, as for stored pages), the request id and log line; and the
request's start and end signals, so database connections are handled as for any
request. Everything else goes to Django unchanged: signed-in users, form posts, a
cross-origin request, a query string, a body that is not small, plain HTTP where HTTPS
is enforced, a Host not allowed, a database that cannot be reached.
"""

import io
import re
import time
import uuid

from django.conf import settings
from django.core import signals
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.middleware.common import CommonMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.log import log_response

from newsroom import db_router
from newsroom.middleware import CompressionMiddleware, log_request
from newsroom.stored_pages import page_headers
from ratings import direct

MAX_BODY = 16 * 1024  # a vote's form is a few dozen bytes (a few hundred as multipart)


def vote_path():
    """The vote endpoint's path (ratings/urls.py under the project's language prefixes):
    label, object id and field."""
    others = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    prefix = f"(?:/(?:{'|'.join(map(re.escape, others))}))?" if others else ""
    return re.compile(rf"^{prefix}/ratings/([^/]+)/([^/]+)/([-a-zA-Z0-9_]+)/vote/$")


def _unused(request):
    raise AssertionError("only the middleware's request and response steps are used")


class VoteApp:
    """WSGI middleware: anonymous readers' JSON votes answered here, the rest by `app`."""

    def __init__(self, app):
        self.app = app
        self.path = vote_path()
        self.locale = LocaleMiddleware(_unused)
        self.common = CommonMiddleware(_unused)
        self.compression = CompressionMiddleware(_unused)

    def __call__(self, environ, start_response):
        found = self.path.match(environ.get("PATH_INFO", ""))
        if (
            found is None
            or environ.get("REQUEST_METHOD") != "POST"
            or "application/json" not in environ.get("HTTP_ACCEPT", "")
            or environ.get("QUERY_STRING")
        ):
            return self.app(environ, start_response)
        body = _small_body(environ)
        if body is None:
            return self.app(environ, start_response)
        started = time.perf_counter()
        environ["wsgi.input"] = io.BytesIO(body)
        request = WSGIRequest(environ)
        response = None
        if _may_answer(request):
            signals.request_started.send(sender=self.__class__, environ=environ)
            _trust_open_connection()
            try:
                response = self._answer(request, *found.groups())
            finally:
                signals.request_finished.send(sender=self.__class__)
        if response is None:
            environ["wsgi.input"] = io.BytesIO(body)  # read again, by Django
            return self.app(environ, start_response)
        request.id = environ.get("HTTP_X_REQUEST_ID", "")[:64] or uuid.uuid4().hex
        response["X-Request-ID"] = request.id
        log_request(request, response.status_code, started)
        if response.status_code >= 400:  # as Django's handler logs a refusal
            log_response(
                "%s: %s", response.reason_phrase, request.path, response=response, request=request
            )
        status = f"{response.status_code} {response.reason_phrase}"
        headers = [
            *response.items(),
            *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
        ]
        start_response(status, headers)
        return [response.content]

    def _answer(self, request, label, object_id, field):
        """The vote's answer with what the middleware add to it; None: Django answers."""
        self.locale.process_request(request)
        # routed as PinPrimaryMiddleware routes a POST, with its cookie after a write
        pinned = db_router.PinPrimaryMiddleware(
            lambda request: direct.answer(request, label, object_id, field)
        )
        try:
            response = pinned(request)
        except (OperationalError, InterfaceError):
            return None  # nothing was counted: Django answers (its friendly 503)
        if response is None:
            return None
        response = self.common.process_response(request, response)
        response = self.locale.process_response(request, response)
        patch_vary_headers(response, ("Cookie",))  # the view asked the session who votes
        response = self.compression.process_response(request, response)
        given = {name.lower() for name in response.headers}
        for name, value in page_headers(request.is_secure()):
            if name.lower() not in given:
                response[name] = value
        return response


def _trust_open_connection():
    """No health check (CONN_HEALTH_CHECKS' SELECT 1) before the vote's statements: a
    connection that died since its last request fails the vote's first statement, a read
    (the visibility check), and the vote then goes to Django, which answers it on a new
    connection; nothing was written."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.connection is not None:
        connection.health_check_done = True


def _small_body(environ):
    """The request's body when its length is given and small; None otherwise."""
    length = environ.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY:
        return None
    return environ["wsgi.input"].read(int(length)) if int(length) else b""


def _may_answer(request):
    """False where Django's middleware would answer before the view (the HTTPS redirect,
    a Host not allowed, CommonMiddleware's refusals and redirects)."""
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return False
    if settings.PREPEND_WWW or settings.DISALLOWED_USER_AGENTS:
        return False
    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True
