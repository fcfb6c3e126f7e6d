"""Varnish with the xkey module (varnish-modules): pages keyed by `xkey`, purged by key."""

import os

import urllib3

from edge_cache.backends.base import BaseBackend

# One pool of kept connections per process (urllib3's pools are thread-safe): a vote's
# purge costs one request on an open connection, not a new connection and client each.
# Purges go straight to the cache: HTTP_PROXY and the like are not read.
_pools = {}  # process id: its pool (a forked worker opens connections of its own)


def _pool():
    pool = _pools.get(os.getpid())
    if pool is None:
        _pools.clear()
        pool = _pools[os.getpid()] = urllib3.PoolManager(retries=False)
    return pool


class XkeyBackend(BaseBackend):
    """A PURGE request with the keys in `xkey-purge` (see deploy/varnish/default.vcl)."""

    header = "xkey"
    purge_header = "xkey-purge"

    def purge(self, keys, *, timeout):
        headers = {self.purge_header: " ".join(keys)}
        try:
            answer = _pool().request("PURGE", self.url, headers=headers, timeout=timeout)
        except urllib3.exceptions.ProtocolError:
            # the kept connection was closed by the cache as the purge went out (its idle
            # timeout): the same purge once more, on a new connection. A cache that does
            # not answer in time is not asked twice.
            answer = _pool().request("PURGE", self.url, headers=headers, timeout=timeout)
        return answer.status
