"""The ratings app's settings and their defaults: a project sets only what it changes."""

from django.conf import settings

DEFAULTS = {
    # new anonymous voters one client address may add per object per hour; 0: no limit
    "RATINGS_VOTES_PER_ADDRESS": 30,
    # proxies (addresses or networks) whose X-Forwarded-For is believed
    "RATINGS_TRUSTED_PROXIES": [],
    # key of the HMAC that replaces client addresses; None: SECRET_KEY
    "RATINGS_ADDRESS_HASH_KEY": None,
    # weight of the site-wide mean in the Bayesian ranking
    "RATINGS_BAYES_WEIGHT": 10,
}


def setting(name):
    """The project's value of a ratings setting, or its default."""
    value = getattr(settings, name, DEFAULTS[name])
    if name == "RATINGS_ADDRESS_HASH_KEY" and not value:
        return settings.SECRET_KEY
    return value
