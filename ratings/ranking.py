"""Bayesian ranking: one vote of 5 does not outrank five hundred votes averaging 4.8.

Whatever a site caches of a ranking, it keys by version(), read in the same cache round
trip as its other keys through version_cache_key(). The version follows votes on a
bounded cadence, never every vote: time is cut in periods of RANKING_SECONDS, and the
version is the period of the last committed vote, but never the current period. So the
first vote after a quiet time moves it at once (to the period before), and a burst of
votes moves it once a period: a ranking is remade at most once every RANKING_SECONDS and
shows every vote at most RANKING_SECONDS after it was cast.
"""

import time

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import F, FilteredRelation, FloatField, Q, Sum, Value
from django.db.models.functions import Cast

from ratings.models import Score
from ratings.registry import options_for, weight_for

_VERSION_KEY = "ratings:ranking-version"  # the time of the last committed vote (ns)
RANKING_SECONDS = 30


def version_cache_key():
    """The cache key under which the ranking version is kept (for get_many)."""
    return _VERSION_KEY


def version(found=None):
    """The current ranking version, 0 before the first vote; `found`: a get_many result."""
    last_vote = found.get(_VERSION_KEY, 0) if found is not None else cache.get(_VERSION_KEY, 0)
    if not last_vote:
        return 0
    period = RANKING_SECONDS * 10**9
    return min(last_vote // period, time.time_ns() // period - 1)


def new_version():
    """Called after committed votes (ratings.services): rankings follow within
    RANKING_SECONDS (see version)."""
    cache.set(_VERSION_KEY, time.time_ns(), None)


def version_written():
    """{key: value} of new_version(), for a caller that stores it together with its own
    keys (a vote, with its new score: ratings.cache.changed)."""
    return {_VERSION_KEY: time.time_ns()}


def site_mean(model, field):
    """The mean of every vote on this rated field across the site (the prior)."""
    content_type = ContentType.objects.get_for_model(model)
    row = Score.objects.filter(content_type=content_type, field=field).aggregate(
        n=Sum("count"), s=Sum("total")
    )
    return (row["s"] / row["n"]) if row["n"] else 0.0


def bayesian_average(total, count, *, weight, prior):
    """(weight × prior + sum) / (weight + count): the average, pulled towards the site mean.

    `total` and `count` are expressions; the one formula of the ranking.
    """
    return (Value(float(weight * prior)) + Cast(total, FloatField())) / (
        Value(float(weight)) + Cast(count, FloatField())
    )


def top_rated(queryset, *, field="rating", limit=20):
    """Objects of `queryset` (with a `scores` GenericRelation) by Bayesian average, then
    count, then the queryset's own order (its model's ordering when it has none)."""
    model = queryset.model
    then = queryset.query.order_by or model._meta.ordering or ["-pk"]
    weight = weight_for(options_for(model, field))
    prior = site_mean(model, field)
    total, count = F("rated__total"), F("rated__count")
    return (
        queryset.annotate(rated=FilteredRelation("scores", condition=Q(scores__field=field)))
        .filter(rated__count__gt=0)
        .annotate(
            votes=count,
            bayesian=bayesian_average(total, count, weight=weight, prior=prior),
            average=Cast(total, FloatField()) / Cast(count, FloatField()),
        )
        .order_by("-bayesian", "-votes", *then)[:limit]
    )
