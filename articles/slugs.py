"""Slugs: the official Ukrainian transliteration, and one helper that makes them unique."""

import re

from translitua import UkrainianKMU, translit


def slugify_uk(value, max_length=200):
    """A slug from a Ukrainian headline by the official (KMU 2010) transliteration."""
    latin = translit(value or "", UkrainianKMU).lower()
    latin = re.sub(r"[^a-z0-9\s-]", "", latin)
    slug = re.sub(r"[\s-]+", "-", latin).strip("-")
    return slug[:max_length].strip("-")


def unique_slug(model, name, *, fallback, field="slug", exclude_pk=None, taken=None):
    """A slug for `name` no other `model` row has: "kyiv", then "kyiv-2", "kyiv-3"…

    Fits the slug column with room for the suffix; `fallback` stands in for a name with
    no letters or digits ("!!!"); `taken(base)` gives more slugs to avoid, starting with base.
    """
    max_length = model._meta.get_field(field).max_length
    base = slugify_uk(name, max_length - 8) or fallback
    used = set(
        model._default_manager.filter(**{f"{field}__startswith": base})
        .exclude(pk=exclude_pk)
        .values_list(field, flat=True)
    ) | set(taken(base) if taken else ())
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    return slug
