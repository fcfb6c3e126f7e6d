"""The edge cache's settings and their defaults: a project sets only what it changes."""

from django.conf import settings

DEFAULTS = {
    # the caches to purge (Varnish's address, a CDN's purge endpoint); none: no purges
    "EDGE_PURGE_URLS": [],
    # how pages name their keys and how purges are asked for (edge_cache.backends)
    "EDGE_CACHE_BACKEND": "edge_cache.backends.varnish.XkeyBackend",
}


def setting(name):
    """The project's value of an edge cache setting, or its default."""
    return getattr(settings, name, DEFAULTS[name])
