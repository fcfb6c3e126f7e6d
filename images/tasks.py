"""The library's background work, on Django's tasks API (django-tasks).

A task is idempotent: it makes the renditions an image wants now, over whatever a stopped
attempt left, and records them only if the image still wants them. A failure that may pass
(storage, database) is tried again later, up to MAX_ATTEMPTS; a file that cannot be read
as a picture is logged and left.
"""

import logging
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tasks import task

from images import cleaning, renditions
from images.models import Image
from images.signals import renditions_changed

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(seconds=30)  # doubled at each attempt


@task()
def make_renditions(image_id: int, key: str, attempt: int = 1) -> str:
    image = Image.objects.filter(pk=image_id).first()
    if image is None or image.wanted_key != key:
        return "not wanted"  # deleted, or a newer focal point has its own task
    if image.renditions_key == key:
        return "already made"
    try:
        clean_original(image)
        made = renditions.make_all(image, key)
        record_renditions(image_id=image_id, key=key, made=made)
    except renditions.RenditionError as exc:
        log.error("image %s: no renditions can be made: %s", image_id, exc)
        return "cannot be made"
    except (OSError, DatabaseError) as exc:
        retry(image_id, key, attempt, exc)
        raise
    return "made"


def retry(image_id, key, attempt, exc):
    """Queue the task again, later, unless it has been tried MAX_ATTEMPTS times."""
    if attempt >= MAX_ATTEMPTS:
        log.error("image %s: renditions failed %d times: %s", image_id, attempt, exc)
        return
    log.warning("image %s: renditions failed (attempt %d), tried again: %s", image_id, attempt, exc)
    later = make_renditions
    if later.get_backend().supports_defer:
        later = later.using(run_after=timezone.now() + RETRY_AFTER * 2 ** (attempt - 1))
    later.enqueue(image_id, key, attempt + 1)


def clean_original(image: Image):
    """Store the picture's file again upright and without camera or location metadata, if it
    carries any (a worker's job: for a phone photo it means decoding every pixel)."""
    name = cleaning.clean_original(image.file.name)
    if name != image.file.name:
        image.file.name = name
        Image.objects.filter(pk=image.pk).update(file=name)


def record_renditions(*, image_id: int, key: str, made: dict) -> Image | None:
    """Store the renditions made for `key`, unless the image changed meanwhile (then None)."""
    with transaction.atomic():
        updated = Image.objects.filter(pk=image_id, wanted_key=key).update(
            renditions=made, renditions_key=key
        )
        if not updated:
            return None
        image = Image.objects.get(pk=image_id)
        transaction.on_commit(lambda: renditions_changed.send(sender=Image, image=image))
    return image
