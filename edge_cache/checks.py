"""The edge cache's checks of its settings: a value it cannot work with stops the start."""

from django.core.checks import Error, register
from django.utils.module_loading import import_string

from edge_cache.conf import setting


@register()
def settings_check(app_configs, **kwargs):
    errors = []
    for url in setting("EDGE_PURGE_URLS"):
        if not url.startswith(("http://", "https://")):
            message = f"EDGE_PURGE_URLS: {url!r} is not an http:// or https:// address."
            errors.append(Error(message, id="edge_cache.E001"))
    try:
        import_string(setting("EDGE_CACHE_BACKEND"))
    except ImportError:
        message = f"EDGE_CACHE_BACKEND: {setting('EDGE_CACHE_BACKEND')!r} cannot be imported."
        errors.append(Error(message, id="edge_cache.E002"))
    return errors
