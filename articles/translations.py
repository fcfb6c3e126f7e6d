"""A story and its translations: the pages' `hreflang` links, the language switch, the keys.

An original and its translations are one group (Article.translation_of points at the
original). Only the members of a group link to each other by `hreflang`; a story with no
public translation carries none. The language switch goes to the story's translation
in the other edition where there is one, and to that edition's home otherwise.
"""

from datetime import datetime

from django.db import router
from django.db.models import Q
from django.utils import timezone, translation

from articles import editions
from articles.delivery import edge
from articles.models import Article
from articles.prepared import Prepared

COLUMNS = ("slug", "language", "title", "translation_of_id", "status", "published_at")
# the same, in the model's order (as Model.from_db takes them)
FIELDS = tuple(f.attname for f in Article._meta.concrete_fields if f.attname in {"id", *COLUMNS})


def versions(article, *, public=True):
    """The story and its translations (those readers may see, with `public`), the
    editions' languages first."""
    root = article.translation_of_id or article.pk
    if root is None:  # a new story's preview: no group yet
        return [article]
    if public:
        using = router.db_for_read(Article)
        rows = PUBLIC_GROUP.rows(using, root=root, now=timezone.now())
        group = [Article.from_db(using, FIELDS, row) for row in rows]
    else:
        group = _group(root).only(*COLUMNS)
    found = [story for story in group if story.pk != article.pk]
    return sorted([*found, article], key=lambda story: _place(story.language))


def _group(root):
    """An original (`root`) and its translations."""
    return Article.objects.filter(Q(pk=root) | Q(translation_of_id=root))


def _public_group(using, *, root, now):
    return _group(root).published(now).values_list(*FIELDS)


# what every page of a story reads: its SQL built once per process (articles.prepared)
PUBLIC_GROUP = Prepared(_public_group, root=int, now=datetime)


def _place(language):
    """Editions in their order, then other languages by code."""
    order = editions.codes()
    return (order.index(language), "") if language in order else (len(order), language)


def alternates(article, found):
    """[(hreflang, absolute URL)] of a story's page: every version and x-default (the
    original), or [] for a story without a translation readers may see."""
    if len(found) < 2:
        return []
    links = [(story.language, story.get_absolute_url()) for story in found]
    original = next((s for s in found if s.translation_of_id is None), found[0])
    return [*links, ("x-default", original.get_absolute_url())]


def switch(article, found):
    """{edition: URL} for the language switch: the story's version in each other edition,
    or that edition's home."""
    by_language = {story.language: story for story in found}
    urls = {}
    for edition in editions.codes():
        version = by_language.get(edition)
        urls[edition] = version.get_absolute_url() if version else editions.home(edition)
    return urls


def list_switch(kind, found, state):
    """{edition: URL} for the language switch of a section's, tag's or author's page: the
    same page in an edition whose menu has the section, that edition's home otherwise (a
    tag's or byline's page there may have no story: no query is spent to know)."""
    urls = {}
    for edition in editions.codes():
        with translation.override(edition):
            menu = state.get("sections", {}).get(edition, [])
            has_it = kind == "section" and any(s["pk"] == found.pk for s in menu)
            urls[edition] = found.get_absolute_url() if has_it else editions.home(edition)
    return urls


def keys(article, found):
    """Surrogate keys that make a story's page follow its group: a translation added,
    published or removed purges the original's key, a changed original its own."""
    return [edge.story_key(article.translation_of_id or article.pk), *edge.story_keys(found)]
