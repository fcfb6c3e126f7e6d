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

import posixpath
import re
import zoneinfo
from collections import Counter
from datetime import datetime
from urllib.parse import parse_qs, unquote, urlsplit

from django.conf import settings
from django.contrib.flatpages.models import FlatPage
from django.contrib.redirects.models import Redirect
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from taggit.models import Tag

from articles import editions, text
from articles.delivery.content_version import content_changed
from articles.delivery.signals import bulk_changed
from articles.models import (
    EARLIEST_PUBLISH_TIME,
    LATEST_PUBLISH_TIME,
    Article,
    Author,
    Section,
    WordPressItem,
)
from articles.redirects import id_path
from articles.slugs import slugify_uk
from imports.jsonl import DEFAULT_SECTION
from imports.wordpress import languages
from imports.wordpress.archives import Archives
from imports.wordpress.bylines import GUEST_AUTHOR, archive_slug, byline
from imports.wordpress.content import _IMG_SRC_ANY, collapse_blank_lines, plain, rewrite_images
from imports.wordpress.fetch import MediaError
from imports.wordpress.media import Media
from imports.wordpress.old_slugs import OldSlugs
from imports.wordpress.reader import (
    MAX_TEXT,
    Reader,
    SeenIds,
    _convert,
    _digest,
    _first,
    _int,
    scan,
)
from imports.wordpress.report import Report
from imports.wordpress.rows import BATCH, Writer, insert_rows
from imports.wordpress.stories import NAME_MAX, BatchWriter
from imports.wordpress.text_images import TextImages

# old addresses a WordPress site answers under its own path (a subfolder install's too)
SITE_RELATIVE = ("/?", "/category/", "/tag/", "/author/")
PUBLISHED = Article.Status.PUBLISHED
COMMENTS_NOT_BROUGHT = "posts whose approved comments were not brought (this site has none)"
GUEST_AUTHORS_NOTE = (
    "guest authors (Co-Authors Plus): names brought into the bylines, profiles not brought"
)
SHORTCODES_REMOVED = "posts with shortcodes removed (any text inside them kept)"
BLOCKS_DROPPED = "posts with blocks the old site drew itself (no text of their own), dropped"
LISTED_AGAIN = (
    "skipped: posts and pages listed again under an id already imported (the first is kept, "
    "as WordPress keeps it)"
)
FORMS_DROPPED = (
    "posts with forms: the forms not brought (with no site behind them they would send "
    "nothing), the words in them kept as text"
)
UNTITLED = "Без заголовка"
# votes an imported tally may have: the score's count column holds 2**31 - 1, and new
# votes must still fit beside the old site's
TALLY_MAX = 10**9
REDIRECT_MAX = Redirect._meta.get_field("old_path").max_length
PAGE_URL_MAX = FlatPage._meta.get_field("url").max_length
TITLE_MAX = Article._meta.get_field("title").max_length


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
    path = re.sub("/{2,}", "/", unquote(parts.path))  # "//greek/x/": WordPress's "/greek/x/"
    if not path.startswith("/") or path == "/" or text.strip_control(path) != path:
        return None
    return path


def _id_link(link, parameter):
    """The stored form ("/news/?p=12") of a plain permalink by id, or None."""
    try:
        parts = urlsplit((link or "").strip())
    except ValueError:
        return None
    query = parse_qs(parts.query)
    value = query.get(parameter, [""])[0]
    if len(query) != 1 or not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    folder = re.sub("/{2,}", "/", unquote(parts.path) or "/").removesuffix("index.php")
    if not folder.endswith("/") or text.strip_control(folder) != folder:
        return None
    return f"{folder}?{parameter}={int(value)}"


def _ours(path):
    """True when one of our own URL patterns answers `path` (an old page there is hidden)."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _counted(names):
    """ "a ×3, b" of the names, in the order first met."""
    counts = Counter(names)
    return ", ".join(f"{name} ×{n}" if n > 1 else name for name, n in counts.items())


def _terms(item, scan):
    """(categories, tags) of a post as [(nicename, name)], in order, without duplicates.

    A term's name is the export's header's for its nicename (WordPress files a post under
    the term of that slug, whatever name the post repeats). WXR 1.0 lists each term twice,
    once without domain or nicename; those are folded in.
    """
    categories, tags = {}, {}
    for domain, nicename, name in item.terms:
        if domain in ("", "category"):
            known = scan.categories.get(nicename)
            _fold_term(categories, plain(known[0] if known else name)[:NAME_MAX], nicename)
        elif domain in ("post_tag", "tag"):
            known = scan.tags.get(nicename)
            _fold_term(tags, plain(known or name)[:NAME_MAX], nicename)
    return _unfolded(categories), _unfolded(tags)


def _fold_term(found, name, nicename):
    """Note term `name` in `found` ({name: [nicenames]}): one without a nicename only
    when the name has none (two terms of one name, "Foo A" under two parents, stay two)."""
    if not name:
        return
    nicenames = found.setdefault(name, [])
    if nicename and nicename not in nicenames:
        nicenames.append(nicename)


def _unfolded(found):
    return [(n, name) for name, nicenames in found.items() for n in nicenames or [""]]


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
        self.archives = Archives(scan_result)
        self.redirects = {}
        # the old site's own path ("/news" for http://example.com/news/), without the slash
        self.base = (_path_of(scan_result.site) or "").rstrip("/")
        self.stories = BatchWriter(
            report=report,
            now=self.now,
            redirects=self.redirects,
            flush_redirects=self.flush_redirects,
            old_slugs=OldSlugs(scan_result, archive_slug),
        )
        self.translations = languages.Translations(report)
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
                else:
                    self._note_other(item)
                if self.progress:
                    self.progress(consumed)
            if self.progress and reader.trailing:
                self.progress(reader.trailing)
            if batch:
                started = self._next(started, batch)
            while started or self.planned:
                started = self._next(started, None)
            self.writer.wait()
            self.translations.apply()
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
        self.redirects.update(self.archives.redirects())
        self.flush_redirects()

    def _note_other(self, item):
        """Report an item that is neither a post nor a page (menus, guest authors, others)."""
        label = f"#{item.post_id} {plain(item.title)[:60]}".strip()
        if item.post_type == "nav_menu_item":
            self.report.note("skipped: menu items (nav_menu_item)", label)
        elif item.post_type == GUEST_AUTHOR:
            self.report.note(GUEST_AUTHORS_NOTE, label)
        else:
            self.report.note(f"skipped: items of type {item.post_type or 'unknown'!r}", label)

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
        if when is not None and not EARLIEST_PUBLISH_TIME <= when < LATEST_PUBLISH_TIME:
            return Article.Status.DRAFT, None, "publish time before 1800 or after 2999"
        if item.password.strip():
            return Article.Status.DRAFT, when, "password-protected"
        if status in ("publish", "future"):
            return Article.Status.PUBLISHED, when, ""
        if status in ("draft", "pending", "private"):
            return Article.Status.DRAFT, when, f"{status} in WordPress"
        return Article.Status.DRAFT, when, f"unknown status {status!r}"

    def body(self, item, label, language="uk"):
        """The item's content as our HTML, its images copied; (html, missing_media)."""
        converted = item.converted or _convert(item, self.scan)
        if converted.unknown_shortcodes:
            names = _counted(f"[{name}]" for name in converted.unknown_shortcodes)
            self.report.note(SHORTCODES_REMOVED, f"{label}: {names}")
        if converted.dropped_blocks:
            self.report.note(BLOCKS_DROPPED, f"{label}: {_counted(converted.dropped_blocks)}")
        if converted.forms:
            self.report.note(FORMS_DROPPED, label)
        for pk in converted.missing_gallery:
            self.report.note("gallery images not in the export", f"{label}: attachment {pk}")
        images = TextImages(self.media, site=self.scan.site)
        value = rewrite_images(converted.html, images.image, images.link)
        for url, stored in images.uploads:
            self._note_renamed(label, url, stored)
        for url, why in images.missing.items():
            self.report.note("images missing", f"{label}: {url} ({why})")
        # blocks leave runs of blank lines between them (wpautop's output has none)
        body = languages.typeset(language, text.sanitize_html(value), html=True)
        return collapse_blank_lines(body), bool(images.missing)

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
            self.report.note("images missing", f"{label}: featured image {url} ({exc})")
            return None, True
        if stored is None:
            self.report.note("images missing", f"{label}: featured image {url} is not an upload")
            return None, True
        self._note_renamed(label, url, stored)
        alt = plain(attachment.alt or attachment.caption or attachment.title)[:300]
        return (stored, alt, plain(attachment.caption)[:300]), False

    def _note_renamed(self, label, url, stored):
        """Report an image stored under another name than the old site's (a name too long
        for our storage, or an extension that was not its format's)."""
        old = posixpath.basename(unquote(urlsplit(url).path))
        if old != posixpath.basename(stored.name):
            self.report.note("images stored under another name", f"{label}: {old} → {stored.name}")

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
            self.writer.submit(self.stories.write, self.planned[0])
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
                self._note_listed_again(item, "post")
                continue
            seen.add(item.post_id)
            plan = self.plan(item, known.get(item.post_id))
            if plan is not None:
                plans.append(plan)
        return plans

    def _note_listed_again(self, item, kind):
        """Report an item without an id, or with the id of one this run imported (WordPress's
        own importer skips it too)."""
        label = f"#{item.post_id} {plain(item.title)[:60] or UNTITLED} (line {item.line})"
        if not item.post_id:
            self.report.note(f"skipped: {kind}s without an id", f"line {item.line}")
        else:
            self.report.note(LISTED_AGAIN, label)

    def plan(self, item, existing):
        """The plan of one post: what its story will be; None when it is not written."""
        label = f"#{item.post_id} {plain(item.title)[:60] or UNTITLED}"
        decided = self._status(item, "post")
        if decided is None:
            return None
        status, when, why = decided
        self._note_post(item, label, why)
        language = self.translations.note(item, label)
        digest = item.digest or _digest(item, self.scan)
        public = status == PUBLISHED and (when is None or when <= self.now)
        edition = editions.edition_of(language) if public else None
        if self._unchanged_story(item, existing, digest, edition):
            return None
        title = self._headline(item, label, language)
        fields, missing_media = self._fields(item, label, title, language)
        categories, tags, authors = self._note_taxonomy(item, edition)
        fields.update(status=status, published_at=when or self.now, language=language)
        return {
            "item": item,
            "existing": existing,
            "digest": digest,
            "missing_media": missing_media,
            "fields": fields,
            "slug": self._slug_base(item, title),
            "section": categories[0][1] if categories else DEFAULT_SECTION,
            "authors": [name for _slug, name in authors],
            "tags": list(dict.fromkeys(name for _n, name in categories + tags)),
            "tag_slugs": {name: n for n, name in reversed(tags) if n},
            "author_slugs": self.stories.old_slugs.author_wanted(authors),
            "tally": _tally(item, self.report),
            **self._post_paths(item, label, public=status == Article.Status.PUBLISHED),
        }

    def _note_post(self, item, label, why):
        """Report why a post became a draft, and the comments it had that are not brought."""
        if why:
            self.report.note(f"posts made drafts: {why}", label)
        if item.comments:
            self.report.note(COMMENTS_NOT_BROUGHT, f"{label}: {item.comments}")

    def _unchanged_story(self, item, existing, digest, edition):
        """True (counted in the report) when the post's story is as the export has it."""
        article = existing.article if existing else None
        if article is not None and existing.digest == digest and not existing.missing_media:
            self.report.note("story unchanged")
            self.stories.count_status(article)
            self._note_taxonomy(item, edition)
            return True
        return False

    def _headline(self, item, label, language):
        title = languages.typeset(language, plain(item.title))
        if not title:
            self.report.note("headlines empty: placeholder given", label)
            return UNTITLED
        if len(title) > TITLE_MAX:
            self.report.note("headlines longer than 300 characters: cut", label)
            return title[: TITLE_MAX - 1] + "…"
        return title

    def _fields(self, item, label, title, language):
        """(the story's fields from the post's text and images, whether an image is missing)."""
        body, body_missing = self.body(item, label, language)
        lead, lead_missing = self.lead_image(item, label)
        stored, alt, caption = lead or (None, "", "")
        fields = {
            "title": title,
            "body": body,
            "teaser": languages.typeset(language, plain(item.excerpt))[:2000],
            "lead_image": stored.name if stored else "",
            "lead_image_width": stored.width if stored else None,
            "lead_image_height": stored.height if stored else None,
            "lead_image_alt": alt,
            "lead_image_caption": caption,
        }
        return fields, body_missing or lead_missing

    def _note_taxonomy(self, item, edition):
        """(categories, tags, byline) of a post, noted for the old archives' redirects
        (`edition` the public story's, None when it is not public)."""
        categories, tags = _terms(item, self.scan)
        authors = byline(item, authors=self.scan.authors, guests=self.scan.guests)
        self.archives.note(categories, tags, authors, edition)
        return categories, tags, authors

    def _slug_base(self, item, title):
        base = slugify_uk(unquote(item.name), 190) or slugify_uk(title, 190)
        return base or f"story-{item.post_id}"

    def _post_paths(self, item, label, *, public):
        """{"old_paths": the post's own old addresses, "old_slug_paths": its old slugs'}."""
        paths, old_slugs = [id_path("p", item.post_id)], []
        if not public:
            return {"old_paths": [], "old_slug_paths": []}
        link = _path_of(item.link)
        if link and _ours(link):
            self.report.note(
                "posts whose old address is one of our own pages (not redirected)",
                f"{label}: {link}",
            )
        elif link:
            paths.append(link)
            head, _sep, _last = link.rstrip("/").rpartition("/")
            trailing = "/" if link.endswith("/") else ""
            for old in item.meta.get("_wp_old_slug", []):
                old = unquote(old.strip())
                if old and "/" not in old and text.strip_control(old) == old:
                    old_slugs.append(f"{head}/{old}{trailing}")
        elif by_id := _id_link(item.link, "p"):
            paths.append(by_id)  # a plain permalink ("/?p=12"), its id not the post's
        return {"old_paths": paths, "old_slug_paths": old_slugs}

    # -- pages

    def page(self, item):
        """A public page becomes a flat page at its old path (plan, then write)."""
        label = f"#{item.post_id} {plain(item.title)[:60] or UNTITLED}"
        if not item.post_id or self.seen.taken_before([item.post_id]):
            self._note_listed_again(item, "page")
            return
        url = self._public_page_url(item, label)
        if url is None:
            return
        existing = (
            WordPressItem.objects.filter(wordpress_id=item.post_id).select_related("page").first()
        )
        digest = item.digest or _digest(item, self.scan)
        page = existing.page if existing and existing.page_id else None
        if page is not None and existing.digest == digest and not existing.missing_media:
            self.report.note("page unchanged")
            return
        self._write_page_item(item, label, url, page, digest)

    def _write_page_item(self, item, label, url, page, digest):
        """Convert a changed page's text, write the flat page and note where it came from."""
        lookup, batch = self.media.prefetch(_IMG_SRC_ANY.findall(item.content))
        self.media.use(lookup)
        content, missing = self.body(item, label)
        self.media.flush(batch)
        if _ours(url):
            self.report.note(
                "pages hidden by one of our own pages at the same address", f"{label}: {url}"
            )
        title = plain(item.title)[:200] or UNTITLED
        page = self._write_page(
            page or FlatPage.objects.filter(url=url).first(), url, title, content
        )
        WordPressItem.objects.update_or_create(
            wordpress_id=item.post_id,
            defaults={"page": page, "article": None, "digest": digest, "missing_media": missing},
        )
        if url != "/":
            self.redirects[id_path("page_id", item.post_id)] = url

    def _public_page_url(self, item, label):
        """The old path of a page that is public in WordPress; None (reported) otherwise."""
        decided = self._status(item, "page")
        if decided is None:
            return None
        status, when, why = decided
        if status != Article.Status.PUBLISHED or (when and when > self.now):
            self.report.note(
                "skipped: pages not public in WordPress", f"{label} ({why or 'future'})"
            )
            return None
        url = self._page_url(item)
        if url is None or len(url) > PAGE_URL_MAX:
            self.report.note(f"skipped: pages whose address is longer than {PAGE_URL_MAX}", label)
            return None
        return url

    def _write_page(self, page, url, title, content):
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
        return page

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

    def flush_redirects(self):
        """Write the collected old paths → new paths: new ones created, changed ones updated."""
        wanted = self._wanted_redirects()
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

    def _wanted_redirects(self):
        """{old path: new path} of the collected redirects worth making (copies under a
        subfolder install's base; none to our own address; too long ones reported)."""
        if self.base:  # WordPress in a subfolder: its archives and ?p= answer there too
            for old, new in list(self.redirects.items()):
                if old.startswith(SITE_RELATIVE):
                    self.redirects.setdefault(self.base + old, new)
        wanted = {}
        for old, new in self.redirects.items():
            if old == unquote(new):
                continue  # our own address already: nothing to redirect
            if len(old) > REDIRECT_MAX:
                self.report.note(f"redirects not made: old address longer than {REDIRECT_MAX}", old)
                continue
            wanted[old] = new
        return wanted


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

    The report keeps every example of every reason. Raises ExportError
    (nothing written) when a file cannot be read or parsed safely. The
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
            report=Report(),
        )
    finally:
        scan_result.attachments.close()


def _import(*, scan_result, paths, media, progress, on_scanned, report):
    dry_run = media.dry_run
    if on_scanned:
        on_scanned(scan_result)
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
                bulk_changed()
    except BaseException:
        media.discard()
        raise
    finally:
        media.close()
    report.counts["images copied"] += media.copied
    return report
