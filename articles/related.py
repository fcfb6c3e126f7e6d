"""Інші новини (Other news): the editor's picks first, then an automatic fill.

The fill takes stories sharing a tag with the article, then stories from its section,
then any, each tier newest first, among the ARTICLES_RELATED_CANDIDATES newest stories
no older than ARTICLES_RELATED_MAX_AGE_DAYS. Never the article itself, a duplicate, a
draft or a story whose time has not come.

It runs on every cold story page, so its cost must not grow with the archive: one
query for the links and one for every story the block may show, picks and fill alike,
which stops reading as soon as each tier of the fill has enough.
"""

import json
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.db import connections, router
from django.urls import reverse
from django.utils import timezone
from taggit.models import TaggedItem

from articles.models import Article

PICKED = -1  # the tier of the editor's picks in the stories query


class NewsItem:
    """One entry of the Other news block: a headline, a teaser and an address."""

    __slots__ = ("title", "teaser", "url", "external", "article_id", "published_at", "image")

    def __init__(
        self, title, teaser, url, external=False, article_id=None, published_at=None, image=None
    ):
        self.title = title
        self.teaser = teaser
        self.url = url
        self.external = external
        self.article_id = article_id
        self.published_at = published_at
        self.image = image  # {"url", "width", "height"} of a small copy of the lead image


def related_news(article, limit=None, tag_ids=None, links=None):
    """Up to `limit` NewsItems (ARTICLES_RELATED_COUNT): picks in the editor's order, then
    the fill.

    `tag_ids` are the article's tags when the caller has them already (a query fewer);
    `links` its picks, in order, when they are not the stored ones (a draft's preview).
    """
    limit = limit or settings.ARTICLES_RELATED_COUNT
    now = timezone.now()
    links = list(article.related_links.all()) if links is None else links
    if tag_ids is None:
        tag_ids = list(article.tags.values_list("pk", flat=True))
    picked = [link.target_id for link in links if link.target_id]
    # a tier may have to skip the article, the picks and what better tiers chose
    sql, params = stories_query(article, now, picked, tag_ids, 1 + len(picked) + 2 * limit)
    with connections[router.db_for_read(Article)].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    targets = {row[1]: _item(*row[1:]) for row in rows if row[0] == PICKED}
    items, seen = [], {article.pk}
    for link in links:
        if len(items) >= limit:
            return items
        if link.target_id:
            target = targets.get(link.target_id)  # None: a draft or not yet published
            if target is None or target.article_id in seen:
                continue
            seen.add(target.article_id)
            items.append(
                NewsItem(
                    link.title or target.title,
                    target.teaser,
                    target.url,
                    article_id=target.article_id,
                    published_at=target.published_at,
                    image=target.image,
                )
            )
        elif link.url not in seen:
            seen.add(link.url)
            items.append(NewsItem(link.title, "", link.url, external=True))
    # the fill: best tier first, newest first in each (a UNION promises no order)
    fill = [row for row in rows if row[0] != PICKED]
    fill.sort(key=lambda row: (row[5], row[1]), reverse=True)
    fill.sort(key=lambda row: row[0])
    for _tier, pk, *row in fill:
        if len(items) >= limit:
            break
        if pk not in seen:
            seen.add(pk)
            items.append(_item(pk, *row))
    return items


def _item(pk, title, slug, excerpt, published_at, image, renditions):
    url = reverse("articles:detail", kwargs={"slug": slug})
    published_at = _aware(published_at)
    return NewsItem(
        title,
        excerpt,
        url,
        article_id=pk,
        published_at=published_at,
        image=_thumbnail(image, renditions),
    )


def _aware(value):
    """A raw query's datetime in UTC (SQLite gives a string, PostgreSQL an aware value)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def _thumbnail(image, renditions):
    """The smallest JPEG copy of a lead image (the original without copies), or None."""
    if not image:
        return None
    if isinstance(renditions, str):
        renditions = json.loads(renditions or "{}")
    entries = sorted(
        (e for e in (renditions or {}).values() if "jpg" in e), key=lambda e: e["width"]
    )
    if not entries:
        return {"url": default_storage.url(image), "width": None, "height": None}
    small = entries[0]
    return {
        "url": default_storage.url(small["jpg"]),
        "width": small["width"],
        "height": small["height"],
    }


def _sql(queryset):
    """The SQL and parameters of a QuerySet, to be used as a subquery."""
    connection = connections[queryset.db]
    return queryset.query.get_compiler(connection=connection).as_sql()


def stories_query(article, now, picked, tag_ids, per_tier):
    """One SQL statement for every story the block may show.

    Rows of (tier, id, title, slug, excerpt, published_at, lead_image,
    lead_image_renditions): the picked stories that are
    public (tier PICKED), then the fill's tiers. Each fill tier reads the candidate window
    (the newest published stories, in the order of the publication index) and stops at
    `per_tier` rows. The window is a LIMITed subquery that the database reads only as far
    as needed: the ORM cannot express the tiers over it, so they are SQL around QuerySets
    that carry the one publication rule, Article.objects.published().
    """
    columns = (
        "id",
        "title",
        "slug",
        "excerpt",
        "section_id",
        "published_at",
        "lead_image",
        "lead_image_renditions",
    )
    cutoff = now - timezone.timedelta(days=settings.ARTICLES_RELATED_MAX_AGE_DAYS)
    published = Article.objects.published(now).order_by().values_list(*columns)
    window, window_params = _sql(
        published.filter(published_at__gte=cutoff).order_by("-published_at", "-id")[
            : settings.ARTICLES_RELATED_CANDIDATES
        ]
    )
    tiers = []
    if tag_ids:
        marks = ", ".join(["%s"] * len(tag_ids))
        shares_a_tag = (
            f"WHERE EXISTS (SELECT 1 FROM {TaggedItem._meta.db_table} t "
            f"WHERE t.content_type_id = %s AND t.object_id = w.id AND t.tag_id IN ({marks}))"
        )
        article_type = ContentType.objects.get_for_model(Article).pk
        tiers.append((shares_a_tag, [article_type, *tag_ids]))
    tiers.append(("WHERE w.section_id = %s", [article.section_id]))
    tiers.append(("", []))
    parts, params = [], []
    if picked:
        picks, picks_params = _sql(published.filter(id__in=picked))
        parts.append(
            f"SELECT * FROM (SELECT {PICKED} AS tier, p.id, p.title, p.slug, p.excerpt, "
            f"p.published_at, p.lead_image, p.lead_image_renditions FROM ({picks}) p) picked"
        )
        params += picks_params
    for number, (condition, condition_params) in enumerate(tiers):
        # SQLite takes no parentheses around the parts of a UNION: each is wrapped instead
        parts.append(
            f"SELECT * FROM (SELECT {number} AS tier, w.id, w.title, w.slug, w.excerpt, "
            f"w.published_at, w.lead_image, w.lead_image_renditions FROM ({window}) w {condition} "
            f"ORDER BY w.published_at DESC, w.id DESC LIMIT %s) tier{number}"
        )
        params += [*window_params, *condition_params, per_tier]
    return " UNION ALL ".join(parts), params
