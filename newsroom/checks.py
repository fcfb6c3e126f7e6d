"""Refuse to serve with dangerous settings."""

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

DEV_KEY_MESSAGE = (
    "SECRET_KEY is the development key while DEBUG is off. "
    "Set SECRET_KEY to a long random value (or DEBUG=1 on a laptop)."
)


def uses_development_key():
    from newsroom.settings import DEV_SECRET_KEY

    return not settings.DEBUG and settings.SECRET_KEY == DEV_SECRET_KEY


def refuse_insecure_start():
    """Called by the WSGI and ASGI entry points before they serve anything."""
    if uses_development_key():
        raise ImproperlyConfigured(DEV_KEY_MESSAGE)


@register(Tags.security, deploy=True)
def development_key_check(app_configs, **kwargs):
    if uses_development_key():
        return [Error(DEV_KEY_MESSAGE, id="newsroom.E001")]
    return []
