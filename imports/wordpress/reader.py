"""Reading a WordPress export (WXR): streamed, without DTDs or entities, into Items;
the first pass (`scan`) and the reading process of the second (`Reader`)."""

import functools
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import unquote
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from imports.wordpress.bylines import GUEST_AUTHOR
from imports.wordpress.content import convert_body
from imports.wordpress.workers import _as_worker, _scratch_db

CHUNK = 1 << 16
ID_MAX = 2**63 - 1  # WordPress ids are 64-bit (and so are SQLite's integers)
ATTACHMENTS_AT_HAND = 4096  # attachments looked up lately (a batch's, the one before's)
MAX_TEXT = 1_000_000  # characters of one field of one post (import_articles' body limit)

DTD_REFUSED = (
    "the file declares a DTD (<!DOCTYPE …>); a WordPress export has none, and the entity "
    "declarations one can carry read files or exhaust memory (XXE, entity expansion): refused"
)
ENTITY_REFUSED = "the file declares or references an XML entity (XXE, entity expansion): refused"
NOT_WXR = "not a WordPress export (no WXR namespace such as http://wordpress.org/export/1.2/)"


class ExportError(Exception):
    """The export cannot be read: 'line N: message'."""


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
    comments: int = 0  # approved comments
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
        if self.item is not None:
            self._end_in_item(tag, depth, value)
        elif depth == 4 and self.entry is not None:
            self.entry[tag] = value.strip()
        elif depth == 3:
            self._end_channel_entry(tag, value)

    def _end_in_item(self, tag, depth, value):
        item = self.item
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
        elif tag == "wp:comment_approved" and value.strip() == "1":
            item.comments += 1

    def _end_channel_entry(self, tag, value):
        """An author, category or tag of the channel, or the site's address."""
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
            self._read(wanted[start : start + 500])
        if len(self._recent) > ATTACHMENTS_AT_HAND:
            for old in list(itertools.islice(self._recent, ATTACHMENTS_AT_HAND // 2)):
                del self._recent[old]

    def _read(self, chunk):
        """Put the attachments of `chunk` (None for an id not in the export) at hand."""
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
    guests: dict = field(default_factory=dict)  # guest author's post name -> display name
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
                elif item.post_type == GUEST_AUTHOR and item.name.strip():
                    display = _first(item.meta, "cap-display_name") or item.title
                    result.guests[unquote(item.name.strip())] = display
        except ExportError as exc:
            raise ExportError(f"{path}: {exc}" if len(paths) > 1 else str(exc)) from None
        result.authors.update(handler.authors)
        result.categories.update(handler.categories)
        result.tags.update(handler.tags)
        result.site = result.site or handler.site


def _first(meta, key):
    values = meta.get(key) or [""]
    return values[0].strip()


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
    if footnotes := item.meta.get("footnotes"):
        parts.append(footnotes)  # only then: the digests of posts without any stay as they were
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def _int(value):
    """A WordPress id (64-bit at most); 0 when there is none."""
    value = (value or "").strip()
    if not value.isdecimal() or len(value) > 19:
        return 0
    number = int(value)
    return number if number <= ID_MAX else 0


def _convert(item, scan_result):
    return convert_body(
        item.content,
        post_id=item.post_id,
        attachments=scan_result.attachments,
        children=scan_result.children,
        footnotes=_first(item.meta, "footnotes"),
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


def _send_items(pipe, items, scan_result, out, consumed):
    """Send the `items` of one export in messages of READ_MESSAGE, posts and pages with their
    digests and converted bodies; (the items not sent yet, the items read since the last
    one kept), carried on to the next export."""
    for item in items:
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
    return out, consumed


def _read_worker(pipe, paths, scan_result):
    """The reading process: items in order, with their digests and converted bodies."""
    _as_worker()
    scan_result.attachments.reopen()
    out, consumed = [], 0
    try:
        for path in paths:
            try:
                out, consumed = _send_items(pipe, read_export(path), scan_result, out, consumed)
            except ExportError as exc:
                pipe.send(("error", f"{path}: {exc}" if len(paths) > 1 else str(exc)))
                return
        pipe.send(("items", out))
        pipe.send(("end", consumed))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the import stopped
    except Exception as exc:
        pipe.send(("failed", f"{type(exc).__name__}: {exc}"))
