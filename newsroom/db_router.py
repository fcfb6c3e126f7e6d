"""Primary/replica routing with read-your-writes.

Writes go to the primary. A request that is not a GET, HEAD or OPTIONS reads from the
primary from its first query (so writes and votes never read a replica); so does the
rest of any request once it writes, and any read inside a transaction. Other requests
read from one replica, chosen at their first read among those that have replayed the
last committed write (see newsroom/replicas.py); when none has, or none can be
reached, they read the primary.

A request whose replica fails under it, or falls behind a write that commits while it
renders, is answered again from the primary (GET and HEAD have no side effects to
repeat). After a write, a short-lived cookie keeps the same reader on the primary and
past the page cache for a few seconds, so the page they are sent to shows their own
change. The cookie holds its own end (a Unix time, readable by Varnish) signed with
SECRET_KEY: a made-up or expired one is ignored, so it cannot be used to send every
request of a flood past the caches onto the primary.
"""

import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.core import signing
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpResponse

from newsroom import replicas

PIN_COOKIE = "nr_primary"
PIN_SECONDS = 10
PIN_SALT = "newsroom.db_router.pin"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class Routing:
    """Where one request reads from."""

    pinned: bool = False  # every read goes to the primary
    wrote: bool = False  # the request wrote: set the read-your-writes cookie
    alias: str | None = None  # the replica chosen at the first read
    need: int = 0  # the WAL position that replica was checked against
    retry: bool = False  # the replica failed or fell behind: answer again from the primary

    def read_alias(self):
        if self.pinned:
            return DEFAULT_DB_ALIAS
        if self.alias is None:
            self.need = replicas.last_write()
            self.alias = replicas.choose(self.need) or DEFAULT_DB_ALIAS
        return self.alias


_routing: ContextVar[Routing | None] = ContextVar("newsroom_routing", default=None)


def current():
    """The routing of the request being served here, or None outside a request."""
    return _routing.get()


def is_pinned():
    routing = _routing.get()
    return routing is not None and routing.pinned


def pin_value(now=None):
    """The read-your-writes cookie's value: its end, signed ("1767225600:<signature>")."""
    until = int(time.time() if now is None else now) + PIN_SECONDS
    return signing.Signer(salt=PIN_SALT).sign(str(until))


def pin_is_valid(value, now=None):
    """True for a read-your-writes cookie this site signed that has not ended yet."""
    try:
        until = int(signing.Signer(salt=PIN_SALT).unsign(value or ""))
    except (signing.BadSignature, ValueError):
        return False
    return until > (time.time() if now is None else now)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS  # inside a transaction, read what it sees
        routing = _routing.get()
        if routing is not None:
            return routing.read_alias()
        # Outside a request (commands, threads): each read is routed on its own.
        try:
            return replicas.choose(replicas.last_write()) or DEFAULT_DB_ALIAS
        except DatabaseError:
            return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        routing = _routing.get()
        if routing is None:
            # a command that wrote reads its own writes from then on
            routing = Routing()
            _routing.set(routing)
        routing.pinned = routing.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


class ReplicaBehind(Exception):
    """The request's replica has not replayed a write that committed while it rendered."""


def replica_failed(alias, exc, *, unreachable):
    """Called by the replica connections when a query or a connect fails."""
    if unreachable:
        replicas.failed(alias, exc)
    routing = _routing.get()
    if routing is not None and routing.alias == alias:
        routing.retry = True


def check_fresh(alias):
    """Before each query on a replica: has it replayed every write committed until now?"""
    routing = _routing.get()
    if routing is None or routing.alias != alias or replicas.is_probing():
        return
    need = replicas.last_write()
    if need > routing.need:
        routing.need = need
        if not replicas.usable(alias, need):
            routing.retry = True
            raise ReplicaBehind(alias)


class PinPrimaryMiddleware:
    """Route each request's reads; answer again from the primary when a replica fails.

    Honours and sets the read-your-writes cookie.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        safe = request.method in SAFE_METHODS
        routing = Routing(pinned=not safe or pin_is_valid(request.COOKIES.get(PIN_COOKIE)))
        token = _routing.set(routing)
        try:
            response = self.get_response(request)
            if routing.retry and safe:
                routing = Routing(pinned=True)
                _routing.set(routing)
                response = self.get_response(request)
            if routing.wrote and not safe:
                response.set_cookie(
                    PIN_COOKIE,
                    pin_value(),
                    max_age=PIN_SECONDS,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
            return response
        finally:
            _routing.reset(token)

    def process_exception(self, request, exception):
        routing = _routing.get()
        if routing is not None and routing.retry and request.method in SAFE_METHODS:
            return HttpResponse(status=503)  # replaced by the answer from the primary
        return None
