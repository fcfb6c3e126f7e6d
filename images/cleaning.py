"""Originals without what a camera or phone writes into them: turned upright, no metadata."""

import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

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


PROGRESSIVE_UP_TO = 4_000_000  # pixels: a larger clean copy is a baseline JPEG


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
        # turned in place, so that a photo is held once (twice only while it turns)
        ImageOps.exif_transpose(source, in_place=True)
        source.info = {key: value for key, value in source.info.items() if key in HARMLESS_INFO}
        image = source
    buffer = io.BytesIO()
    options = dict(CLEAN_COPY_OPTIONS[fmt])
    if image.width * image.height > PROGRESSIVE_UP_TO:
        options.pop("progressive", None)  # libjpeg would hold every coefficient at once
    if "icc_profile" in image.info:
        options["icc_profile"] = image.info["icc_profile"]
    image.save(buffer, fmt, **options)
    clean = default_storage.save(name, ContentFile(buffer.getvalue()))  # a free name
    default_storage.delete(name)
    return clean
