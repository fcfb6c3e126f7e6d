"""The imported images into the picture library, after the import has committed.

Each imported lead image becomes a picture of the library (the same bytes are one picture,
however many posts showed them), with the alt text and caption of its first story; its
stand-ins are made here and its renditions queued for the task workers. Then the pictures
in the stories' texts: each becomes the library's, with its alt text and its figure's
caption, and the text points at it (images.body.adopt), so readers get its renditions,
upright and without camera or location metadata, instead of the old site's file.
"""

from django.db import transaction

from articles import services
from articles.models import Article, WordPressImage
from images import body as text_pictures
from images import services as library
from images.renditions import RenditionError
from images.validation import BROKEN


def missing_pictures():
    """The lead images of imported stories not yet in the library, newest story first.

    Those of this run's new and changed images, and any an interrupted run left.
    """
    names = (
        Article.objects.filter(wordpress__isnull=False, picture__isnull=True)
        .exclude(lead_image="")
        .order_by("-published_at")
        .values_list("lead_image", flat=True)
    )
    return list(dict.fromkeys(names))


def into_library(names, *, progress=None):
    """Put the stored images `names` into the library, each for every story showing it;
    (pictures, failed). Each is committed as it is done, so a stopped run keeps them."""
    made = failed = 0
    for name in dict.fromkeys(names):
        try:
            made += _adopt(name)
        except (RenditionError, *BROKEN):
            failed += 1  # damaged past its end marker: its stories keep the original image
        if progress:
            progress(1)
    return made, failed


@transaction.atomic
def _adopt(name):
    stories = list(
        Article.objects.filter(lead_image=name, picture__isnull=True).order_by("-published_at")
    )
    if not stories:
        return 0
    first = stories[0]
    picture = library.add_image(
        file=name,
        alt=first.lead_image_alt or first.title[:300],
        caption=first.lead_image_caption,
        credit=first.lead_image_credit,
    )
    for story in stories:
        services.copy_picture(article=story, picture=picture)
    WordPressImage.objects.filter(file=name).update(picture=picture)
    return 1


def stories_with_pictures_to_adopt():
    """Ids of imported stories whose text shows an image the import stored (from the old
    site's uploads or, with --fetch-media, another site's) rather than a picture of the
    library, newest first."""
    stored = text_pictures.media_prefix() + "wordpress/"
    stories = Article.objects.filter(body__contains=f'src="{stored}', wordpress__isnull=False)
    return list(stories.order_by("-published_at").values_list("pk", flat=True))


def texts_into_library(ids, *, progress=None):
    """Put the pictures in the text of the stories `ids` into the library (the same bytes are
    one picture; alt text and caption kept; readers get its clean renditions) and point the
    texts at them; (stories changed, [problems]). Addresses of other sites are left as the
    import left them. Each story is committed as it is done."""
    changed, problems = 0, []
    for pk in ids:
        try:
            changed += _adopt_text(pk, problems)
        except (RenditionError, *BROKEN) as exc:
            problems.append(f"story {pk}: {exc}")
        if progress:
            progress(1)
    return changed, problems


def library_of(names):
    """{stored file: its library picture} of the import's files already in the library."""
    rows = WordPressImage.objects.filter(file__in=names, picture__isnull=False)
    return {row.file: row.picture for row in rows.select_related("picture")}


def in_library(text):
    """`text` with the import's files that are library pictures pointing at them: what a
    stored text holds, for comparing a post of a later export with its story."""
    names = text_pictures.stored_names(text)
    return text_pictures.point_at(text, library_of(names)) if names else text


TEXT_PICTURE = ("lead_image", "lead_image_alt", "lead_image_caption")
TEXT_PICTURE_SIZE = ("lead_image_width", "lead_image_height")


def as_left(article, candidate):
    """A later export's version of a story (`candidate`) as this stage would leave it: its
    text's pictures the library's, and the text's picture standing in for a lead image the
    post has not, so that a post the old site did not change leaves its story unchanged."""
    candidate.body = in_library(candidate.body)
    if article.picture_in_text and not candidate.lead_image:
        for name in TEXT_PICTURE + TEXT_PICTURE_SIZE:
            setattr(candidate, name, getattr(article, name))


@transaction.atomic
def _adopt_text(pk, problems):
    story = Article.objects.select_for_update().get(pk=pk)
    known = library_of(text_pictures.stored_names(story.body))
    body, found, adopted = text_pictures.adopt(story.body, known=known)
    for name, image in adopted.items():
        WordPressImage.objects.filter(file=name).update(picture=image)
    problems.extend(f"{story.slug}: {problem}" for problem in found)
    if body == story.body:
        return 0
    story.body = body
    Article.objects.filter(pk=pk).update(body=body)
    services.record_pictures_in_text(article=story)
    return 1
