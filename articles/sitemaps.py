"""sitemap.xml (paginated) and a Google News sitemap of the last 48 hours."""

from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.utils import timezone

from articles.models import Article, Section


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
