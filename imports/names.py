"""Sections, authors and tags by name, made when missing: one way for both imports."""

from django.db.models import Max
from taggit.models import Tag

from articles.models import Section
from articles.slugs import slugify_uk, unique_slug

CHUNK = 500  # names looked up in one query


def named(model, name, cache, *, created=None):
    """The Section, Author or Tag called `name`, made (with a unique slug) when missing.

    Made without signals: an import starts one new content version at its end. A new
    section goes to the end of the menu, after the editors' own; the names made are
    added to `created`.
    """
    if name not in cache:
        named_all(model, [name], cache, created=created)
    return cache[name]


def named_all(model, names, cache, *, created=None):
    """`named` for all of `names` in a few queries: an archive has thousands of tags."""
    wanted = [name for name in dict.fromkeys(names) if name not in cache]
    _cache_existing(model, wanted, cache)
    missing = [name for name in wanted if name not in cache]
    if not missing:
        return
    for row in _make(model, missing):
        cache[row.name] = row
    if created is not None:
        created.extend(missing)


def _cache_existing(model, wanted, cache):
    """Put the rows already called one of the `wanted` names into `cache`."""
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        for row in model.objects.filter(name__in=chunk).order_by("pk"):
            cache.setdefault(row.name, row)  # two authors of one name: the first


def _make(model, missing):
    """New rows of `model` for the `missing` names, with unique slugs (and the next menu
    positions for sections), read back with their ids."""
    made = [model(name=name, slug=slug) for name, slug in _free_slugs(model, missing)]
    if model is Section:
        last = Section.objects.aggregate(last=Max("position"))["last"]
        for offset, row in enumerate(made, start=1 if last is not None else 0):
            row.position = (last or 0) + offset
    model.objects.bulk_create(made, batch_size=CHUNK)
    if any(row.pk is None for row in made):  # a database that does not return new ids
        made = list(model.objects.filter(slug__in=[row.slug for row in made]))
    return made


def _free_slugs(model, names):
    """(name, a slug no row of `model` has) for each of `names`, in order."""
    fallback = model._meta.model_name
    max_length = model._meta.get_field("slug").max_length
    bases = {name: slugify_uk(name, max_length - 8) or fallback for name in names}
    taken = set()
    for start in range(0, len(names), CHUNK):
        chunk = {bases[name] for name in names[start : start + CHUNK]}
        taken.update(model.objects.filter(slug__in=chunk).values_list("slug", flat=True))
    for name in names:
        slug = bases[name]
        if slug in taken:  # "kyiv" is some other name's: "kyiv-2", as unique_slug picks
            slug = unique_slug(model, name, fallback=fallback, taken=lambda _base: taken)
        taken.add(slug)
        yield name, slug


def tag_for(name, cache):
    """The Tag called `name`, made when missing."""
    return named(Tag, name, cache)
