"""Backends: how one kind of HTTP cache learns a page's keys and is asked to purge them.

Like wagtail.contrib.frontend_cache's backends: `varnish.XkeyBackend` today (Varnish with
the xkey module, deploy/varnish/default.vcl); a CDN that tags pages with `Surrogate-Key`
and purges by key over its HTTP API is another subclass of `base.BaseBackend`.
"""

from django.utils.module_loading import import_string

from edge_cache.conf import setting


def backend_class():
    return import_string(setting("EDGE_CACHE_BACKEND"))


def backend(url):
    """The configured backend for the cache at `url`."""
    return backend_class()(url)


def header_name():
    """The response header a page's keys go in, for the configured backend."""
    return backend_class().header
