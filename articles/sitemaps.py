"""sitemap.xml (paginated) and a Google News sitemap of the last 48 hours."""

import functools
from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.shortcuts import render
from django.utils import timezone

from articles.delivery import edge
from articles.models import Article, Section
from articles.pagecache import public_cache


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    limit = 5000
    i18n = False

    def items(self):
        return (
            Article.objects.published().only("slug", "updated_at").order_by("-published_at", "-id")
        )

    def lastmod(self, item):
        return item.updated_at


class SectionSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.with_public_stories()


def recent_news(now=None):
    """Stories published in the last 48 hours, for the Google News sitemap."""
    now = now or timezone.now()
    return (
        Article.objects.published(now)
        .filter(published_at__gte=now - timedelta(hours=48))
        .only("slug", "title", "published_at")
        .order_by("-published_at")[:1000]
    )


sitemaps = {"articles": ArticleSitemap, "sections": SectionSitemap}


def shared(view):
    """Answer with shared-cache headers and the feeds' surrogate key (sitemaps)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            edge.tag(response, [edge.FEEDS])
            public_cache(response)
        return response

    return wrapper


@shared
def news_sitemap(request):
    response = render(
        request,
        "sitemaps/news_sitemap.xml",
        {"stories": recent_news(), "site_name": settings.SITE_NAME, "language": "uk"},
        content_type="application/xml; charset=utf-8",
    )
    return response
