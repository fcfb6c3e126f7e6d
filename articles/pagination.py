"""Pages of story lists: numbered with a cached count, or by a cursor at any depth."""

from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q
from django.http import Http404

from articles.delivery.content_version import content_version

MAX_PAGE_PARAM = 7  # digits; deeper than any real archive
NO_SUCH_PAGE = "No such page."


class CachedCountPaginator(Paginator):
    """A paginator whose total is cached per content version (COUNT(*) is slow on big lists)."""

    def __init__(self, object_list, per_page, count_key, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count_key = count_key

    @property
    def count(self):
        if "_count" not in self.__dict__:
            key = f"count:{self._count_key}:{content_version()}"
            total = cache.get(key)
            if total is None:
                total = self.object_list.count()
                cache.set(key, total, 600)
            self.__dict__["_count"] = total
        return self.__dict__["_count"]


class CursorPage:
    """A page of a time-ordered list after a given story: as fast at any depth."""

    number = None

    def __init__(self, items, has_more):
        self.object_list = items
        self._has_more = has_more

    def has_next(self):
        return self._has_more

    def has_previous(self):
        return True

    def has_other_pages(self):
        return True


def cursor(story):
    """The cursor of the stories older than `story`: "<microseconds>.<id>"."""
    return f"{int(story.published_at.timestamp() * 1_000_000)}.{story.pk}"


def _after_cursor(queryset, raw):
    """Stories older than the cursor; 404 unless it names a story of this list.

    Only real cursors name pages, so made-up ones cannot fill caches with copies.
    """
    micros, _, pk = raw.partition(".")
    if not (micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()):
        raise Http404(NO_SUCH_PAGE)
    if len(micros) > 17 or len(pk) > 18:
        raise Http404(NO_SUCH_PAGE)
    try:
        moment = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise Http404(NO_SUCH_PAGE) from None
    if not queryset.filter(pk=int(pk), published_at=moment).exists():
        raise Http404(NO_SUCH_PAGE)
    return queryset.filter(
        Q(published_at__lt=moment) | Q(published_at=moment, pk__lt=int(pk))
    ).order_by("-published_at", "-id")


def paginate(request, queryset, count_key, *, keyset=False):
    """The requested page, or 404 for a page that is not a positive number in range.

    Time-ordered lists (`keyset`) also take ?before=<cursor> and link to older stories
    that way, so the deepest page of a 100,000-story archive costs what the first does.
    """
    per_page = settings.ARTICLES_PER_PAGE
    if keyset and "before" in request.GET:
        page = _cursor_page(queryset, request.GET["before"], per_page)
    else:
        page = _numbered_page(queryset, request.GET.get("page", "1"), per_page, count_key)
    last = page.object_list[-1] if page.object_list else None
    page.older_cursor = cursor(last) if keyset and page.has_next() and last else ""
    return page


def _cursor_page(queryset, before, per_page):
    items = list(_after_cursor(queryset, before)[: per_page + 1])
    if not items:
        raise Http404(NO_SUCH_PAGE)
    return CursorPage(items[:per_page], len(items) > per_page)


def _numbered_page(queryset, raw, per_page, count_key):
    """Page `raw` ("1", "2"…): a 404 for anything but a positive number in range."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_PAGE_PARAM or raw[0] == "0":
        raise Http404(NO_SUCH_PAGE)
    paginator = CachedCountPaginator(queryset, per_page, count_key)
    try:
        page = paginator.page(int(raw))
    except (EmptyPage, PageNotAnInteger):
        raise Http404(NO_SUCH_PAGE) from None
    page.object_list = list(page.object_list)
    return page
