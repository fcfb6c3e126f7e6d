"""Story writes that touch files or other rows: saving with slug history and its picture."""

from django.db import transaction

from articles import tasks
from articles.images import make_square
from articles.models import Article, Author, PictureInText, SlugRedirect
from images import body as text_pictures
from images import services as library
from images.cleaning import clean_original
from images.models import Image

PICTURE_COPY = (
    "lead_image",
    "lead_image_width",
    "lead_image_height",
    "lead_image_renditions",
    "lead_image_alt",
    "lead_image_caption",
    "lead_image_credit",
)

# sent to readers as they are stored; a lead image joins the library, whose worker cleans it
IMAGE_FIELDS = ("social_image",)


@transaction.atomic
def save_story(*, article: Article, user=None) -> Article:
    """Save a story; keep its old address as a redirect; put a new image into the library.

    The admin, the importers and seed_demo save stories through here, so an address that
    readers and search engines know keeps answering whatever path changed it, and the
    story's Інші новини (and its place in other stories') follow what it now says.
    """
    old_slug = getattr(article, "stored_slug", None)
    new_images = [name for name in IMAGE_FIELDS if _is_new(getattr(article, name))]
    _lead_picture_chosen(article)
    article.save()
    if new_images:
        clean_images(article=article, fields=new_images)
    if old_slug and old_slug != article.slug:
        record_old_slug(article=article, old_slug=old_slug)
    article.stored_slug = article.slug
    if _lead_changed(article):
        refresh_renditions(article=article, user=user)
    record_pictures_in_text(article=article)
    # once committed, with the tags and picks the caller saves after the story
    tasks.refresh_after_commit(article.pk)
    return article


def _lead_picture_chosen(article):
    """A lead image the editor chose replaces the one taken from the text."""
    chosen = getattr(article, "stored_picture_id", None) != article.picture_id
    if article.picture_in_text and chosen and article.picture_id is not None:
        article.picture_in_text = False


def _lead_changed(article):
    """Whether the story's lead image (an upload or a library picture) changed in this save."""
    image = article.lead_image.name if article.lead_image else ""
    picture_changed = getattr(article, "stored_picture_id", None) != article.picture_id
    return getattr(article, "stored_image", "") != image or picture_changed


def record_pictures_in_text(*, article):
    """Record the library pictures the text shows (the library's "used in"); a story with no
    lead image of its own takes the first of them as its picture for lists, the social card
    and search engines (the story page shows it in the text, not twice)."""
    ids = _record_uses(article)
    has_own = article.picture_id is not None and not article.picture_in_text
    if has_own or (article.lead_image and article.picture_id is None):
        return
    first = ids[0] if ids else None
    if first == article.picture_id and article.picture_in_text == (first is not None):
        return
    _take_picture_from_text(article, Image.objects.get(pk=first) if first else None)


def _record_uses(article):
    """Store which library pictures the text shows, in order; return their ids."""
    ids = text_pictures.library_ids(article.body)
    if ids:
        known = set(Image.objects.filter(pk__in=ids).values_list("pk", flat=True))
        ids = [pk for pk in ids if pk in known]
    uses = article.picture_uses.order_by("position").values_list("image_id", flat=True)
    if list(uses) != ids:
        PictureInText.objects.filter(article=article).delete()
        PictureInText.objects.bulk_create(
            PictureInText(article=article, image_id=pk, position=n) for n, pk in enumerate(ids)
        )
    return ids


def _take_picture_from_text(article, chosen):
    """The story's picture for lists and cards is `chosen`, a picture of its text (or none)."""
    article.picture_in_text = chosen is not None
    if chosen is not None:
        article.lead_image_alt = chosen.alt
        article.lead_image_caption = chosen.caption
        article.lead_image_credit = chosen.credit
    copy_picture(article=article, picture=chosen)
    Article.objects.filter(pk=article.pk).update(picture_in_text=article.picture_in_text)


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


def refresh_renditions(*, article, user=None):
    """Link the story to its library picture and copy the picture's file and renditions.

    A newly uploaded lead image joins the library (or, when the library has the same bytes,
    the story uses that picture and the new copy is dropped); a picture chosen from the
    library is copied in. Its renditions are made by a worker: until then the story shows
    the picture's stand-in, and articles.signals copies the renditions in when they come.
    """
    name = article.lead_image.name if article.lead_image else ""
    chosen = article.picture_id != getattr(article, "stored_picture_id", None)
    if name and name != getattr(article, "stored_image", "") and not _is_file_of(article, name):
        article.picture = library.add_image(
            file=name,
            alt=article.lead_image_alt,
            caption=article.lead_image_caption,
            credit=article.lead_image_credit,
            uploaded_by=user,
        )
        if article.picture.file.name != name:  # the library had it: this copy is not needed
            transaction.on_commit(lambda: article.lead_image.storage.delete(name))
    elif chosen and article.picture:
        _take_picture_words(article)
    elif not name and not chosen:
        article.picture = None
    copy_picture(article=article, picture=article.picture)


def _take_picture_words(article):
    """A picture chosen from the library brings its alt text, caption and credit. A story
    that had no picture keeps the words its editor wrote (a translation's, in its own
    language); one that swaps pictures takes the new picture's."""
    first = getattr(article, "stored_picture_id", None) is None
    picture = article.picture
    for field, words in (
        ("lead_image_alt", picture.alt),
        ("lead_image_caption", picture.caption),
        ("lead_image_credit", picture.credit),
    ):
        if not (first and getattr(article, field)):
            setattr(article, field, words)


def _is_file_of(article, name):
    return article.picture_id is not None and article.picture.file.name == name


def copy_picture(*, article, picture: Image | None):
    """Write the picture's file, upright size and renditions into the story's row."""
    if picture is None:
        article.lead_image.name = ""
        article.lead_image_width = article.lead_image_height = None
        article.lead_image_renditions = {}
    else:
        show_picture(article, picture)
    Article.objects.filter(pk=article.pk).update(
        picture=picture, **{field: getattr(article, field) for field in PICTURE_COPY}
    )
    article.stored_image = article.lead_image.name
    article.stored_picture_id = article.picture_id


def show_picture(article, picture):
    """The story shows `picture` as a worker last left it; its own words are kept.
    Writes nothing (a preview uses it on a story it does not save)."""
    picture.refresh_from_db()
    article.lead_image.name = picture.file.name
    article.lead_image_width, article.lead_image_height = picture.width, picture.height
    article.lead_image_renditions = picture.renditions
    article.lead_image_alt = article.lead_image_alt or picture.alt
    article.lead_image_caption = article.lead_image_caption or picture.caption
    article.lead_image_credit = article.lead_image_credit or picture.credit


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
