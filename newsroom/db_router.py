"""Primary/replica routing with read-your-writes.

Reads go to the replica, writes to the primary. Once a request writes, the rest of
that request reads from the primary, and a short-lived cookie keeps the same
reader on the primary for a few seconds so the page they are redirected to
shows their own change even while the replica lags.
"""

from contextvars import ContextVar

PIN_COOKIE = "nr_primary"
PIN_SECONDS = 10

_pinned: ContextVar[bool] = ContextVar("newsroom_pinned_to_primary", default=False)


def pin_to_primary():
    """Send every later read of this request (or thread) to the primary."""
    _pinned.set(True)


def is_pinned():
    return _pinned.get()


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return "default" if _pinned.get() else "replica"

    def db_for_write(self, model, **hints):
        _pinned.set(True)
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class PinPrimaryMiddleware:
    """Reset the pin for each request; honour and set the read-your-writes cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _pinned.set(request.COOKIES.get(PIN_COOKIE) == "1")
        try:
            response = self.get_response(request)
            if _pinned.get() and request.method not in ("GET", "HEAD", "OPTIONS"):
                response.set_cookie(
                    PIN_COOKIE, "1", max_age=PIN_SECONDS, httponly=True, samesite="Lax"
                )
            return response
        finally:
            _pinned.reset(token)
