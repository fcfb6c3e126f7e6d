"""Bayesian ranking: one vote of 5 does not outrank five hundred votes averaging 4.8."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, FilteredRelation, FloatField, Q, Sum, Value
from django.db.models.functions import Cast

from ratings.models import Score
from ratings.registry import options_for, weight_for


def site_mean(model, key):
    """The mean of every vote on this rated field across the site (the prior)."""
    content_type = ContentType.objects.get_for_model(model)
    row = Score.objects.filter(content_type=content_type, key=key).aggregate(
        n=Sum("count"), s=Sum("total")
    )
    return (row["s"] / row["n"]) if row["n"] else 0.0


def top_rated(queryset, *, key="rating", limit=20):
    """Objects of `queryset` (with a `scores` GenericRelation) by Bayesian average, then count."""
    model = queryset.model
    weight = weight_for(options_for(model, key))
    prior = site_mean(model, key)
    return (
        queryset.annotate(rated=FilteredRelation("scores", condition=Q(scores__key=key)))
        .filter(rated__count__gt=0)
        .annotate(
            votes=F("rated__count"),
            bayesian=(Value(weight * prior) + Cast(F("rated__total"), FloatField()))
            / (Value(float(weight)) + Cast(F("rated__count"), FloatField())),
            average=Cast(F("rated__total"), FloatField()) / Cast(F("rated__count"), FloatField()),
        )
        .order_by("-bayesian", "-votes", "-published_at")[:limit]
    )
