"""The view beacon answered ahead of Django: `POST /views/<id>/` costs no middleware,
no URL resolving, no view.

Every story page a reader opens with JavaScript sends one beacon, so it is the most
frequent request a site gets. Behind Varnish it never reaches an app server: the shipped
VCL answers it with a 204 and `manage.py ship_views` counts the views from Varnish's log
in batches. Without Varnish (or for a beacon Varnish passed on), `ViewBeaconApp` wraps
the WSGI application and counts it here: the same checks as articles.views.count_view
(no cross-site beacons; articles.popularity counts only public stories, once per reader
and story, a few a minute), one Redis round trip, and a 204.
"""

import re
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.core import signals

from articles import popularity
from ratings import services as rating_services

PATH = re.compile(r"^(?:/en)?/views/([0-9]{1,18})/$")
NO_CONTENT = ("204 No Content", [("Cache-Control", "no-store"), ("Content-Length", "0")])
REFUSED = ("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")])


def same_origin(environ):
    """A beacon from one of our own pages (the rules of the vote endpoint's check):
    Fetch Metadata says same-origin, or, from a browser that sends none, Origin (if
    any) names the host asked."""
    site = environ.get("HTTP_SEC_FETCH_SITE")
    if site is not None:
        return site in ("same-origin", "none")
    origin = environ.get("HTTP_ORIGIN")
    return origin is None or urlsplit(origin).netloc == environ.get("HTTP_HOST")


def client_hash(environ):
    """The keyed hash of the reader's address group, as votes use it."""
    address = rating_services.client_address(SimpleNamespace(META=environ))
    return rating_services.hash_address(address) or ""


class ViewBeaconApp:
    """WSGI middleware: view beacons are counted here, everything else goes to `app`."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        found = PATH.match(environ.get("PATH_INFO", ""))
        if found is None or environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        if not same_origin(environ):
            start_response(*REFUSED)
            return [b"Cross-site beacons are not counted.\n"]
        # the request's start and end, as Django marks them: old database connections
        # are closed or checked, as for any request that may use one
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            popularity.record_view(int(found.group(1)), client=client_hash(environ))
        finally:
            signals.request_finished.send(sender=self.__class__)
        start_response(*NO_CONTENT)
        return []


# Varnish's log of the beacons it answered: client address, X-Forwarded-For, path.
LOG_QUERY = 'ReqMethod eq "POST" and ReqURL ~ "^(/en)?/views/[0-9]+/$" and RespStatus == 204'
LOG_FORMAT = "%h %{X-Forwarded-For}i %U"


def view_from_log(line):
    """(client hash, story id) from one line of LOG_FORMAT, or None for anything else."""
    parts = line.split()
    if len(parts) < 3:
        return None
    remote, forwarded, path = parts[0], " ".join(parts[1:-1]), parts[-1]
    found = PATH.match(path)
    if found is None:
        return None
    environ = {"REMOTE_ADDR": remote}
    if forwarded != "-":
        environ["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_hash(environ), int(found.group(1))


def ship(lines, *, batch=1000):
    """Count the views in `lines` (an iterable of log lines; None: nothing new for a
    while, so what waits is counted now) in batches of at most `batch`. Returns the
    number of views counted."""
    waiting, counted = [], 0
    for line in lines:
        view = view_from_log(line) if line is not None else None
        if view is not None:
            waiting.append(view)
        if waiting and (line is None or len(waiting) >= batch):
            counted += popularity.record_views(waiting)
            waiting = []
            signals.request_finished.send(sender=ship)  # old connections closed, as Django does
    if waiting:
        counted += popularity.record_views(waiting)
    return counted
