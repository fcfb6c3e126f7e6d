"""Reader-facing pages: home, story, section, tag, author, search, top rated, preview."""

import hashlib

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.utils.translation import get_language
from taggit.models import Tag

from articles import search as story_search
from articles import text
from articles.cache import content_version
from articles.models import Article, Author, Section, SlugRedirect
from ratings import services as ratings
from ratings.ranking import top_rated

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


def paginate(request, queryset, count_key):
    """The requested page, or 404 for a page that is not a positive number in range."""
    raw = request.GET.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > MAX_PAGE_PARAM:
        raise Http404("No such page.")
    paginator = CachedCountPaginator(queryset, settings.ARTICLES_PER_PAGE, count_key)
    try:
        return paginator.page(int(raw))
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page.") from None


def public_cache(response, request, seconds=60):
    """Cache headers for a CDN: short shared lifetime, private for signed-in users."""
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(
            response, public=True, max_age=0, s_maxage=seconds, stale_while_revalidate=30
        )
    return response


def _listing(request, template, queryset, count_key, extra):
    page = paginate(request, queryset.for_listing(), count_key)
    context = {"page_obj": page, "articles": page.object_list, **extra}
    return public_cache(render(request, template, context), request)


def home(request):
    page = paginate(request, Article.objects.published().for_listing(), "home")
    context = {
        "page_obj": page,
        "articles": page.object_list,
        "version": content_version(),
        "section_blocks": _section_blocks if page.number == 1 else None,
    }
    return public_cache(render(request, "articles/article_list.html", context), request)


def _section_blocks():
    """The newest four stories of every section, in one query (run only on a cache miss)."""
    ranked = (
        Article.objects.published()
        .for_listing()
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("section_id"),
                order_by=[F("published_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=4)
        .order_by("section__position", "section__name", "rank")
    )
    blocks = {}
    for story in ranked:
        blocks.setdefault(story.section, []).append(story)
    return list(blocks.items())


def article_detail(request, slug):
    try:
        article = Article.objects.published().select_related("section").get(slug=slug)
    except Article.DoesNotExist:
        moved = SlugRedirect.objects.filter(old_slug=slug).select_related("article").first()
        if moved and moved.article.is_public:
            return redirect(moved.article, permanent=True)
        raise Http404("No such story.") from None
    return _render_story(request, article, preview=False)


@staff_member_required
def article_preview(request, pk):
    """A story exactly as a reader will see it, for editors only, whatever its status."""
    if not request.user.has_perm("articles.change_article"):
        raise Http404("No such story.")
    article = get_object_or_404(Article.objects.select_related("section"), pk=pk)
    response = _render_story(request, article, preview=True)
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def _render_story(request, article, *, preview):
    version = content_version()
    score = ratings.current(target=article, key="rating")
    etag = hashlib.sha256(
        f"{article.pk}:{article.updated_at.timestamp()}:{version}:{score.count}:{score.total}:"
        f"{get_language()}:{request.user.is_authenticated}".encode()
    ).hexdigest()[:32]
    etag = f'"{etag}"'
    has_messages = bool(request.COOKIES.get("messages"))
    if not preview and not has_messages:
        not_modified = get_conditional_response(
            request, etag=etag, last_modified=int(article.updated_at.timestamp())
        )
        if not_modified is not None:
            return public_cache(not_modified, request)
    context = {
        "article": article,
        "version": version,
        "score": score,
        "preview": preview,
        "related": lambda: article.related_news(),
        "authors": lambda: list(article.authors.all()),
        "tags": lambda: list(article.tags.all()),
        # JSON-LD carries the rating only when the setting is on; then it keys the cache too.
        "rating_key": f"{score.count}:{score.total}" if settings.RATINGS_JSONLD else "",
    }
    response = render(request, "articles/article_detail.html", context)
    if preview:
        return response
    response["ETag"] = etag
    response["Last-Modified"] = http_date(article.updated_at.timestamp())
    # Messages are per reader: a page that shows one must not be cached for others.
    if has_messages or list(get_messages(request)):
        patch_cache_control(response, private=True, no_cache=True)
        return response
    return public_cache(response, request)


def section_detail(request, slug):
    section = get_object_or_404(Section, slug=slug)
    return _listing(
        request, "articles/section_detail.html",
        Article.objects.published().in_section(section), f"section:{section.pk}",
        {"section": section},
    )  # fmt: skip


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    return _listing(
        request, "articles/tag_detail.html",
        Article.objects.published().filter(tags=tag), f"tag:{tag.pk}", {"tag": tag},
    )  # fmt: skip


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


def top_rated_view(request):
    stories = top_rated(Article.objects.published().for_listing(), limit=20)
    return public_cache(render(request, "articles/top_rated.html", {"articles": stories}), request)
