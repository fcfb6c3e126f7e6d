"""Images of the old site: read from a copy of the uploads folder or downloaded, checked,
and stored once each (by worker processes, beside the import)."""

import errno
import functools
import hashlib
import io
import itertools
import multiprocessing
import os
import pickle
import posixpath
import re
import stat
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from PIL import Image, UnidentifiedImageError

from articles.images import validate_image
from articles.models import WordPressImage
from imports.wordpress.fetch import MediaError, fetch
from imports.wordpress.rows import insert_rows
from imports.wordpress.workers import _as_worker

RECENT = 20_000  # images copied (or found missing) lately, kept at hand; older ones in the DB
COPY_WORKERS = 2  # processes reading, checking and storing images
COPY_TASK = 250  # images a worker is handed at a time
SOURCE_MAX = WordPressImage._meta.get_field("source").max_length


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


# the file names an image may have, and the format each promises; anything else (.html,
# .svg, .php) is never stored, whatever its bytes are
IMAGE_EXTENSIONS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP"}
FORMAT_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
TAKEN_FORMATS = "only JPEG, PNG, GIF and WebP are imported"
NOT_TAKEN = "{fmt} image: " + TAKEN_FORMATS + "; convert it and import again"
DAMAGED = "not an image, or a damaged one"
NOT_AN_IMAGE_NAME = "not an image's file name ({ext}): " + TAKEN_FORMATS
# images of formats we do not take, by their extensions: the reason names the format
OTHER_IMAGE_EXTENSIONS = {
    ".avif": "AVIF",
    ".bmp": "BMP",
    ".heic": "HEIC",
    ".heif": "HEIF",
    ".ico": "ICO",
    ".jxl": "JPEG XL",
    ".svg": "SVG",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}


def refuse_unless_image_name(rel):
    """MediaError unless `rel` ends with an image's extension (the allow-list)."""
    ext = posixpath.splitext(rel)[1].lower()
    if ext in OTHER_IMAGE_EXTENSIONS:
        raise MediaError(NOT_TAKEN.format(fmt=OTHER_IMAGE_EXTENSIONS[ext]))
    if ext not in IMAGE_EXTENSIONS:
        raise MediaError(NOT_AN_IMAGE_NAME.format(ext=ext or "none"))


# a stored name must fit a story's image field (100 characters) with room for the few
# characters our storage adds to a name that is taken
NAME_MAX = 90


def stored_name(rel, fmt):
    """Our storage's name for the image at `rel` whose decoded format is `fmt`: the
    extension is the format's own (a PNG named x.jpg is stored as x.png), and a name too
    long for a story's image field is cut, with a digest of the whole to keep it unique.
    The name keeps no other dot: a server that runs or types a file by any of its
    extensions (x.php.jpg to PHP) finds only the image's own (x-php.jpg)."""
    stem, ext = posixpath.splitext(rel)
    if IMAGE_EXTENSIONS.get(ext.lower()) != fmt:
        ext = FORMAT_EXTENSIONS[fmt]
    folder, base = posixpath.split(stem)
    stem = posixpath.join(folder, base.replace(".", "-").strip("-") or "image")
    name = f"wordpress/{stem}{ext}"
    if len(name) <= NAME_MAX:
        return name
    digest = hashlib.sha256(rel.encode()).hexdigest()[:10]
    base = posixpath.basename(stem)
    room = NAME_MAX - len(f"wordpress/{folder}/-{digest}{ext}")
    if room < 8:
        return f"wordpress/{digest}{ext}"
    return f"wordpress/{folder}/{base[:room].rstrip('-_. ')}-{digest}{ext}"


def check_image(data, *, name="image"):
    """(format, width, height) of an image file, refused (MediaError) as validate_image
    refuses uploads.

    A JPEG or PNG named as what it is is checked without decoding every pixel: Pillow reads
    the header, verify() walks a PNG's chunks with their checksums to the end, and a JPEG
    must end with its end-of-image marker. Any other file, and one whose name claims
    another format than its header (where the quick check could be fooled), is decoded in
    full, as uploads are.
    """
    return _quick_check(io.BytesIO(data), name) or _full_check(data, name)


def _quick_check(fh, name):
    """(format, width, height) of a whole JPEG or PNG of a sane size named as what it is
    (`name`'s extension); None when it needs the full check."""
    try:
        with Image.open(fh) as probe:
            fmt, (width, height) = probe.format, probe.size
            if fmt == "PNG":
                probe.verify()
        if fmt == "JPEG":
            fh.seek(-2, os.SEEK_END)
            whole = fh.read(2) == b"\xff\xd9"
        else:
            whole = fmt == "PNG"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    named_so = IMAGE_EXTENSIONS.get(posixpath.splitext(name)[1].lower()) == fmt
    if whole and named_so and width * height <= settings.ARTICLES_IMAGE_MAX_PIXELS:
        return fmt, width, height
    return None


def _full_check(data, name):
    """(format, width, height) of an image decoded in full; MediaError, in words for the
    operator of the import (not the editor's upload messages), when it cannot be used."""
    fmt, width, height = _header_of(data)
    if fmt not in FORMAT_EXTENSIONS:
        raise MediaError(NOT_TAKEN.format(fmt=fmt) if fmt else DAMAGED)
    if len(data) > settings.ARTICLES_IMAGE_MAX_BYTES:
        raise MediaError(f"larger than {settings.ARTICLES_IMAGE_MAX_BYTES // 2**20} MB")
    if width * height > settings.ARTICLES_IMAGE_MAX_PIXELS:
        raise MediaError(f"too many pixels ({width}×{height})")
    upload = ContentFile(data, name=name)
    try:
        validate_image(upload)  # its messages are the editors', in their language: not these
    except ValidationError:
        raise MediaError(DAMAGED) from None
    return fmt, width, height


def _header_of(data):
    """(format, width, height) an image's header declares; (None, 0, 0) for no image."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            return probe.format, *probe.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None, 0, 0


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

    def copy_outside(self, url):
        """Download, check and store an image of another site: Stored, or the MediaError why
        not. Its address names no file we could trust, so it is decoded in full and stored
        under a name of its digest and format."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        try:
            if parts.scheme not in ("http", "https") or not host:
                raise MediaError(f"not a web address ({parts.scheme or 'no scheme'})")
            if not self.fetch_media:
                raise MediaError(
                    f"at {host}, not in the old site's uploads: brought only with --fetch-media"
                )
            data = self._download(url)
            fmt, width, height = _full_check(data, "image")
        except MediaError as exc:
            return exc
        digest = hashlib.sha256(url.encode()).hexdigest()[:16]
        folder = re.sub(r"[^a-z0-9.-]+", "-", host)[:40]
        name = f"wordpress/elsewhere/{folder}/{digest}{FORMAT_EXTENSIONS[fmt]}"
        if not self.dry_run:
            name = _save(name, data)
            if self.record is not None:
                self.record.write(name + "\n")
                self.record.flush()
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
                if self.link and hasattr(os, "posix_fadvise"):
                    # only its header and end are read: no read-ahead of the rest from disk
                    os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_RANDOM)
                checked = _quick_check(fh, rel)
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
        lookup = self._lookup(wanted)
        jobs = []
        for rel, url in wanted.items():
            if rel in lookup.known or rel in self.recent or rel in self.failures:
                continue
            if rel in self.ready:
                self.ready[rel][1] = self.batches  # a later batch wants it too
                continue
            jobs.append((rel, url))
        self._start_copies(jobs)
        return lookup, self.batches

    def _lookup(self, wanted):
        """A Lookup of the images (and their originals) that earlier runs copied, one query."""
        sources = set(wanted) | {original for rel in wanted if (original := original_of(rel))}
        lookup = Lookup(asked=sources)
        rows = WordPressImage.objects.filter(source__in=sources)
        for source, *row in rows.values_list("source", "file", "width", "height"):
            lookup.known[source] = self._stored(*row)
        return lookup

    def _start_copies(self, jobs):
        """Hand the (rel, url) `jobs` to the copy workers, started when first needed."""
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
            failed, name = self._outcome(task, source)
            error = error or failed
            if name is not None:
                unclaimed.append(name)
        for name in unclaimed:
            default_storage.delete(name)
        if error is not None:
            raise error

    def _outcome(self, task, source):
        """(the error of a copy nobody took, or None; the name of its file to remove, or None)."""
        try:
            stored = self._take(task, source)
        except Exception as exc:
            return exc, None
        if isinstance(stored, _Failed):
            return stored.error, None
        if isinstance(stored, Stored) and not self.dry_run:
            return None, stored.name
        return None, None

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
        reasons = {}
        for candidate in [rel, original_of(rel)]:
            if candidate is None:
                continue
            if stored := self._copied_before(candidate):
                self._remember(rel, stored)
                return stored
            stored = self._copy(candidate, rel, url)
            if isinstance(stored, MediaError):
                reasons[candidate] = str(stored)
                continue
            self.copied += 1
            self._remember(candidate, stored)
            if candidate != rel:
                self._remember(rel, stored)
            return stored
        _bounded_put(self.failures, rel, _reason(reasons))
        raise MediaError(self.failures[rel])

    def get_outside(self, url):
        """Our copy of an image outside the old site's uploads (another site's, a hotlink):
        downloaded with --fetch-media under the same rules, keyed by its address; raises
        MediaError (why not) otherwise."""
        source = url if len(url) <= SOURCE_MAX else hashlib.sha256(url.encode()).hexdigest()
        if stored := self._copied_before(source):
            return stored
        if source in self.failures:
            raise MediaError(self.failures[source])
        stored = self.copier.copy_outside(url)
        if isinstance(stored, MediaError):
            _bounded_put(self.failures, source, str(stored))
            raise stored
        self.copied += 1
        self._remember(source, stored)
        return stored

    def _copy(self, candidate, rel, url):
        """Stored, or a MediaError: the copy of `candidate` started ahead, or one made now."""
        entry = self.ready.pop(candidate, None)
        if entry is not None:
            return self._result(entry[0], candidate)
        return self.copier.copy(candidate, url if candidate == rel else _original_url(url))

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


def _reason(reasons):
    """Why none of an image's files could be had ({file: reason}), each reason said once:
    by itself when every file failed alike, else beside the file it is about."""
    if not reasons:
        return "no source given"
    if len(set(reasons.values())) == 1:
        return next(iter(reasons.values()))
    return "; ".join(f"{posixpath.basename(rel)}: {why}" for rel, why in reasons.items())


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
