"""The articles app's checks of its settings: a value it cannot work with stops the start."""

from django.conf import settings
from django.core.checks import Error, register

RANGES = {
    "ARTICLES_TEASER_LENGTH": (20, 2000),
    "ARTICLES_RELATED_MAX_AGE_DAYS": (1, 36_500),
    "ARTICLES_RELATED_CANDIDATES": (1, 100_000),
}


@register()
def settings_check(app_configs, **kwargs):
    errors = []
    for name, (low, high) in RANGES.items():
        value = getattr(settings, name)
        if not isinstance(value, int) or not low <= value <= high:
            message = f"{name} is {value!r}; it must be from {low} to {high}."
            errors.append(Error(message, id="articles.E001"))
    return errors
