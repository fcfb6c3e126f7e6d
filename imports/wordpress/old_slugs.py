"""New tags and authors made under their old WordPress slugs.

Our tag and author pages live at /tag/<slug>/ and /author/<slug>/, the very shape of
WordPress's archives, and an old address is redirected only where our own page answers
404. So a tag the export calls "news" (slug "news") must get the slug "news", and no
other new tag or author may take a slug one of the export's own tags or authors has:
else "/tag/news/" shows a category that became a tag, or an author called
">admin" answers at "/author/admin/", and the old address never reaches its page.
"""

import re
from urllib.parse import unquote

from taggit.models import Tag

from articles.models import Author
from articles.slugs import slugify_uk, unique_slug
from imports.wordpress.bylines import AUTHOR_NAME_MAX
from imports.wordpress.content import plain

CHUNK = 500
SLUG = re.compile(r"[-a-z0-9_]+")


def old_slug(value):
    """A WordPress slug as ours may hold it: Latin letters, digits, - and _ ("" else)."""
    value = unquote(value or "").strip()
    return value if SLUG.fullmatch(value) else ""


class OldSlugs:
    """The slugs the export's tags and authors had, kept for them when they are made."""

    def __init__(self, scan, author_slug):
        self.tag_slugs = {old_slug(s) for s in scan.tags} - {""}
        # old archive slug -> the name its author gets here
        self.author_names = {
            author_slug(login): plain(display or login)[:AUTHOR_NAME_MAX]
            for login, display in scan.authors.items()
        }
        for nicename, display in scan.guests.items():
            slug = author_slug(nicename.removeprefix("cap-"))
            self.author_names.setdefault(slug, plain(display)[:AUTHOR_NAME_MAX])
        self.author_names.pop("", None)

    def author_wanted(self, byline):
        """{name: old slug} of a post's byline [(slug, name)]: only an author of the
        export's own (a stray creator ">admin" does not get "admin")."""
        return {name: slug for slug, name in byline if self.author_names.get(slug) == name}

    def tags(self, names, wanted, cache):
        """Make the missing tags of `names`, a WordPress tag under its own slug
        (`wanted`: name -> old slug) when it is in Latin letters (a Cyrillic one takes
        the official transliteration, and its old address a redirect), the rest under a
        slug no export tag has."""
        _make(Tag, names, wanted, cache, self.tag_slugs)

    def authors(self, names, wanted, cache):
        """Make the missing authors of `names`, each under its old archive's slug."""
        _make(Author, names, wanted, cache, set(self.author_names))


def _make(model, names, wanted, cache, reserved):
    names = [n for n in dict.fromkeys(names) if n not in cache]
    for start in range(0, len(names), CHUNK):
        for row in model.objects.filter(name__in=names[start : start + CHUNK]).order_by("pk"):
            cache.setdefault(row.name, row)
    missing = [n for n in names if n not in cache]
    if not missing:
        return
    field = model._meta.get_field("slug")
    own = {n: old_slug(wanted.get(n, "")) for n in missing}
    own = {n: slug if len(slug) <= field.max_length else "" for n, slug in own.items()}
    bases = {n: slugify_uk(n, field.max_length - 8) or model._meta.model_name for n in missing}
    looked = {*own.values(), *bases.values()} - {""}
    taken = set(model.objects.filter(slug__in=list(looked)).values_list("slug", flat=True))
    made = []
    for name in missing:
        slug = own[name]
        if not slug or slug in taken:
            slug = bases[name]
            if slug in taken or slug in reserved:
                avoid = taken | reserved
                slug = unique_slug(
                    model, name, fallback=model._meta.model_name, taken=lambda _b, a=avoid: a
                )
        taken.add(slug)
        made.append(model(name=name, slug=slug))
    model.objects.bulk_create(made, batch_size=CHUNK)
    if any(row.pk is None for row in made):
        made = list(model.objects.filter(slug__in=[row.slug for row in made]))
    for row in made:
        cache[row.name] = row
