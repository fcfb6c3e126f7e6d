"""Which entries a live page shows: newest or oldest first, a page of them after a cursor,
the key events pinned above, and where an entry is found (for its permanent link)."""

from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from live.models import LiveEntry

PER_PAGE = 50
PINNED = 5
NO_SUCH_PAGE = _("No such page of entries.")
ORDERS = {None: False, "oldest": True}  # ?order=…: oldest first or not


@dataclass
class EntriesPage:
    entries: list
    pinned: list
    oldest_first: bool
    next_cursor: int | None  # ?before=… of the page that follows, or None
    first: bool  # the first page (newest first): the one readers' browsers keep up to date


def oldest_first(request):
    """The order the reader asked for; 404 for anything but the two orders."""
    order = request.GET.get("order")
    if order not in ORDERS:
        raise Http404(NO_SUCH_PAGE)
    return ORDERS[order]


def _following(entries, anchor, oldest):
    """The entries after `anchor` in the page's order."""
    if oldest:
        return entries.filter(
            Q(posted_at__gt=anchor.posted_at) | Q(posted_at=anchor.posted_at, pk__gt=anchor.pk)
        )
    return entries.filter(
        Q(posted_at__lt=anchor.posted_at) | Q(posted_at=anchor.posted_at, pk__lt=anchor.pk)
    )


def _anchor(entries, raw):
    """The entry a ?before=… names; 404 unless it is a published entry of this page."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise Http404(NO_SUCH_PAGE)
    anchor = entries.filter(pk=int(raw)).only("pk", "posted_at").first()
    if anchor is None:
        raise Http404(NO_SUCH_PAGE)
    return anchor


def entries_page(coverage, *, oldest=False, before=None) -> EntriesPage:
    """A page of `coverage`'s published entries, and its key events (on the first page)."""
    published = LiveEntry.objects.filter(coverage=coverage).published()
    shown = published
    if before is not None:
        shown = _following(published, _anchor(published, before), oldest)
    rows = list(shown.in_order(oldest).for_page().prefetch_related("notices")[: PER_PAGE + 1])
    entries, more = rows[:PER_PAGE], len(rows) > PER_PAGE
    first = before is None and not oldest
    pinned = []
    if before is None:
        pinned = list(published.filter(key_event=True).in_order().for_page()[:PINNED])
    return EntriesPage(
        entries=entries,
        pinned=pinned,
        oldest_first=oldest,
        next_cursor=entries[-1].pk if more else None,
        first=first,
    )


def page_query_of(entry):
    """The query of the newest-first page that shows `entry` ("" for the first one)."""
    published = LiveEntry.objects.filter(coverage_id=entry.coverage_id).published()
    newer = published.filter(
        Q(posted_at__gt=entry.posted_at) | Q(posted_at=entry.posted_at, pk__gt=entry.pk)
    )
    if newer.count() < PER_PAGE:
        return ""
    # the page that starts right after the entry just newer than this one
    just_newer = newer.in_order(oldest_first=True).only("pk").first()
    return f"?before={just_newer.pk}"
