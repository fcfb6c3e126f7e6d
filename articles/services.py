"""Story writes that touch files or other rows: saving with slug history and renditions."""

from django.db import transaction

from articles import neighbours
from articles.images import clean_original, make_renditions, make_square
from articles.models import Article, Author, SlugRedirect

IMAGE_FIELDS = ("lead_image", "social_image")


@transaction.atomic
def save_story(*, article: Article) -> Article:
    """Save a story; keep its old address as a redirect and make renditions of a new image.

    The admin, the importers and seed_demo save stories through here, so an address that
    readers and search engines know keeps answering whatever path changed it, and the
    story's Інші новини (and its place in other stories') follow what it now says.
    """
    old_slug = getattr(article, "stored_slug", None)
    new_images = [name for name in IMAGE_FIELDS if _is_new(getattr(article, name))]
    article.save()
    if new_images:
        clean_images(article=article, fields=new_images)
    if old_slug and old_slug != article.slug:
        record_old_slug(article=article, old_slug=old_slug)
    article.stored_slug = article.slug
    image = article.lead_image.name if article.lead_image else ""
    if getattr(article, "stored_image", "") != image:
        refresh_renditions(article=article)
    # once committed, with the tags and picks the caller saves after the story
    neighbours.refresh_after_commit(article.pk)
    return article


def _is_new(image):
    return bool(image) and not image._committed


def clean_images(*, article, fields):
    """Store the story's newly uploaded images upright and without camera or location
    metadata: readers may be sent an original (the social image, a story without copies)."""
    changed = {}
    for name in fields:
        image = getattr(article, name)
        clean = clean_original(image.name)
        if clean != image.name:
            setattr(article, name, clean)
            field = article._meta.get_field(name)
            field.update_dimension_fields(article, force=True)
            changed[name] = clean
            for dimension in (field.width_field, field.height_field):
                if dimension:
                    changed[dimension] = getattr(article, dimension)
    if changed:
        Article.objects.filter(pk=article.pk).update(**changed)


def record_old_slug(*, article, old_slug):
    """Answer `old_slug` with a permanent redirect to the story from now on."""
    # the story's own new address must not point elsewhere
    SlugRedirect.objects.filter(old_slug=article.slug).delete()
    SlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"article": article})


def refresh_renditions(*, article):
    """Resized WebP and JPEG copies of the story's lead image (none without an image)."""
    image = article.lead_image.name if article.lead_image else ""
    article.lead_image_renditions = make_renditions(image) if image else {}
    Article.objects.filter(pk=article.pk).update(
        lead_image_renditions=article.lead_image_renditions
    )
    article.stored_image = image


@transaction.atomic
def save_author(*, author: Author) -> Author:
    """Save a byline; a new photo gets its small square copy for story pages."""
    stored = Author.objects.filter(pk=author.pk).values_list("photo", flat=True).first()
    author.save()
    photo = author.photo.name if author.photo else ""
    if photo != (stored or "") or (photo and not author.photo_thumbnail):
        author.photo_thumbnail = make_square(photo) if photo else ""
        Author.objects.filter(pk=author.pk).update(photo_thumbnail=author.photo_thumbnail)
    return author
