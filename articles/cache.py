"""Key-based expiry for everything rendered from stories.

Every cached fragment's key carries the content version. Saving or deleting a story
or a related link starts a new version, and so does the moment a scheduled story's
publish time arrives, so no fragment outlives the content it shows.
"""

import time

from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

STATE_KEY = "articles:content-state"
STATE_TTL = 60  # seconds; bounds how long another server may hold a stale schedule


def _new_state():
    from articles.models import Article

    upcoming = Article.objects.filter(
        status=Article.Status.PUBLISHED, published_at__gt=timezone.now()
    ).aggregate(next=Min("published_at"))["next"]
    return {"v": time.time_ns(), "until": upcoming.timestamp() if upcoming else None}


def content_version(state=None):
    """The current content version; changes when content or the set of visible stories does.

    `state` is the value of STATE_KEY when the caller already fetched it (get_many).
    """
    if state is None:
        state = cache.get(STATE_KEY)
    if state is None or (state["until"] is not None and time.time() >= state["until"]):
        state = _new_state()
        cache.set(STATE_KEY, state, STATE_TTL)
    return state["v"]


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
