"""Refuse to serve with dangerous or impossible settings.

Each app checks its own settings (articles.checks, ratings.checks); the WSGI and ASGI
entry points run every check before they serve, so a value the site cannot work with
stops it at start with a message instead of failing readers' requests.
"""

from django.conf import settings
from django.core import checks
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
    problems = [m.msg for m in checks.run_checks() if m.level >= checks.ERROR]
    if problems:
        raise ImproperlyConfigured(" ".join(problems))


@checks.register(checks.Tags.security, deploy=True)
def development_key_check(app_configs, **kwargs):
    if uses_development_key():
        return [checks.Error(DEV_KEY_MESSAGE, id="newsroom.E001")]
    return []


@checks.register()
def replica_settings_check(app_configs, **kwargs):
    lag = settings.DATABASE_REPLICA_MAX_LAG
    if not 0 <= lag <= 86_400:
        message = f"DATABASE_REPLICA_MAX_LAG is {lag}; it must be from 0 to 86400 seconds."
        return [checks.Error(message, id="newsroom.E003")]
    return []
