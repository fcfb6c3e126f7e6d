"""Writes of live pages: posting, editing, publishing and removing entries, closing.

Each takes the coverage's row lock, raises its revision, stamps the changed entry with it
and moves the story's "Оновлено" time (its dateModified and sitemap lastmod) to the change;
once committed, a new content version starts and the page, its fragments, its feed and
the sitemaps are purged at the HTTP caches in front (live.signals.changed).
"""

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles import text
from articles.models import Article, Author, Notice
from live import rules, signals
from live.models import REMOVED_KEPT, LiveCoverage, LiveEntry

EMPTY_ENTRY = _("Write the entry's text.")


class Refused(Exception):
    """A write the user may not make; its message is for them."""


def entry_body(raw):
    """An entry's text as sanitised HTML: plain text becomes paragraphs, HTML is cleaned."""
    body = text.body_to_html(raw or "")
    if not text.html_to_text(body) and "<img" not in body:
        raise Refused(EMPTY_ENTRY)
    return body


def _lock(coverage_id):
    """The coverage row, locked, with its revision raised (not yet saved)."""
    coverage = LiveCoverage.objects.select_for_update().get(pk=coverage_id)
    coverage.revision += 1
    return coverage


def _touch(coverage, moment):
    """Save the new revision; the story's modification time moves to `moment` if later."""
    coverage.save(update_fields=["revision", "removed"])
    Article.objects.filter(pk=coverage.article_id).update(
        revised_at=Greatest(Coalesce("revised_at", "published_at"), Value(moment))
    )
    signals.changed(coverage)


def byline_of(user):
    """The byline a staff account writes under (made from its name when it has none)."""
    if user is None:
        return None
    byline = Author.objects.filter(user=user).first()
    if byline is None:
        name = user.get_full_name() or user.get_username()
        byline = Author.objects.create(name=name, user=user)
    return byline


@transaction.atomic
def open_coverage(*, article: Article, started_at=None, authors_publish=False) -> LiveCoverage:
    """Make `article` a live page (or give back its coverage)."""
    coverage, created = LiveCoverage.objects.get_or_create(
        article=article,
        defaults={
            "started_at": started_at or timezone.now(),
            "authors_publish": authors_publish,
        },
    )
    if created:
        signals.changed(coverage)
    return coverage


@transaction.atomic
def post_entry(
    *,
    coverage: LiveCoverage,
    user,
    body,
    headline="",
    picture=None,
    key_event=False,
    posted_at=None,
) -> LiveEntry:
    """Post an entry; it appears at once unless an Author's entry waits for an editor."""
    if (refusal := rules.posting_refusal(user, coverage)) is not None:
        raise Refused(refusal)
    body = entry_body(body)
    coverage = _lock(coverage.pk)
    entry = LiveEntry(
        coverage=coverage,
        posted_at=posted_at or timezone.now(),
        headline=headline,
        body=body,
        picture=picture,
        key_event=key_event,
        is_published=rules.publishes_at_once(user, coverage),
        author=byline_of(user),
        created_by=user,
        revision=coverage.revision,
    )
    entry.full_clean(exclude=["coverage", "picture", "author"])
    entry.save()
    _touch(coverage, entry.posted_at)
    return entry


@transaction.atomic
def edit_entry(*, entry: LiveEntry, user, fields=()) -> LiveEntry:
    """Save the changes made to `entry` (its `fields`); readers' pages replace it in place."""
    stored = LiveEntry.objects.select_related("author").get(pk=entry.pk)
    if (refusal := rules.change_refusal(user, stored)) is not None:
        raise Refused(refusal)
    if "is_published" in fields and entry.is_published and not rules.is_editor(user):
        raise Refused(rules.PUBLISHED_IS_EDITORS)
    entry.body = entry_body(entry.body)
    entry.clean()
    coverage = _lock(entry.coverage_id)
    entry.revision = coverage.revision
    entry.save()
    _touch(coverage, timezone.now())
    return entry


@transaction.atomic
def publish_entry(*, entry: LiveEntry, user) -> LiveEntry:
    """An editor publishes an entry that waited (it joins the page at its own time)."""
    if not rules.is_editor(user):
        raise Refused(rules.PUBLISHED_IS_EDITORS)
    coverage = _lock(entry.coverage_id)
    LiveEntry.objects.filter(pk=entry.pk).update(is_published=True, revision=coverage.revision)
    entry.is_published, entry.revision = True, coverage.revision
    _touch(coverage, timezone.now())
    return entry


@transaction.atomic
def remove_entry(*, entry: LiveEntry, user) -> None:
    """Delete an entry: readers' open pages are told to drop it on their next poll."""
    if not rules.may_delete(user):
        raise Refused(rules.PUBLISHED_IS_EDITORS)
    coverage = _lock(entry.coverage_id)
    coverage.removed = [*coverage.removed, [coverage.revision, entry.pk]][-REMOVED_KEPT:]
    entry.notices.all().delete()
    entry.delete()
    _touch(coverage, timezone.now())


@transaction.atomic
def correct_entry(*, entry: LiveEntry, user, kind, note) -> Notice:
    """A dated correction (or update, clarification) of an entry: shown on the entry, under
    the story and on /corrections/."""
    if not rules.is_editor(user):
        raise Refused(rules.PUBLISHED_IS_EDITORS)
    notice = Notice.objects.create(article_id=entry.coverage.article_id, kind=kind, text=note)
    entry.notices.add(notice)
    coverage = _lock(entry.coverage_id)
    LiveEntry.objects.filter(pk=entry.pk).update(revision=coverage.revision)
    _touch(coverage, notice.noted_at)
    return notice


@transaction.atomic
def imported(*, coverage_id, entries) -> LiveCoverage:
    """Save entries an import made or changed (live.importing), under one new revision."""
    coverage = _lock(coverage_id)
    for entry in entries:
        entry.revision = coverage.revision
        entry.save()
    latest = max((entry.posted_at for entry in entries), default=timezone.now())
    _touch(coverage, latest)
    return coverage


@transaction.atomic
def close_coverage(*, coverage: LiveCoverage, user=None, ended_at=None) -> LiveCoverage:
    """ "Трансляцію завершено": the page stays as a story, and readers' pages stop polling."""
    if user is not None and not rules.may_manage(user):
        raise Refused(rules.NOT_YOUR_PAGE)
    coverage = _lock(coverage.pk)
    coverage.ended_at = ended_at or timezone.now()
    coverage.save(update_fields=["ended_at"])
    _touch(coverage, coverage.ended_at)
    return coverage


@transaction.atomic
def reopen_coverage(*, coverage: LiveCoverage, user=None) -> LiveCoverage:
    if user is not None and not rules.may_manage(user):
        raise Refused(rules.NOT_YOUR_PAGE)
    coverage = _lock(coverage.pk)
    coverage.ended_at = None
    coverage.save(update_fields=["ended_at"])
    _touch(coverage, timezone.now())
    return coverage
