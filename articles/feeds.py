"""RSS 2.0 and Atom feeds of all stories and of each section."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from articles import edge, text
from articles.models import Article, Section
from articles.pagecache import public_cache

FEED_SIZE = 30
IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}


class LatestStoriesFeed(Feed):
    title = _("Newsroom: latest news")
    description = _("The newest stories")

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response[edge.HEADER] = edge.header_value([edge.FEEDS])
        return public_cache(response)

    def link(self):
        from django.urls import reverse

        return reverse("articles:home")

    def items(self):
        return Article.objects.published().for_listing()[:FEED_SIZE]

    # Text is cleaned on the way in; cleaned again here so that a story stored before
    # that rule cannot make the feed invalid XML.
    def item_title(self, item):
        return text.strip_control(item.title)

    def item_description(self, item):
        return text.strip_control(item.excerpt)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [text.strip_control(item.section.name)]

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
        return IMAGE_TYPES.get(ext, "image/jpeg")


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
