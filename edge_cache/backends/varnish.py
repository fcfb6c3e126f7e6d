"""Varnish with the xkey module (varnish-modules): pages keyed by `xkey`, purged by key."""

import http.client
import os
import threading
from urllib.parse import urlsplit

from edge_cache.backends.base import BaseBackend

_kept = threading.local()


def _connection(url, timeout):
    """This thread's connection to the cache at `url`, kept open between purges: a vote's
    purge costs one request, not a new connection and client each. It goes straight to
    the cache (HTTP_PROXY and the like are not read); a connection closed by either side
    is opened again by the next request."""
    if getattr(_kept, "pid", None) != os.getpid():  # a new thread, or a forked worker
        _kept.pid, _kept.connections = os.getpid(), {}
    connection = _kept.connections.get(url)
    if connection is None:
        parts = urlsplit(url)
        https = parts.scheme == "https"
        kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
        connection = kind(parts.hostname, parts.port, timeout=timeout)
        _kept.connections[url] = connection
    return connection


class XkeyBackend(BaseBackend):
    """A PURGE request with the keys in `xkey-purge` (see deploy/varnish/default.vcl)."""

    header = "xkey"
    purge_header = "xkey-purge"

    def purge(self, keys, *, timeout):
        headers = {self.purge_header: " ".join(keys)}
        try:
            return self._send(headers, timeout)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # the kept connection was closed by the cache (its idle timeout) as the purge
            # went out: the same purge once more, on a new connection. A cache that does
            # not answer in time is not asked twice.
            return self._send(headers, timeout)

    def _send(self, headers, timeout):
        connection = _connection(self.url, timeout)
        try:
            connection.request("PURGE", urlsplit(self.url).path or "/", headers=headers)
            answer = connection.getresponse()
            answer.read()
            return answer.status
        except BaseException:
            connection.close()  # nothing half-sent or half-read is left on it
            raise
