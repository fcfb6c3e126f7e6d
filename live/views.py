"""The live page readers see, the fragment of entries their browsers poll, an entry's link.

The page is the story's own (articles.views renders it, with the entries around the
story; `live_page`), stored and served like any story page and keyed `live-<id>` at the
edge. The fragment `live/<story id>/since/<revision>/` is the entries changed after a
revision: every reader who has the page at that revision asks the same address, so Varnish
answers them all from one copy until an entry change purges it.
"""

import json

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from articles.delivery import edge
from articles.delivery.pagecache import public_cache
from articles.models import Article
from articles.views import StoryKind, story_page
from live import pages
from live.models import LiveCoverage, LiveEntry
from live.signals import live_key

PAGE_PARAMETERS = ("order", "before")
LARGEST_ID = 2**63 - 1  # an address naming more is no row of ours (and no database's integer)
MOST_NEW = 50  # a fragment with more changes than this asks the reader's page to reload


def live_page(request, article, *, state):
    """The story page of a live page: its entries, key events pinned, polling while it runs;
    None for a story that is not one (articles.views.story_views)."""
    coverage = getattr(article, "live", None)
    if coverage is None:
        return None
    oldest = pages.oldest_first(request)
    shown = pages.entries_page(coverage, oldest=oldest, before=request.GET.get("before"))
    bylines = {e.author_id for e in [*shown.entries, *shown.pinned] if e.author_id}
    kind = StoryKind(
        template="live/live_page.html",
        context={"live": coverage, "shown": shown},
        keys=(live_key(article.pk), *(edge.author_key(pk) for pk in bylines)),
        parameters=PAGE_PARAMETERS,
    )
    return story_page(request, article, state=state, preview=False, kind=kind)


def known_id(pk):
    """`pk`, or a 404 for a number no row can have."""
    if pk > LARGEST_ID:
        raise Http404("No such live page.")
    return pk


def _coverage(article_id):
    known_id(article_id)
    coverage = (
        LiveCoverage.objects.filter(article__in=Article.objects.published(), article_id=article_id)
        .only("pk", "article_id", "revision", "ended_at", "removed")
        .first()
    )
    if coverage is None:
        raise Http404("No such live page.")
    return coverage


def _json(data, article_id):
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    edge.tag(response, [live_key(article_id)])
    return public_cache(response)


@require_safe
def entries_since(request, pk, revision):
    """The entries changed after `revision` (newest first), those taken down, and whether
    the coverage still runs: the same answer for every reader at that revision."""
    coverage = _coverage(pk)
    if revision > coverage.revision:
        raise Http404("No such revision.")
    data = {"revision": coverage.revision, "running": coverage.is_running, "entries": []}
    data["removed"] = coverage.removed_since(revision)
    if revision == coverage.revision:
        return _json(data, pk)
    changed = LiveEntry.objects.filter(coverage=coverage, revision__gt=revision)
    rows = list(changed.in_order().for_page().prefetch_related("notices")[: MOST_NEW + 1])
    if len(rows) > MOST_NEW:
        data["reload"] = True
        return _json(data, pk)
    for entry in rows:
        if not entry.is_published:
            data["removed"].append(entry.pk)
            continue
        html = render_to_string("live/entry.html", {"entry": entry}, request=request)
        data["entries"].append({"id": entry.pk, "key_event": entry.key_event, "html": html})
    return _json(data, pk)


@require_safe
def entry_link(request, pk):
    """An entry's permanent link: its live page, on the page that shows it, at the entry."""
    known_id(pk)
    entry = get_object_or_404(
        LiveEntry.objects.published().select_related("coverage__article"),
        pk=pk,
        coverage__article__in=Article.objects.published(),
    )
    url = entry.coverage.article.get_absolute_url() + pages.page_query_of(entry)
    response = HttpResponseRedirect(f"{url}#{entry.anchor}")
    edge.tag(response, [live_key(entry.coverage.article_id)])
    return public_cache(response)
