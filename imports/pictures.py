"""The pictures of the JSON Lines import: a file under --media-dir or an address fetched
as the WordPress import fetches (no private addresses, size and time limits), checked as
uploads are, then put into the picture library (the same bytes are one picture). The
pictures of other sites in a body are fetched so too and the body points at the library's
copies (images.body), as the story form does on save."""

import posixpath
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from articles import services
from articles import text as texts
from images import body as text_pictures
from images import services as library
from images.validation import validate_image
from imports.wordpress.fetch import MediaError, fetch

IMAGE_KEYS = {"src", "alt", "caption", "credit"}
NOT_AN_IMAGE_OBJECT = 'must be an object with "src" (a path or an address) and "alt"'
WEB_ONLY = "only pictures of http(s) addresses can be copied into the library"
NEEDS_MEDIA_DIR = "a path needs --media-dir (the folder it is under)"
OUTSIDE_MEDIA_DIR = "is not under --media-dir"


@dataclass
class ImageSpec:
    src: str
    alt: str
    caption: str = ""
    credit: str = ""


IMAGE_LIMITS = {"alt": 300, "caption": 300, "credit": 200}


def parse_image(value, errors, line):
    """The record's `image` as an ImageSpec (None without one); problems go to `errors`."""
    if value is None:
        return None
    problem = _image_problem(value)
    if problem:
        errors.append(f"line {line}: {problem}")
        return None
    for key, limit in IMAGE_LIMITS.items():
        if len(value.get(key, "")) > limit:
            errors.append(f"line {line}: image.{key}: is too long (at most {limit} characters)")
    return ImageSpec(**{key: value.get(key, "").strip() for key in IMAGE_KEYS})


def _image_problem(value):
    """Why `value` cannot be a record's image at all (None when it can)."""
    bad = not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values())
    if bad or set(value) - IMAGE_KEYS or not value.get("src", "").strip():
        return f"image: {NOT_AN_IMAGE_OBJECT}"
    if not value.get("alt", "").strip():
        return "image.alt: is required (what the picture shows)"
    return None


def load_all(records, *, media_dir=None, allow_private=False):
    """({line: bytes}, errors): every record's picture read and checked, or why not."""
    loaded, errors = {}, []
    for record in records:
        if record.image is None:
            continue
        try:
            loaded[record.line] = load(record.image.src, media_dir, allow_private)
        except MediaError as exc:
            errors.append(f"line {record.line}: image: {record.image.src[:200]}: {exc}")
    return loaded, errors


def load(src, media_dir, allow_private):
    """The checked bytes of one picture (MediaError when they cannot be had or used)."""
    limit = settings.ARTICLES_IMAGE_MAX_BYTES
    if src.startswith(("http://", "https://")):
        data = fetch(src, max_bytes=limit, allow_private=allow_private)
    else:
        data = _read_under(src, media_dir, limit)
    try:
        validate_image(ContentFile(data, name=posixpath.basename(src)))
    except ValidationError as exc:
        raise MediaError(" ".join(exc.messages)) from None
    return data


def _read_under(src, media_dir, limit):
    if media_dir is None:
        raise MediaError(NEEDS_MEDIA_DIR)
    root = Path(media_dir).resolve()
    path = (root / src).resolve()  # symbolic links followed: the real file must be inside
    if not path.is_relative_to(root):
        raise MediaError(OUTSIDE_MEDIA_DIR)
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise MediaError(f"cannot read it: {exc.strerror}") from None
    if len(data) > limit:
        raise MediaError(f"larger than {limit // (1024 * 1024)} MB")
    return data


def attach(article, spec, data):
    """Make the picture the story's lead image; True when the story's picture changed."""
    name = posixpath.basename(spec.src.split("?", 1)[0]) or "image"
    picture = library.add_image(
        file=ContentFile(data, name=name), alt=spec.alt, caption=spec.caption, credit=spec.credit
    )
    texts = (spec.alt, spec.caption, spec.credit)
    stored = (article.lead_image_alt, article.lead_image_caption, article.lead_image_credit)
    if article.picture_id == picture.pk and stored == texts:
        return False
    article.lead_image_alt, article.lead_image_caption, article.lead_image_credit = texts
    services.copy_picture(article=article, picture=picture)
    return True


def outside_addresses(body):
    """The addresses of the pictures a record's body shows that are not files of ours, as
    its sanitised text names them, each once."""
    if "<img" not in body.lower():
        return []
    prefix = text_pictures.media_prefix()
    tags = text_pictures.IMG_TAG.findall(texts.body_to_html(body))
    found = (text_pictures.attributes(tag).get("src", "").strip() for tag in tags)
    return [src for src in dict.fromkeys(found) if src and not src.startswith(prefix)]


def load_bodies(records, *, allow_private=False):
    """({address: checked bytes}, errors): the outside pictures of every record's body
    downloaded and checked as the `image` field's are (each address once), or why not."""
    loaded, failed, errors = {}, {}, []
    for record in records:
        for src in outside_addresses(record.body):
            if src in loaded:
                continue
            if src not in failed:
                try:
                    if not src.startswith(("http://", "https://")):
                        raise MediaError(WEB_ONLY)
                    loaded[src] = load(src, None, allow_private)
                    continue
                except MediaError as exc:
                    failed[src] = str(exc)
            errors.append(f"line {record.line}: body: {src[:200]}: {failed[src]}")
    return loaded, errors


class _NotInLibrary(Exception):
    """A dry run met a picture the library does not have yet: it stores none."""


def settle_body(body, loaded, *, dry_run=False):
    """`body` (sanitised) with its pictures the library's, the outside ones from the bytes
    `load_bodies` fetched; ValidationError when one cannot be. A dry run stores nothing: a
    body with a picture the library does not have yet is left as it is."""
    if not text_pictures.IMG_TAG.search(body):
        return body
    if dry_run and text_pictures.stored_names(body):
        return body

    def fetch(url, *, max_bytes):
        if url not in loaded:
            raise MediaError("not fetched")
        if dry_run and library.find_duplicate(ContentFile(loaded[url])) is None:
            raise _NotInLibrary
        return loaded[url]

    try:
        return text_pictures.settle(body, fetch=fetch, most=None)
    except _NotInLibrary:
        return body
