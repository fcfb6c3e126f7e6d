"""The lead images into the picture library, after the import has committed.

Each imported lead image becomes a picture of the library (the same bytes are one picture,
however many posts showed them), with the alt text and caption of its first story; its
stand-ins are made here and its renditions queued for the task workers.
"""

from django.db import transaction

from articles import services
from articles.models import Article
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
    return 1
