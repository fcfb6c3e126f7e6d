"""Reading a picture's renditions: the entries of a crop, the nearest width, the stand-in.

`renditions` is what the library stores (images.renditions.make_all): per crop a list of
entries {"width", "height", fmt: name, "bytes"}, and "standin" per crop until they are made.
Copies made before the library ({"480": entry, …}) are read as the "story" crop.
"""

from django.core.files.storage import default_storage
from django.utils.html import escape

READER_FORMATS = ("avif", "webp", "jpg")
MIME = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg"}


def entries(renditions, spec="story"):
    """The entries of one crop, narrowest first ([] when none are made yet)."""
    renditions = renditions or {}
    if "standin" in renditions or spec in renditions:
        found = renditions.get(spec) or []
    else:  # copies made before the library: the whole picture, in WebP and JPEG
        found = [e for e in renditions.values() if isinstance(e, dict) and "width" in e]
    return sorted(found, key=lambda entry: entry["width"])


def nearest(renditions, spec, fmt, width):
    """The entry of `spec` in `fmt` whose width is nearest `width`, or None."""
    found = [entry for entry in entries(renditions, spec) if fmt in entry]
    return min(found, key=lambda entry: abs(entry["width"] - width), default=None)


def standin(renditions, spec="story"):
    """The small stand-in of a crop, shown until the renditions are made (or None)."""
    standins = (renditions or {}).get("standin") or {}
    return standins.get(spec) or standins.get("story")


def smallest(renditions, spec, fmt):
    """The narrowest entry of `spec` in `fmt`, else the crop's stand-in (or None)."""
    found = [entry for entry in entries(renditions, spec) if fmt in entry]
    return found[0] if found else standin(renditions, spec)


def preview_url(renditions, *, fallback=""):
    """A small JPEG of the story crop for editors: a 480 px rendition, else the stand-in."""
    entry = nearest(renditions, "story", "jpg", 480) or standin(renditions, "story")
    return default_storage.url(entry["jpg"]) if entry else fallback


def srcset(found, fmt):
    """A srcset attribute's value for the entries in one format."""
    items = [e for e in found if fmt in e]
    return ", ".join(f"{escape(default_storage.url(e[fmt]))} {e['width']}w" for e in items)


def picture_data(renditions, spec, *, fallback_url="", width=None, height=None):
    """What a <picture> of one crop needs: sources by type, the <img>'s src, width, height."""
    found = entries(renditions, spec)
    if found:
        largest = found[-1]
        sources = [(MIME[f], srcset(found, f)) for f in READER_FORMATS[:-1] if srcset(found, f)]
        src = nearest(renditions, spec, "jpg", 800) or largest
        return {
            "sources": sources,
            "src": default_storage.url(src["jpg"]) if "jpg" in src else fallback_url,
            "srcset": srcset(found, "jpg"),
            "width": largest["width"],
            "height": largest["height"],
        }
    small = standin(renditions, spec)
    if small:
        return {
            "sources": [],
            "src": default_storage.url(small["jpg"]),
            "srcset": "",
            "width": small["width"],
            "height": small["height"],
        }
    return {"sources": [], "src": fallback_url, "srcset": "", "width": width, "height": height}
