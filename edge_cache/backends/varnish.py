"""Varnish with the xkey module (varnish-modules): pages keyed by `xkey`, purged by key."""

import requests

from edge_cache.backends.base import BaseBackend


class XkeyBackend(BaseBackend):
    """A PURGE request with the keys in `xkey-purge` (see deploy/varnish/default.vcl)."""

    header = "xkey"
    purge_header = "xkey-purge"

    def purge(self, keys, *, timeout):
        headers = {self.purge_header: " ".join(keys)}
        return requests.request("PURGE", self.url, headers=headers, timeout=timeout)
