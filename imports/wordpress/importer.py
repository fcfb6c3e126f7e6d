"""The WordPress (WXR) import: posts, pages, media, ratings and old addresses.

`import_export(paths=…, media=…)` reads WordPress's own export (Tools → Export, WXR
1.0–1.2) twice, streamed: the first pass checks the XML and notes attachments, pages and
the taxonomy; the second (in a reading process of its own, `Reader`, which also converts
the bodies) feeds the import of posts in batches, whose images worker processes check
and store meanwhile (`CopyWorkers`). Posts become stories, pages flat pages,
WP-PostRatings tallies the stories' imported scores, and every old public address a
redirect. All in one transaction, keyed by WordPress post id (`WordPressItem`), so a
re-import changes nothing and a later export updates what changed.
"""

import errno
import functools
import hashlib
import html
import io
import ipaddress
import itertools
import json
import multiprocessing
import os
import pickle
import posixpath
import queue
import re
import signal
import socket
import sqlite3
import ssl
import stat
import tempfile
import threading
import time
import zoneinfo
from collections import Counter, defaultdict, deque
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from http.client import HTTPConnection, HTTPSConnection
from urllib.parse import unquote, urljoin, urlsplit
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.flatpages.models import FlatPage
from django.contrib.redirects.models import Redirect
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.html import strip_tags
from PIL import Image, UnidentifiedImageError
from taggit.models import Tag, TaggedItem

from articles import services, text
from articles.delivery.content_version import content_changed
from articles.images import make_renditions, validate_image
from articles.models import Article, Author, Section, SlugRedirect, WordPressImage, WordPressItem
from articles.redirects import id_path
from articles.slugs import slugify_uk, unique_slug
from imports.jsonl import DEFAULT_SECTION
from ratings import services as ratings
from ratings.models import Score

BATCH = 500
POOL_FROM = 50  # lead images; fewer are given their renditions in this process
CHUNK = 1 << 16
ID_MAX = 2**63 - 1  # WordPress ids are 64-bit (and so are SQLite's integers)
ATTACHMENTS_AT_HAND = 4096  # attachments looked up lately (a batch's, the one before's)
RECENT = 20_000  # images copied (or found missing) lately, kept at hand; older ones in the DB
COPY_WORKERS = 2  # processes reading, checking and storing images
COPY_TASK = 250  # images a worker is handed at a time
UNTITLED = "Без заголовка"
# votes an imported tally may have: the score's count column holds 2**31 - 1, and new
# votes must still fit beside the old site's
TALLY_MAX = 10**9
# the publish times a story can have (the article_publish_time_in_range constraint)
PUBLISH_MIN = datetime(1800, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC"))
PUBLISH_MAX = datetime(3000, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC"))
REDIRECT_MAX = Redirect._meta.get_field("old_path").max_length
PAGE_URL_MAX = FlatPage._meta.get_field("url").max_length
TITLE_MAX = Article._meta.get_field("title").max_length
NAME_MAX = 100  # sections and tags
FETCH_TIMEOUT = 10  # seconds, to connect and between bytes
FETCH_DEADLINE = 30  # seconds for one image in all, however slowly its bytes come
MAX_TEXT = 1_000_000  # characters of one field of one post (import_articles' body limit)
FETCH_REDIRECTS = 3
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")

DTD_REFUSED = (
    "the file declares a DTD (<!DOCTYPE …>); a WordPress export has none, and the entity "
    "declarations one can carry read files or exhaust memory (XXE, entity expansion): refused"
)
ENTITY_REFUSED = "the file declares or references an XML entity (XXE, entity expansion): refused"
NOT_WXR = "not a WordPress export (no WXR namespace such as http://wordpress.org/export/1.2/)"


class ExportError(Exception):
    """The export cannot be read: 'line N: message'."""


# ---------------------------------------------------------------------------------------
# Reading the export


@dataclass
class Item:
    """One <item> of the export: a post, page, attachment, menu item…"""

    line: int
    post_id: int = 0
    post_type: str = ""
    status: str = ""
    title: str = ""
    link: str = ""
    name: str = ""
    content: str = ""
    excerpt: str = ""
    creator: str = ""
    date: str = ""
    date_gmt: str = ""
    modified_gmt: str = ""
    password: str = ""
    parent: int = 0
    attachment_url: str = ""
    terms: list = field(default_factory=list)  # (domain, nicename, name)
    meta: dict = field(default_factory=lambda: defaultdict(list))
    too_long: bool = False  # some text of it passed MAX_TEXT: not kept, not imported
    # made by the reading process (Reader) beside the import: its digest, its converted body
    digest: str = ""
    converted: object = None


@functools.lru_cache(maxsize=64)
def _prefix(uri):
    if not uri:
        return ""
    if re.fullmatch(r"https?://wordpress\.org/export/\d+\.\d+/", uri):
        return "wp"
    if re.fullmatch(r"https?://wordpress\.org/export/\d+\.\d+/excerpt/", uri):
        return "excerpt"
    return {
        "http://purl.org/rss/1.0/modules/content/": "content",
        "http://purl.org/dc/elements/1.1/": "dc",
    }.get(uri, "?")


_ITEM_TEXT = {
    "title": "title",
    "link": "link",
    "dc:creator": "creator",
    "content:encoded": "content",
    "excerpt:encoded": "excerpt",
    "wp:post_name": "name",
    "wp:post_type": "post_type",
    "wp:status": "status",
    "wp:post_date": "date",
    "wp:post_date_gmt": "date_gmt",
    "wp:post_modified_gmt": "modified_gmt",
    "wp:post_password": "password",
    "wp:attachment_url": "attachment_url",
}
_ITEM_INT = {"wp:post_id": "post_id", "wp:post_parent": "parent"}


class _Handler(ContentHandler):
    """SAX events to Items (handed out as they complete) and the channel's taxonomy."""

    def __init__(self):
        super().__init__()
        self.stack, self.text, self.done = [], [], []
        self.text_size = 0
        self.item = self.term = self.meta = self.entry = None
        self.is_wxr = False
        self.locator = None
        self.site = ""
        self.authors, self.categories, self.tags = {}, {}, {}

    def start(self, name, attrs):
        """expat's start of an element: `name` is "uri local prefix" (or "local")."""
        tag, wp = _tag(name)
        if wp:
            self.is_wxr = True
        self.stack.append(tag)
        self.text, self.text_size = [], 0
        depth = len(self.stack)
        if depth == 3 and tag == "item":
            self.item = Item(line=self.locator.getLineNumber())
        elif self.item is not None and depth == 4:
            if tag == "category":
                self.term = (attrs.get("domain", ""), attrs.get("nicename", ""))
            elif tag == "wp:postmeta":
                self.meta = {}
        elif depth == 3 and tag in ("wp:author", "wp:category", "wp:tag"):
            self.entry = {}

    def characters(self, content):
        # One element's text is kept up to MAX_TEXT: a post of gigabytes must not be read
        # into memory (it is reported and skipped instead).
        self.text_size += len(content)
        if self.text_size <= MAX_TEXT:
            self.text.append(content)
        elif self.item is not None:
            self.item.too_long = True

    def end(self, name):
        tag = self.stack.pop()
        depth = len(self.stack) + 1
        value = "".join(self.text)
        self.text, self.text_size = [], 0
        item = self.item
        if item is not None:
            if depth == 3:
                self.done.append(item)
                self.item = None
            elif depth == 4:
                if tag in _ITEM_TEXT:
                    setattr(item, _ITEM_TEXT[tag], value)
                elif tag in _ITEM_INT:
                    setattr(item, _ITEM_INT[tag], _int(value))
                elif tag == "category":
                    item.terms.append((*self.term, value.strip()))
                elif tag == "wp:postmeta" and self.meta.get("wp:meta_key"):
                    item.meta[self.meta["wp:meta_key"]].append(self.meta.get("wp:meta_value", ""))
            elif depth == 5 and self.stack[-1] == "wp:postmeta":
                self.meta[tag] = value
        elif depth == 4 and self.entry is not None:
            self.entry[tag] = value.strip()
        elif depth == 3:
            entry, self.entry = self.entry, None
            if tag == "wp:author" and entry.get("wp:author_login"):
                login = entry["wp:author_login"]
                self.authors[login] = entry.get("wp:author_display_name") or login
            elif tag == "wp:category" and entry.get("wp:category_nicename"):
                self.categories[entry["wp:category_nicename"]] = (
                    entry.get("wp:cat_name", ""),
                    entry.get("wp:category_parent", ""),
                )
            elif tag == "wp:tag" and entry.get("wp:tag_slug"):
                self.tags[entry["wp:tag_slug"]] = entry.get("wp:tag_name", "")
            elif tag == "link":
                self.site = value.strip()


@functools.lru_cache(maxsize=256)
def _tag(name):
    """("wp:post_id", True) for expat's "http://wordpress.org/export/1.2/ post_id wp"."""
    parts = name.split(" ")
    if len(parts) == 1:
        return name, False
    uri, local = parts[0], parts[1]
    prefix = _prefix(uri)
    return (f"{prefix}:{local}" if prefix else local), prefix == "wp"


class _Parser(DefusedExpatParser):
    """defusedxml's parser (no DTD, no entities), handing elements straight to _Handler."""

    def reset(self):
        super().reset()
        self._parser.StartElementHandler = self._cont_handler.start
        self._parser.EndElementHandler = self._cont_handler.end


def read_export(path, handler=None):
    """Yield the export's Items as the parser reaches them, in bounded memory.

    No DTD, no entity declarations, no external references: an XXE or an entity bomb
    stops the read with ExportError, as does malformed XML ('line N: message').
    """
    handler = handler or _Handler()
    parser = _Parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    handler.locator = parser  # feed() never hands the handler a locator; the parser is one
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                parser.feed(chunk)
                yield from handler.done
                handler.done.clear()
            parser.close()
            yield from handler.done
    except SAXParseException as exc:
        raise ExportError(f"line {exc.getLineNumber()}: {exc.getMessage()}") from None
    except DefusedXmlException as exc:
        reason = DTD_REFUSED if "DTD" in type(exc).__name__ else ENTITY_REFUSED
        raise ExportError(f"line {parser.getLineNumber()}: {reason}") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not handler.is_wxr:
        raise ExportError(f"line 1: {NOT_WXR}")


@dataclass
class Attachment:
    url: str
    file: str
    alt: str
    caption: str
    title: str
    parent: int


def _scratch_db(name, schema):
    """(temporary folder, connection) of a SQLite file the run keeps to itself: no journal,
    no syncing (it goes with the run)."""
    folder = tempfile.TemporaryDirectory(prefix="wordpress-import-")
    db = sqlite3.connect(os.path.join(folder.name, name))
    db.executescript(f"PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; {schema}")
    return folder, db


class Attachments:
    """The export's attachments by id, kept in a temporary SQLite file: an archive has
    hundreds of thousands, and memory must not grow with the export."""

    def __init__(self):
        self._folder, self._db = _scratch_db(
            "attachments.sqlite3",
            "PRAGMA cache_size = -4000;"
            "CREATE TABLE attachment (id INTEGER PRIMARY KEY, url, file, alt, caption, title,"
            " parent INTEGER); CREATE INDEX attachment_parent ON attachment (parent);",
        )
        self._pending = {}
        self._recent = {}  # id -> Attachment or None, those looked up lately (bounded)

    def reopen(self):
        """A connection of its own to the same file, in a forked process."""
        self._db = sqlite3.connect(os.path.join(self._folder.name, "attachments.sqlite3"))

    def flush(self):
        """Everything written and committed, for a connection of another process to read."""
        if self._pending:
            self._write()
        self._db.commit()

    def __setitem__(self, pk, attachment):
        if not 0 <= pk <= ID_MAX:
            return  # no post can name it: WordPress ids are 64-bit
        self._pending[pk] = attachment
        self._recent.pop(pk, None)
        if len(self._pending) >= 1000:
            self._write()

    def _write(self):
        self._db.executemany(
            "INSERT OR REPLACE INTO attachment VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (pk, a.url, a.file, a.alt, a.caption, a.title, min(a.parent, ID_MAX))
                for pk, a in self._pending.items()
            ],
        )
        self._pending.clear()

    def get(self, pk, default=None):
        if not isinstance(pk, int) or not 0 <= pk <= ID_MAX:
            return default
        if pk not in self._recent:
            self.load([pk])
        found = self._recent[pk]
        return default if found is None else found

    def load(self, pks):
        """Read these attachments (those not at hand) in a few queries, for get() to find."""
        if self._pending:
            self._write()
        wanted = list(
            dict.fromkeys(
                pk
                for pk in pks
                if isinstance(pk, int) and 0 <= pk <= ID_MAX and pk not in self._recent
            )
        )
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found = dict.fromkeys(chunk)
            marks = ", ".join("?" * len(chunk))
            for pk, *row in self._db.execute(
                "SELECT id, url, file, alt, caption, title, parent FROM attachment "
                f"WHERE id IN ({marks})",
                chunk,
            ):
                found[pk] = Attachment(*row)
            for pk, attachment in found.items():
                self._recent[pk] = attachment
        if len(self._recent) > ATTACHMENTS_AT_HAND:
            for old in list(itertools.islice(self._recent, ATTACHMENTS_AT_HAND // 2)):
                del self._recent[old]

    def __getitem__(self, pk):
        found = self.get(pk)
        if found is None:
            raise KeyError(pk)
        return found

    def __contains__(self, pk):
        return self.get(pk) is not None

    def __len__(self):
        if self._pending:
            self._write()
        return self._db.execute("SELECT count(*) FROM attachment").fetchone()[0]

    def children(self, parent):
        """Attachment ids whose parent is `parent`, in order."""
        if not 0 <= parent <= ID_MAX:
            return []
        if self._pending:
            self._write()
        rows = self._db.execute("SELECT id FROM attachment WHERE parent = ? ORDER BY id", (parent,))
        return [pk for (pk,) in rows]

    def close(self):
        self._db.close()
        self._folder.cleanup()


class SeenIds:
    """The WordPress ids a run has taken, in a temporary SQLite file (memory must not grow
    with the export): a post listed twice, in one file or in two, is imported once."""

    def __init__(self):
        self._folder, self._db = _scratch_db(
            "seen.sqlite3", "CREATE TABLE seen (id INTEGER PRIMARY KEY);"
        )

    def taken_before(self, ids):
        """Those of `ids` an earlier call was given; all of them count as taken from now on."""
        ids = list(dict.fromkeys(pk for pk in ids if 0 < pk <= ID_MAX))
        found = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT id FROM seen WHERE id IN ({marks})", chunk)
            found.update(pk for (pk,) in rows)
        self._db.executemany("INSERT OR IGNORE INTO seen VALUES (?)", [(pk,) for pk in ids])
        return found

    def close(self):
        self._db.close()
        self._folder.cleanup()


@dataclass
class Scan:
    """What the first pass learns: attachments, pages, the taxonomy, how many items."""

    attachments: Attachments = field(default_factory=Attachments)
    pages: dict = field(default_factory=dict)  # id -> (post_name, parent)
    authors: dict = field(default_factory=dict)  # login -> display name
    categories: dict = field(default_factory=dict)  # nicename -> (name, parent nicename)
    tags: dict = field(default_factory=dict)  # slug -> name
    site: str = ""
    items: int = 0

    def children(self, parent):
        """Attachment ids whose parent is `parent` (a gallery without ids shows them)."""
        return self.attachments.children(parent)


def scan(paths):
    """First pass: check every file parses, and collect what the posts refer to."""
    result = Scan()
    try:
        _scan_into(result, paths)
    except BaseException:
        result.attachments.close()
        raise
    return result


def _scan_into(result, paths):
    for path in paths:
        handler = _Handler()
        try:
            for item in read_export(path, handler):
                result.items += 1
                if item.post_type == "attachment":
                    result.attachments[item.post_id] = Attachment(
                        url=item.attachment_url.strip(),
                        file=_first(item.meta, "_wp_attached_file"),
                        alt=_first(item.meta, "_wp_attachment_image_alt"),
                        caption=item.excerpt.strip(),
                        title=item.title.strip(),
                        parent=item.parent,
                    )
                elif item.post_type == "page":
                    result.pages[item.post_id] = (unquote(item.name), item.parent)
        except ExportError as exc:
            raise ExportError(f"{path}: {exc}" if len(paths) > 1 else str(exc)) from None
        result.authors.update(handler.authors)
        result.categories.update(handler.categories)
        result.tags.update(handler.tags)
        result.site = result.site or handler.site


def _first(meta, key):
    values = meta.get(key) or [""]
    return values[0].strip()


# ---------------------------------------------------------------------------------------
# Content: WordPress's paragraph rules, shortcodes, blocks


_ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|"
    r"form|map|area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section|article|"
    r"aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)

# wpautop's patterns that name every block element, compiled once
_BLOCK_OPEN = re.compile(r"(<" + _ALLBLOCKS + r"[\s/>])")
_BLOCK_CLOSE = re.compile(r"(</" + _ALLBLOCKS + r">)")
_P_AROUND_BLOCK = re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^<>]*>)\s*</p>")
_P_BEFORE_BLOCK = re.compile(r"<p>\s*(</?" + _ALLBLOCKS + r"[^<>]*>)")
_P_AFTER_BLOCK = re.compile(r"(</?" + _ALLBLOCKS + r"[^<>]*>)\s*</p>")
_BR_AFTER_BLOCK = re.compile(r"(</?" + _ALLBLOCKS + r"[^<>]*>)\s*<br />")


# the rest of wpautop's patterns, compiled once
_DOUBLE_BR = re.compile(r"<br\s*/?>\s*<br\s*/?>")
_HR = re.compile(r"(<hr\s*?/?>)")
_SPACE_OPTION = re.compile(r"(?<!\s)\s*<option")
_OPTION_SPACE = re.compile(r"</option>\s*")
_OBJECT_OPEN = re.compile(r"(<object[^<>]*>)\s*")
_OBJECT_CLOSE = re.compile(r"(?<!\s)\s*</object>")
_PARAM_EMBED = re.compile(r"(?<!\s)\s*(</?(?:param|embed)[^<>]*>)\s*")
_MEDIA_OPEN = re.compile(r"([<\[](?:audio|video)[^<>\[\]]*[>\]])\s*")
_MEDIA_CLOSE = re.compile(r"(?<!\s)\s*([<\[]/(?:audio|video)[>\]])")
_SOURCE_TRACK = re.compile(r"(?<!\s)\s*(<(?:source|track)[^<>]*>)\s*")
_FIGCAPTION_OPEN = re.compile(r"(?<!\s)\s*(<figcaption[^<>]*>)")
_FIGCAPTION_CLOSE = re.compile(r"</figcaption>\s*")
_NEWLINES = re.compile(r"\n\n+")
_EMPTY_P = re.compile(r"<p>\s*</p>")
_P_UNCLOSED = re.compile(r"<p>([^<]+)</(div|address|form)>")
_P_BLOCKQUOTE = re.compile(r"<p><blockquote([^<>]*)>", re.I)
_NEWLINE_NO_BR = re.compile(r"(?<!<br />)(?<!\s)\s*\n")
_BR_BEFORE_BLOCK = re.compile(r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^<>]*>)")
_LAST_NEWLINE_P = re.compile(r"\n</p>$")
_TAG = re.compile(r"<[^<>]*>")
_COMMENT_OPEN, _COMMENT_CLOSE = re.compile("<!--"), re.compile("-->")
_P_LI_OPEN, _P_LI_CLOSE = re.compile("<p>(?=<li)"), re.compile("</p>|\n")
_RAW_TEXT = {
    name: (re.compile(f"<{name}"), re.compile(f"</{name}>"))
    for name in ("script", "style", "svg", "math")
}


def _sub_spans(value, opening, closing, replace, *, optional=False):
    """re.sub of `opening.*?closing` (across lines) in linear time, however many openings
    have no closing after them: replace(opening match, text between, closing match) gives
    a span's new text, or None to leave that opening alone. With `optional`, an opening
    with no closing after it is replaced alone (text between and closing match None)."""
    out, pos, close, searched = [], 0, None, False
    for m in opening.finditer(value):
        if m.start() < pos:
            continue  # inside a span already replaced
        if not searched or (close is not None and close.start() < m.end()):
            # the first closing after this opening (the one found before is still it
            # while it lies ahead: each stretch of text is searched once)
            close, searched = closing.search(value, m.end()), True
        if close is None and not optional:
            break
        inner = value[m.end() : close.start()] if close is not None else None
        new = replace(m, inner, close)
        if new is None:
            continue
        out.append(value[pos : m.start()])
        out.append(new)
        pos = close.end() if close is not None else m.end()
    out.append(value[pos:])
    return "".join(out)


def wpautop(value, br=True):
    """WordPress's wpautop(): blank lines make paragraphs, single newlines line breaks."""
    if not value.strip():
        return ""
    value += "\n"
    pre_tags = {}
    if "<pre" in value:
        parts = value.split("</pre>")
        last = parts.pop()
        value = ""
        for i, part in enumerate(parts):
            start = part.find("<pre")
            if start == -1:
                value += part
                continue
            name = f"<pre wp-pre-tag-{i}></pre>"
            pre_tags[name] = part[start:] + "</pre>"
            value += part[:start] + name
        value += last
    value = _DOUBLE_BR.sub("\n\n", value)
    value = _BLOCK_OPEN.sub(r"\n\n\1", value)
    value = _BLOCK_CLOSE.sub(r"\1\n\n", value)
    value = _HR.sub(r"\1\n\n", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _sub_spans(
        value,
        _COMMENT_OPEN,
        _COMMENT_CLOSE,
        lambda _m, inner, _c: "<!--" + inner.replace("\n", " <!-- wpnl --> ") + "-->",
    )
    value = _TAG.sub(lambda m: m.group(0).replace("\n", " <!-- wpnl --> "), value)
    if "<option" in value:
        value = _SPACE_OPTION.sub("<option", value)
        value = _OPTION_SPACE.sub("</option>", value)
    if "</object>" in value:
        value = _OBJECT_OPEN.sub(r"\1", value)
        value = _OBJECT_CLOSE.sub("</object>", value)
        value = _PARAM_EMBED.sub(r"\1", value)
    if "<source" in value or "<track" in value:
        value = _MEDIA_OPEN.sub(r"\1", value)
        value = _MEDIA_CLOSE.sub(r"\1", value)
        value = _SOURCE_TRACK.sub(r"\1", value)
    if "<figcaption" in value:
        value = _FIGCAPTION_OPEN.sub(r"\1", value)
        value = _FIGCAPTION_CLOSE.sub("</figcaption>", value)
    value = _NEWLINES.sub("\n\n", value)
    paragraphs = [p for p in _BLANK_LINES.split(value) if p]
    value = "".join(f"<p>{p.strip(chr(10))}</p>\n" for p in paragraphs)
    value = _EMPTY_P.sub("", value)
    value = _P_UNCLOSED.sub(r"<p>\1</p></\2>", value)
    value = _P_AROUND_BLOCK.sub(r"\1", value)
    value = _sub_spans(
        value, _P_LI_OPEN, _P_LI_CLOSE, lambda _m, inner, c: inner if c.group() == "</p>" else None
    )
    value = _P_BLOCKQUOTE.sub(r"<blockquote\1><p>", value)
    value = value.replace("</blockquote></p>", "</p></blockquote>")
    value = _P_BEFORE_BLOCK.sub(r"\1", value)
    value = _P_AFTER_BLOCK.sub(r"\1", value)
    if br:
        for opening, closing in _RAW_TEXT.values():
            value = _sub_spans(
                value,
                opening,
                closing,
                lambda m, inner, c: (
                    m.group() + inner.replace("\n", "<WPPreserveNewline />") + c.group()
                ),
            )
        value = value.replace("<br>", "<br />").replace("<br/>", "<br />")
        value = _NEWLINE_NO_BR.sub("<br />\n", value)
        value = value.replace("<WPPreserveNewline />", "\n")
    value = _BR_AFTER_BLOCK.sub(r"\1", value)
    value = _BR_BEFORE_BLOCK.sub(r"\1", value)
    value = _LAST_NEWLINE_P.sub("</p>", value)
    for name, original in pre_tags.items():
        value = value.replace(name, original)
    return value.replace(" <!-- wpnl --> ", "\n").replace("<!-- wpnl -->", "\n")


# the opening of a comment that is a block's delimiter, or a <!--more--> (each runs to
# the first "-->" after it)
_BLOCK_COMMENT = re.compile(r"<!--\s*(/)?wp:([a-z][a-z0-9_/-]*)", re.I)
_MORE = re.compile(r"<!--\s*(?:more|nextpage|noteaser)\b", re.I)
# one shortcode tag: "[name attrs]", "[name attrs /]", "[/name]", "[[name]]" (escaped); its
# attributes end at the next bracket, so each stretch of text is read once
_SHORTCODE_TAG = re.compile(r"\[(\[?)(/?)([a-z][a-z0-9_-]*)(?![\w-])([^\[\]]*)\](\]?)", re.I)
_ATTR = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"|([\w-]+)\s*=\s*'([^']*)'|([\w-]+)\s*=\s*([^\s'"]+)"""
    r"""|"([^"]*)"|'([^']*)'|(\S+)"""
)
# an address, its host a name or a bracketed IPv6 literal ("http://[2001:db8::1]/x.jpg")
_URL = re.compile(r"https?://(?:\[[0-9A-Fa-f:.]+\])?[^\s<>\"'\]\[]+")
_BARE_URL_LINE = re.compile(r"^([ \t]*)(https?://[^\s<>\"]+)([ \t]*)$", re.M)
# <video>, <audio> and <iframe>: the opening tag, and the closing one after it
_EMBEDDED = {
    name: (re.compile(rf"<{name}\b([^<>]*)>", re.I), re.compile(rf"</{name}\s*>", re.I))
    for name in ("iframe", "video", "audio")
}
_SRC = re.compile(r"""\bsrc\s*=\s*(["'])(.*?)\1""", re.S | re.I)
_HREF = re.compile(r"""(<a\b[^<>]*?\bhref\s*=\s*)(["'])([^<>]*?)\2""", re.I)
_IMG = re.compile(r"<img\b[^<>]*>", re.I)
_ALT = re.compile(r"""\balt\s*=\s*(["'])(.*?)\1""", re.S | re.I)
_CAPTION_IMAGE = re.compile(r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.S | re.I)
EMBEDS = {"embed", "video", "audio", "youtube", "vimeo", "playlist", "soundcloud"}
MEDIA_ATTRS = ("src", "url", "mp4", "m4v", "webm", "ogv", "wmv", "flv", "mp3", "ogg", "wav")


def _attrs(raw):
    """WordPress's shortcode_parse_atts(): named values and positional ones."""
    named, positional = {}, []
    for m in _ATTR.finditer(raw or ""):
        if m.group(1):
            named[m.group(1).lower()] = m.group(2)
        elif m.group(3):
            named[m.group(3).lower()] = m.group(4)
        elif m.group(5):
            named[m.group(5).lower()] = m.group(6)
        else:
            positional.append(m.group(7) or m.group(8) or m.group(9) or "")
    return named, positional


def _link(url):
    url = html.unescape(url.strip())
    escaped = html.escape(url, quote=True)
    return f'\n\n<p><a href="{escaped}">{escaped}</a></p>\n\n'


def _image_html(attachment):
    alt = html.escape(attachment.alt or attachment.title, quote=True)
    src = html.escape(attachment.url, quote=True)
    caption = (
        f"<figcaption>{html.escape(attachment.caption)}</figcaption>" if attachment.caption else ""
    )
    return f'<figure><img src="{src}" alt="{alt}">{caption}</figure>'


@dataclass
class Converted:
    html: str
    images: list  # the image addresses the body refers to, in order
    unknown_shortcodes: list
    dropped_blocks: list
    missing_gallery: list


def convert_body(raw, *, post_id=0, attachments=None, children=None):
    """An export's post_content as HTML: its images not yet resolved, not yet sanitised.

    Every step reads the text in linear time and none recurses, so a hostile body (deeply
    nested shortcodes, a megabyte of "[a ") is converted in well under a second.
    """
    converted = Converted("", [], [], [], [])
    has_blocks = "<!-- wp:" in raw

    def block(m, _inner, _close):
        closing, name = m.group(1), m.group(2).lower()
        if not closing and _inner.rstrip().endswith("/") and name not in ("more", "nextpage"):
            converted.dropped_blocks.append(name.removeprefix("core/"))  # the old site's code
        return "\n\n"

    value = _sub_spans(raw, _BLOCK_COMMENT, _COMMENT_CLOSE, block)
    value = _sub_spans(value, _MORE, _COMMENT_CLOSE, lambda _m, _inner, _close: "")
    for name, (opening, closing) in _EMBEDDED.items():
        value = _sub_spans(
            value,
            opening,
            closing,
            lambda m, inner, _close: _media_link(m.group(1) + (inner or "")),
            optional=name == "iframe",
        )
    shortcodes = Shortcodes(post_id, attachments or {}, children, converted)
    value = expand_shortcodes(value, shortcodes.render)
    value = _BARE_URL_LINE.sub(lambda m: m.group(1) + _link(m.group(2)).strip() + m.group(3), value)
    if not has_blocks:
        value = wpautop(value)
    converted.html = value
    converted.images = [
        html.unescape(m.group(2)) for img in _IMG.findall(value) for m in [_SRC.search(img)] if m
    ]
    return converted


class _Open:
    """A shortcode opened and not yet closed, with what came after it so far."""

    __slots__ = ("name", "attrs", "escape", "pieces")

    def __init__(self, name, attrs, escape, pieces):
        self.name, self.attrs, self.escape = name, attrs, escape  # "[" of "[[name]"
        self.pieces = pieces


def expand_shortcodes(value, render):
    """Replace WordPress shortcodes in one pass over their tags, with a stack, not recursion.

    render(name, attrs, content) gives the pieces a shortcode becomes: `content` is the
    pieces of its (already expanded) content, or None when it has no closing tag; a stray
    closing tag is rendered with name "/name". A piece is a text or a list of pieces, so
    content moves into its parent without being copied; the text is joined once, at the
    end. "[[name]]" is the literal text "[name]".
    """
    root = _Open("", "", "", [])
    stack, open_names, pos = [root], Counter(), 0
    for m in _SHORTCODE_TAG.finditer(value):
        stack[-1].pieces.append(value[pos : m.start()])
        pos = m.end()
        escape_open, slash, name, attrs, escape_close = m.groups()
        name = name.lower()
        if escape_open and escape_close:
            stack[-1].pieces.append(m.group()[1:-1])
        elif slash:
            stack[-1].pieces.append(escape_open)
            _close(stack, open_names, name, render)
            stack[-1].pieces.append(escape_close)
        elif attrs.rstrip().endswith("/"):
            stack[-1].pieces += [escape_open, *render(name, attrs.rstrip()[:-1], None)]
            stack[-1].pieces.append(escape_close)
        else:
            stack.append(_Open(name, attrs, escape_open, [escape_close] if escape_close else []))
            open_names[name] += 1
    stack[-1].pieces.append(value[pos:])
    while len(stack) > 1:
        _unclosed(stack, open_names, render)
    return _joined(root.pieces)


def _close(stack, open_names, name, render):
    """A closing tag: the shortcode it closes is rendered with its content; those opened
    inside it and never closed are rendered without content."""
    if not open_names[name]:
        stack[-1].pieces.extend(render("/" + name, "", None))
        return
    while stack[-1].name != name:
        _unclosed(stack, open_names, render)
    done = stack.pop()
    open_names[name] -= 1
    stack[-1].pieces += [done.escape, *render(done.name, done.attrs, done.pieces)]


def _unclosed(stack, open_names, render):
    done = stack.pop()
    open_names[done.name] -= 1
    stack[-1].pieces += [done.escape, *render(done.name, done.attrs, None), done.pieces]


def _joined(pieces, limit=None):
    """The text of nested pieces, walked without recursion; at most `limit` characters."""
    out, size, todo = [], 0, [iter(pieces)]
    while todo:
        for piece in todo[-1]:
            if isinstance(piece, list):
                todo.append(iter(piece))
                break
            out.append(piece)
            size += len(piece)
            if limit is not None and size >= limit:
                return "".join(out)[:limit]
        else:
            todo.pop()
    return "".join(out)


def _is_blank(pieces):
    return all(isinstance(piece, str) and not piece.strip() for piece in pieces)


class Shortcodes:
    """What the shortcodes of one post become: figures, galleries, links to videos."""

    def __init__(self, post_id, attachments, children, converted):
        self.post_id = post_id
        self.attachments = attachments
        self.children = children
        self.converted = converted

    def render(self, name, raw_attrs, content):
        """The pieces shortcode `name` becomes (see expand_shortcodes)."""
        if name.startswith("/"):  # a closing tag with nothing open to close
            self.converted.unknown_shortcodes.append(name[1:])
            return []
        if name in ("caption", "wp_caption"):
            return self.caption(_attrs(raw_attrs)[0], content or [])
        if name == "gallery":
            return [self.gallery(_attrs(raw_attrs)[0])]
        if name in EMBEDS:
            named, positional = _attrs(raw_attrs)
            text = _joined(content or [], limit=4096)
            return [self.embed(name, named, positional, raw_attrs, text)]
        self.converted.unknown_shortcodes.append(name)
        return [] if content is None else [content]

    def caption(self, named, content):
        """A figure: the image the caption's text starts with, the rest its caption."""
        image, rest = "", content
        first = content[0] if content and isinstance(content[0], str) else None
        if first is not None and (found := _CAPTION_IMAGE.match(first)):
            image, rest = found.group(1), [found.group(2), *content[1:]]
        if rest and isinstance(rest[0], str):
            rest = [rest[0].lstrip(), *rest[1:]]
        if rest and isinstance(rest[-1], str):
            rest = [*rest[:-1], rest[-1].rstrip()]
        if _is_blank(rest):
            rest = [named["caption"]] if named.get("caption", "").strip() else []
        caption = ["<figcaption>", rest, "</figcaption>"] if rest else []
        return ["\n\n<figure>", image, *caption, "</figure>\n\n"]

    def gallery(self, named):
        raw_ids = named.get("ids") or named.get("include") or ""
        ids = [int(i) for i in re.findall(r"\d+", raw_ids)]
        if not ids and self.children is not None:
            parent = int(named["id"]) if named.get("id", "").isdigit() else self.post_id
            ids = self.children(parent)
        figures = []
        for pk in ids:
            if pk in self.attachments:
                figures.append(_image_html(self.attachments[pk]))
            else:
                self.converted.missing_gallery.append(pk)
        return "\n\n" + "\n".join(figures) + "\n\n"

    def embed(self, name, named, positional, raw_attrs, content):
        candidates = [content.strip()] + [named.get(a, "") for a in MEDIA_ATTRS]
        candidates += positional + [raw_attrs.lstrip("= ")]
        for candidate in candidates:
            url = _URL.search(candidate or "")
            if url:
                return _link(url.group(0))
        self.converted.unknown_shortcodes.append(name)
        return ""


def _media_link(attrs_and_inner):
    found = _SRC.search(attrs_and_inner)
    return _link(found.group(2)) if found else "\n\n"


def rewrite_images(value, resolve_image):
    """Point <img src> (and links to full-size images) at our copies; drop images we lack.

    `resolve_image(url)` returns our address for the image, "" when it is one of the
    old site's images that could not be had, or None when it is not the old site's.
    """

    def image(m):
        tag = m.group(0)
        src = _SRC.search(tag)
        if not src:
            return ""
        new = resolve_image(html.unescape(src.group(2)))
        if new is None:
            return tag
        if not new:
            alt = _ALT.search(tag)
            return html.escape(html.unescape(alt.group(2))) if alt else ""
        return tag[: src.start(2)] + html.escape(new, quote=True) + tag[src.end(2) :]

    def link(m):
        href = html.unescape(m.group(3))
        if not urlsplit(href).path.lower().endswith(IMAGE_SUFFIXES):
            return m.group(0)
        new = resolve_image(href)
        if not new:
            return m.group(0)
        return m.group(1) + m.group(2) + html.escape(new, quote=True) + m.group(2)

    return _HREF.sub(link, _IMG.sub(image, value))


def plain(value):
    """A headline or name: markup dropped, entities decoded, every other character kept."""
    value = value or ""
    return _plain_short(value) if len(value) <= 500 else _plain(value)


@functools.lru_cache(maxsize=4096)  # a story's headline is asked for thrice, a tag's often
def _plain_short(value):
    return _plain(value)


def _plain(value):
    value = text.strip_control(value)
    if "<" in value:
        value = strip_tags(value)
    return _SPACES.sub(" ", html.unescape(value)).strip()


_SPACES = re.compile(r"\s+")


# ---------------------------------------------------------------------------------------
# Media: a copy of the uploads folder, or downloads with SSRF protection


class MediaError(Exception):
    """Why an image could not be had."""


@functools.lru_cache(maxsize=8192)  # a batch asks for each image's address several times
def uploads_path(url):
    """The path inside wp-content/uploads an image address names, or None if it names none."""
    parts = urlsplit(url.strip())
    path = unquote(parts.path)
    if "/wp-content/uploads/" in path:
        rel = path.split("/wp-content/uploads/", 1)[1]
    elif (parts.hostname or "").endswith(".files.wordpress.com"):
        rel = path.lstrip("/")
    else:
        return None
    rel = posixpath.normpath(rel)
    if rel.startswith(("..", "/")) or rel in (".", ""):
        return None
    return rel


_SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")


def original_of(rel):
    """'2013/03/x-300x200.jpg' → '2013/03/x.jpg' (WordPress's size variants); None if none."""
    original = _SIZE_SUFFIX.sub("", rel)
    return original if original != rel else None


def _original_url(url):
    parts = urlsplit(url)
    return parts._replace(path=_SIZE_SUFFIX.sub("", parts.path)).geturl()


def _address_allowed(host, allow_private):
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise MediaError(f"cannot resolve {host}: {exc}") from None
    addresses = {info[4][0] for info in infos}
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if not allow_private and not ip.is_global:
            raise MediaError(
                f"{host} is a private, loopback or reserved address ({ip}); refused "
                "(allow with --allow-private-addresses)"
            )
    return sorted(addresses)[0]


class _PinnedHTTPSConnection(HTTPSConnection):
    """HTTPS to an address checked beforehand, verified against the host's name."""

    def __init__(self, host, address, **kwargs):
        super().__init__(host, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(HTTPConnection):
    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def fetch(url, *, max_bytes, allow_private=False, timeout=FETCH_TIMEOUT):
    """Download an image: http(s) only, no private addresses unless allowed, capped, timed out.

    The address is checked after resolving and the connection made to that very address,
    so a name that resolves differently the second time cannot reach inside.
    """
    for _hop in range(FETCH_REDIRECTS + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MediaError(f"not an http(s) address: {url}")
        address = _address_allowed(parts.hostname, allow_private)
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = kind(parts.hostname, address, port=parts.port, timeout=timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request("GET", target, headers={"User-Agent": "Newsroom-import"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if response.status != 200:
                raise MediaError(f"HTTP {response.status}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise MediaError(f"larger than {max_bytes // (1024 * 1024)} MB")
            data = _read_within(response, max_bytes, time.monotonic() + FETCH_DEADLINE)
            if len(data) > max_bytes:
                raise MediaError(f"larger than {max_bytes // (1024 * 1024)} MB")
            return data
        except (OSError, ssl.SSLError) as exc:
            raise MediaError(f"download failed: {exc}") from None
        finally:
            connection.close()
    raise MediaError("too many redirects")


def _read_within(response, max_bytes, deadline):
    """The body, up to max_bytes + 1, read in pieces that must all come before `deadline`."""
    pieces, size = [], 0
    while size <= max_bytes:
        if time.monotonic() > deadline:
            raise MediaError(f"took longer than {FETCH_DEADLINE} s")
        piece = response.read1(min(64 * 1024, max_bytes + 1 - size))  # what has come
        if not piece:
            break
        pieces.append(piece)
        size += len(piece)
    return b"".join(pieces)


# the file names an image may have, and the format each promises; anything else (.html,
# .svg, .php) is never stored, whatever its bytes are
IMAGE_EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
FORMAT_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
NOT_AN_IMAGE_NAME = "not an image file name ({ext}): only {allowed} are imported"


def refuse_unless_image_name(rel):
    """MediaError unless `rel` ends with an image's extension (the allow-list)."""
    ext = posixpath.splitext(rel)[1].lower()
    if ext not in IMAGE_EXTENSIONS:
        allowed = ", ".join(sorted(IMAGE_EXTENSIONS))
        raise MediaError(NOT_AN_IMAGE_NAME.format(ext=ext or "none", allowed=allowed))


def stored_name(rel, fmt):
    """Our storage's name for the image at `rel` whose decoded format is `fmt`: the
    extension is the format's own (a PNG named x.jpg is stored as x.png)."""
    stem, ext = posixpath.splitext(rel)
    if IMAGE_EXTENSIONS.get(ext.lower()) != fmt:
        ext = FORMAT_EXTENSIONS[fmt]
    return f"wordpress/{stem}{ext}"


def check_image(data, *, name="image"):
    """(format, width, height) of an image file, refused (MediaError) as validate_image
    refuses uploads.

    A PNG is checked by Pillow's verify(), which walks its chunks with their checksums to
    the end; a JPEG, whose header and end marker alone prove nothing about what lies
    between, is decoded whole (at an eighth of its size, which still reads every byte of
    its scans). Other files, or ones that fail these tests, get the full check (decoding
    every pixel) that uploads get.
    """
    return _quick_check(io.BytesIO(data)) or _full_check(data, name)


def _quick_check(fh):
    """(format, width, height) of a whole JPEG or PNG of a sane size; None when it needs
    the full check."""
    try:
        with Image.open(fh) as probe:
            fmt, (width, height) = probe.format, probe.size
            if width * height > settings.ARTICLES_IMAGE_MAX_PIXELS:
                return None
            if fmt == "PNG":
                probe.verify()
            elif fmt == "JPEG":
                probe.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                probe.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    if fmt in ("JPEG", "PNG"):
        return fmt, width, height
    return None


def _full_check(data, name):
    upload = ContentFile(data, name=name)
    try:
        validate_image(upload)
    except ValidationError as exc:
        raise MediaError(" ".join(str(m) for m in exc.messages)) from None
    with Image.open(upload) as probe:
        return probe.format, *probe.size


@dataclass
class Stored:
    name: str
    url: str
    width: int
    height: int


@dataclass
class Lookup:
    """What one batch's prefetch learnt: its images an earlier run copied, and what it asked."""

    known: dict = field(default_factory=dict)  # source -> Stored
    asked: set = field(default_factory=set)


class Copier:
    """Reads, checks and stores one image at a time (in a worker process, or inline)."""

    def __init__(self, *, media_dir, fetch_media, allow_private, dry_run, link, record=None):
        self.record = record  # a text file each stored name is written to, for Media.discard
        self.media_dir = media_dir
        self.fetch_media = fetch_media
        self.allow_private = allow_private
        self.dry_run = dry_run
        self.link = link  # hard-link files of the media folder into our storage when it can
        self.real_folders = {}  # media folder -> where it really is (links resolved)

    def copy_many(self, jobs):
        """{rel: Stored, MediaError or _Failed} for each (rel, url) of `jobs`."""
        done = {}
        for rel, url in jobs:
            try:
                done[rel] = self.copy(rel, url)
            except Exception as exc:  # writing to our storage failed: the run fails
                done[rel] = _Failed(exc)
        return done

    def _download(self, url):
        if not self.fetch_media:
            if self.media_dir is not None:
                raise MediaError("not in the media folder")
            raise MediaError("no --media-dir or --fetch-media given")
        if url is None:
            raise MediaError("no address to download from")
        return fetch(
            url, max_bytes=settings.ARTICLES_IMAGE_MAX_BYTES, allow_private=self.allow_private
        )

    def _open_local(self, rel):
        """(file, its real path) at `rel` in the media folder; one a symbolic link takes
        outside is refused."""
        folder, base = os.path.split(os.path.join(self.media_dir, rel))
        if folder not in self.real_folders:  # a few hundred YYYY/MM folders
            self.real_folders[folder] = os.path.realpath(folder)
        path = os.path.join(self.real_folders[folder], base)
        try:
            if self._inside(path):
                return open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb"), path
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
        path = os.path.realpath(path)  # the file itself is a link: where does it lead?
        if not self._inside(path):
            raise MediaError("outside the media folder")
        return open(path, "rb"), path

    def _inside(self, path):
        return os.path.commonpath((path, self.media_dir)) == self.media_dir

    def copy(self, rel, url):
        """Read, check and store one image: Stored, or the MediaError why not."""
        stored = self._copy(rel, url)
        if self.record is not None and isinstance(stored, Stored) and not self.dry_run:
            self.record.write(stored.name + "\n")
            self.record.flush()  # at once: a stopped run removes what it stored
        return stored

    def _copy(self, rel, url):
        try:
            refuse_unless_image_name(rel)
            if self.media_dir is not None:
                stored = self._copy_local(rel)
                if stored is not None:
                    return stored
            data = self._download(url)
            fmt, width, height = check_image(data, name=posixpath.basename(rel))
        except MediaError as exc:
            return exc
        name = stored_name(rel, fmt)
        if not self.dry_run:
            name = _save(name, data)
        return Stored(name, default_storage.url(name), width, height)

    def _copy_local(self, rel):
        """The image at `rel` in the media folder checked and stored; None if it is not there.

        A JPEG or PNG passing the quick check is, on the same file system as our storage,
        stored as a hard link to the very file checked: no byte is copied. Anything else is
        read, checked in full and copied.
        """
        try:
            fh, path = self._open_local(rel)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None
        except OSError as exc:
            raise MediaError(f"cannot read: {exc.strerror or exc}") from None
        with fh:
            try:
                status = os.fstat(fh.fileno())
                if status.st_size > settings.ARTICLES_IMAGE_MAX_BYTES:
                    raise MediaError("too large")
                checked = _quick_check(fh)
                data = None
                if checked is None:
                    fh.seek(0)
                    data = fh.read()
            except OSError as exc:
                raise MediaError(f"cannot read: {exc.strerror or exc}") from None
            if data is not None:
                checked = _full_check(data, posixpath.basename(rel))
            fmt, width, height = checked
            name = stored_name(rel, fmt)
            if not self.dry_run:
                linked = self.link and data is None and _hard_link(name, path, status)
                name = linked or _save(name, data if data is not None else _read_all(fh))
        return Stored(name, default_storage.url(name), width, height)


@dataclass
class _Failed:
    """An error a worker met storing an image, raised again in the importing process."""

    error: Exception

    def __post_init__(self):
        try:  # an error that cannot be sent back is told by its message
            pickle.dumps(self.error)
        except Exception:
            self.error = OSError(f"{type(self.error).__name__}: {self.error}")


class CopyWorkers:
    """Worker processes copying images, driven by the importing thread alone.

    Tasks and results go through one pipe a worker, read and written only when the
    importer needs them: no helper thread in the importing process (a pool's would take
    the interpreter from it each time it waits on the database or the sanitiser). Forked:
    the workers only read and write image files, never the database connection they
    inherit (and leave by os._exit, so they never close it either).
    """

    IN_FLIGHT = 4  # tasks sent to a worker and not yet answered, at most

    def __init__(self, count, options, records):
        context = multiprocessing.get_context("fork")
        self.pipes, self.processes = [], []
        for n in range(count):
            ours, theirs = context.Pipe()
            record = os.path.join(records, f"worker-{n}.txt")  # what it stored
            process = context.Process(
                target=_copy_worker, args=(theirs, options, record), daemon=True
            )
            process.start()
            theirs.close()
            self.pipes.append(ours)
            self.processes.append(process)
        self.sent = [deque() for _n in range(count)]  # task ids, in order
        self.owner = {}  # task id -> worker
        self.done = {}  # task id -> {rel: result}
        self.tasks = 0

    def submit(self, jobs):
        """Hand a worker these (rel, url) jobs; the task's id, for result()."""
        worker = self.tasks % len(self.pipes)
        self.tasks += 1
        while self.pipes[worker].poll() or len(self.sent[worker]) >= self.IN_FLIGHT:
            self._receive(worker)  # never both sides waiting on a full pipe
        self.pipes[worker].send((self.tasks, jobs))
        self.sent[worker].append(self.tasks)
        self.owner[self.tasks] = worker
        return self.tasks

    def result(self, task):
        """{rel: Stored, MediaError or _Failed} of a task, waiting for it if need be."""
        while task not in self.done:
            self._receive(self.owner[task])
        return self.done[task]

    def forget(self, task):
        self.done.pop(task, None)
        self.owner.pop(task, None)

    def _receive(self, worker):
        try:
            task, results = self.pipes[worker].recv()
        except (EOFError, OSError):
            raise RuntimeError("an image worker process stopped") from None
        self.sent[worker].popleft()
        self.done[task] = results

    def close(self):
        for pipe in self.pipes:
            try:
                pipe.send(None)
            except OSError:
                pass
        for process, pipe in zip(self.processes, self.pipes, strict=True):
            deadline = time.monotonic() + 10
            while process.is_alive() and time.monotonic() < deadline:
                try:  # answers nobody waits for (a stopped run): a full pipe would block it
                    if pipe.poll(0.05):
                        pipe.recv()
                except (EOFError, OSError):
                    process.join(max(0, deadline - time.monotonic()))
            if process.is_alive():
                process.terminate()
                process.join()
            pipe.close()


def _as_worker():
    """A worker process stops with the importing process: Ctrl-C is its to handle, and
    (on Linux) a worker is sent SIGTERM when it is gone however it went."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _copy_worker(pipe, options, record):
    """A worker process's loop: copy each task's images and answer with what came of them."""
    _as_worker()
    with open(record, "a", encoding="utf-8") as names:
        copier = Copier(**options, record=names)
        while (message := pipe.recv()) is not None:
            task, jobs = message
            pipe.send((task, copier.copy_many(jobs)))


class Media:
    """Images of the old site, copied into our storage once each (WordPressImage).

    A batch's images are read, checked and stored by worker processes (each with its own
    interpreter: the importing one is busy enough), in order, from its prefetch on: while
    the batch before it is written and this one is planned. get() takes each as it comes;
    flush() waits for the rest and removes those no story asked for.
    """

    def __init__(
        self, *, media_dir=None, fetch_media=False, allow_private=False, dry_run=False, link=True
    ):
        self.options = {
            "media_dir": os.path.realpath(media_dir) if media_dir else None,
            "fetch_media": fetch_media,
            "allow_private": allow_private,
            "dry_run": dry_run,
            "link": link,
        }
        # names written this run, removed again if the run fails (in files: there may be
        # hundreds of thousands); the workers write theirs into `records`
        self.saved = tempfile.TemporaryFile("w+", encoding="utf-8")
        self.records = tempfile.TemporaryDirectory(prefix="wordpress-media-")
        # for the few images not copied ahead
        self.copier = Copier(**self.options, record=self.saved)
        self.before_query = None  # called before get() reads the database (Writer.wait)
        self.dry_run = dry_run
        self.lookup = Lookup()  # the batch being planned
        self.recent = {}  # source -> Stored, copied by this run (the latest RECENT of them)
        self.new_rows = []
        self.copied = 0
        self.failures = {}  # source -> reason (the latest RECENT of them)
        self.pool = None  # worker processes reading, checking and writing images
        self.ready = {}  # source -> [the task copying it, the batch that wants it]
        self.tasks = {}  # task -> how many of its images are still to be taken
        self.batches = 0

    def prefetch(self, urls):
        """Look up, in one query, which of these images an earlier run copied, and start
        copying the others; (Lookup, batch) for use() and flush()."""
        self.batches += 1
        wanted = {}
        for url in urls:
            if (rel := uploads_path(url)) and rel not in wanted:
                wanted[rel] = url
        sources = set(wanted) | {original for rel in wanted if (original := original_of(rel))}
        lookup = Lookup(asked=sources)
        rows = WordPressImage.objects.filter(source__in=sources)
        for source, *row in rows.values_list("source", "file", "width", "height"):
            lookup.known[source] = self._stored(*row)
        jobs = []
        for rel, url in wanted.items():
            if rel in lookup.known or rel in self.recent or rel in self.failures:
                continue
            if rel in self.ready:
                self.ready[rel][1] = self.batches  # a later batch wants it too
                continue
            jobs.append((rel, url))
        if jobs and self.pool is None:
            self.pool = CopyWorkers(COPY_WORKERS, self.options, self.records.name)
        # a few hundred images a task: in order, and few messages between processes
        per = max(1, min(COPY_TASK, -(-len(jobs) // COPY_WORKERS)))
        for start in range(0, len(jobs), per):
            chunk = jobs[start : start + per]
            task = self.pool.submit(chunk)
            self.tasks[task] = len(chunk)
            for rel, _url in chunk:
                self.ready[rel] = [task, self.batches]
        return lookup, self.batches

    def use(self, lookup):
        """Plan the batch `lookup` was made for."""
        self.lookup = lookup

    def _take(self, task, source):
        """A copy a worker made (an error writing to our storage fails the run)."""
        stored = self.pool.result(task)[source]
        self.tasks[task] -= 1
        if not self.tasks[task]:
            del self.tasks[task]
            self.pool.forget(task)
        return stored

    def _result(self, task, source):
        stored = self._take(task, source)
        if isinstance(stored, _Failed):
            raise stored.error
        return stored

    def _settle(self, batch=None):
        """Wait for the copies of `batch` (or all) get() did not take, and remove them."""
        error, unclaimed = None, []
        for source, (task, wanted_by) in list(self.ready.items()):
            if batch is not None and wanted_by != batch:
                continue
            del self.ready[source]
            try:
                stored = self._take(task, source)
            except Exception as exc:
                error = error or exc
            else:
                if isinstance(stored, _Failed):
                    error = error or stored.error
                elif isinstance(stored, Stored) and not self.dry_run:
                    unclaimed.append(stored.name)
        for name in unclaimed:
            default_storage.delete(name)
        if error is not None:
            raise error

    def _stored(self, file, width, height):
        return Stored(file, default_storage.url(file), width, height)

    def _copied_before(self, source):
        """Our copy of `source` if this run or an earlier one made it, else None."""
        lookup = self.lookup
        if source in lookup.known:
            return lookup.known[source]
        if source in self.recent:
            return self.recent[source]
        if source in lookup.asked:
            return None
        if self.before_query is not None:
            self.before_query()
        row = (
            WordPressImage.objects.filter(source=source)
            .values_list("file", "width", "height")
            .first()
        )
        if row is not None:
            lookup.known[source] = self._stored(*row)
        return lookup.known.get(source)

    def get(self, url):
        """Our copy of the old site's image at `url`; None if it is not one; raises MediaError."""
        rel = uploads_path(url)
        if rel is None:
            return None
        if stored := self._copied_before(rel):
            return stored
        if rel in self.failures:
            raise MediaError(self.failures[rel])
        reasons = []
        for candidate in [rel, original_of(rel)]:
            if candidate is None:
                continue
            if stored := self._copied_before(candidate):
                self._remember(rel, stored)
                return stored
            entry = self.ready.pop(candidate, None)
            if entry is not None:
                stored = self._result(entry[0], candidate)
            else:
                stored = self.copier.copy(
                    candidate, url if candidate == rel else _original_url(url)
                )
            if isinstance(stored, MediaError):
                reasons.append(f"{candidate}: {stored}")
                continue
            self.copied += 1
            self._remember(candidate, stored)
            if candidate != rel:
                self._remember(rel, stored)
            return stored
        _bounded_put(self.failures, rel, "; ".join(reasons) or "no source given")
        raise MediaError(self.failures[rel])

    def _remember(self, source, stored):
        _bounded_put(self.recent, source, stored)
        self.new_rows.append((source, stored.name, stored.width, stored.height))

    def flush(self, batch=None):
        """Store what the batch (or every batch) copied; remove what none of its stories took."""
        self._settle(batch)
        insert_rows(
            WordPressImage,
            ["source", "file", "width", "height"],
            self.new_rows,
            ignore_conflicts=True,
        )
        self.new_rows.clear()

    def discard(self):
        """Remove every image this run stored (its workers stopped first)."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None
        files = [self.saved]
        for name in sorted(os.listdir(self.records.name)):
            files.append(open(os.path.join(self.records.name, name), encoding="utf-8"))  # noqa: SIM115
        for fh in files:
            fh.seek(0)
            for line in fh:
                if line.endswith("\n"):  # a name written whole
                    default_storage.delete(line[:-1])
            if fh is not self.saved:
                fh.close()

    def close(self):
        if self.pool is not None:
            self.pool.close()
        self.saved.close()
        self.records.cleanup()


def _bounded_put(cache, key, value):
    """Remember key → value, forgetting the oldest entries past RECENT (bounded memory)."""
    cache[key] = value
    if len(cache) > RECENT:
        for old in list(itertools.islice(cache, len(cache) - RECENT // 2)):
            del cache[old]


def _read_all(fh):
    fh.seek(0)
    return fh.read()


def _hard_link(name, path, status):
    """Store the checked file at `path` as a hard link named after `name` in our storage;
    the name stored, or None when it cannot be linked (another file system or storage, a
    file mode our storage would change, a name taken, a file replaced since it was checked)."""
    if not isinstance(default_storage, FileSystemStorage):
        return None
    mode = default_storage.file_permissions_mode
    if mode is not None and stat.S_IMODE(status.st_mode) != mode:
        return None  # setting our mode on a link would change the uploads copy's file too
    name = default_storage.generate_filename(name)
    target = default_storage.path(name)
    for _attempt in range(2):
        try:
            os.link(path, target, follow_symlinks=False)
        except FileNotFoundError:
            _make_folder(os.path.dirname(target))  # the month's folder, once
            continue
        except OSError:
            return None  # EXDEV, EPERM, EMLINK, a name taken: copied instead
        linked = os.stat(target)
        if (linked.st_dev, linked.st_ino) != (status.st_dev, status.st_ino):
            os.unlink(target)  # not the file checked (replaced meanwhile): copy that one
            return None
        return name
    return None


def _make_folder(folder):
    """A folder in our storage, made as FileSystemStorage makes its folders."""
    mode = default_storage.directory_permissions_mode
    if mode is None:
        os.makedirs(folder, exist_ok=True)
        return
    old_umask = os.umask(0o777 & ~mode)
    try:
        os.makedirs(folder, mode, exist_ok=True)
    finally:
        os.umask(old_umask)


def _save(name, data):
    """Store a checked image: on local disk straight into a new file."""
    if isinstance(default_storage, FileSystemStorage):
        name = default_storage.generate_filename(name)
        path = default_storage.path(name)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except (FileNotFoundError, FileExistsError):
            pass  # no folder yet, or the name is taken: the storage's own way makes or picks one
        else:
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                if default_storage.file_permissions_mode is not None:
                    os.chmod(path, default_storage.file_permissions_mode)
            except BaseException:
                os.unlink(path)  # no half-written file left behind
                raise
            return name
    return default_storage.save(name, ContentFile(data))


# ---------------------------------------------------------------------------------------
# Writing rows: straight INSERT statements of many rows each (no model instance a row)

# fields whose Python value is already the database's (everything else is prepared by
# the field, as a model save would)
_PLAIN_FIELDS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "TextField",
}


def insert_rows(model, columns, rows, *, ignore_conflicts=False, returning=None):
    """Insert `rows` (tuples of Python values, in the order of the field names `columns`)
    in as few statements as the database takes; with `returning` (a field name), that
    field's values of the new rows, in order. Conflicting rows are skipped when
    `ignore_conflicts` (nothing is returned then)."""
    if not rows:
        return []
    from django.db.models.constants import OnConflict

    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    preps = [
        None
        if field.get_internal_type() in _PLAIN_FIELDS
        else functools.partial(field.get_db_prep_save, connection=connection)
        for field in fields
    ]
    ops, quote = connection.ops, connection.ops.quote_name
    conflict = OnConflict.IGNORE if ignore_conflicts else None
    head = (
        f"{ops.insert_statement(on_conflict=conflict)} {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) VALUES "
    )
    tail = ops.on_conflict_suffix_sql(fields, conflict, None, None) if conflict else ""
    if returning and not conflict:
        tail += f" RETURNING {quote(meta.get_field(returning).column)}"
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per = max(1, min(BATCH, ops.bulk_batch_size(fields, rows)))
    if not any(preps):
        prepare = None
    else:

        def prepare(row):
            return [
                value if prep is None else prep(value)
                for prep, value in zip(preps, row, strict=True)
            ]

    returned = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per):
            chunk = rows[start : start + per]
            params = [
                value for row in chunk for value in (row if prepare is None else prepare(row))
            ]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            if returning and not conflict:
                returned.extend(row[0] for row in cursor.fetchall())
    return returned


def insert_objects(model, objects, *, keep=()):
    """Insert new model instances (as bulk_create does, without its per-value work), their
    primary keys set; `keep`: auto_now fields whose value is the instance's own."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [
        tuple(
            getattr(obj, field.attname) if field.name in keep else field.pre_save(obj, True)
            for field in fields
        )
        for obj in objects
    ]
    pks = insert_rows(model, [field.name for field in fields], rows, returning=model._meta.pk.name)
    for obj, pk in zip(objects, pks, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


# ---------------------------------------------------------------------------------------
# The report


@dataclass
class Report:
    """What an import did, for an editor: counts, and what was skipped or changed and why."""

    counts: Counter = field(default_factory=Counter)
    notes: dict = field(default_factory=lambda: defaultdict(list))
    examples: int = 10
    # the importing thread and the writing one both note what they do
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note(self, reason, example=""):
        with self.lock:
            self.counts[reason] += 1
            if example and len(self.notes[reason]) < self.examples:
                self.notes[reason].append(example)

    def add(self, reason, count):
        with self.lock:
            self.counts[reason] += count

    def lines(self):
        c = self.counts
        out = [
            f"Stories: {c['story new']} new, {c['story updated']} updated, "
            f"{c['story unchanged']} unchanged "
            f"({c['published']} published, {c['scheduled']} scheduled, {c['drafts']} drafts).",
            f"Pages: {c['page new']} new, {c['page updated']} updated, "
            f"{c['page unchanged']} unchanged.",
            f"Sections: {c['sections']} new. Tags: {c['tags']} new. Authors: {c['authors']} new.",
            f"Images: {c['images copied']} copied, {c['images missing']} missing.",
            *self._examples("images missing"),
            f"Redirects: {c['redirects new']} new, {c['redirects updated']} updated.",
            f"Ratings brought from the old site: {c['ratings']} new or changed.",
        ]
        shown = {
            "story new",
            "story updated",
            "story unchanged",
            "published",
            "scheduled",
            "drafts",
            "page new",
            "page updated",
            "page unchanged",
            "sections",
            "tags",
            "authors",
            "images copied",
            "images missing",
            "redirects new",
            "redirects updated",
            "ratings",
        }
        for reason in sorted(set(c) - shown):
            out.append(f"{reason}: {c[reason]}")
            out.extend(self._examples(reason))
        return out

    def _examples(self, reason):
        examples = self.notes.get(reason, [])
        more = self.counts[reason] - len(examples)
        return [f"    {e}" for e in examples] + (
            [f"    … and {more} more"] if examples and more else []
        )


# ---------------------------------------------------------------------------------------
# The import


_UTC = zoneinfo.ZoneInfo("UTC")


def _when(local, gmt, tz):
    """post_date_gmt, or post_date in the site's time zone when the GMT value is zero."""
    for value, zone in ((gmt, _UTC), (local, tz)):
        value = (value or "").strip()
        if not value or value.startswith("0000"):
            continue
        try:
            if found := _DATE_TIME.match(value):  # WordPress's own form, read without strptime
                parts = (int(n) for n in found.groups())
                return datetime(*parts, tzinfo=zone)
            return datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone)
        except ValueError:
            continue
    return None


_DATE_TIME = re.compile(r"(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)", re.A)


def _path_of(link):
    """The decoded path of an old address, or None when it has a query, is the home page
    or is no web address at all ("javascript:…", a path with control characters)."""
    try:
        parts = urlsplit((link or "").strip())
    except ValueError:  # "http://[::1"
        return None
    if parts.scheme not in ("", "http", "https") or parts.query:
        return None
    path = unquote(parts.path)
    if not path.startswith("/") or path == "/" or text.strip_control(path) != path:
        return None
    return path


def _ours(path):
    """True when one of our own URL patterns answers `path` (an old page there is hidden)."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _terms(item):
    """(categories, tags) of a post as [(nicename, name)], in order, without duplicates.

    WXR 1.0 lists each term twice, once without domain or nicename; those are folded in.
    """
    categories, tags = {}, {}
    for domain, nicename, name in item.terms:
        name = plain(name)[:NAME_MAX]
        if not name:
            continue
        if domain in ("", "category"):
            if nicename or name not in categories:
                categories[name] = nicename or categories.get(name, "")
        elif domain in ("post_tag", "tag"):
            if nicename or name not in tags:
                tags[name] = nicename or tags.get(name, "")
    return [(n, name) for name, n in categories.items()], [(n, name) for name, n in tags.items()]


def _digest(item, scan_result):
    thumb = scan_result.attachments.get(_int(_first(item.meta, "_thumbnail_id")))
    parts = [
        item.title,
        item.content,
        item.excerpt,
        item.name,
        item.status,
        bool(item.password),
        item.date,
        item.date_gmt,
        item.creator,
        scan_result.authors.get(item.creator, ""),
        item.terms,
        item.link,
        item.meta.get("_wp_old_slug", []),
        item.meta.get("ratings_users", []),
        item.meta.get("ratings_score", []),
        [thumb.url, thumb.file, thumb.alt, thumb.caption] if thumb else None,
        item.parent,
    ]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _int(value):
    """A WordPress id (64-bit at most); 0 when there is none."""
    value = (value or "").strip()
    if not value.isdecimal() or len(value) > 19:
        return 0
    number = int(value)
    return number if number <= ID_MAX else 0


def _tally(item, report):
    users, score = _first(item.meta, "ratings_users"), _first(item.meta, "ratings_score")
    if not users and not score:
        return None
    try:
        count, total = int(users or 0), round(float(score or 0))
    except (ValueError, OverflowError):  # "abc", "inf", "nan"
        report.note("ratings not read (not numbers)", f"post {item.post_id}")
        return None
    if count > TALLY_MAX:
        report.note("ratings not read (too many votes)", f"post {item.post_id}: {users}")
        return None
    if count < 0 or not count <= total <= 5 * count:
        report.note("ratings not read (outside 1–5 stars)", f"post {item.post_id}: {users}/{score}")
        return None
    return (count, total) if count else None


def _convert(item, scan_result):
    return convert_body(
        item.content,
        post_id=item.post_id,
        attachments=scan_result.attachments,
        children=scan_result.children,
    )


class Reader:
    """The second reading of the exports, in a process of its own beside the import.

    It parses the files again, leaves out the attachments (the first reading noted them),
    and makes each post's and page's digest and converted body, none of which needs the
    database; the importing process gets the items in order, as (item, items read), in
    messages of a few dozen. The pipe between them holds little, so memory stays bounded.
    Forked after the first reading: it uses that reading's results, never the database
    connection it inherits (and leaves by os._exit, so it never closes it either).
    """

    def __init__(self, paths, scan_result):
        scan_result.attachments.flush()
        context = multiprocessing.get_context("fork")
        self.pipe, theirs = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_read_worker, args=(theirs, paths, scan_result), daemon=True
        )
        self.process.start()
        theirs.close()
        self.trailing = 0  # items read after the last one given (attachments)

    def __iter__(self):
        while True:
            try:
                kind, value = self.pipe.recv()
            except (EOFError, OSError):
                raise RuntimeError("the export's reading process stopped") from None
            if kind == "items":
                yield from value
            elif kind == "error":
                raise ExportError(value)
            elif kind == "failed":
                raise RuntimeError(f"the export's reading process failed: {value}")
            else:
                self.trailing = value
                return

    def close(self):
        self.pipe.close()
        self.process.join(1)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


READ_MESSAGE = 50  # items a message from the reading process carries


def _read_worker(pipe, paths, scan_result):
    """The reading process: items in order, with their digests and converted bodies."""
    _as_worker()
    scan_result.attachments.reopen()
    out, consumed = [], 0
    try:
        for path in paths:
            try:
                for item in read_export(path):
                    consumed += 1
                    if item.post_type == "attachment":
                        continue  # the stories' images: the first reading noted them
                    if item.post_type in ("post", "page") and not item.too_long:
                        item.digest = _digest(item, scan_result)
                        item.converted = _convert(item, scan_result)
                    out.append((item, consumed))
                    consumed = 0
                    if len(out) >= READ_MESSAGE:
                        pipe.send(("items", out))
                        out = []
            except ExportError as exc:
                pipe.send(("error", f"{path}: {exc}" if len(paths) > 1 else str(exc)))
                return
        pipe.send(("items", out))
        pipe.send(("end", consumed))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the import stopped
    except Exception as exc:
        pipe.send(("failed", f"{type(exc).__name__}: {exc}"))


class Writer:
    """Writes the batches from a thread of its own, on the importing thread's connection.

    PostgreSQL's share of a batch (its rows, their indexes and search vectors) is about a
    third of the importing process's time; the interpreter is free while a statement runs,
    so the next batch is planned meanwhile. It all stays in the run's one transaction: the
    importing thread uses the connection only while the writer is idle (wait() returned,
    and nothing submitted since), so the two never use it at once.
    """

    def __init__(self):
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.language = translation.get_language()
        self.jobs = queue.SimpleQueue()
        self.idle = threading.Event()
        self.idle.set()
        self.error = None
        self.stopping = False
        self.connection.inc_thread_sharing()
        self.thread = threading.Thread(target=self._work, name="wordpress-writer", daemon=True)
        self.thread.start()

    def _work(self):
        connections[DEFAULT_DB_ALIAS] = self.connection  # this thread's, for the ORM too
        translation.activate(self.language)
        while (job := self.jobs.get()) is not None:
            if self.error is None and not self.stopping:  # the run stops: nothing more written
                try:
                    job()
                except BaseException as exc:
                    self.error = exc
            self.idle.set()

    def submit(self, job, *args):
        """Run job(*args) once the job before is done; its error is raised by wait()."""
        self.wait()
        self.idle.clear()
        self.jobs.put(functools.partial(job, *args))

    def wait(self):
        """Until the writer is idle: the connection is the importing thread's again."""
        self.idle.wait()
        if self.error is not None:
            raise self.error

    def abort(self):
        """The run stops (Ctrl-C, an error): skip what is queued, cancel the statement
        running (one waiting on a lock could wait for long), then close()."""
        self.stopping = True
        raw = self.connection.connection
        # psycopg2's cancel stops just the statement running (SQLite's interrupt could stop
        # the rollback after it, and SQLite waits for a lock only as long as its timeout)
        if not self.idle.is_set() and self.connection.vendor == "postgresql" and raw:
            try:
                raw.cancel()
            except Exception:  # noqa: BLE001 - the run's own error is what matters
                pass
        self.close()

    def close(self):
        """Stop the thread once its job is done (never raising: the run's error is raised)."""
        self.jobs.put(None)
        self.thread.join()
        self.connection.dec_thread_sharing()


class Importer:
    """One run: the second pass over the export, writing in batches of BATCH posts.

    Batch after batch: its images are copied from the time it is read, it is planned while
    the one before is written (Writer), and written while the next one is planned.
    """

    def __init__(self, *, scan_result, media, report, progress=None):
        self.scan = scan_result
        self.media = media
        self.report = report
        self.progress = progress
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.now = timezone.now()
        self.sections, self.authors, self.tags = {}, {}, {}
        self.used_categories, self.used_tags, self.used_authors = {}, {}, set()
        self.article_type = ContentType.objects.get_for_model(Article)
        self.redirects = {}
        self.writer = None
        self.planned = None  # (plans, media batch) of the batch planned and not yet written
        self.seen = None  # SeenIds of the posts planned so far

    # -- items

    def run(self, paths):
        batch, started = [], None
        reader = Reader(paths, self.scan)
        try:
            self.seen = SeenIds()
            self.writer = Writer()
            self.media.before_query = self.writer.wait
            for item, consumed in reader:
                if item.post_type == "post":
                    batch.append(item)
                    if len(batch) >= BATCH:
                        started = self._next(started, batch)
                        batch = []
                elif item.post_type == "page":
                    self.writer.wait()
                    self.page(item)
                elif item.post_type == "nav_menu_item":
                    self.report.note("skipped: menu items (nav_menu_item)", f"#{item.post_id}")
                else:
                    self.report.note(
                        f"skipped: items of type {item.post_type or 'unknown'!r}",
                        f"#{item.post_id} {plain(item.title)[:60]}",
                    )
                if self.progress:
                    self.progress(consumed)
            if self.progress and reader.trailing:
                self.progress(reader.trailing)
            if batch:
                started = self._next(started, batch)
            while started or self.planned:
                started = self._next(started, None)
            self.writer.wait()
        except BaseException:
            if self.writer is not None:
                self.writer.abort()
            raise
        finally:
            self.media.before_query = None
            if self.writer is not None and self.writer.thread.is_alive():
                self.writer.close()
            if self.seen is not None:
                self.seen.close()
            reader.close()
        self.media.flush()
        self.archive_redirects()
        self.flush_redirects()

    def _status(self, item, kind):
        """(status, published_at, why it is a draft) of an item; None when it is not imported."""
        label = f"#{item.post_id} {plain(item.title)[:60]}"
        status = item.status.strip()
        if item.too_long:
            self.report.note(f"skipped: {kind}s with a text over {MAX_TEXT:,} characters", label)
            return None
        if status == "trash":
            self.report.note(f"skipped: {kind}s in the trash", label)
            return None
        if status in ("auto-draft", "inherit"):
            self.report.note(f"skipped: {kind}s WordPress saved automatically ({status})", label)
            return None
        when = _when(item.date, item.date_gmt, self.tz)
        if when is not None and not PUBLISH_MIN <= when < PUBLISH_MAX:
            return Article.Status.DRAFT, None, "publish time before 1800 or after 2999"
        if item.password.strip():
            return Article.Status.DRAFT, when, "password-protected"
        if status in ("publish", "future"):
            return Article.Status.PUBLISHED, when, ""
        if status in ("draft", "pending", "private"):
            return Article.Status.DRAFT, when, f"{status} in WordPress"
        return Article.Status.DRAFT, when, f"unknown status {status!r}"

    def body(self, item, label):
        """The item's content as our HTML, its images copied; (html, missing_media)."""
        converted = item.converted or _convert(item, self.scan)
        for name in converted.unknown_shortcodes:
            self.report.note(f"shortcodes removed: [{name}]", label)
        for name in converted.dropped_blocks:
            self.report.note(f"blocks with no content outside WordPress dropped: {name}", label)
        for pk in converted.missing_gallery:
            self.report.note("gallery images not in the export", f"{label}: attachment {pk}")
        missing = []

        def resolve_image(url):
            try:
                stored = self.media.get(url)
            except MediaError as exc:
                missing.append(f"{label}: {url} ({exc})")
                return ""
            return None if stored is None else stored.url

        value = rewrite_images(converted.html, resolve_image)
        for line in missing:
            self.report.note("images missing", line)
        # blocks leave runs of blank lines between them (wpautop's output has none)
        return _BLANK_LINES.sub("\n", text.sanitize_html(value)), bool(missing)

    def lead_image(self, item, label):
        """((Stored, alt, caption) or None, missing) for the post's featured image."""
        thumb_id = _int(_first(item.meta, "_thumbnail_id"))
        if not thumb_id:
            return None, False
        attachment = self.scan.attachments.get(thumb_id)
        if attachment is None:
            self.report.note(
                "images missing", f"{label}: featured image #{thumb_id} not in the export"
            )
            return None, True
        url = attachment.url or (
            f"/wp-content/uploads/{attachment.file}" if attachment.file else ""
        )
        try:
            stored = self.media.get(url)
        except MediaError as exc:
            self.report.note("images missing", f"{label}: {url} ({exc})")
            return None, True
        if stored is None:
            self.report.note("images missing", f"{label}: featured image {url} is not an upload")
            return None, True
        alt = plain(attachment.alt or attachment.caption or attachment.title)[:300]
        return (stored, alt, plain(attachment.caption)[:300]), False

    # -- posts

    def _next(self, started, items):
        """One step: start copying the images of `items` (the batch just read; None at the
        end), hand the batch planned last to the writer and plan `started` meanwhile; the
        (items, lookup, media batch) to plan next."""
        self.writer.wait()  # the database is this thread's until the submit below
        if self.planned is not None:
            self.media.flush(self.planned[1])
        following = None
        if items:
            following = (items, *self.media.prefetch(self._image_urls(items)))
        known = {}
        if started:
            ids = [item.post_id for item in started[0]]
            known = {
                row.wordpress_id: row
                for row in WordPressItem.objects.filter(wordpress_id__in=ids).select_related(
                    "article"
                )
            }
        if self.planned is not None:
            self.writer.submit(self.write, self.planned[0])
            self.planned = None
        if started:
            self.planned = (self.posts(*started, known), started[2])
        return following

    def _image_urls(self, items):
        urls = []
        self.scan.attachments.load(_int(_first(item.meta, "_thumbnail_id")) for item in items)
        for item in items:
            urls.extend(_IMG_SRC_ANY.findall(item.content))
            thumb = self.scan.attachments.get(_int(_first(item.meta, "_thumbnail_id")))
            if thumb:
                urls.append(thumb.url or f"/wp-content/uploads/{thumb.file}")
        return urls

    def posts(self, items, lookup, batch, known):
        """The plans of a batch's posts (`known`: their WordPressItem rows by WordPress id).

        Runs while the batch before is written: it reads nothing from the database but
        through Media, which waits for the writer first (before_query).
        """
        self.media.use(lookup)
        # by this run's earlier batches (the one before is not even written yet)
        taken = self.seen.taken_before(item.post_id for item in items)
        plans, seen = [], set()
        for item in items:
            if not item.post_id or item.post_id in taken or item.post_id in seen:
                self.report.note(
                    "skipped: posts without an id or listed twice", f"line {item.line}"
                )
                continue
            seen.add(item.post_id)
            plan = self.plan(item, known.get(item.post_id))
            if plan is not None:
                plans.append(plan)
        return plans

    def plan(self, item, existing):
        label = f"#{item.post_id} {plain(item.title)[:60] or UNTITLED}"
        decided = self._status(item, "post")
        if decided is None:
            return None
        status, when, why = decided
        if why:
            self.report.note(f"posts made drafts: {why}", label)
        digest = item.digest or _digest(item, self.scan)
        article = existing.article if existing else None
        if article is not None and existing.digest == digest and not existing.missing_media:
            self.report.note("story unchanged")
            self._count_status(article.status, article.published_at)
            self._note_taxonomy(item)
            return None
        title = plain(item.title)
        if not title:
            title = UNTITLED
            self.report.note("headlines empty: placeholder given", label)
        elif len(title) > TITLE_MAX:
            self.report.note("headlines longer than 300 characters: cut", label)
            title = title[: TITLE_MAX - 1] + "…"
        body, body_missing = self.body(item, label)
        lead, lead_missing = self.lead_image(item, label)
        categories, tags = self._note_taxonomy(item)
        section = categories[0][1] if categories else DEFAULT_SECTION
        creator = item.creator.strip()
        author = plain(self.scan.authors.get(creator) or creator)[:150]
        published_at = when or self.now
        return {
            "item": item,
            "existing": existing,
            "digest": digest,
            "missing_media": body_missing or lead_missing,
            "fields": {
                "title": title,
                "body": body,
                "teaser": plain(item.excerpt)[:2000],
                "status": status,
                "published_at": published_at,
                "lead_image": lead[0].name if lead else "",
                "lead_image_width": lead[0].width if lead else None,
                "lead_image_height": lead[0].height if lead else None,
                "lead_image_alt": lead[1] if lead else "",
                "lead_image_caption": lead[2] if lead else "",
            },
            "slug": self._slug_base(item, title),
            "section": section,
            "authors": [author] if author else [],
            "tags": list(dict.fromkeys(name for _n, name in categories + tags)),
            "tally": _tally(item, self.report),
            "old_paths": self._post_paths(item) if status == Article.Status.PUBLISHED else [],
        }

    def _note_taxonomy(self, item):
        categories, tags = _terms(item)
        for nicename, name in categories:
            if nicename:
                self.used_categories[nicename] = name
        for nicename, name in tags:
            if nicename:
                self.used_tags[nicename] = name
        if item.creator.strip():
            self.used_authors.add(item.creator.strip())
        return categories, tags

    def _count_status(self, status, published_at):
        if status == Article.Status.DRAFT:
            self.report.note("drafts")
        elif published_at > self.now:
            self.report.note("scheduled")
        else:
            self.report.note("published")

    def _slug_base(self, item, title):
        base = slugify_uk(unquote(item.name), 190) or slugify_uk(title, 190)
        return base or f"story-{item.post_id}"

    def _post_paths(self, item):
        paths = [id_path("p", item.post_id)]
        link = _path_of(item.link)
        if link:
            paths.append(link)
            head, _sep, _last = link.rstrip("/").rpartition("/")
            trailing = "/" if link.endswith("/") else ""
            for old in item.meta.get("_wp_old_slug", []):
                old = unquote(old.strip())
                if old and "/" not in old and text.strip_control(old) == old:
                    paths.append(f"{head}/{old}{trailing}")
        return paths

    def write(self, plans):
        """Create and update the batch's stories, their relations, scores and redirects."""
        if not plans:
            return
        new = [p for p in plans if not (p["existing"] and p["existing"].article_id)]
        self._assign_slugs(new, plans)
        _named_all(Section, [p["section"][:NAME_MAX] for p in plans], self.sections)
        _named_all(Author, [name for p in plans for name in p["authors"]], self.authors)
        _named_all(Tag, [name for p in plans for name in p["tags"]], self.tags)
        old_tallies = self._imported_tallies(plans)
        created, changed = [], []
        for plan in plans:
            fields = plan["fields"]
            plan["section_obj"] = _named(Section, plan["section"][:NAME_MAX], self.sections)
            plan["author_objs"] = [_named(Author, name, self.authors) for name in plan["authors"]]
            existing = plan["existing"]
            article = existing.article if existing and existing.article_id else None
            plan["created"] = article is None
            if article is None:
                article = Article(slug=plan["slug"], section=plan["section_obj"], **fields)
                self._renditions(article, None)
                article.prepare(body_sanitized=True)
                created.append(article)
                self.report.note("story new")
            else:
                candidate = Article(slug=article.slug, section=plan["section_obj"], **fields)
                candidate.prepare(body_sanitized=True)
                names = [
                    "title",
                    "body",
                    "teaser",
                    "status",
                    "published_at",
                    "lead_image",
                    "lead_image_alt",
                    "lead_image_caption",
                    "section_id",
                ]
                moved = plan["slug"] != article.slug
                if moved:
                    self._move_slug(article, plan["slug"])
                differs = any(getattr(article, n) != getattr(candidate, n) for n in names)
                if differs:
                    old_image = article.lead_image.name if article.lead_image else ""
                    for name in [
                        *names,
                        "lead_image_width",
                        "lead_image_height",
                        "excerpt",
                        "search_document",
                    ]:
                        setattr(article, name, getattr(candidate, name))
                    self._renditions(article, old_image)
                plan["relations_changed"] = self._relations_differ(article, plan)
                if differs or moved or plan["relations_changed"]:
                    article.updated_at = self.now
                    # an admin form opened before this import is out of date: its save
                    # is refused instead of undoing the old site's correction
                    article.version += 1
                    changed.append(article)
                rated = (plan["tally"] or (0, 0)) != old_tallies.get(article.pk, (0, 0))
                if differs or moved or plan["relations_changed"] or rated:
                    self.report.note("story updated")
                else:
                    self.report.note("story unchanged")
            plan["article"] = article
            self._count_status(article.status, article.published_at)
        # an imported story was last changed when it was published
        for article in created:
            article.updated_at = article.published_at
        insert_objects(Article, created, keep={"updated_at"})
        Article.objects.bulk_update(
            changed,
            [
                "title",
                "body",
                "teaser",
                "status",
                "published_at",
                "lead_image",
                "lead_image_width",
                "lead_image_height",
                "lead_image_alt",
                "lead_image_caption",
                "lead_image_renditions",
                "section",
                "excerpt",
                "search_document",
                "updated_at",
                "slug",
                "version",
            ],
            batch_size=BATCH,
        )
        self._write_relations(plans)
        self._write_items(plans)
        tallies = {}
        for plan in plans:
            if plan["tally"]:
                tallies[plan["article"].pk] = plan["tally"]
            elif plan["existing"] and plan["existing"].article_id:
                tallies[plan["article"].pk] = (0, 0)  # the later export has no rating any more
        if tallies:
            new = [plan["article"].pk for plan in plans if plan["created"]]
            self.report.add(
                "ratings",
                ratings.import_tallies(model=Article, field="rating", tallies=tallies, unseen=new),
            )
        for plan in plans:
            if plan["old_paths"]:
                url = plan["article"].get_absolute_url()
                for path in plan["old_paths"]:
                    self.redirects[path] = url
        if len(self.redirects) >= BATCH:
            self.flush_redirects()

    def _imported_tallies(self, plans):
        """{story id: (count, total)} the old site's tally the batch's existing stories have."""
        ids = [p["existing"].article_id for p in plans if p["existing"]]
        ids = [pk for pk in ids if pk]
        if not ids:
            return {}
        rows = Score.objects.filter(
            content_type=self.article_type, field="rating", object_id__in=ids
        ).values_list("object_id", "imported_count", "imported_total")
        return {pk: (count, total) for pk, count, total in rows}

    def _renditions(self, article, old_image):
        """A new lead image's renditions are made after the run commits (missing_renditions)."""
        name = article.lead_image.name if article.lead_image else ""
        if name == (old_image or "") and old_image is not None:
            return
        article.lead_image_renditions = {}

    def _assign_slugs(self, new, plans):
        """Unique slugs for the batch's new stories (and for stories whose post_name changed)."""
        for plan in plans:
            existing = plan["existing"]
            if existing and existing.article_id:
                current, base = existing.article.slug, plan["slug"]
                suffix = current.removeprefix(f"{base}-")
                if current == base or (suffix != current and suffix.isdecimal()):
                    plan["slug"] = current
                else:
                    new.append(plan)
        bases = {p["slug"] for p in new}
        taken = set(Article.objects.filter(slug__in=bases).values_list("slug", flat=True))
        taken |= set(
            SlugRedirect.objects.filter(old_slug__in=bases).values_list("old_slug", flat=True)
        )
        in_batch = set()

        def also_taken(base):
            redirects = SlugRedirect.objects.filter(old_slug__startswith=base)
            return {*redirects.values_list("old_slug", flat=True), *in_batch}

        for plan in new:
            slug = plan["slug"]
            if slug in taken or slug in in_batch:
                slug = unique_slug(Article, slug, fallback="story", taken=also_taken)
            in_batch.add(slug)
            plan["slug"] = slug

    def _move_slug(self, article, slug):
        old_slug, article.slug = article.slug, slug
        services.record_old_slug(article=article, old_slug=old_slug)

    def _relations_differ(self, article, plan):
        authors = [a.pk for a in article.authors.all()]
        tags = sorted(t.name for t in article.tags.all())
        return authors != [a.pk for a in plan["author_objs"]] or tags != sorted(plan["tags"])

    def _write_relations(self, plans):
        replaced = [p for p in plans if p.get("relations_changed")]
        for plan in replaced:
            plan["article"].authors.clear()
            plan["article"].tags.clear()
        todo = [p for p in plans if p["created"]] + replaced
        insert_rows(
            Article.authors.through,
            ["article", "author"],
            [(p["article"].pk, author.pk) for p in todo for author in p["author_objs"]],
            ignore_conflicts=True,
        )
        insert_rows(
            TaggedItem,
            ["content_type", "object_id", "tag"],
            [
                (self.article_type.pk, p["article"].pk, _tag_for(name, self.tags).pk)
                for p in todo
                for name in p["tags"]
            ],
            ignore_conflicts=True,
        )

    def _write_items(self, plans):
        rows, updated = [], []
        for plan in plans:
            existing = plan["existing"]
            if existing is None:
                rows.append(
                    (
                        plan["item"].post_id,
                        plan["article"].pk,
                        plan["digest"],
                        plan["missing_media"],
                        self.now,
                    )
                )
            else:
                existing.article = plan["article"]
                existing.digest, existing.missing_media = plan["digest"], plan["missing_media"]
                updated.append(existing)
        insert_rows(
            WordPressItem,
            ["wordpress_id", "article", "digest", "missing_media", "imported_at"],
            rows,
        )
        WordPressItem.objects.bulk_update(
            updated, ["article", "digest", "missing_media", "imported_at"], batch_size=BATCH
        )

    # -- pages

    def page(self, item):
        label = f"#{item.post_id} {plain(item.title)[:60] or UNTITLED}"
        decided = self._status(item, "page")
        if decided is None:
            return
        status, when, why = decided
        if status != Article.Status.PUBLISHED or (when and when > self.now):
            self.report.note(
                "skipped: pages not public in WordPress", f"{label} ({why or 'future'})"
            )
            return
        url = self._page_url(item)
        if url is None or len(url) > PAGE_URL_MAX:
            self.report.note(f"skipped: pages whose address is longer than {PAGE_URL_MAX}", label)
            return
        existing = (
            WordPressItem.objects.filter(wordpress_id=item.post_id).select_related("page").first()
        )
        digest = item.digest or _digest(item, self.scan)
        if (
            existing
            and existing.page_id
            and existing.digest == digest
            and not existing.missing_media
        ):
            self.report.note("page unchanged")
            return
        lookup, batch = self.media.prefetch(_IMG_SRC_ANY.findall(item.content))
        self.media.use(lookup)
        content, missing = self.body(item, label)
        self.media.flush(batch)
        title = plain(item.title)[:200] or UNTITLED
        if _ours(url):
            self.report.note(
                "pages hidden by one of our own pages at the same address", f"{label}: {url}"
            )
        page = existing.page if existing and existing.page_id else None
        if page is None:
            page = FlatPage.objects.filter(url=url).first()
        if page is None:
            page = FlatPage.objects.create(url=url, title=title, content=content)
            page.sites.add(settings.SITE_ID)
            self.report.note("page new")
        elif (page.url, page.title, page.content) != (url, title, content):
            page.url, page.title, page.content = url, title, content
            page.save()
            page.sites.add(settings.SITE_ID)
            self.report.note("page updated")
        else:
            self.report.note("page unchanged")
        WordPressItem.objects.update_or_create(
            wordpress_id=item.post_id,
            defaults={"page": page, "article": None, "digest": digest, "missing_media": missing},
        )
        if url != "/":
            self.redirects[id_path("page_id", item.post_id)] = url

    def _page_url(self, item):
        link = _path_of(item.link)
        if link:
            return link if link.endswith("/") else link + "/"
        names, pk, hops = [], item.post_id, 0
        while pk and hops < 50:
            name, pk = self.scan.pages.get(pk, ("", 0))
            if not name:
                return None
            names.append(name)
            hops += 1
        return "/" + "/".join(reversed(names)) + "/" if names else None

    # -- old archive addresses and redirects

    def archive_redirects(self):
        """Old /category/…/, /tag/…/ and /author/…/ → our section, tag and author pages."""
        sections = {
            s.name: s for s in Section.objects.filter(name__in=self.used_categories.values())
        }
        names = {*self.used_categories.values(), *self.used_tags.values()}
        tags = {t.name: t for t in Tag.objects.filter(name__in=names)}
        for nicename, name in self.used_categories.items():
            target = sections.get(name) or tags.get(name)
            if target is None:
                continue
            new_path = target.get_absolute_url() if name in sections else _tag_url(target)
            chain, current, hops = [], nicename, 0
            while current and hops < 20:
                chain.append(unquote(current))
                current = self.scan.categories.get(current, ("", ""))[1]
                hops += 1
            full = "/".join(reversed(chain))
            self.redirects[f"/category/{full}/"] = new_path
            self.redirects.setdefault(f"/category/{unquote(nicename)}/", new_path)
        for slug, name in self.used_tags.items():
            if name in tags:
                self.redirects[f"/tag/{unquote(slug)}/"] = _tag_url(tags[name])
        display = {
            login: plain(self.scan.authors.get(login) or login)[:150] for login in self.used_authors
        }
        authors = {a.name: a for a in Author.objects.filter(name__in=display.values())}
        for login, name in display.items():
            if name in authors:
                nicename = re.sub(r"[^a-z0-9_-]+", "-", login.lower()).strip("-")
                if nicename:
                    self.redirects[f"/author/{nicename}/"] = authors[name].get_absolute_url()

    def flush_redirects(self):
        """Write the collected old paths → new paths: new ones created, changed ones updated."""
        wanted = {}
        for old, new in self.redirects.items():
            if old == unquote(new):
                continue  # our own address already: nothing to redirect
            if len(old) > REDIRECT_MAX:
                self.report.note(f"redirects not made: old address longer than {REDIRECT_MAX}", old)
                continue
            wanted[old] = new
        self.redirects.clear()
        existing = {
            r.old_path: r
            for r in Redirect.objects.filter(site_id=settings.SITE_ID, old_path__in=list(wanted))
        }
        changed = []
        for old, new in wanted.items():
            row = existing.get(old)
            if row is not None and row.new_path != new:
                row.new_path = new
                changed.append(row)
        Redirect.objects.bulk_update(changed, ["new_path"], batch_size=BATCH)
        insert_rows(
            Redirect,
            ["site", "old_path", "new_path"],
            [(settings.SITE_ID, o, n) for o, n in wanted.items() if o not in existing],
        )
        self.report.add("redirects new", len([o for o in wanted if o not in existing]))
        self.report.add("redirects updated", len(changed))


def _named(model, name, cache):
    """The Section, Author or Tag called `name`, made if missing (without signals: the run
    starts one new content version at its end, and a dry run none)."""
    if name not in cache:
        found = model.objects.filter(name=name).order_by("pk").first()
        if found is None:
            slug = unique_slug(model, name, fallback=model._meta.model_name)
            found = model(name=name, slug=slug)
            model.objects.bulk_create([found])
            if found.pk is None:
                found = model.objects.get(slug=slug)
        cache[name] = found
    return cache[name]


def _named_all(model, names, cache):
    """_named for all of `names` in a few queries: an archive has thousands of tags."""
    wanted = [name for name in dict.fromkeys(names) if name not in cache]
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        for row in model.objects.filter(name__in=chunk).order_by("pk"):
            cache.setdefault(row.name, row)  # two authors of one name: the first, as _named
    missing = [name for name in wanted if name not in cache]
    if not missing:
        return
    fallback = model._meta.model_name
    max_length = model._meta.get_field("slug").max_length
    bases = {name: slugify_uk(name, max_length - 8) or fallback for name in missing}
    taken = set()
    for start in range(0, len(missing), BATCH):
        chunk = {bases[name] for name in missing[start : start + BATCH]}
        taken.update(model.objects.filter(slug__in=chunk).values_list("slug", flat=True))
    made = []
    for name in missing:
        slug = bases[name]
        if slug in taken:  # "kyiv" is some other name's: "kyiv-2", as unique_slug picks
            slug = unique_slug(model, name, fallback=fallback, taken=lambda _base: taken)
        taken.add(slug)
        made.append(model(name=name, slug=slug))
    model.objects.bulk_create(made, batch_size=BATCH)
    if any(row.pk is None for row in made):  # a database that does not return new ids
        made = list(model.objects.filter(slug__in=[row.slug for row in made]))
    for row in made:
        cache[row.name] = row


def _tag_for(name, cache):
    return _named(Tag, name, cache)


def _tag_url(tag):
    from django.urls import reverse

    return reverse("articles:tag", kwargs={"slug": tag.slug})


_BLANK_LINES = re.compile(r"\n\s*\n")
_IMG_SRC_ANY = re.compile(
    r"""https?://(?:\[[0-9a-f:.]+\])?[^\s"'<>\]\[]+?\.(?:jpe?g|png|gif|webp)\b"""
    r"""|/wp-content/uploads/[^\s"'<>\]\[]+""",
    re.I,
)


def import_export(
    *,
    paths,
    media_dir=None,
    fetch_media=False,
    allow_private=False,
    dry_run=False,
    link_media=True,
    progress=None,
    on_scanned=None,
) -> Report:
    """Import WordPress exports: all or nothing, in one transaction; `dry_run` writes nothing.

    Raises ExportError (nothing written) when a file cannot be read or parsed safely. The
    lead images' renditions are left to make_renditions_for(missing_renditions()).
    """
    scan_result = scan(paths)
    try:
        return _import(
            scan_result=scan_result,
            paths=paths,
            media=Media(
                media_dir=media_dir,
                fetch_media=fetch_media,
                allow_private=allow_private,
                dry_run=dry_run,
                link=link_media,
            ),
            progress=progress,
            on_scanned=on_scanned,
        )
    finally:
        scan_result.attachments.close()


def _import(*, scan_result, paths, media, progress, on_scanned):
    dry_run = media.dry_run
    if on_scanned:
        on_scanned(scan_result)
    report = Report()
    counts_before = (Section.objects.count(), Tag.objects.count(), Author.objects.count())
    try:
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            importer = Importer(
                scan_result=scan_result, media=media, report=report, progress=progress
            )
            importer.run(paths)
            after = (Section.objects.count(), Tag.objects.count(), Author.objects.count())
            for name, old, new in zip(
                ("sections", "tags", "authors"), counts_before, after, strict=True
            ):
                report.counts[name] += new - old
            if dry_run:
                transaction.set_rollback(True)
            else:
                content_changed()
    except BaseException:
        media.discard()
        raise
    finally:
        media.close()
    report.counts["images copied"] += media.copied
    return report


def missing_renditions():
    """The lead images of imported stories that have no renditions yet, newest story first.

    Those of this run's new and changed images, and any an interrupted run left unmade.
    """
    names = (
        Article.objects.filter(wordpress__isnull=False, lead_image_renditions={})
        .exclude(lead_image="")
        .order_by("-published_at")
        .values_list("lead_image", flat=True)
    )
    return list(dict.fromkeys(names))


def _renditions_of(name):
    try:
        return name, make_renditions(name)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return name, None  # damaged past its end marker: the story keeps its original image


def make_renditions_for(names, *, progress=None):
    """The WebP and JPEG renditions of imported lead images, in worker processes; (made, failed).

    Made after the import commits: encoding is most of an image's cost, and until they
    exist a story shows its original image. Stories sharing an image share its renditions.
    Saved as they come, so an interrupted run keeps what it made.
    """
    unique = list(dict.fromkeys(names))
    done, made, failed = {}, 0, 0
    if len(unique) < POOL_FROM:
        results = map(_renditions_of, unique)
        pool = None
    else:
        # forked workers only read and write image files; they never touch the database
        # connection they inherit (and leave by os._exit, so they never close it either)
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=context)
        results = pool.map(_renditions_of, unique, chunksize=20)
    try:
        for name, renditions in results:
            if renditions is None:
                failed += 1
            else:
                done[name] = renditions
                made += 1
            if len(done) >= BATCH:
                _save_renditions(done)
            if progress:
                progress(1)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        _save_renditions(done)
    return made, failed


def _save_renditions(done):
    """Store made renditions on every story showing those images (one statement on PostgreSQL)."""
    if not done:
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = Article._meta.db_table
            values = ", ".join(["(%s, %s::jsonb)"] * len(done))
            params = [v for name, r in done.items() for v in (name, json.dumps(r))]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS a SET lead_image_renditions = v.r "
                    f"FROM (VALUES {values}) AS v(name, r) "
                    "WHERE a.lead_image = v.name AND a.lead_image_renditions = '{}'::jsonb",
                    params,
                )
        else:
            for story in Article.objects.filter(
                lead_image__in=list(done), lead_image_renditions={}
            ):
                Article.objects.filter(pk=story.pk).update(
                    lead_image_renditions=done[story.lead_image.name]
                )
    done.clear()
