"""sitemap.xml (paginated) and a Google News sitemap of the last 48 hours."""

import functools
from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.shortcuts import render
from django.utils import timezone, translation

from articles import editions
from articles.delivery import edge
from articles.delivery.content_version import content_state
from articles.delivery.pagecache import shared_document
from articles.models import Article, Section


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 5000
    i18n = False

    def items(self):
        fields = ("slug", "published_at", "revised_at", "language")
        return Article.objects.published().only(*fields).order_by("-published_at", "-id")

    def lastmod(self, item):
        """The story's real modification time, as its dateModified says (not the row's
        save time, which a re-import or a re-seed moves)."""
        return item.date_modified

    def get_latest_lastmod(self):
        """For the sitemap index: one aggregate query, not every story loaded."""
        modified = Greatest("published_at", Coalesce("revised_at", "published_at"))
        return Article.objects.published().aggregate(latest=Max(modified))["latest"]


class SectionSitemap(Sitemap):
    """Each edition's section pages: a section in every edition it has a public story in."""

    changefreq = "hourly"

    def items(self):
        marks = {}
        for edition in editions.codes():
            stories = Article.objects.published().in_edition(edition)
            newest = stories.filter(section=OuterRef("pk")).order_by("-published_at")
            marks[f"newest_{edition}"] = Subquery(newest.values("published_at")[:1])
        sections = Section.objects.with_public_stories().annotate(**marks)
        return [
            (section, edition, getattr(section, f"newest_{edition}"))
            for edition in editions.codes()
            for section in sections
            if getattr(section, f"newest_{edition}") is not None
        ]

    def location(self, item):
        section, edition, _newest = item
        with translation.override(edition):
            return section.get_absolute_url()

    def lastmod(self, item):
        """A section's page changes when a story is added to it."""
        return item[2]


def recent_news(now=None):
    """The edition's stories published in the last 48 hours, for its Google News sitemap."""
    now = now or timezone.now()
    return (
        Article.objects.published(now)
        .in_edition()
        .filter(published_at__gte=now - timedelta(hours=48))
        .only("slug", "title", "published_at", "language")
        .order_by("-published_at")[:1000]
    )


# Stories are listed once, at their one address in their own edition.
sitemaps = {"articles": ArticleSitemap, "sections": SectionSitemap}


def shared(view):
    """A sitemap kept like a page (pagecache.shared_document), purged with the feeds."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        state = content_state()
        response = view(request, *args, **kwargs)
        return shared_document(request, response, state=state, keys=[edge.FEEDS], parameters=["p"])

    return wrapper


@shared
def news_sitemap(request):
    response = render(
        request,
        "sitemaps/news_sitemap.xml",
        {"stories": recent_news(), "site_name": settings.SITE_NAME},
        content_type="application/xml; charset=utf-8",
    )
    return response
