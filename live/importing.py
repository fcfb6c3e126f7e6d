"""A live page in `import_articles`: the record's "live" object, checked and written.

    "live": {"started_at": "2026-12-06T07:00:00+02:00", "ended_at": null,
             "entries": [{"posted_at": "…", "body": "…", "headline": "…",
                          "key_event": true, "author": "Ім'я Прізвище"}]}

Entries are matched by their time: importing the same file again changes nothing, a
later file updates the entries whose text changed and adds the new ones; entries editors
posted meanwhile (at other times) stay.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles import text
from articles.models import EARLIEST_PUBLISH_TIME, LATEST_PUBLISH_TIME, Author
from imports.names import named
from live import services
from live.models import LiveCoverage, LiveEntry

MAX_ENTRIES = 10_000
LIVE_FIELDS = {"started_at", "ended_at", "entries"}
ENTRY_FIELDS = {"posted_at", "body", "headline", "key_event", "author"}
BAD_DATE = "must be an ISO 8601 date and time from the year 1800 to 2999"


@dataclass
class EntrySpec:
    posted_at: datetime
    body: str
    headline: str = ""
    key_event: bool = False
    author: str = ""


@dataclass
class LiveSpec:
    started_at: datetime | None = None
    ended_at: datetime | None = None
    entries: list = field(default_factory=list)


def _moment(value, where, errors, *, required=False):
    if value is None:
        if required:
            errors.append(f"{where}: is required")
        return None
    moment = None
    if isinstance(value, str):
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment) if 1800 < moment.year < 2999 else None
    if moment is None or not EARLIEST_PUBLISH_TIME <= moment < LATEST_PUBLISH_TIME:
        errors.append(f"{where}: {BAD_DATE}")
        return None
    return moment


def _string(value, where, errors, *, max_length, required=False):
    if value is None or value == "":
        if required:
            errors.append(f"{where}: is required")
        return ""
    if not isinstance(value, str):
        errors.append(f"{where}: must be a string")
        return ""
    value = text.strip_control(value).strip()
    if len(value) > max_length:
        errors.append(f"{where}: is too long (at most {max_length} characters)")
    if required and not value:
        errors.append(f"{where}: must not be empty")
    return value


def _entry(raw, where, errors):
    if not isinstance(raw, dict):
        errors.append(f"{where}: must be a JSON object")
        return None
    for unknown in sorted(set(raw) - ENTRY_FIELDS):
        errors.append(f"{where}.{unknown}: unknown field")
    key_event = raw.get("key_event", False)
    if not isinstance(key_event, bool):
        errors.append(f"{where}.key_event: must be true or false")
    posted_at = _moment(raw.get("posted_at"), f"{where}.posted_at", errors, required=True)
    body = _string(raw.get("body"), f"{where}.body", errors, max_length=100_000, required=True)
    if body and not text.html_to_text(text.body_to_html(body)):
        errors.append(f"{where}.body: has no text")
    return EntrySpec(
        posted_at=posted_at,
        body=body,
        headline=_string(raw.get("headline"), f"{where}.headline", errors, max_length=200),
        key_event=key_event is True,
        author=_string(raw.get("author"), f"{where}.author", errors, max_length=150),
    )


def parse_live(value, errors, line):
    """The record's live page, or None; problems added to `errors` as 'line N: live…: …'."""
    if value is None:
        return None
    problems = []
    spec = _parse(value, problems)
    errors.extend(f"line {line}: {problem}" for problem in problems)
    return None if problems else spec


def _parse(value, problems):
    if not isinstance(value, dict):
        problems.append("live: must be a JSON object")
        return None
    for unknown in sorted(set(value) - LIVE_FIELDS):
        problems.append(f"live.{unknown}: unknown field")
    spec = LiveSpec(
        started_at=_moment(value.get("started_at"), "live.started_at", problems),
        ended_at=_moment(value.get("ended_at"), "live.ended_at", problems),
    )
    if spec.started_at and spec.ended_at and spec.ended_at < spec.started_at:
        problems.append("live.ended_at: must not be before started_at")
    raw_entries = value.get("entries", [])
    if not isinstance(raw_entries, list) or len(raw_entries) > MAX_ENTRIES:
        problems.append(f"live.entries: must be a list of at most {MAX_ENTRIES} entries")
        return spec
    seen = {}
    for index, raw in enumerate(raw_entries, start=1):
        entry = _entry(raw, f"live.entries[{index}]", problems)
        if entry is None or entry.posted_at is None:
            continue
        if entry.posted_at in seen:
            problems.append(
                f"live.entries[{index}].posted_at: the same time as entry {seen[entry.posted_at]}"
            )
        seen.setdefault(entry.posted_at, index)
        spec.entries.append(entry)
    return spec


@transaction.atomic
def write_live(*, article, spec: LiveSpec) -> bool:
    """Make `article` the live page `spec` describes; True when anything changed."""
    coverage = LiveCoverage.objects.filter(article=article).first()
    changed = coverage is None
    started = spec.started_at or (coverage.started_at if coverage else article.published_at)
    if coverage is None:
        coverage = LiveCoverage.objects.create(article=article, started_at=started)
    if (coverage.started_at, coverage.ended_at) != (started, spec.ended_at):
        LiveCoverage.objects.filter(pk=coverage.pk).update(
            started_at=started, ended_at=spec.ended_at
        )
        changed = True
    entries = _write_entries(coverage, spec.entries)
    if changed or entries:
        services.imported(coverage_id=coverage.pk, entries=entries)
    return changed or bool(entries)


def _write_entries(coverage, specs):
    """Create or update entries by time; the entries written."""
    stored = {e.posted_at: e for e in LiveEntry.objects.filter(coverage=coverage)}
    bylines, written = {}, []
    for spec in specs:
        author = named(Author, spec.author, bylines) if spec.author else None
        body = services.entry_body(spec.body)
        entry = stored.get(spec.posted_at) or LiveEntry(coverage=coverage, posted_at=spec.posted_at)
        wanted = (spec.headline, body, spec.key_event, author.pk if author else None)
        now = (entry.headline, entry.body, entry.key_event, entry.author_id)
        if entry.pk and wanted == now:
            continue
        entry.headline, entry.body, entry.key_event, entry.author = (
            spec.headline,
            body,
            spec.key_event,
            author,
        )
        written.append(entry)
    return written
