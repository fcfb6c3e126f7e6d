"""Key-based expiry for everything rendered from stories.

Every stored page carries the content version it was rendered from. Saving or deleting
a story, a link, a section, an author, a tag, a notice or a banner starts a new version,
and so does the moment a scheduled story's publish time arrives or a breaking-news
banner starts or expires, so no page outlives the content it shows. The banner itself
is part of the state, so showing it costs no query.
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

# The shape of a state is part of its key: a release that stores it differently (the menu
# became per edition) starts afresh instead of reading the old shape while it lives.
STATE_FORMAT = 2
STATE_KEY = f"articles:content-state:{STATE_FORMAT}"
# Seconds a state is kept: a new one is also a new version, which retires every stored
# page, so it lives as long as they do. It ends sooner by itself when its `until` comes,
# and at once with every change (content_changed).
STATE_TTL = 600


def next_publish_time():
    """When the next scheduled story becomes public, or None."""
    from articles.models import LATEST_PUBLISH_TIME, Article

    # Bounded above as well: a value the database holds but Python cannot represent
    # (from before the range was enforced) must not stop every page from rendering.
    return Article.objects.filter(
        status=Article.Status.PUBLISHED,
        published_at__gt=timezone.now(),
        published_at__lt=LATEST_PUBLISH_TIME,
    ).aggregate(next=Min("published_at"))["next"]


def _new_state():
    from articles.models import BreakingNews

    upcoming = next_publish_time()
    banner, banner_change = BreakingNews.objects.schedule(timezone.now())
    until = min((t for t in (upcoming, banner_change) if t is not None), default=None)
    shown = None
    if banner is not None:
        story = banner.article
        shown = {  # a banner without a story is its text alone, written in the site's language
            "text": banner.text or story.title,
            "slug": story.slug if story else "",
            "url": story.get_absolute_url() if story else "",
            "language": story.language if story else settings.LANGUAGE_CODE,
        }
    return {
        "v": time.time_ns(),
        "until": until.timestamp() if until else None,
        "banner": shown,
        "pages": _footer_pages(),
        "sections": _menu_sections(),
    }


def _menu_sections():
    """The menu every page has, per edition: sections with a public story of that edition
    ({edition: [{"pk", "slug", "name", "colour"}]}), kept with the state so that a page
    rendered afresh asks no query for it."""
    from articles import editions
    from articles.models import Section

    sections = Section.objects.in_editions(editions.codes())
    fields = ("pk", "slug", "name", "name_en", "colour")
    menus = {edition: [] for edition in editions.codes()}
    for section in sections.values(*fields, *(f"in_{e}" for e in editions.codes())):
        for edition in editions.codes():
            if section[f"in_{edition}"]:
                menus[edition].append({name: section[name] for name in fields})
    return menus


def _footer_pages():
    """The newsroom's own pages (flat pages: about, contacts, policy), for every footer."""
    from django.contrib.flatpages.models import FlatPage

    pages = FlatPage.objects.filter(sites=settings.SITE_ID, registration_required=False)
    return [{"url": url, "title": title} for url, title in pages.values_list("url", "title")[:12]]


def content_state(state=None):
    """{"v": version, "until": when it ends by itself or None, "banner": breaking news or None}.

    `state` is the value of STATE_KEY when the caller already fetched it (get_many).
    """
    if state is None:
        state = cache.get(STATE_KEY)
    if state is None or (state["until"] is not None and time.time() >= state["until"]):
        state = _new_state()
        cache.set(STATE_KEY, state, STATE_TTL)
    return state


def content_version(state=None):
    """The current content version; changes when content or the set of visible stories does."""
    return content_state(state)["v"]


def breaking_news():
    """The breaking-news banner to show now ({"text", "slug"}) or None."""
    return content_state().get("banner")


def footer_pages():
    """[{"url", "title"}] of the flat pages shown in the footer."""
    return content_state().get("pages", [])


def menu_sections():
    """[{"pk", "slug", "name", "colour"}] of the sections in the current edition's menu."""
    from articles import editions

    return content_state().get("sections", {}).get(editions.current(), [])


def bump_content_version():
    """Start a new content version: every fragment rendered before is ignored from now on."""
    cache.delete(STATE_KEY)


_only_after_commit = ContextVar("content_version_only_after_commit", default=False)


def content_changed():
    """Call on every write readers can see: a new version now, and again once it commits.

    The second bump discards anything another server rendered from the old rows
    between the write and its commit. Inside `only_after_commit()` the first is left out,
    so a write that is rolled back (a dry run) leaves every stored page as it was.
    """
    if not _only_after_commit.get():
        bump_content_version()
    transaction.on_commit(bump_content_version)


@contextmanager
def only_after_commit():
    """Writes in this block start a new content version only if they commit."""
    token = _only_after_commit.set(True)
    try:
        yield
    finally:
        _only_after_commit.reset(token)
