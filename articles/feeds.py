"""RSS 2.0 and Atom feeds of all stories, of each section, and of corrections; each
edition's of its own stories, in its language (the address's: /feed/, /en/feed/)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.files.storage import default_storage
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.translation import gettext_lazy as _

from articles import text
from articles.delivery import edge
from articles.delivery.content_version import content_state
from articles.delivery.pagecache import shared_document
from articles.models import Article, Notice, Section
from articles.templatetags.articles_tags import absolute, section_description, section_name
from images import picture

FEED_SIZE = 30
FEED_IMAGE_WIDTH = 800  # feed readers show a story's picture about this wide
IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
}


class BylinesRssFeed(Rss201rev2Feed):
    """RSS 2.0 with each story's authors as Dublin Core creators (RSS's own <author>
    must be an e-mail address, which bylines are not)."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:dc": "http://purl.org/dc/elements/1.1/"}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)  # writes the first byline
        for name in item["bylines"][1:]:
            handler.addQuickElement("dc:creator", name)


class BylinesAtomFeed(Atom1Feed):
    """Atom with an <author> for every byline of an entry (RFC 4287 allows several)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name in item["bylines"][1:]:  # the first is written by Atom1Feed itself
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")


class SharedFeed(Feed):
    """A feed is the same for every reader: shared-cacheable, purged with the stories."""

    def __call__(self, request, *args, **kwargs):
        state = content_state()
        response = super().__call__(request, *args, **kwargs)
        return shared_document(request, response, state=state, keys=[edge.FEEDS])


class LatestStoriesFeed(SharedFeed):
    feed_type = BylinesRssFeed
    title = _("Newsroom: latest news")
    description = _("The newest stories")

    def author_name(self):
        """The feed's author (Atom requires one on a feed whose entries may lack theirs)."""
        return settings.SITE_NAME

    def link(self):
        from django.urls import reverse

        return reverse("articles:home")

    def items(self):
        stories = Article.objects.published().in_edition().for_listing()
        return stories.prefetch_related("authors")[:FEED_SIZE]

    # Text is cleaned on the way in; cleaned again here so that a story stored before
    # that rule cannot make the feed invalid XML.
    def item_title(self, item):
        return text.strip_control(item.title)

    def item_description(self, item):
        return text.strip_control(item.excerpt)

    def item_pubdate(self, item):
        return item.published_at

    def item_author_name(self, item):
        """The first byline, or the newsroom for a story without one."""
        return self.item_extra_kwargs(item)["bylines"][0]

    def item_extra_kwargs(self, item):
        names = [text.strip_control(author.name) for author in item.authors.all()]
        return {"bylines": names or [settings.SITE_NAME]}

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [text.strip_control(section_name(item.section))]

    def item_enclosures(self, item):
        """The story's picture: its JPEG copy nearest FEED_IMAGE_WIDTH, or the original."""
        if not item.lead_image:
            return []
        entry = picture.nearest(item.lead_image_renditions, "story", "jpg", FEED_IMAGE_WIDTH)
        if entry is not None:
            name, length, mime = entry["jpg"], entry.get("bytes", {}).get("jpg"), "image/jpeg"
        else:
            name, length = item.lead_image.name, None
            mime = IMAGE_TYPES.get(name.rsplit(".", 1)[-1].lower(), "image/jpeg")
        if length is None:  # copies made before their sizes were recorded, or the original
            try:
                length = default_storage.size(name)
            except OSError:
                length = 0  # RSS's "unknown"
        return [Enclosure(absolute(default_storage.url(name)), str(length), mime)]


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = BylinesAtomFeed
    subtitle = LatestStoriesFeed.description


class SectionFeed(LatestStoriesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, section):
        return f"{settings.SITE_NAME}: {section_name(section)}"

    def link(self, section):
        return section.get_absolute_url()

    def description(self, section):
        return section_description(section) or section_name(section)

    def items(self, section):
        stories = Article.objects.published().in_edition().in_section(section).for_listing()
        return stories.prefetch_related("authors")[:FEED_SIZE]


class SectionAtomFeed(SectionFeed):
    feed_type = BylinesAtomFeed

    def subtitle(self, section):
        return self.description(section)


class CorrectionsFeed(SharedFeed):
    """Corrections, updates and clarifications, newest first."""

    title = _("Newsroom: corrections and updates")
    description = _("Every correction, update and clarification of our stories")

    def link(self):
        from django.urls import reverse

        return reverse("articles:corrections")

    def items(self):
        notices = Notice.objects.public().filter(article__in=Article.objects.in_edition())
        return notices.select_related("article")[:FEED_SIZE]

    def item_title(self, item):
        return text.strip_control(f"{item.get_kind_display()}: {item.article.title}")

    def item_description(self, item):
        return text.strip_control(item.text)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        return item.noted_at
