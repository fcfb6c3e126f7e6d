"""Lead images: strict validation on upload, renditions made when the story is saved."""

import io
import posixpath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

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


# What an image file may say besides its pixels that copies keep: how to show its colours
# and transparency, and how it is encoded. Anything else (EXIF: camera, time, place; XMP,
# IPTC, comments, PNG text) is left out of every copy readers get.
HARMLESS_INFO = {
    "icc_profile",
    "transparency",
    "dpi",
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "progressive",
    "progression",
    "adobe",
    "adobe_transform",
    "gamma",
    "srgb",
    "chromaticity",
    "aspect",
    "interlace",
    "background",
    "duration",
    "loop",
    "version",
    "lossless",
}
CLEAN_COPY_OPTIONS = {
    "JPEG": {"quality": 92, "progressive": True},
    "WEBP": {"quality": 90},
    "PNG": {},
    "GIF": {},
}


def upright(image):
    """A copy of `image` turned as its EXIF orientation says, with no metadata but its
    colour profile and transparency (so no camera, time or place goes out with a copy)."""
    image = ImageOps.exif_transpose(image)  # always a new image
    image.info = {key: value for key, value in image.info.items() if key in HARMLESS_INFO}
    return image


def clean_original(name):
    """Store the image `name` again upright and without metadata if it carries any; returns
    the name of the clean file (`name` itself when there was nothing to remove, or for an
    animation, which keeps its frames as they are)."""
    with default_storage.open(name) as fh, Image.open(fh) as source:
        fmt = source.format
        extra = set(source.info) - HARMLESS_INFO
        if not extra or getattr(source, "n_frames", 1) > 1 or fmt not in CLEAN_COPY_OPTIONS:
            return name
        source.load()
        image = upright(source)
    buffer = io.BytesIO()
    options = dict(CLEAN_COPY_OPTIONS[fmt])
    if "icc_profile" in image.info:
        options["icc_profile"] = image.info["icc_profile"]
    image.save(buffer, fmt, **options)
    clean = default_storage.save(name, ContentFile(buffer.getvalue()))  # a free name
    default_storage.delete(name)
    return clean


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


def nearest_rendition(renditions, fmt, width):
    """The rendition entry in format `fmt` whose width is nearest `width`, or None."""
    entries = [entry for entry in (renditions or {}).values() if fmt in entry]
    return min(entries, key=lambda entry: abs(entry["width"] - width), default=None)


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
