"""RSS 2.0 and Atom feeds of a live page's entries, newest first."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404

from articles import text
from articles.delivery import edge
from articles.delivery.content_version import content_state
from articles.delivery.pagecache import shared_document
from articles.feeds import BylinesAtomFeed, BylinesRssFeed
from articles.models import Article
from live.models import LiveCoverage, LiveEntry
from live.signals import live_key
from live.views import known_id

FEED_SIZE = 50


class EntriesFeed(Feed):
    """A live page's entries: shared-cacheable, purged with the page (`live-<id>`)."""

    feed_type = BylinesRssFeed

    def __call__(self, request, *args, **kwargs):
        state = content_state()
        response = super().__call__(request, *args, **kwargs)
        keys = [live_key(kwargs["pk"]), edge.FEEDS]
        return shared_document(request, response, state=state, keys=keys)

    def get_object(self, request, pk):
        known_id(pk)
        coverage = (
            LiveCoverage.objects.select_related("article")
            .filter(article__in=Article.objects.published(), article_id=pk)
            .first()
        )
        if coverage is None:
            raise Http404("No such live page.")
        return coverage

    def title(self, coverage):
        return text.strip_control(coverage.article.title)

    def link(self, coverage):
        return coverage.article.get_absolute_url()

    def description(self, coverage):
        return text.strip_control(coverage.article.excerpt) or self.title(coverage)

    def author_name(self):
        return settings.SITE_NAME

    def items(self, coverage):
        entries = LiveEntry.objects.filter(coverage=coverage).published()
        return entries.in_order().select_related("author")[:FEED_SIZE]

    def item_title(self, entry):
        return text.strip_control(str(entry))

    def item_description(self, entry):
        return entry.body

    def item_link(self, entry):
        return entry.get_absolute_url()

    def item_pubdate(self, entry):
        return entry.posted_at

    def item_updateddate(self, entry):
        return entry.updated_at

    def item_author_name(self, entry):
        return self.item_extra_kwargs(entry)["bylines"][0]

    def item_extra_kwargs(self, entry):
        name = text.strip_control(entry.author.name) if entry.author else settings.SITE_NAME
        return {"bylines": [name]}


class EntriesAtomFeed(EntriesFeed):
    feed_type = BylinesAtomFeed
    subtitle = EntriesFeed.description
