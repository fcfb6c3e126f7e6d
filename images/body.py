"""Pictures in a story's text: only the library's, shown to readers as <picture>.

The text keeps each picture as an ordinary <img> whose address is a file of the picture's
own folder (`renditions/library/<id>/…`): the editor shows it, and the page readers get
replaces it with the picture's current renditions. On save, every other address is made
one of the library's (`settle`): a file of our media storage joins the library, an outside
address is downloaded with the rules of the WordPress import's `--fetch-media` (http(s)
only, no private or loopback address, 10 s timeouts, 30 s in all, the upload size limit)
and checked as uploads are; what cannot be had is refused with the address and why.
"""

import html
import io
import posixpath
import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image as PILImage

from images import picture
from images.models import Image
from images.validation import BROKEN, validate_image

IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""\b(src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
LIBRARY_FOLDER = re.compile(r"renditions/library/(\d+)/")
GALLERY = re.compile(r'<div class="gallery">.*?</div>', re.S)
FETCHED_PER_SAVE = 5  # outside addresses downloaded in one save, at most
EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
SIZES = "(max-width: 760px) 100vw, 760px"
GALLERY_SIZES = "(max-width: 760px) 100vw, 380px"

CANNOT_HAVE = _("The picture at %(address)s could not be put into the library: %(reason)s")
TOO_MANY = _(
    "The text has more than %(count)d pictures from other sites: put some of them into the "
    "picture library first."
)
GONE = _("A picture in the text is no longer in the library (%(address)s): insert it again.")


class PictureRefused(Exception):
    """Why a picture of a text cannot be one of the library's."""


def media_prefix():
    """The address every file of our media storage starts with."""
    return default_storage.url("renditions/x").rsplit("renditions/x", 1)[0]


def attributes(tag):
    """{"src": …, "alt": …} of an <img> tag, unescaped."""
    found = {}
    for name, *values in ATTRIBUTE.findall(tag):
        found[name.lower()] = html.unescape(next((v for v in values if v), ""))
    return found


def library_id(src):
    """The id of the library picture an address of ours names, or None."""
    if not src.startswith(media_prefix()):
        return None
    match = LIBRARY_FOLDER.search(src)
    return int(match.group(1)) if match else None


def library_ids(text):
    """The ids of the library pictures a text shows, in order, each once."""
    ids = (library_id(attributes(tag).get("src", "")) for tag in IMG_TAG.findall(text or ""))
    return list(dict.fromkeys(i for i in ids if i is not None))


def reference(image):
    """The address a text names `image` by: a small copy of it, in its own folder."""
    return picture.preview_url(image.renditions, fallback="")


def settle(text, *, uploaded_by=None, fetch=None, most=FETCHED_PER_SAVE):
    """`text` with every picture one of the library's; ValidationError naming the first
    address that cannot be (no picture is then left half-made: each is whole or absent).
    `most`: how many outside addresses may be downloaded (None: any number)."""
    if not IMG_TAG.search(text or ""):
        return text
    settler = Settler(uploaded_by=uploaded_by, fetch=fetch, most=most)
    try:
        return settler.settle(text)
    except PictureRefused as refusal:
        raise ValidationError(str(refusal), code="outside-picture") from None


def adopt(text, *, fetch=None, known=None):
    """(`text` with the pictures that can be the library's made so, [why others could not],
    {stored file: Image} of the files of ours it put into the library): an import's way,
    which keeps a picture it cannot have rather than refuse the story. `known` names the
    library's pictures of stored files; without `fetch`, addresses of other sites are left."""
    if not IMG_TAG.search(text or ""):
        return text, [], {}
    settler = Settler(fetch=fetch, lenient=True, outside=fetch is not None, known=known)
    return settler.settle(text), settler.problems, settler.adopted


def stored_names(text):
    """The names of the files of our media storage (not the library's) a text shows."""
    prefix = media_prefix()
    names = []
    for tag in IMG_TAG.findall(text or ""):
        src = attributes(tag).get("src", "")
        if src.startswith(prefix) and library_id(src) is None:
            names.append(unquote(urlsplit(src[len(prefix) :]).path))
    return list(dict.fromkeys(names))


def point_at(text, known):
    """`text` with each <img> of a stored file of `known` ({name: Image}) pointing at it."""
    if not known:
        return text
    prefix = media_prefix()

    def replace(match):
        found = attributes(match.group(0))
        src = found.get("src", "")
        image = (
            known.get(unquote(urlsplit(src[len(prefix) :]).path))
            if src.startswith(prefix)
            else None
        )
        if image is None:
            return match.group(0)
        alt = html.escape(found.get("alt") or image.alt, quote=True)
        return f'<img src="{html.escape(reference(image), quote=True)}" alt="{alt}">'

    return IMG_TAG.sub(replace, text)


LINKED_PICTURE = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"[^>]*>\s*(<img\b[^>]*>)\s*</a>', re.I)
# a picture's caption in a figure of a (sanitised) text: the library keeps it with the picture
CAPTIONED = re.compile(r"<figure>\s*(<img\b[^>]*>)\s*<figcaption>(.*?)</figcaption>", re.S)


class Settler:
    """Makes the pictures of one text the library's (a picture met twice is made once)."""

    def __init__(
        self,
        *,
        uploaded_by=None,
        fetch=None,
        lenient=False,
        outside=True,
        known=None,
        most=FETCHED_PER_SAVE,
    ):
        self.uploaded_by = uploaded_by
        self.fetch = fetch
        self.most = most  # outside addresses downloaded at most (None: no limit)
        self.lenient = lenient  # keep what cannot be had (and say why) rather than refuse
        self.outside = outside  # fetch addresses of other sites
        self.fetched = 0
        self.known = {}  # address -> Image, for the same picture twice in one text
        self.captions = {}  # address -> the caption of its figure
        self.problems = []
        self.stored = dict(known or {})  # stored file name -> its Image
        self.adopted = {}  # stored file name -> the Image it became here

    def settle(self, text):
        for tag, caption in CAPTIONED.findall(text):
            plain = html.unescape(re.sub(r"<[^>]+>", "", caption)).strip()
            self.captions.setdefault(attributes(tag).get("src", "").strip(), plain[:300])
        return LINKED_PICTURE.sub(self.unlink, IMG_TAG.sub(self.settle_tag, text))

    def unlink(self, match):
        """A picture linked to its own stored file (WordPress's "link to media file"): the
        link goes once the picture is the library's, whose worker replaces that file."""
        href = html.unescape(match.group(1))
        prefix = media_prefix()
        name = unquote(urlsplit(href[len(prefix) :]).path) if href.startswith(prefix) else None
        return match.group(2) if name in self.stored else match.group(0)

    def settle_tag(self, match):
        tag = match.group(0)
        found = attributes(tag)
        src, alt = found.get("src", "").strip(), found.get("alt", "").strip()
        if not src:
            return ""  # nothing to show (a data: address the sanitiser removed)
        if not self.outside and library_id(src) is None and not src.startswith(media_prefix()):
            return tag
        try:
            image = self.known.get(src) or self.image_for(src, alt)
        except PictureRefused as refusal:
            if not self.lenient:
                raise
            self.problems.append(str(refusal))
            return tag
        self.known[src] = image
        address = html.escape(reference(image), quote=True)
        return f'<img src="{address}" alt="{html.escape(alt or image.alt, quote=True)}">'

    def image_for(self, src, alt):
        """The library picture `src` names, or the one it becomes."""
        shown = src[:200]
        pk = library_id(src)
        if pk is not None:
            image = Image.objects.filter(pk=pk).first()
            if image is None:
                raise PictureRefused(GONE % {"address": shown})
            return image
        if src.startswith(media_prefix()):
            return self.adopt_stored(src, alt)
        if src.startswith(("http://", "https://")):
            return self.adopt_outside(src, alt)
        reason = _("only addresses of pictures on the web (http or https) can be copied")
        raise PictureRefused(CANNOT_HAVE % {"address": shown, "reason": reason})

    def adopt_stored(self, src, alt):
        """A file of our own media storage (an older import's copy) into the library."""
        from images import services

        name = unquote(urlsplit(src[len(media_prefix()) :]).path)
        if name in self.stored:
            return self.stored[name]
        if not name or ".." in name.split("/") or not default_storage.exists(name):
            reason = _("there is no such file")
            raise PictureRefused(CANNOT_HAVE % {"address": src[:200], "reason": reason})
        caption = self.captions.get(src, "")
        try:
            image = services.add_image(
                file=name, alt=alt or caption or posixpath.basename(name)[:300], caption=caption
            )
        except BROKEN:
            reason = _("the file is not a valid image, or it is damaged")
            raise PictureRefused(CANNOT_HAVE % {"address": src[:200], "reason": reason}) from None
        self.stored[name] = self.adopted[name] = image
        return image

    def adopt_outside(self, src, alt):
        """A picture of another site downloaded into the library (the import's rules)."""
        from images import services
        from imports.wordpress.fetch import MediaError, fetch

        self.fetched += 1
        if self.most is not None and self.fetched > self.most:
            raise PictureRefused(TOO_MANY % {"count": self.most})
        try:
            data = (self.fetch or fetch)(src, max_bytes=settings.ARTICLES_IMAGE_MAX_BYTES)
            upload = checked_upload(src, data)
        except (MediaError, ValidationError) as exc:
            reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else exc.for_editors
            raise PictureRefused(CANNOT_HAVE % {"address": src[:200], "reason": reason}) from None
        host = urlsplit(src).hostname or ""
        caption = self.captions.get(src, "")
        return services.add_image(
            file=upload,
            alt=alt or caption or str(_("Picture from %(host)s") % {"host": host})[:300],
            caption=caption,
            source=src[:300],
            uploaded_by=self.uploaded_by,
        )


def checked_upload(src, data):
    """Downloaded bytes as an upload named by the format they decode as (ValidationError
    when they are not a picture the library takes)."""
    upload = ContentFile(data, name="picture")
    validate_image(upload)
    with PILImage.open(io.BytesIO(data)) as probe:
        extension = EXTENSIONS[probe.format]
    stem = posixpath.splitext(posixpath.basename(urlsplit(src).path))[0]
    stem = re.sub(r"[^\w-]+", "-", stem).strip("-")[:60] or "picture"
    upload.name = stem + extension
    return upload


def for_readers(text):
    """A sanitised text with each library picture as a <picture> of its current renditions
    (lazy: the story's own picture is above them); a gallery's are sized as its columns."""
    ids = library_ids(text)
    if not ids:
        return text
    images = Image.objects.only("alt", "renditions", "width", "height").in_bulk(ids)

    def in_gallery(match):
        return _pictures(match.group(0), images, GALLERY_SIZES)

    parts, last = [], 0
    for match in GALLERY.finditer(text):
        parts.append(_pictures(text[last : match.start()], images, SIZES))
        parts.append(in_gallery(match))
        last = match.end()
    parts.append(_pictures(text[last:], images, SIZES))
    return "".join(parts)


def _pictures(fragment, images, sizes):
    def replace(match):
        found = attributes(match.group(0))
        image = images.get(library_id(found.get("src", "")))
        if image is None:
            return match.group(0)
        return picture_tag(image, alt=found.get("alt") or image.alt, sizes=sizes)

    return IMG_TAG.sub(replace, fragment)


def picture_tag(image, *, alt, sizes):
    """<picture> with AVIF and WebP sources and a JPEG <img> of the picture's story crop."""
    data = picture.picture_data(image.renditions, "story", fallback_url=reference(image))
    sources = "".join(
        f'<source type="{kind}" srcset="{srcset}" sizes="{sizes}">'
        for kind, srcset in data["sources"]
    )
    srcset = f' srcset="{data["srcset"]}" sizes="{sizes}"' if data["srcset"] else ""
    size = f' width="{data["width"]}" height="{data["height"]}"' if data["width"] else ""
    return (
        f'<picture>{sources}<img src="{html.escape(data["src"], quote=True)}"{srcset}'
        f' alt="{html.escape(alt, quote=True)}"{size} loading="lazy" decoding="async"></picture>'
    )
