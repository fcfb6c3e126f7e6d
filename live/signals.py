"""When a live page changes: a new content version, and purges of its pages at the edge.

A live page, its fragments of new entries, its entries feed and its entries' links carry
the key `live-<story id>` (live.views): an entry posted, edited, published or taken down
purges that key, and the feeds key for the sitemaps' lastmod, and nothing else, so the
front page and the lists that show the story stay in the cache.
"""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from articles.delivery import edge
from articles.delivery.content_version import content_changed
from articles.delivery.signals import purge_after_commit
from images.signals import renditions_changed
from live.models import LiveCoverage, LiveEntry


def live_key(article_id):
    return f"live-{article_id}"


def changed(coverage):
    """Everything readers see of `coverage` changed: retire and purge it once committed."""
    content_changed()
    purge_after_commit([live_key(coverage.article_id), edge.FEEDS])


@receiver(renditions_changed)
def picture_renditions_changed(sender, image, **kwargs):
    """An entry's picture got its renditions: the pages that show it are made again."""
    pages = set(
        LiveEntry.objects.filter(picture=image).values_list("coverage__article_id", flat=True)
    )
    if pages:
        content_changed()
        purge_after_commit([live_key(pk) for pk in pages])


@receiver(post_delete, sender=LiveCoverage)
def coverage_deleted(sender, instance, **kwargs):
    """No longer a live page: the story's page is an ordinary story's again."""
    content_changed()
    purge_after_commit([live_key(instance.article_id), edge.story_key(instance.article_id)])
