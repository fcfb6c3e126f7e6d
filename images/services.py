"""Library writes: adding a picture (once), moving its focal point, queueing its renditions.

The worker's own writes (the cleaned original, the renditions made) are in `images.tasks`.
"""

import hashlib
import logging
import posixpath

from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image as PILImage

from images.models import Image
from images.renditions import make_standins
from images.signals import renditions_changed
from images.tasks import make_renditions
from images.validation import validate_image

log = logging.getLogger(__name__)

SWAPPED = {5, 6, 7, 8}  # EXIF orientations that turn the picture a quarter


def content_hash(fh):
    """The SHA-256 of a file's bytes (how the library knows a picture it already has)."""
    digest = hashlib.sha256()
    fh.seek(0)
    for chunk in iter(lambda: fh.read(1024 * 1024), b""):
        digest.update(chunk)
    fh.seek(0)
    return digest.hexdigest()


def upright_size(fh):
    """(width, height) of the picture as readers see it, turned by its EXIF orientation."""
    fh.seek(0)
    with PILImage.open(fh) as probe:
        width, height = probe.size
        orientation = probe.getexif().get(0x0112, 1)
    fh.seek(0)
    return (height, width) if orientation in SWAPPED else (width, height)


def find_duplicate(upload):
    """The library's image with the same bytes as `upload`, or None."""
    return Image.objects.with_hash(content_hash(upload)).first()


@transaction.atomic
def add_image(*, file, alt, uploaded_by=None, reuse=True, **details) -> Image:
    """Put a picture into the library, or give back the one with the same bytes (`reuse`).

    `file` is an upload (checked and stored here) or the name of a stored, checked file.
    The stand-in is made now; the renditions are queued for a worker once this commits.
    """
    if isinstance(file, str):
        with default_storage.open(file) as fh:
            digest, size, dimensions = (
                content_hash(fh),
                default_storage.size(file),
                upright_size(fh),
            )
    else:
        validate_image(file)
        digest, size, dimensions = content_hash(file), file.size, upright_size(file)
    if reuse and (existing := Image.objects.with_hash(digest).first()):
        return existing
    image = Image(alt=alt, uploaded_by=uploaded_by, content_hash=digest, file_size=size, **details)
    image.width, image.height = dimensions
    if isinstance(file, str):
        image.file.name = file
    else:
        image.file.save(posixpath.basename(file.name), file, save=False)
    image.save()
    refresh_standins(image)
    queue_renditions(image)
    return image


def refresh_standins(image: Image):
    """Make the image's stand-ins for its current focal point; crops around another one go."""
    image.renditions = {"standin": make_standins(image)}
    Image.objects.filter(pk=image.pk).update(renditions=image.renditions, renditions_key="")
    transaction.on_commit(lambda: renditions_changed.send(sender=Image, image=image))


@transaction.atomic
def set_focal_point(*, image: Image, x: float, y: float) -> Image:
    """Move the focal point (0–1 across and down); every crop is made again around it."""
    image.refresh_from_db(fields=["file", "renditions"])  # a worker may have cleaned the file
    image.focal_x = min(max(float(x), 0.0), 1.0)
    image.focal_y = min(max(float(y), 0.0), 1.0)
    image.save(update_fields=["focal_x", "focal_y"])
    refresh_standins(image)
    queue_renditions(image)
    return image


def queue_renditions(image: Image):
    """Ask a worker for the image's renditions once the transaction commits."""
    key = image.wanted_key
    transaction.on_commit(lambda: make_renditions.enqueue(image.pk, key))
