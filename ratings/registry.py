"""Which fields of which models can be rated, and how (django-ratings' RatingField options)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from ratings.models import MAX_SCORE


@dataclass(frozen=True)
class RatingOptions:
    """Per rated field: scores 1..range, who may vote, and the Bayesian weight."""

    range: int = 5
    allow_anonymous: bool = True
    can_change_vote: bool = True
    allow_delete: bool = False
    weight: int | None = None  # None: the RATINGS_BAYES_WEIGHT setting
    # Which objects may be voted on (e.g. only published stories); None: all of them.
    visible: Callable | None = None

    def __post_init__(self):
        if not 1 < self.range <= MAX_SCORE:
            raise ImproperlyConfigured(f"A rating range must be from 2 to {MAX_SCORE}.")


_registry: dict[tuple[str, str], RatingOptions] = {}


def register(model, field="rating", **options):
    """Make `field` of `model` ratable: register(Article, "rating", range=5)."""
    _registry[(model._meta.label_lower, field)] = RatingOptions(**options)


def weight_for(options):
    """The Bayesian weight of a rated field: its own, or RATINGS_BAYES_WEIGHT."""
    from ratings.conf import setting

    return setting("RATINGS_BAYES_WEIGHT") if options.weight is None else options.weight


def options_for(model, field):
    """The options of a rated field, or None when it is not rated."""
    return _registry.get((model._meta.label_lower, field))
