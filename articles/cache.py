"""Key-based expiry for everything rendered from stories.

Every cached fragment's key carries the content version. Saving or deleting a story
or a related link starts a new version, and so does the moment a scheduled story's
publish time arrives or a breaking-news banner starts or expires, so no fragment
outlives the content it shows. The banner itself is part of the state, so showing it
costs no query.
"""

import re
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

STATE_KEY = "articles:content-state"
STATE_TTL = 60  # seconds; bounds how long another server may hold a stale schedule


# The latest state this process has read: how long a page it serves may be shared.
_seen = {"until": None}


def _new_state():
    from articles.models import Article, BreakingNews

    now = timezone.now()
    upcoming = Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__gt=now
    ).aggregate(next=Min("published_at"))["next"]
    banner, banner_change = BreakingNews.objects.schedule(now)
    until = min((t for t in (upcoming, banner_change) if t is not None), default=None)
    shown = None
    if banner is not None:
        shown = {"text": banner.text or banner.article.title, "slug": banner.article.slug}
    return {"v": time.time_ns(), "until": until.timestamp() if until else None, "banner": shown}


def content_state(state=None):
    """The current content state: version, when it next changes by itself, the banner.

    `state` is the value of STATE_KEY when the caller already fetched it (get_many).
    """
    if state is None:
        state = cache.get(STATE_KEY)
    if state is None or (state["until"] is not None and time.time() >= state["until"]):
        state = _new_state()
        cache.set(STATE_KEY, state, STATE_TTL)
    _seen["until"] = state["until"]
    return state


def content_version(state=None):
    """The current content version; changes when content or the set of visible stories does."""
    return content_state(state)["v"]


def breaking_news():
    """The breaking-news banner to show now ({"text", "slug"}) or None."""
    return content_state().get("banner")


_SHARED = re.compile(r"(s-maxage|stale-while-revalidate)=(\d+)")


def cap_shared_lifetime(response):
    """Shared caches may keep a page only until the content next changes by itself.

    A banner's expiry or a scheduled story's time ends the version a page shows, so its
    s-maxage and stale-while-revalidate together must not reach past that moment.
    """
    header = response.get("Cache-Control", "")
    if _seen["until"] is None or "s-maxage" not in header:
        return response
    left = max(0, int(_seen["until"] - time.time()))
    values = {name: int(value) for name, value in _SHARED.findall(header)}
    shared = min(values.get("s-maxage", 0), left)
    stale = min(values.get("stale-while-revalidate", 0), left - shared)
    capped = {"s-maxage": shared, "stale-while-revalidate": stale}
    response["Cache-Control"] = _SHARED.sub(lambda m: f"{m[1]}={capped[m[1]]}", header)
    return response


def version_for(request):
    """The content version a request renders with: read once, the same for all its parts."""
    if getattr(request, "content_version", None) is None:
        request.content_version = content_version()
    return request.content_version


def get_versioned(key, *extra_keys):
    """One cache round trip: the content version and the entry stored under `key` for it.

    Returns (version, entry, found); entry is None unless it was stored for this
    version; `found` holds whatever of `extra_keys` the cache had.
    """
    found = cache.get_many([STATE_KEY, key, *extra_keys])
    version = content_version(found.get(STATE_KEY))
    entry = found.get(key)
    if entry is not None and entry.get("version") != version:
        entry = None
    return version, entry, found


def bump_content_version():
    """Start a new content version: every fragment rendered before is ignored from now on."""
    cache.delete(STATE_KEY)


def content_changed():
    """Call on every write readers can see: a new version now, and again once it commits.

    The second bump discards anything another server rendered from the old rows
    between the write and its commit.
    """
    bump_content_version()
    transaction.on_commit(bump_content_version)
