"""Reader-facing pages: home, story, section, tag, author, search, top rated, preview."""

import functools
import hashlib
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language
from taggit.models import Tag

from articles import search as story_search
from articles import text, workflow
from articles.cache import STATE_KEY, cap_shared_lifetime, content_version, version_for
from articles.models import Article, Author, Notice, Section, SlugRedirect
from articles.pagecache import (
    RATING_SLOT,
    TOP_RATED_LIST_SLOT,
    TOP_RATED_SLOT,
    cached_for_readers,
    lookup_for,
    page_key,
    reader_cacheable,
    serves,
    store,
)
from ratings import cache as score_cache
from ratings import services as ratings
from ratings.ranking import top_rated
from ratings.templatetags.ratings_tags import render_widget

MAX_PAGE_PARAM = 7  # digits; deeper than any real archive


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

    def __init__(self, items, has_more, key):
        self.object_list = items
        self._has_more = has_more
        self.key = key

    def has_next(self):
        return self._has_more

    def has_previous(self):
        return True

    def has_other_pages(self):
        return True


def _cursor(story):
    return f"{int(story.published_at.timestamp() * 1_000_000)}.{story.pk}"


def _after_cursor(queryset, raw):
    """Stories older than the cursor "<microseconds>.<id>"; 404 for anything else."""
    micros, _, pk = raw.partition(".")
    if not (micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()):
        raise Http404("No such page.")
    if len(micros) > 17 or len(pk) > 18:
        raise Http404("No such page.")
    try:
        moment = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise Http404("No such page.") from None
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
        raw = request.GET["before"]
        items = list(_after_cursor(queryset, raw)[: per_page + 1])
        if not items:
            raise Http404("No such page.")
        page = CursorPage(items[:per_page], len(items) > per_page, key=f"before-{raw}")
    else:
        raw = request.GET.get("page", "1")
        if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_PAGE_PARAM:
            raise Http404("No such page.")
        paginator = CachedCountPaginator(queryset, per_page, count_key)
        try:
            page = paginator.page(int(raw))
        except (EmptyPage, PageNotAnInteger):
            raise Http404("No such page.") from None
        page.key = f"page-{page.number}"
        page.object_list = list(page.object_list)
    page.older_cursor = (
        _cursor(page.object_list[-1]) if keyset and page.has_next() and page.object_list else ""
    )
    return page


def public_cache(response, request, seconds=60):
    """Cache headers for a CDN: short shared lifetime, private for signed-in users."""
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(
            response, public=True, max_age=0, s_maxage=seconds, stale_while_revalidate=30
        )
        cap_shared_lifetime(response)
    return response


def _listing(request, template, queryset, count_key, extra):
    page = paginate(request, queryset.for_listing(), count_key, keyset=True)
    context = {"page_obj": page, "articles": page.object_list, **extra}
    return public_cache(render(request, template, context), request)


def _top_rated_html(request, template, limit):
    """The top-rated list, rendered again only after a vote or a content change.

    One cache round trip: the stored HTML carries the versions it was made for.
    """
    key = f"top-rated:{template}:{limit}:{get_language()}"
    found = cache.get_many([STATE_KEY, ratings.RANKING_VERSION_KEY, key])
    versions = (content_version(found.get(STATE_KEY)), found.get(ratings.RANKING_VERSION_KEY, 0))
    entry = found.get(key)
    if entry is None or entry["versions"] != versions:
        stories = top_rated(Article.objects.published().for_listing(), limit=limit)
        entry = {
            "versions": versions,
            "html": render_to_string(template, {"articles": stories}, request=request),
        }
        cache.set(key, entry, 600)
    return entry["html"]


TOP_RATED_BLOCKS = [
    (TOP_RATED_SLOT, "includes/top_rated_block.html", 5),
    (TOP_RATED_LIST_SLOT, "articles/top_rated_list.html", 20),
]


def insert_top_rated(request, html):
    """Fill the home page's top-rated block or the top-rated page's list in.

    They follow votes, not content: a stored page keeps the slot and is filled again
    after each vote (see cached_for_readers).
    """
    for slot, template, limit in TOP_RATED_BLOCKS:
        if slot in html:
            html = html.replace(slot, _top_rated_html(request, template, limit), 1)
    return html


@cached_for_readers(fill=insert_top_rated, fill_key=ratings.RANKING_VERSION_KEY)
def home(request):
    page = paginate(request, Article.objects.published().for_listing(), "home", keyset=True)
    context = {
        "page_obj": page,
        "articles": page.object_list,
        "section_blocks": _section_blocks if page.number == 1 else None,
    }
    return public_cache(render(request, "articles/article_list.html", context), request)


def _section_blocks():
    """The newest four stories of every section (run only on a cache miss).

    One small query per section, each served by the section index, so the cost does not
    grow with the archive (a single window query over all stories would).
    """
    blocks = []
    for section in Section.objects.all():
        stories = list(Article.objects.published().in_section(section).for_listing()[:4])
        if stories:
            blocks.append((section, stories))
    return blocks


@serves("story")
def serve_story(request, entry, found):
    """A stored story page with its live score (fetched with the page when known)."""
    score_key = entry["extra_keys"][0]
    count, total = score_cache.score(Article, entry["pk"], "rating", cached=found.get(score_key))
    return _story_response(request, entry, ratings.Result(count, total, None))


def article_detail(request, slug):
    cacheable = reader_cacheable(request)
    if cacheable:
        key = request.page_cache_key = page_key(request, get_language())
        _version, entry, found = lookup_for(request, key)
        if entry is not None:
            return serve_story(request, entry, found)
    try:
        article = Article.objects.published().select_related("section").get(slug=slug)
    except Article.DoesNotExist:
        moved = SlugRedirect.objects.filter(old_slug=slug).select_related("article").first()
        if moved and moved.article.is_public:
            return redirect(moved.article, permanent=True)
        raise Http404("No such story.") from None
    entry = {**_render_story(request, article, preview=False), "kind": "story"}
    if cacheable:
        store(key, entry, [score_cache.key_for(Article, article.pk, "rating")])
    score = ratings.current(target=article, key="rating")
    return _story_response(request, entry, score)


@staff_member_required
def article_preview(request, pk):
    """A story exactly as a reader will see it, for editors only, whatever its status."""
    if not request.user.has_perm("articles.change_article"):
        raise Http404("No such story.")
    # Authors preview their own stories and published ones, not other people's drafts.
    stories = workflow.visible_to(request.user, Article.objects.select_related("section"))
    article = get_object_or_404(stories, pk=pk)
    entry = _render_story(request, article, preview=True)
    response = _story_response(
        request, entry, ratings.current(target=article, key="rating"), preview=True
    )
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def _render_story(request, article, *, preview):
    """The story page with a slot for the rating block; the same for every reader."""
    version = version_for(request)
    score = ratings.current(target=article, key="rating") if settings.RATINGS_JSONLD else None
    tags = functools.cache(lambda: list(article.tags.all()))  # both fragments use them
    context = {
        "article": article,
        "score": score,
        "preview": preview,
        "related": lambda: article.related_news(tag_ids=[tag.pk for tag in tags()]),
        "authors": lambda: list(article.authors.all()),
        "tags": tags,
        # JSON-LD carries the rating only when the setting is on; then it keys the cache too.
        "rating_key": f"{score.count}:{score.total}" if score else "",
    }
    response = render(request, "articles/article_detail.html", context)
    # Stored as the bytes before and after the rating slot: joined with the live block.
    head, _slot, tail = response.content.partition(RATING_SLOT.encode())
    updated = article.updated_at.timestamp()
    return {
        "pk": article.pk,
        "slug": article.slug,
        "head": head,
        "tail": tail,
        "updated": updated,
        "last_modified": http_date(updated),
        "version": version,
        "rating_key": context["rating_key"],
    }


def _story_response(request, entry, score, *, preview=False):
    """Fill the rating block in (live numbers, this reader's CSRF token); HTTP validators."""
    if settings.RATINGS_JSONLD and entry["rating_key"] != f"{score.count}:{score.total}":
        entry = _render_story(request, Article.objects.select_related("section").get(
            pk=entry["pk"]), preview=preview)  # fmt: skip
    signed_in = request.user.is_authenticated
    etag = hashlib.sha256(
        f"{entry['pk']}:{entry['updated']}:{entry['version']}:{score.count}:{score.total}:"
        f"{get_language()}:{signed_in}".encode()
    ).hexdigest()[:32]
    etag = f'"{etag}"'
    has_messages = "messages" in request.COOKIES
    conditional = "If-None-Match" in request.headers or "If-Modified-Since" in request.headers
    if conditional and not preview and not has_messages:
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=int(entry["updated"])
        )
        if not_modified is not None:
            return public_cache(not_modified, request)
    widget = render_widget(request, Article, entry["pk"], score).encode()
    response = HttpResponse(b"".join((entry["head"], widget, entry["tail"])))
    if preview:
        return response
    response["ETag"] = etag
    response["Last-Modified"] = entry["last_modified"]
    # Messages are per reader: a page that shows one must not be cached for others.
    if has_messages:
        patch_cache_control(response, private=True, no_cache=True)
        return response
    return public_cache(response, request)


@cached_for_readers
def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    return _listing(
        request, "articles/section_detail.html",
        Article.objects.published().in_section(section), f"section:{section.pk}",
        {"section": section},
    )  # fmt: skip


@cached_for_readers
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    return _listing(
        request, "articles/tag_detail.html",
        Article.objects.published().filter(tags=tag), f"tag:{tag.pk}", {"tag": tag},
    )  # fmt: skip


@cached_for_readers
def author_detail(request, slug):
    author = get_object_or_404(Author, slug=slug)
    return _listing(
        request, "articles/author_detail.html",
        Article.objects.published().filter(authors=author), f"author:{author.pk}",
        {"author": author},
    )  # fmt: skip


def search_view(request):
    query = text.strip_control(request.GET.get("q", ""))[: story_search.MAX_QUERY_LENGTH].strip()
    results, page = [], None
    if query:
        found = story_search.search(Article.objects.published().select_related("section"), query)
        page = paginate(request, found, "search:" + hashlib.sha256(query.encode()).hexdigest())
        results = [
            (a, story_search.highlight(text.html_to_text(a.body), query)) for a in page.object_list
        ]
    response = render(
        request, "articles/search.html", {"query": query, "results": results, "page_obj": page}
    )
    return public_cache(response, request, seconds=30)


@cached_for_readers
def corrections(request):
    """Every correction, update and clarification of the stories readers can see."""
    notices = Notice.objects.public().select_related("article")
    page = paginate(request, notices, "corrections")
    context = {"page_obj": page, "notices": page.object_list}
    return public_cache(render(request, "articles/notice_list.html", context), request)


@cached_for_readers(fill=insert_top_rated, fill_key=ratings.RANKING_VERSION_KEY)
def top_rated_view(request):
    return public_cache(render(request, "articles/top_rated.html"), request)
