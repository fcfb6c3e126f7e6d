"""What a story's page reads on a page-cache miss, each read's SQL built once per process
(articles.prepared): the story by its address with its section, its tags, its bylines.

Each is the QuerySet it replaces (the same rule, the same columns, the same order), made
into model instances with Model.from_db as Django's own iterables do.
"""

from datetime import datetime

from django.db import router
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Author, Section
from articles.prepared import Prepared

# Not shown on a page (they are for search): left out of the story's read, loaded if asked.
UNSHOWN = ("search_document", "search_vector")
STORY_FIELDS = tuple(f.attname for f in Article._meta.concrete_fields if f.attname not in UNSHOWN)
SECTION_FIELDS = tuple(f.attname for f in Section._meta.concrete_fields)
AUTHOR_FIELDS = tuple(f.attname for f in Author._meta.concrete_fields)
TAG_FIELDS = ("id", "name", "slug")


def _story(using, *, slug, now):
    return (
        Article.objects.published(now)
        .filter(slug=slug)
        .values_list(*STORY_FIELDS, *(f"section__{name}" for name in SECTION_FIELDS), "live__pk")
    )


def _tags(using, *, article_id):
    # the article's tag manager, as article.tags.all() reads it (in the order they were added)
    return Article(pk=article_id).tags.all().values_list(*TAG_FIELDS)


def _authors(using, *, article_id):
    return Author.objects.filter(articles=article_id).values_list(*AUTHOR_FIELDS)


STORY = Prepared(_story, slug=str, now=datetime)
TAGS = Prepared(_tags, article_id=int)
AUTHORS = Prepared(_authors, article_id=int)


def public_story(slug):
    """The public story at `slug` with its section, or None."""
    using = router.db_for_read(Article)
    rows = STORY.rows(using, slug=slug, now=timezone.now())
    if not rows:
        return None
    row = rows[0]
    count = len(STORY_FIELDS)
    article = Article.from_db(using, STORY_FIELDS, row[:count])
    section = Section.from_db(using, SECTION_FIELDS, row[count : count + len(SECTION_FIELDS)])
    article.section = section
    if row[-1] is None:  # no live coverage: known without asking again (select_related's way)
        Article.live.related.set_cached_value(article, None)
    return article


def tags(article):
    """The story's tags, as article.tags.all() gives them."""
    using = router.db_for_read(Article)
    rows = TAGS.rows(using, article_id=article.pk)
    return [Tag.from_db(using, TAG_FIELDS, row[: len(TAG_FIELDS)]) for row in rows]


def authors(article):
    """The story's bylines, as article.authors.all() gives them."""
    using = router.db_for_read(Author)
    rows = AUTHORS.rows(using, article_id=article.pk)
    return [Author.from_db(using, AUTHOR_FIELDS, row) for row in rows]
