"""When what readers see changes: a new content version, and purges at the HTTP caches.

The content version retires every page stored by the app servers (articles.delivery.pagecache);
the purge drops exactly the pages with the changed object's keys from the caches in
front (edge_cache), once the change has committed.
"""

from django.contrib.flatpages.models import FlatPage
from django.contrib.redirects.models import Redirect
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils.text import slugify
from taggit.models import Tag

from articles import neighbours, pages, text
from articles.delivery import edge
from articles.delivery.content_version import bump_content_version
from articles.delivery.content_version import content_changed as bump
from articles.models import (
    Article,
    Author,
    BreakingNews,
    FrontPagePick,
    HeldUpload,
    Notice,
    RelatedLink,
    Section,
)
from articles.slugs import unique_slug
from edge_cache.purge import purge, purge_urls
from images.signals import renditions_changed
from ratings.signals import score_changed


@receiver(pre_save, sender=Tag)
def clean_new_tag(sender, instance, **kwargs):
    """A new tag's name without control characters; its slug by the official transliteration.

    Always an address: a tag with no letters or digits ("!!!") gets "tag", "tag-2"…, and a
    long Cyrillic name fits the slug column once transliterated.
    """
    instance.name = text.strip_control(instance.name).strip()
    made_by_taggit = instance.slug == slugify(instance.name, allow_unicode=True)
    if instance._state.adding and (made_by_taggit or not instance.slug):
        instance.slug = unique_slug(Tag, instance.name, fallback="tag")


def purge_after_commit(keys):
    """Purge `keys` at the HTTP caches in front once the change commits (none: nothing)."""
    if not purge_urls():
        return
    keys = list(keys() if callable(keys) else keys)
    transaction.on_commit(lambda: purge(keys))


def _story_keys(article):
    """A story's own key and those of the lists it is on (or joins); any story may be in
    the top-rated ranking, or join or leave it."""
    keys = [edge.story_key(article.pk), edge.HOME, edge.FEEDS, edge.SEARCH, edge.NOTFOUND]
    keys.append(edge.RANKING)
    keys.append(edge.section_list_key(article.section_id))
    if article.translation_of_id:  # the original's page links to its translations
        keys.append(edge.story_key(article.translation_of_id))
    if article.pk:
        keys += [edge.tag_list_key(pk) for pk in article.tags.values_list("pk", flat=True)]
        keys += [edge.author_list_key(pk) for pk in article.authors.values_list("pk", flat=True)]
    return keys


@receiver(post_save, sender=Article)
@receiver(post_delete, sender=Article)
def story_changed(sender, instance, **kwargs):
    bump()
    # its lists' keys take two queries: asked only when there is a cache to purge
    purge_after_commit(lambda: _story_keys(instance))


@receiver(post_save, sender=RelatedLink)
@receiver(post_delete, sender=RelatedLink)
def related_link_changed(sender, instance, **kwargs):
    bump()
    purge_after_commit([edge.story_key(instance.article_id)])


@receiver(post_save, sender=Section)
@receiver(post_delete, sender=Section)
def section_changed(sender, instance, **kwargs):
    bump()
    purge_after_commit([edge.NAV, edge.section_key(instance.pk)])


@receiver(post_save, sender=Author)
@receiver(post_delete, sender=Author)
def author_changed(sender, instance, **kwargs):
    bump()
    purge_after_commit([edge.author_key(instance.pk)])


@receiver(post_save, sender=Notice)
@receiver(post_delete, sender=Notice)
def notice_changed(sender, instance, **kwargs):
    """A correction or update: its story and the corrections page and feed."""
    bump()
    purge_after_commit([edge.story_key(instance.article_id), edge.CORRECTIONS])


@receiver(post_save, sender=BreakingNews)
@receiver(post_delete, sender=BreakingNews)
def banner_changed(sender, instance, **kwargs):
    """The banner is on every page, like the menu."""
    bump()
    purge_after_commit([edge.NAV])


@receiver(post_save, sender=FrontPagePick)
@receiver(post_delete, sender=FrontPagePick)
def front_page_changed(sender, instance, **kwargs):
    bump()
    purge_after_commit([edge.HOME])


@receiver(pre_save, sender=FlatPage)
def clean_flat_page(sender, instance, **kwargs):
    """Every path that saves a flat page (admin, imports, shell) stores it clean."""
    pages.clean_flat_page(instance)


@receiver(post_save, sender=FlatPage)
@receiver(post_delete, sender=FlatPage)
def flat_page_changed(sender, instance, **kwargs):
    """The page itself, and the footer of every page, which lists them like the menu.

    Only once committed: an import's dry run writes pages and rolls them back.
    """
    transaction.on_commit(bump_content_version)
    purge_after_commit([edge.NAV, edge.flat_page_key(instance.pk)])


@receiver(post_save, sender=Redirect)
@receiver(post_delete, sender=Redirect)
def redirect_changed(sender, instance, **kwargs):
    """The stored answers of old addresses (301s and 410s), and the 404 a new one replaces."""
    purge_after_commit([edge.REDIRECTS, edge.NOTFOUND])


def bulk_changed():
    """A bulk write that sends no signals (an import): every page in front, once committed.

    Every page the caches in front hold carries the menu's key, so purging it drops them
    all: an import is rare, and may touch any list, 404 and old address.
    """
    purge_after_commit([edge.NAV])


@receiver(m2m_changed, sender=FlatPage.sites.through)
def flat_page_sites_changed(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        transaction.on_commit(bump_content_version)
        purge_after_commit([edge.NAV])


@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
def tag_changed(sender, instance, **kwargs):
    bump()
    purge_after_commit([edge.tag_key(instance.pk)])


@receiver(m2m_changed, sender=Article.authors.through)
def bylines_changed(sender, instance, action, pk_set, **kwargs):
    if action.startswith("post_") and isinstance(instance, Article):
        bump()
        lists = [edge.author_list_key(pk) for pk in pk_set or ()]
        purge_after_commit([edge.story_key(instance.pk), *lists])


@receiver(m2m_changed, sender=Article.tags.through)
def tags_changed(sender, instance, action, pk_set, **kwargs):
    if action.startswith("post_") and isinstance(instance, Article):
        bump()
        lists = [edge.tag_list_key(pk) for pk in pk_set or ()]
        purge_after_commit([edge.story_key(instance.pk), *lists])


@receiver(post_delete, sender=HeldUpload)
def held_upload_gone(sender, instance, **kwargs):
    """An image no form waits for any more: its file goes once the deletion commits.

    Nothing readers see: a held image is on no page (articles.editorial.uploads).
    """
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@receiver(score_changed)
def story_score_changed(sender, model, object_id, field, **kwargs):
    """A vote: the pages that show the story's score. Pages that rank by rating are not
    purged: they are kept at the edge for at most ratings.ranking.RANKING_SECONDS (their
    live part says so), so a burst of votes leaves them in the cache."""
    if model is Article:
        purge([edge.score_key(object_id)])


@receiver(pre_delete, sender=Article)
def story_deleted(sender, instance, **kwargs):
    """A deleted story's words no longer count in what tells stories apart."""
    neighbours.forget_story(article_id=instance.pk)


@receiver(renditions_changed)
def picture_renditions_changed(sender, image, **kwargs):
    """A library picture's renditions were made (or its focal point moved): the stories that
    show it get them, and their pages and lists are stored and purged anew."""
    shown_in = Q(picture=image) | Q(pictures_in_text=image)
    stories = list(Article.objects.filter(shown_in).distinct().only("pk", "section_id"))
    if not stories:
        return
    Article.objects.filter(picture=image).update(
        lead_image=image.file.name,  # stored again without its metadata by the worker
        lead_image_renditions=image.renditions,
        lead_image_width=image.width,
        lead_image_height=image.height,
    )
    bump()
    purge_after_commit(lambda: {key for story in stories for key in _story_keys(story)})
