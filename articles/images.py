"""Lead images: strict validation on upload, renditions made when the story is saved."""

import io
import posixpath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from images.cleaning import upright

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def validate_image(upload):
    """Refuse anything that is not a real, complete raster image of a sane size.

    Only a new upload is checked: the image a story already has was checked when it came,
    and its stored file is not open (an editor saving the story again must not need it).
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
        with Image.open(upload) as probe:
            _check_header(probe)
        upload.seek(0)
        with Image.open(upload) as full:
            full.load()  # a truncated file fails here, not in front of a reader
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The file is not a valid image, or it is damaged.")) from None
    finally:
        try:
            upload.seek(position)
        except (OSError, ValueError):
            pass


def _check_header(probe):
    """Refuse a format we do not take or a picture of too many pixels, from its header."""
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
    probe.verify()


def make_renditions(name, widths=None):
    """Resized WebP and JPEG copies of a stored image, upright and without metadata, keyed by
    width.

    Each entry: {"width", "height", "webp": stored name, "jpg": stored name, "bytes":
    {"webp": size, "jpg": size}} (the sizes feeds announce, without asking the storage).
    """
    widths = widths or settings.ARTICLES_RENDITION_WIDTHS
    with default_storage.open(name) as fh, Image.open(fh) as source:
        source.load()
        image = upright(source).convert("RGB")
    base, _ext = posixpath.splitext(name)
    renditions = {}
    for target_width in sorted({min(width, image.width) for width in widths}):
        height = round(image.height * target_width / image.width)
        resized = image.resize((target_width, height), Image.Resampling.LANCZOS)
        entry = {"width": target_width, "height": height, "bytes": {}}
        formats = (
            ("WEBP", "webp", {"quality": 80}),
            ("JPEG", "jpg", {"quality": 82, "progressive": True}),
        )
        for fmt, ext, options in formats:
            buffer = io.BytesIO()
            resized.save(buffer, fmt, **options)
            stored = default_storage.save(
                f"renditions/{base}-{target_width}.{ext}", ContentFile(buffer.getvalue())
            )
            entry[ext] = stored
            entry["bytes"][ext] = buffer.tell()
        renditions[str(target_width)] = entry
    return renditions


def make_square(name, size=192):
    """A square JPEG crop of a stored image (a byline's portrait), centred a little high."""
    with default_storage.open(name) as fh, Image.open(fh) as source:
        source.load()
        image = upright(source).convert("RGB")
    square = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS, centering=(0.5, 0.35))
    buffer = io.BytesIO()
    square.save(buffer, "JPEG", quality=85, progressive=True)
    base, _ext = posixpath.splitext(name)
    return default_storage.save(f"renditions/{base}-{size}sq.jpg", ContentFile(buffer.getvalue()))
