"""Refuse to serve with dangerous or impossible settings."""

import ipaddress

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


# Numeric settings read from the environment and the range each must fall in: a value
# outside it would fail on readers' requests instead of at start.
SETTING_RANGES = {
    "ARTICLES_TEASER_LENGTH": (20, 2000),
    "ARTICLES_RELATED_MAX_AGE_DAYS": (1, 36_500),
    "ARTICLES_RELATED_CANDIDATES": (1, 100_000),
    "RATINGS_VOTES_PER_ADDRESS": (0, 1_000_000),
    "RATINGS_BAYES_WEIGHT": (0, 1_000_000),
    "AXES_IPWARE_PROXY_COUNT": (0, 100),
    "DATABASE_REPLICA_MAX_LAG": (0, 86_400),
}


def setting_problems():
    """What is wrong with the settings that come from the environment, as messages."""
    problems = []
    for name, (low, high) in SETTING_RANGES.items():
        value = getattr(settings, name)
        if not low <= value <= high:
            problems.append(f"{name} is {value}; it must be from {low} to {high}.")
    for network in settings.RATINGS_TRUSTED_PROXIES:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            problems.append(
                f"RATINGS_TRUSTED_PROXIES: {network!r} is not an IP address or network."
            )
    return problems


def refuse_insecure_start():
    """Called by the WSGI and ASGI entry points before they serve anything."""
    if uses_development_key():
        raise ImproperlyConfigured(DEV_KEY_MESSAGE)
    problems = setting_problems()
    if problems:
        raise ImproperlyConfigured(" ".join(problems))


@register()
def settings_check(app_configs, **kwargs):
    return [Error(problem, id="newsroom.E002") for problem in setting_problems()]


@register(Tags.security, deploy=True)
def development_key_check(app_configs, **kwargs):
    if uses_development_key():
        return [Error(DEV_KEY_MESSAGE, id="newsroom.E001")]
    return []
