"""The ratings app's own checks of its settings: caught at start, not on a reader's vote."""

import ipaddress

from django.core.checks import Error, register

from ratings.conf import setting

RANGES = {
    "RATINGS_VOTES_PER_ADDRESS": (0, 1_000_000),
    "RATINGS_BAYES_WEIGHT": (0, 1_000_000),
}


@register()
def settings_check(app_configs, **kwargs):
    errors = []
    for name, (low, high) in RANGES.items():
        value = setting(name)
        if not isinstance(value, int) or not low <= value <= high:
            errors.append(
                Error(f"{name} is {value!r}; it must be from {low} to {high}.", id="ratings.E001")
            )
    for network in setting("RATINGS_TRUSTED_PROXIES"):
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            errors.append(
                Error(
                    f"RATINGS_TRUSTED_PROXIES: {network!r} is not an IP address or network.",
                    id="ratings.E002",
                )
            )
    return errors
