"""The JSON Lines import of stories: validate every record, then write all or nothing."""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from taggit.models import TaggedItem

from articles import services, text
from articles.delivery.content_version import content_changed, only_after_commit
from articles.delivery.signals import bulk_changed
from articles.models import (
    EARLIEST_PUBLISH_TIME,
    LATEST_PUBLISH_TIME,
    Article,
    Author,
    RelatedLink,
    Section,
)
from articles.slugs import slugify_uk
from articles.typography import typography
from imports import translations
from imports.names import named, tag_for
from imports.pictures import ImageSpec, attach, parse_image, settle_body
from live.importing import LiveSpec, parse_live, write_live

FIELDS = {
    "title",
    "body",
    "slug",
    "teaser",
    "source",
    "section",
    "tags",
    "authors",
    "published_at",
    "status",
    "related",
    "image",
    "language",
    "translation_of",
    "live",
}
MAX_BODY = 1_000_000
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DEFAULT_SECTION = "Новини"

NOT_AN_OBJECT = "the record must be a JSON object"
UNKNOWN_FIELD = "unknown field"
REQUIRED = "is required"
NOT_TEXT = "must be a string"
EMPTY = "must not be empty"
TOO_LONG = "is too long (at most {n} characters)"
NOT_A_LIST = "must be a list of strings"
BAD_SLUG = "must be lower-case latin letters, digits and hyphens"
BAD_STATUS = 'must be "published" or "draft"'
BAD_DATE = "must be an ISO 8601 date and time"
TOO_DEEP = "nested too deeply to be a record"
TOO_MANY = "at most {n} names"
MAX_NAMES = 50  # tags or authors of one story
DATE_OUT_OF_RANGE = "must be from the year 1800 to 2999"
DUPLICATE_SLUG = "slug {slug!r} appears more than once in the input (first at line {line})"
UNKNOWN_RELATED = "no story with slug {slug!r} exists or is imported"
SELF_RELATED = "a story cannot be related to itself"
NO_SLUG = "the headline gives no usable slug; give one"


class InvalidRecords(Exception):
    """Every problem found, as 'line N: field: message' strings."""

    def __init__(self, errors, records=()):
        super().__init__(f"{len(errors)} bad record(s)")
        self.errors = errors
        self.records = list(records)  # what could be read, for checks across files


@dataclass
class Record:
    line: int
    title: str
    body: str
    slug: str
    teaser: str = ""
    source: str = ""
    section: str = DEFAULT_SECTION
    tags: list = field(default_factory=list)
    authors: list = field(default_factory=list)
    published_at: datetime | None = None
    status: str = Article.Status.PUBLISHED
    related: list = field(default_factory=list)
    image: ImageSpec | None = None
    language: str = "uk"
    translation_of: str = ""  # the slug of the story this one translates
    live: LiveSpec | None = None  # a live page's coverage and entries (live.importing)


UPDATED_FIELDS = [
    "title",
    "language",
    "body",
    "teaser",
    "source",
    "section",
    "status",
    "published_at",
    "excerpt",
    "search_document",
    "updated_at",
    "version",
]


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_sections: list = field(default_factory=list)  # names, to tell the editors


def parse_records(content):
    """Split a file into (line number, value) pairs and the lines that are not JSON.

    A JSON array is one document: if it does not parse, nothing of it can be checked. In
    JSON Lines every line stands alone, so the lines after a broken one are still read.
    """
    stripped = content.lstrip("\ufeff").lstrip()
    if stripped.startswith("["):
        try:
            values = json.loads(stripped)
        except json.JSONDecodeError as exc:
            return [], [f"line {exc.lineno}: json: {exc.msg}"]
        except RecursionError:
            return [], [f"line 1: json: {TOO_DEEP}"]
        if not isinstance(values, list):
            return [], ["line 1: json: expected an array of objects"]
        return list(enumerate(values, start=1)), []
    records, errors = [], []
    for number, line in enumerate(content.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: json: {exc.msg}")
        except RecursionError:
            errors.append(f"line {number}: json: {TOO_DEEP}")
    return records, errors


def _publish_time(value, errors, line):
    """An aware datetime in the range stories may have, or None with the problem noted."""
    moment = None
    if isinstance(value, str):
        try:
            moment = parse_datetime(value) or datetime.fromisoformat(value)
        except ValueError:  # an impossible day or time, or an offset beyond ±24 hours
            moment = None
    if moment is None:
        errors.append(f"line {line}: published_at: {BAD_DATE}")
        return None
    if timezone.is_naive(moment):
        if not EARLIEST_PUBLISH_TIME.year < moment.year < LATEST_PUBLISH_TIME.year - 1:
            errors.append(f"line {line}: published_at: {DATE_OUT_OF_RANGE}")
            return None
        moment = timezone.make_aware(moment)
    try:
        in_range = EARLIEST_PUBLISH_TIME <= moment < LATEST_PUBLISH_TIME
    except OverflowError:
        in_range = False
    if not in_range:
        errors.append(f"line {line}: published_at: {DATE_OUT_OF_RANGE}")
        return None
    return moment


def _text(value, name, errors, line, *, required=False, max_length=None):
    if value is None:
        if required:
            errors.append(f"line {line}: {name}: {REQUIRED}")
        return ""
    if not isinstance(value, str):
        errors.append(f"line {line}: {name}: {NOT_TEXT}")
        return ""
    value = text.strip_control(value).strip()
    if required and not value:
        errors.append(f"line {line}: {name}: {EMPTY}")
    if max_length and len(value) > max_length:
        errors.append(f"line {line}: {name}: {TOO_LONG.format(n=max_length)}")
    return value


def _names(value, name, errors, line, max_length=100):
    if value is None:
        return []
    problem = _names_problem(value, name)
    if problem:
        errors.append(f"line {line}: {name}: {problem}")
        return []
    names = [text.strip_control(v).strip() for v in value]
    if any(len(n) > max_length for n in names):
        errors.append(f"line {line}: {name}: {TOO_LONG.format(n=max_length)}")
    return list(dict.fromkeys(n for n in names if n))


def _names_problem(value, name):
    """Why `value` cannot be the list of names `name` (None when it can)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return NOT_A_LIST
    if len(value) > MAX_NAMES and name != "related":
        return TOO_MANY.format(n=MAX_NAMES)
    return None


def validate(pairs, *, check_related=True):
    """Turn raw (line, value) pairs into Records, or raise InvalidRecords with every problem."""
    errors, records, first_line = [], [], {}
    for line, raw in pairs:
        if not isinstance(raw, dict):
            errors.append(f"line {line}: record: {NOT_AN_OBJECT}")
            continue
        for unknown in sorted(set(raw) - FIELDS):
            errors.append(f"line {line}: {unknown}: {UNKNOWN_FIELD}")
        title = _text(raw.get("title"), "title", errors, line, required=True, max_length=300)
        body = _text(raw.get("body"), "body", errors, line, required=True, max_length=MAX_BODY)
        slug = _slug(raw, title, first_line, errors, line)
        status = raw.get("status", Article.Status.PUBLISHED)
        if status not in (Article.Status.PUBLISHED, Article.Status.DRAFT):
            errors.append(f"line {line}: status: {BAD_STATUS}")
        published_at = _published_at(raw, errors, line)
        section = _text(raw.get("section"), "section", errors, line, max_length=100)
        record = Record(
            line=line,
            title=title,
            body=body,
            slug=slug,
            teaser=_text(raw.get("teaser"), "teaser", errors, line, max_length=2000),
            source=_text(raw.get("source"), "source", errors, line, max_length=100),
            section=section or DEFAULT_SECTION,
            tags=_names(raw.get("tags"), "tags", errors, line),
            authors=_names(raw.get("authors"), "authors", errors, line, max_length=150),
            published_at=published_at,
            status=status,
            related=_names(raw.get("related"), "related", errors, line, max_length=200),
            image=parse_image(raw.get("image"), errors, line),
            language=translations.language(raw.get("language"), errors, line),
            translation_of=translations.original(raw.get("translation_of"), slug, errors, line),
            live=parse_live(raw.get("live"), errors, line),
        )
        if slug and slug in record.related:
            errors.append(f"line {line}: related: {SELF_RELATED}")
        records.append(record)
    if check_related:
        errors.extend(related_errors(records))
        errors.extend(translations.errors(records))
    if errors:
        raise InvalidRecords(errors, records)
    return records


def _slug(raw, title, first_line, errors, line):
    """The record's slug, made from its title when it has none, checked and unique in the
    file (`first_line`: {slug: the line that has it first})."""
    slug = _text(raw.get("slug"), "slug", errors, line, max_length=200)
    if slug and not SLUG_RE.match(slug):
        errors.append(f"line {line}: slug: {BAD_SLUG}")
    if not slug and title:
        slug = slugify_uk(title, 190)
        if not slug:
            errors.append(f"line {line}: slug: {NO_SLUG}")
    if slug in first_line:
        duplicate = DUPLICATE_SLUG.format(slug=slug, line=first_line[slug])
        errors.append(f"line {line}: slug: {duplicate}")
    elif slug:
        first_line[slug] = line
    return slug


def _published_at(raw, errors, line):
    if raw.get("published_at") is None:
        return None
    return _publish_time(raw["published_at"], errors, line)


def related_errors(records):
    """Every related slug must be imported in this run or exist already."""
    known = {r.slug for r in records}
    wanted = {s for r in records for s in r.related} - known
    existing = set(Article.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    return [
        f"line {record.line}: related: {UNKNOWN_RELATED.format(slug=slug)}"
        for record in records
        for slug in record.related
        if slug not in known and slug not in existing
    ]


def _chunks(items, size=500):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_by_slug(slugs):
    found = {}
    for chunk in _chunks(slugs):
        found.update(
            (a.slug, a)
            for a in Article.objects.filter(slug__in=chunk).prefetch_related(
                "authors", "tags", "related_links__target"
            )
        )
    return found


def import_articles(
    *, records, progress=None, dry_run=False, pictures=None, body_pictures=None
) -> ImportResult:
    """Create or update stories by slug in bulk; unchanged records are left untouched.

    `pictures`: {line: checked bytes} of the records' images (imports.pictures.load_all),
    put into the library and made the stories' lead images. `body_pictures`: {address:
    checked bytes} of the pictures of other sites in the bodies (imports.pictures.
    load_bodies): the bodies show the library's copies. A picture of a body that cannot be
    the library's raises InvalidRecords, and nothing is written. With `dry_run` everything
    is done and then rolled back (the pictures are not stored), so the counts are exact and
    nothing changes, not even the cached pages.
    """
    with only_after_commit(), transaction.atomic():
        return _import(records, progress, dry_run, pictures or {}, body_pictures or {})


@dataclass
class _Plan:
    """What a run will write: new stories, changed ones, and whose relations to replace."""

    existing: dict  # slug -> Article stored before the run
    new: list = field(default_factory=list)  # (record, Article, authors)
    changed: list = field(default_factory=list)  # Articles
    relations_changed: list = field(default_factory=list)  # (record, Article, authors)


def _import(records, progress, dry_run, pictures, body_pictures):
    result = ImportResult()
    plan = _plan(records, result, progress, _Bodies(body_pictures, dry_run))
    _write_stories(plan, result)
    _write_relations(plan)
    links, replaced = _write_related(records, plan)
    linked = _write_translations(records, plan, result)
    pictured = 0 if dry_run else _write_pictures(records, plan, pictures, result)
    if not dry_run:
        _record_pictures_in_text(plan)
    _write_live(records, plan, result)
    if dry_run:
        transaction.set_rollback(True)
    elif plan.new or plan.changed or links or replaced or pictured or linked:
        content_changed()
        bulk_changed()
    return result


@dataclass
class _Bodies:
    """The bodies' pictures made the library's, and the bodies whose pictures cannot be."""

    fetched: dict  # address -> checked bytes
    dry_run: bool
    errors: list = field(default_factory=list)

    def settle(self, record, body):
        try:
            return settle_body(body, self.fetched, dry_run=self.dry_run)
        except ValidationError as exc:
            self.errors.append(f"line {record.line}: body: {' '.join(exc.messages)}")
            return body


def _plan(records, result, progress, bodies):
    """Compare every record with its story: what to create, change and relate anew."""
    plan = _Plan(existing=_existing_by_slug(r.slug for r in records))
    sections, authors = {}, {}
    now = timezone.now()
    for record in records:
        section = named(Section, record.section, sections, created=result.new_sections)
        author_list = [named(Author, n, authors) for n in record.authors]
        candidate = _candidate(record, section, now, bodies)
        article = plan.existing.get(record.slug)
        if article is None:
            plan.new.append((record, candidate, author_list))
        elif _update(article, candidate, record, author_list, plan):
            article.updated_at = now
            article.version += 1  # an admin form opened before the import is out of date
            plan.changed.append(article)
            result.updated += 1
        else:
            result.unchanged += 1
        if progress:
            progress.update(1)
    if bodies.errors:
        raise InvalidRecords(bodies.errors, records)
    return plan


def _candidate(record, section, now, bodies):
    """The story a record describes, ready to be saved or compared (Ukrainian typography
    for a Ukrainian one, the pictures of its body the library's)."""
    typeset = typography if record.language == "uk" else _as_is
    candidate = Article(
        slug=record.slug,
        language=record.language,
        title=typeset(record.title),
        body=bodies.settle(record, typeset(text.body_to_html(record.body), html=True)),
        teaser=typeset(record.teaser),
        source=record.source,
        section=section,
        status=record.status,
        published_at=record.published_at or now,
    )
    candidate.prepare()
    return candidate


def _update(article, candidate, record, author_list, plan):
    """Take the record's fields into a stored story; True when it or its relations changed."""
    fields = ["title", "language", "body", "teaser", "source", "section_id", "status"]
    if record.published_at is not None:
        fields.append("published_at")
    differs = any(getattr(article, f) != getattr(candidate, f) for f in fields)
    if differs:
        for f in fields + ["excerpt", "search_document"]:
            setattr(article, f, getattr(candidate, f))
    same_authors = [a.pk for a in article.authors.all()] == [a.pk for a in author_list]
    same_tags = sorted(t.name for t in article.tags.all()) == sorted(record.tags)
    if same_authors and same_tags:
        return differs
    plan.relations_changed.append((record, article, author_list))
    return True


def _write_stories(plan, result):
    created = Article.objects.bulk_create([c for _r, c, _a in plan.new], batch_size=500)
    result.created = len(created)
    if created and created[0].pk is None:
        slugs = [c.slug for c in created]
        ids = dict(Article.objects.filter(slug__in=slugs).values_list("slug", "pk"))
        for article in created:
            article.pk = ids[article.slug]
    Article.objects.bulk_update(plan.changed, UPDATED_FIELDS, batch_size=500)


def _as_is(value, html=False):
    return value


def _write_translations(records, plan, result):
    """Link translations to their originals; the number of links that changed."""
    by_slug = {c.slug: c for _r, c, _a in plan.new} | plan.existing
    missing = {r.translation_of for r in records if r.translation_of} - set(by_slug)
    by_slug.update(_existing_by_slug(missing))
    changed = translations.link(records, by_slug)
    bumped = {article.pk for article in plan.changed}
    moved = [pk for pk in changed if pk not in bumped and pk in _stored_ids(plan)]
    if moved:  # a stored story whose link alone changed: updated, at a new version
        Article.objects.filter(pk__in=moved).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        result.unchanged -= len(moved)
        result.updated += len(moved)
    return len(changed)


def _stored_ids(plan):
    return {article.pk for article in plan.existing.values()}


def _write_pictures(records, plan, pictures, result):
    """Each record's picture into the library and onto its story (the same bytes: no change)."""
    by_slug = {c.slug: c for _r, c, _a in plan.new} | plan.existing
    changed = {a.pk for a in plan.changed}
    pictured = 0
    for record in records:
        if record.line not in pictures:
            continue
        article = by_slug[record.slug]
        if not attach(article, record.image, pictures[record.line]):
            continue
        pictured += 1
        if record.slug in plan.existing and article.pk not in changed:
            result.unchanged -= 1  # only its picture changed
            result.updated += 1
            changed.add(article.pk)
    return pictured


def _record_pictures_in_text(plan):
    """The library's "used in" of the stories written (and the picture of a story without
    a lead image of its own: its text's first)."""
    for article in [c for _r, c, _a in plan.new] + plan.changed:
        services.record_pictures_in_text(article=article)


def _write_live(records, plan, result):
    """The live pages' coverage and entries; a story whose entries alone changed is updated."""
    by_slug = {c.slug: c for _r, c, _a in plan.new} | plan.existing
    changed = {a.pk for a in plan.changed}
    for record in records:
        if record.live is None:
            continue
        article = by_slug[record.slug]
        if write_live(article=article, spec=record.live) and article.pk not in changed:
            if record.slug in plan.existing:
                result.unchanged -= 1
                result.updated += 1
            changed.add(article.pk)


def _write_relations(plan):
    """Bylines and tags of new stories, and of changed ones whose relations changed."""
    for _record, article, _authors in plan.relations_changed:
        article.authors.clear()
        article.tags.clear()
    through = Article.authors.through
    with_relations = [*plan.new, *plan.relations_changed]
    bylines = [
        through(article_id=article.pk, author_id=author.pk)
        for _record, article, author_list in with_relations
        for author in author_list
    ]
    through.objects.bulk_create(bylines, batch_size=1000, ignore_conflicts=True)
    article_type = ContentType.objects.get_for_model(Article)
    tags = {}
    tagged = [
        TaggedItem(content_type=article_type, object_id=article.pk, tag=tag_for(name, tags))
        for record, article, _authors in with_relations
        for name in record.tags
    ]
    TaggedItem.objects.bulk_create(tagged, batch_size=1000, ignore_conflicts=True)


def _write_related(records, plan):
    """Replace the related links that differ from the records'; (links made, stories
    whose links were replaced)."""
    by_slug = {c.slug: c for _r, c, _a in plan.new} | plan.existing
    missing = {s for r in records for s in r.related} - set(by_slug)
    by_slug.update(_existing_by_slug(missing))
    links, replaced = _links_to_write(records, plan, by_slug)
    _drop_replaced_links(replaced, plan)
    RelatedLink.objects.bulk_create(links, batch_size=1000)
    return links, replaced


def _links_to_write(records, plan, by_slug):
    """(the links the records ask for where they differ from the stored ones, the ids of
    stored stories whose links they replace)."""
    links, replaced = [], []
    for record in records:
        article = by_slug[record.slug]
        if record.slug in plan.existing:
            if _related_slugs(article) == record.related:
                continue
            replaced.append(article.pk)
        elif not record.related:
            continue
        links.extend(
            RelatedLink(article_id=article.pk, target_id=by_slug[slug].pk, position=i)
            for i, slug in enumerate(record.related)
        )
    return links, replaced


def _drop_replaced_links(replaced, plan):
    """Delete the old links of `replaced` stories and move the versions not moved yet."""
    bumped = {article.pk for article in plan.changed}
    for chunk in _chunks(replaced):
        RelatedLink.objects.filter(article_id__in=chunk).delete()
        # the related links are part of the admin's story form, as the fields are
        Article.objects.filter(pk__in=[pk for pk in chunk if pk not in bumped]).update(
            version=F("version") + 1, updated_at=timezone.now()
        )


def _related_slugs(article):
    links = article.related_links.all()
    return [link.target.slug if link.target_id else None for link in links]
