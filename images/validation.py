"""What the library accepts: real, whole JPEG, PNG, WebP or GIF images of a sane size.

A whole JPEG or PNG is known from its header and end (a JPEG's end-of-image marker, a
PNG's chunks and checksums) without decoding every pixel, which for a 24-megapixel photo
would cost a quarter of a second of the editor's request; anything else is decoded in full.
"""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
BROKEN = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError)
NOT_AN_IMAGE = _("The file is not a valid image, or it is damaged.")


def validate_image(upload):
    """Refuse anything that is not a real, complete raster image of a sane size.

    Only a new upload is checked: a stored file was checked when it came.
    """
    if getattr(upload, "_committed", False):
        return
    if upload.size and upload.size > settings.ARTICLES_IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (at most %(mb)d MB).")
            % {"mb": settings.ARTICLES_IMAGE_MAX_BYTES // (1024 * 1024)}
        )
    position = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        fmt = _checked_header(upload)
        if not _whole_from_ends(upload, fmt):
            upload.seek(0)
            with Image.open(upload) as full:
                full.load()  # a truncated file fails here, not in front of a reader
    except ValidationError:
        raise
    except BROKEN:
        raise ValidationError(NOT_AN_IMAGE) from None
    finally:
        try:
            upload.seek(position)
        except (OSError, ValueError):
            pass


def _checked_header(fh):
    """The format of the image in `fh`, refused when it is not allowed or too large."""
    with Image.open(fh) as probe:
        fmt = probe.format
        width, height = probe.size
        if fmt not in ALLOWED_FORMATS:
            raise ValidationError(
                _("Upload a JPEG, PNG, WebP or GIF image (got %(format)s).")
                % {"format": fmt or _("unknown")}
            )
        if width * height > settings.ARTICLES_IMAGE_MAX_PIXELS:
            raise ValidationError(
                _("The image is too large: %(w)d×%(h)d pixels.") % {"w": width, "h": height}
            )
        if fmt == "PNG":
            probe.verify()
    return fmt


def _whole_from_ends(fh, fmt):
    """True when the file is known whole without decoding it (a verified PNG, a JPEG that
    ends with its end-of-image marker)."""
    if fmt == "PNG":
        return True
    if fmt != "JPEG":
        return False
    fh.seek(-2, os.SEEK_END)
    return fh.read(2) == b"\xff\xd9"
