"""Інші новини (Other news): the editor's picks first, then the story's stored neighbours.

The neighbours are computed when a story is saved (articles.neighbours: by what the
stories say, their tags, section and time), so a page does no similarity work: one query
reads the picks and the neighbours that readers may see now, never the article itself, a
duplicate, a draft or a story whose time has not come.
"""

import json
from datetime import UTC, datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connections, router
from django.db.models import Case, DateTimeField, F, JSONField, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from articles import editions
from articles.addresses import slug_address
from articles.models import Article, Neighbour, RelatedLink
from articles.prepared import Prepared, queryset_sql
from images import picture

LINK, PICKED, NEIGHBOUR = -2, -1, 0  # the tiers of the block's query
STORY_COLUMNS = (
    "title",
    "slug",
    "excerpt",
    "published_at",
    "lead_image",
    "lead_image_renditions",
    "language",
)


class NewsItem:
    """One entry of the Other news block: a headline, a teaser and an address."""

    __slots__ = (
        "title",
        "teaser",
        "url",
        "external",
        "article_id",
        "published_at",
        "image",
        "language",
    )

    def __init__(
        self,
        title,
        teaser,
        url,
        external=False,
        article_id=None,
        published_at=None,
        image=None,
        language="",
    ):
        self.title = title
        self.teaser = teaser
        self.url = url
        self.external = external
        self.article_id = article_id
        self.published_at = published_at
        self.image = image  # {"url", "width", "height"} of a small copy of the lead image
        self.language = language  # the story's ("" for an outside address)


def related_news(article, limit=None, links=None):
    """Up to `limit` NewsItems (ARTICLES_RELATED_COUNT): picks in the editor's order, then
    the stored neighbours.

    `links` are the article's picks, in order, when they are not the stored ones (a
    draft's preview).
    """
    limit = limit or settings.ARTICLES_RELATED_COUNT
    using = router.db_for_read(Article)
    values = {"article_id": article.pk, "language": article.language, "now": timezone.now()}
    if links is None:  # a reader's page: the stored picks, the SQL built once (prepared)
        rows = STORED_BLOCK.rows(using, limit, **values)
    else:
        sql, params = _union(using, limit, links=links, **values)
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    if links is None:
        links = _stored_links(rows)
    targets = {row[2]: _item(*row[2:10]) for row in rows if row[0] == PICKED}
    seen = {article.pk}
    items = _picked_items(links, targets, seen)[:limit]
    # the stored order: pins first, then the best score (a UNION promises no order)
    neighbours = sorted((r for r in rows if r[0] == NEIGHBOUR), key=lambda r: r[1])
    for _tier, _order, pk, *row in neighbours:
        if len(items) >= limit:
            break
        if pk not in seen:
            seen.add(pk)
            items.append(_item(pk, *row[:7]))
    return items


def _stored_links(rows):
    """The story's stored picks, in the editor's order, from the query's LINK rows."""
    links = sorted((r for r in rows if r[0] == LINK), key=lambda r: (r[1], r[11]))
    return [RelatedLink(target_id=r[2], url=r[10] or "", title=r[3] or "") for r in links]


def _picked_items(links, targets, seen):
    """NewsItems of the picks that readers may see, each once; adds them to `seen`."""
    items = []
    for link in links:
        if link.target_id:
            target = targets.get(link.target_id)  # None: a draft or not yet published
            key = target.article_id if target else None
        else:
            target, key = NewsItem(link.title, "", link.url, external=True), link.url
        if target is None or key in seen:
            continue
        seen.add(key)
        if link.target_id:
            target.title = link.title or target.title
        items.append(target)
    return items


def explained(article):
    """The block as readers see it now, each item with why it is there, for editors.

    [{"item": NewsItem, "why": "picked" | "pinned" | "content" | "fill" | "outside",
    "words": [...], "tags": [names], "section": bool}]
    """
    from taggit.models import Tag

    items = related_news(article)
    picked = set(article.related_links.values_list("target_id", flat=True))
    reasons = dict(Neighbour.objects.filter(article=article).values_list("story_id", "reasons"))
    tag_ids = {pk for r in reasons.values() for pk in r.get("tags", [])}
    names = dict(Tag.objects.filter(pk__in=tag_ids).values_list("pk", "name"))
    shown = []
    for item in items:
        reason = reasons.get(item.article_id, {})
        if item.external:
            why = "outside"
        elif item.article_id in picked:
            why = "picked"
        elif reason.get("pinned"):
            why = "pinned"
        else:
            why = "fill" if reason.get("fill") else "content"
        shown.append(
            {
                "item": item,
                "why": why,
                "words": reason.get("words", []),
                "tags": [names[pk] for pk in reason.get("tags", []) if pk in names],
                "section": reason.get("section", False),
            }
        )
    return shown


def _item(pk, title, slug, excerpt, published_at, image, renditions, language):
    url = slug_address("articles:detail", slug, language=editions.edition_of(language))
    published_at = _aware(published_at)
    return NewsItem(
        title,
        excerpt,
        url,
        article_id=pk,
        published_at=published_at,
        image=_thumbnail(image, renditions),
        language=language,
    )


def _aware(value):
    """A raw query's datetime in UTC (SQLite gives a string, PostgreSQL an aware value)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def _thumbnail(image, renditions):
    """The smallest JPEG of a lead image's card crop (or its stand-in, or the original)."""
    if not image:
        return None
    if isinstance(renditions, str):
        renditions = json.loads(renditions or "{}")
    small = picture.smallest(renditions, "card", "jpg")
    if small is None:
        return {"url": default_storage.url(image), "width": None, "height": None}
    return {
        "url": default_storage.url(small["jpg"]),
        "width": small["width"],
        "height": small["height"],
    }


def _order():
    """A neighbour's place as one number, smallest first: pins, then the best score."""
    pinned = Case(When(pinned=True, then=Value(1000.0)), default=Value(0.0))
    return -(F("score") + pinned)


def stories_query(article, now, links, limit):
    """One SQL statement for everything the block may show: (sql, params).

    Rows of (tier, order, id, title, slug, excerpt, published_at, lead_image,
    lead_image_renditions, language, url, link id): the story's stored picks (tier LINK,
    unless `links` are given), the picked stories that are public (PICKED), and the stored
    neighbours that are public and in the story's language, best first (NEIGHBOUR). Each
    part is a QuerySet; the public ones carry the one publication rule,
    Article.objects.published().
    """
    using = router.db_for_read(Article)
    values = {"article_id": article.pk, "language": article.language, "now": now}
    return _union(using, limit, links=links, **values)


def _union(using, limit, *, article_id, language, now, links=None):
    published = Article.objects.published(now).order_by()
    parts = []
    if links is None:
        picked = RelatedLink.objects.filter(article_id=article_id).values("target_id")
        parts.append(
            RelatedLink.objects.filter(article_id=article_id)
            .order_by()
            .values_list(
                Value(LINK),
                "position",
                "target_id",
                "title",
                Value(""),
                Value(""),
                Cast(Value(None), DateTimeField()),
                Value(""),
                Cast(Value(None), JSONField()),
                Value(""),
                "url",
                "id",
            )
        )
    else:
        picked = [link.target_id for link in links if link.target_id]
    if picked != []:
        parts.append(
            published.filter(id__in=picked).values_list(
                Value(PICKED), Value(0), "id", *STORY_COLUMNS, Value(""), Value(0)
            )
        )
    # picks may be among the neighbours too: enough of them for the block either way
    wanted = limit + (len(picked) if isinstance(picked, list) else limit)
    parts.append(
        Neighbour.objects.filter(
            article_id=article_id, story__in=published.filter(language=language)
        )
        .order_by("-pinned", "-score", "story_id")
        .values_list(
            Value(NEIGHBOUR),
            _order(),
            "story_id",
            *[f"story__{column}" for column in STORY_COLUMNS],
            Value(""),
            Value(0),
        )[:wanted]
    )
    sqls, params = [], []
    for number, part in enumerate(parts):
        sql, part_params = queryset_sql(part, using)
        # SQLite takes no parentheses around the parts of a UNION: each is wrapped instead
        sqls.append(f"SELECT * FROM ({sql}) part{number}")
        params += part_params
    return " UNION ALL ".join(sqls), params


# The block of a reader's page (the stored picks): its SQL built once per process
STORED_BLOCK = Prepared(_union, article_id=int, language=str, now=datetime)
