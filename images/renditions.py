"""Renditions: focal-point crops of a library image in AVIF, WebP and JPEG, and its stand-in.

Every crop is cut around the image's focal point, so the face an editor clicked stays in
the story's picture, the list thumbnail, the social card and the images search engines take.
What readers get is upright (EXIF orientation applied) and carries no camera or location
metadata; the credit travels in XMP.
"""

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageOps

from images.validation import BROKEN


class RenditionError(Exception):
    """The stored file cannot be made into renditions (damaged, too large): retrying won't help."""


@dataclass(frozen=True)
class Spec:
    name: str
    aspect: float | None  # width / height; None: the picture's own, portraits cut to 4:5
    widths: tuple
    formats: tuple


READER_FORMATS = ("avif", "webp", "jpg")
SPECS = (
    Spec("story", None, (480, 800, 1200, 1600), READER_FORMATS),
    Spec("card", 3 / 2, (320, 640), READER_FORMATS),
    Spec("social", 1200 / 630, (1200,), ("jpg",)),  # Open Graph and X cards
    Spec("16x9", 16 / 9, (1200,), ("jpg",)),  # the three NewsArticle images Google asks for
    Spec("4x3", 4 / 3, (1200,), ("jpg",)),
    Spec("1x1", 1.0, (1200,), ("jpg",)),
)
TALLEST = 4 / 5  # a portrait story picture taller than this would fill more than a phone screen
DECODE_AT_LEAST = 1600  # JPEGs are decoded at the smallest scale that still gives this
STANDIN_WIDTH = 320
ENCODERS = {
    "avif": ("AVIF", {"quality": 56, "speed": 5}),  # as sharp as WebP q80 (bench/pictures.py)
    "webp": ("WEBP", {"quality": 80, "method": 4}),
    "jpg": ("JPEG", {"quality": 82, "progressive": True, "optimize": True}),
}


def spec_aspect(spec, width, height):
    """The aspect ratio of `spec`'s crop of a width×height picture."""
    if spec.aspect is not None:
        return spec.aspect
    return max(width / height, TALLEST)


def focal_box(width, height, aspect, focal_x, focal_y):
    """The largest box of `aspect` inside width×height, centred on the focal point as far as
    the edges allow."""
    if width / height > aspect:
        box_w, box_h = round(height * aspect), height
    else:
        box_w, box_h = width, round(width / aspect)
    left = min(max(round(focal_x * width - box_w / 2), 0), width - box_w)
    top = min(max(round(focal_y * height - box_h / 2), 0), height - box_h)
    return left, top, left + box_w, top + box_h


def open_upright(fh, *, at_least=DECODE_AT_LEAST):
    """The picture in `fh`, upright and RGB, decoded no larger than needed (bombs refused)."""
    try:
        source = PILImage.open(fh)
        width, height = source.size
        if width * height > settings.ARTICLES_IMAGE_MAX_PIXELS:
            raise RenditionError(f"{width}×{height} pixels is more than the library takes")
        if source.format == "JPEG":
            source.draft("RGB", (at_least, at_least))
        source.load()
        upright = ImageOps.exif_transpose(source)
        if upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGBA")
            background = PILImage.new("RGB", upright.size, "white")
            background.paste(upright, mask=upright.getchannel("A"))
            upright = background
        return upright.convert("RGB")
    except BROKEN as exc:
        raise RenditionError(str(exc)) from None


def credit_xmp(credit):
    """An XMP packet naming the credit (dc:creator and dc:rights), or None without one."""
    if not credit:
        return None
    value = escape(credit)
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator><rdf:Seq><rdf:li>{value}</rdf:li></rdf:Seq></dc:creator>"
        f'<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">{value}</rdf:li></rdf:Alt></dc:rights>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()


def encode(picture, fmt, xmp=None):
    """The bytes of `picture` in `fmt` (avif, webp or jpg), with no metadata but the XMP."""
    pil_format, options = ENCODERS[fmt]
    buffer = io.BytesIO()
    extra = {"xmp": xmp} if xmp else {}
    if picture.info.get("icc_profile"):  # a phone's wide-gamut colours stay as they were
        extra["icc_profile"] = picture.info["icc_profile"]
    picture.save(buffer, pil_format, **options, **extra)
    return buffer.getvalue()


def store(name, data):
    """Store `data` under exactly `name`, replacing what a stopped attempt left there."""
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(data))


def make_spec(picture, spec, *, focal, prefix, xmp):
    """The entries of one spec: [{"width", "height", fmt: stored name, "bytes": {fmt: n}}]."""
    aspect = spec_aspect(spec, *picture.size)
    crop = picture.crop(focal_box(*picture.size, aspect, *focal))
    entries = []
    for target in sorted({min(width, crop.width) for width in spec.widths}):
        size = (target, max(1, round(target / aspect)))
        resized = crop.resize(size, PILImage.Resampling.LANCZOS, reducing_gap=3.0)
        entry = {"width": size[0], "height": size[1], "bytes": {}}
        for fmt in spec.formats:
            data = encode(resized, fmt, xmp)
            entry[fmt] = store(f"{prefix}/{spec.name}-{size[0]}.{fmt}", data)
            entry["bytes"][fmt] = len(data)
        entries.append(entry)
    return entries


def make_all(image, key):
    """Every spec's renditions of a library image, stored under a folder of `key`."""
    with default_storage.open(image.file.name) as fh:
        picture = open_upright(fh)
    prefix = f"renditions/library/{image.pk}/{key}"
    focal = (image.focal_x, image.focal_y)
    xmp = credit_xmp(image.credit)
    made = {
        spec.name: make_spec(picture, spec, focal=focal, prefix=prefix, xmp=xmp) for spec in SPECS
    }
    made["standin"] = image.renditions.get("standin")  # for pages stored before these
    return made


def make_standins(image):
    """Small JPEGs of the story and card crops, for pages until the renditions are made.

    Cheap enough for the editor's request: a JPEG is decoded at an eighth of its size or so.
    """
    with default_storage.open(image.file.name) as fh:
        picture = open_upright(fh, at_least=STANDIN_WIDTH)
    focal = (image.focal_x, image.focal_y)
    made = {}
    for spec in SPECS[:2]:
        aspect = spec_aspect(spec, image.width or picture.width, image.height or picture.height)
        crop = picture.crop(focal_box(*picture.size, aspect, *focal))
        crop.thumbnail((STANDIN_WIDTH, round(STANDIN_WIDTH / aspect)), PILImage.Resampling.BILINEAR)
        name = f"renditions/library/{image.pk}/standin-{spec.name}-{image.wanted_key}.jpg"
        made[spec.name] = {
            "width": crop.width,
            "height": crop.height,
            "jpg": store(name, encode(crop, "jpg")),
        }
    return made
