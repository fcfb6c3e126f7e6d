"""RSS 2.0 and Atom feeds of all stories, of each section, and of corrections."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from articles.models import Article, Notice, Section

FEED_SIZE = 30


class LatestStoriesFeed(Feed):
    title = _("Newsroom: latest news")
    description = _("The newest stories")

    def link(self):
        from django.urls import reverse

        return reverse("articles:home")

    def items(self):
        return Article.objects.published().for_listing()[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.excerpt

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.section.name]

    def item_enclosure_url(self, item):
        if item.lead_image:
            return settings.SITE_URL.rstrip("/") + item.lead_image.url
        return None

    def item_enclosure_length(self, item):
        try:
            return item.lead_image.size if item.lead_image else None
        except OSError:
            return 0

    def item_enclosure_mime_type(self, item):
        if not item.lead_image:
            return None
        ext = item.lead_image.name.rsplit(".", 1)[-1].lower()
        return {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
                "webp": "image/webp", "gif": "image/gif"}.get(ext, "image/jpeg")  # fmt: skip


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = Atom1Feed
    subtitle = LatestStoriesFeed.description


class SectionFeed(LatestStoriesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, section):
        return f"{settings.SITE_NAME}: {section.name}"

    def link(self, section):
        return section.get_absolute_url()

    def description(self, section):
        return section.description or section.name

    def items(self, section):
        return Article.objects.published().in_section(section).for_listing()[:FEED_SIZE]


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed

    def subtitle(self, section):
        return self.description(section)


class CorrectionsFeed(Feed):
    """Corrections, updates and clarifications, newest first."""

    title = _("Newsroom: corrections and updates")
    description = _("Every correction, update and clarification of our stories")

    def link(self):
        from django.urls import reverse

        return reverse("articles:corrections")

    def items(self):
        return Notice.objects.public().select_related("article")[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.get_kind_display()}: {item.article.title}"

    def item_description(self, item):
        return item.text

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.noted_at
