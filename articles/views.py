"""Reader-facing pages: home, story, section, tag, author, search, top rated, preview.

Each view gathers its data with QuerySets, renders a template and answers through
articles.delivery.pagecache.respond, which the page cache also uses for stored pages.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from modern_csrf.decorators import csrf_protect as cross_origin_protect
from taggit.models import Tag

from articles import editions, popularity, story_reads, text, translations
from articles import search as story_search
from articles.delivery import cookies, edge
from articles.delivery.content_version import STATE_KEY, content_state
from articles.delivery.pagecache import (
    LivePart,
    cacheable_request,
    make_page,
    public_cache,
    respond,
)
from articles.editorial import workflow
from articles.models import Article, Author, FrontPagePick, Notice, Section, SlugRedirect
from articles.pagination import paginate
from articles.related import related_news
from ratings import cache as score_cache
from ratings import ranking
from ratings import services as rating_services
from ratings.widget import render_widget

RATING_SLOT = "<!--newsroom:rating-block-->"
TOP_RATED_SLOT = "<!--newsroom:top-rated-->"
RATED_FIELD = "rating"


LIST_PARAMETERS = ("page", "before")
SEARCH_PARAMETERS = ("q", "page")


def _page(request, template, context, *, keys, slot=None, live=None, state, parameters=()):
    """Render a page for every reader and answer it (see articles.delivery.pagecache)."""
    # the parts every page repeats are taken for this version (articles.fragments)
    response = render(request, template, {**context, "content_state": state})
    headers = {"Content-Type": response["Content-Type"], **edge.headers(keys)}
    page = make_page(
        state, response.content, slot=slot, live=live, headers=headers, parameters=parameters
    )
    # a signed-in user's page, or one with a message of the reader's, is theirs alone
    shared = cacheable_request(request) and not cookies.signed_in(request)
    return respond(request, page, public=shared)


def _top_rated_key(template, limit, language):
    return f"top-rated:{template}:{limit}:{language}"


def _top_rated_live(template, limit):
    """The live part of a page with a top-rated list, and the keys it is read with."""
    keys = (STATE_KEY, ranking.version_cache_key(), _top_rated_key(template, limit, get_language()))
    return LivePart(
        "articles.views.top_rated_part", (template, limit), keys, ranking.RANKING_SECONDS
    )


def top_rated_part(request, found, template, limit):
    """The top-rated list: rendered again only after a vote or a content change."""
    key = _top_rated_key(template, limit, get_language())
    if key not in found:
        found = cache.get_many([STATE_KEY, ranking.version_cache_key(), key])
    versions = (content_state(found.get(STATE_KEY))["v"], ranking.version(found))
    entry = found.get(key)
    if entry is None or entry["versions"] != versions:
        stories = Article.objects.published().in_edition().for_listing()
        stories = ranking.top_rated(stories, limit=limit)
        html = render_to_string(template, {"articles": stories}, request=request)
        entry = {"versions": versions, "html": html}
        cache.set(key, entry, 600)
    return entry["html"], f"{versions[0]}:{versions[1]}"


def home(request):
    """The front page: the editors' main and top stories, the news feed, most read, sections.

    Older pages (?before=…) are the time-ordered list alone.
    """
    state = content_state()
    stories = Article.objects.published().in_edition().for_listing()
    page = paginate(request, stories, f"home:{editions.current()}", keyset=True)
    first = page.number == 1
    context = {"page_obj": page, "articles": page.object_list}
    keys = [edge.HOME, *edge.story_keys(page.object_list)]
    if first:
        lead, top = _front_page(page.object_list)
        most_read = _most_read()
        blocks = _section_blocks()
        context.update(
            lead=lead,
            top_stories=top,
            most_read=most_read,
            section_blocks=blocks,
            top_rated_slot=TOP_RATED_SLOT,
        )
        shown = [*([lead] if lead else []), *top, *most_read]
        shown += [story for _section, block in blocks for story in block]
        keys += [edge.RANKING, *edge.story_keys(shown)]
    live = _top_rated_live("includes/top_rated_block.html", 5) if first else None
    return _page(
        request,
        "articles/article_list.html",
        context,
        keys=keys,
        slot=TOP_RATED_SLOT if first else None,
        live=live,
        state=state,
        parameters=LIST_PARAMETERS,
    )


TOP_STORIES = 4


def _front_page(latest):
    """The main story and the top stories: the editors' picks, the newest after them."""
    picks = FrontPagePick.objects.shown().filter(article__in=Article.objects.in_edition())
    picked = [pick.article for pick in picks[: TOP_STORIES + 1]]
    chosen = {story.pk for story in picked}
    stories = picked + [story for story in latest if story.pk not in chosen]
    return (stories[0] if stories else None), stories[1 : TOP_STORIES + 1]


def _most_read(limit=5):
    """The most viewed public stories of the last day (articles.popularity)."""
    # the counts are the site's: enough of them that each edition finds its own
    ids = popularity.most_read_ids(limit * 4)
    if not ids:
        return []
    found = Article.objects.published().in_edition().for_listing().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found][:limit]


def _section_blocks():
    """The newest four stories of every section.

    One small query per section, each served by the section index, so the cost does not
    grow with the archive (a single window query over all stories would).
    """
    blocks = []
    for section in Section.objects.all():
        stories = Article.objects.published().in_edition().in_section(section).for_listing()
        stories = list(stories[:4])
        if stories:
            blocks.append((section, stories))
    return blocks


@csrf_exempt  # anonymous readers have no token: cross-site requests are refused instead
@cross_origin_protect
@never_cache
@require_POST
def count_view(request, pk):
    """One view of a story, from its page's beacon: no cookie, no address kept, 204.

    The answer is the same whether the view counted or not (articles.popularity says
    which do), so the beacon tells nobody what is public or how often they may send it.
    """
    client = rating_services.hash_address(rating_services.client_address(request))
    popularity.record_view(pk, client=client or "")
    return HttpResponse(status=204)


def rating_part(request, found, object_id):
    """The story's rating block with its live score (and a signed-in user's CSRF token)."""
    key = score_cache.cache_key_for(Article, object_id, RATED_FIELD)
    # `found` holds what the cache had of the part's keys (articles.delivery.pagecache)
    cached = found.get(key, score_cache.ABSENT)
    count, total = score_cache.score(Article, object_id, RATED_FIELD, cached=cached)
    score = rating_services.Result(count, total, None)
    return render_widget(request, Article, object_id, score, field=RATED_FIELD), f"{count}:{total}"


# Apps that show some stories their own way (the live app: a live page with its entries)
# add a view here in their ready(): view(request, article, *, state) answers that story's
# page through `story_page` with a StoryKind of its own, or None for any other story.
story_views = []


def article_detail(request, slug):
    state = content_state()
    article = story_reads.public_story(slug)
    if article is None:
        moved = SlugRedirect.objects.filter(old_slug=slug).select_related("article").first()
        if moved and moved.article.is_public:
            return _redirect(moved.article, moved.article)
        raise Http404("No such story.") from None
    if article.edition != editions.current():
        return _redirect(_in_edition(article, editions.current()), article)
    for view in story_views:  # a kind of story another app shows its own way
        response = view(request, article, state=state)
        if response is not None:
            return response
    return story_page(request, article, state=state, preview=False)


def _redirect(target, asked):
    """A permanent redirect to a story's one address, shared-cacheable like a page and
    purged with the story asked for (a translation of it added or published) or sent to."""
    response = redirect(target, permanent=True)
    keys = [edge.story_key(asked.translation_of_id or asked.pk), edge.story_key(target.pk)]
    edge.tag(response, keys)
    return public_cache(response)


def _in_edition(article, edition):
    """The story to send a reader of `edition` to who asked for `article` there: its public
    translation into that edition's language, or the story itself at its own address.

    Each story has one address, in its own edition: a Ukrainian story is never served
    again under /en/ (search engines would see a duplicate).
    """
    original = article.translation_of or article
    group = Article.objects.published().filter(Q(pk=original.pk) | Q(translation_of=original))
    return group.filter(language=edition).first() or article


@staff_member_required
def article_preview(request, pk):
    """A story exactly as a reader will see it, for editors only, whatever its status."""
    if not request.user.has_perm("articles.change_article"):
        raise Http404("No such story.")
    # Authors preview their own stories and published ones, not other people's drafts.
    stories = workflow.visible_to(request.user, Article.objects.select_related("section"))
    article = get_object_or_404(stories, pk=pk)
    return preview_response(request, article)


def preview_response(request, article, *, draft=False, problems=(), **shown):
    """The story page of `article` for an editor, never stored by any cache.

    `draft`: the article is a draft of changes (articles.editorial.drafts), shown with the tags,
    authors, links and notices in `shown` instead of the stored ones. An article not saved yet
    (no pk) is shown with what `shown` gives it, without the rating block (it has no votes);
    `problems` names its fields the form refused, which the page shows as left empty.
    """
    if article.pk is None:
        context = _story_context(article, preview=True, **shown)
        context.update(rating_slot="", preview_problems=problems)
        response = render(request, "articles/article_detail.html", context)
    else:
        state = content_state()
        response = story_page(
            request, article, state=state, preview=True, preview_draft=draft, **shown
        )
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


def _story_context(
    article, *, preview, preview_draft=False, tags=None, authors=None, links=None, notices=None
):
    """What the story template shows of `article` (`tags`, `authors`, `links` and `notices`
    when they are not the stored ones)."""
    tags = story_reads.tags(article) if tags is None else tags
    authors = story_reads.authors(article) if authors is None else authors
    versions = translations.versions(article, public=not preview)
    if notices is None:
        notices = list(article.notices.all()) if article.revised_at else []
    score = None
    if settings.RATINGS_JSONLD and article.pk is not None:
        score = rating_services.current(target=article, field=RATED_FIELD)
    return {
        "article": article,
        "score": score,
        "preview": preview,
        "preview_draft": preview_draft,
        "notices": notices,
        "related": related_news(article, links=links),
        "authors": authors,
        "tags": tags,
        "rating_slot": RATING_SLOT,
        "current_section": article.section,
        "versions": versions,
        "alternates": translations.alternates(article, versions),
        "language_switch": translations.switch(article, versions),
    }


@dataclass(frozen=True)
class StoryKind:
    """How a kind of story other than the plain one (a live page) is shown: its template,
    what it adds to the context, its own surrogate keys, the parameters it is shown by."""

    template: str = "articles/article_detail.html"
    context: dict = field(default_factory=dict)
    keys: tuple = ()
    parameters: tuple = ()


PLAIN_STORY = StoryKind()


def story_page(request, article, *, state, preview, kind=PLAIN_STORY, **shown):
    context = {**_story_context(article, preview=preview, **shown), **kind.context}
    keys = _story_keys(article, context["tags"], context["authors"], context["related"])
    keys += translations.keys(article, context["versions"])
    score_key = score_cache.cache_key_for(Article, article.pk, RATED_FIELD)
    live = LivePart("articles.views.rating_part", (article.pk,), (score_key,))
    response = _page(
        request,
        kind.template,
        context,
        keys=[*keys, *kind.keys],
        slot=RATING_SLOT,
        live=live,
        state=state,
        parameters=kind.parameters,
    )
    if settings.RATINGS_JSONLD:
        response.shared = False  # its JSON-LD carries the score: rendered for each reader
    return response


def _story_keys(article, tags, authors, related):
    """The surrogate keys of a story page: the story, its section, tags, bylines, score and
    the stories its Other news shows."""
    return [
        *edge.story_keys([article]),
        edge.section_key(article.section_id),
        *(edge.tag_key(tag.pk) for tag in tags),
        *(edge.author_key(author.pk) for author in authors),
        edge.score_key(article.pk),
        *(edge.story_key(item.article_id) for item in related if item.article_id),
    ]


@dataclass(frozen=True)
class Listing:
    """A list page of the stories of one section, tag or author."""

    model: type
    template: str
    stories: Callable  # (published stories, the object) -> its stories
    keys: tuple  # (its own surrogate key, its list's key), each by the object's pk
    names: tuple  # the context names the object is given


LISTINGS = {
    "section": Listing(
        Section,
        "articles/section_detail.html",
        lambda stories, section: stories.in_section(section),
        (edge.section_key, edge.section_list_key),
        ("section", "current_section"),
    ),
    "tag": Listing(
        Tag,
        "articles/tag_detail.html",
        lambda stories, tag: stories.filter(tags=tag),
        (edge.tag_key, edge.tag_list_key),
        ("tag",),
    ),
    "author": Listing(
        Author,
        "articles/author_detail.html",
        lambda stories, author: stories.filter(authors=author),
        (edge.author_key, edge.author_list_key),
        ("author",),
    ),
}


def story_list(request, slug, kind):
    """A section's, tag's or author's stories, newest first; a 404 while none is public,
    so that a tag or byline of an embargoed story does not give it away."""
    listing = LISTINGS[kind]
    found = get_object_or_404(listing.model, slug=slug)
    state = content_state()
    stories = listing.stories(Article.objects.published().in_edition(), found).for_listing()
    page = paginate(request, stories, f"{kind}:{found.pk}:{editions.current()}", keyset=True)
    if not page.object_list:
        raise Http404("Nothing published here yet.")
    context = {"page_obj": page, "articles": page.object_list}
    context.update(dict.fromkeys(listing.names, found))
    context["language_switch"] = translations.list_switch(kind, found, state)
    keys = [key(found.pk) for key in listing.keys] + edge.story_keys(page.object_list)
    return _page(
        request, listing.template, context, keys=keys, state=state, parameters=LIST_PARAMETERS
    )


def search_view(request):
    state = content_state()
    raw = request.GET.get("q", "")
    query = text.strip_control(raw)[: story_search.MAX_QUERY_LENGTH].strip()
    results, page, total = [], None, None
    if query:
        stories = Article.objects.published().in_edition().select_related("section")
        stories = stories.defer("search_document", "search_vector")
        found, total = story_search.search_with_total(stories, query)
        digest = hashlib.sha256(query.encode()).hexdigest()
        page = paginate(request, found, f"search:{editions.current()}:{digest}")
        results = [
            (a, story_search.highlight(story_search.snippet_text(a.body), query))
            for a in page.object_list
        ]
    suggestion = ""
    if query and not results:
        suggestion = story_search.suggest(Article.objects.published().in_edition(), query)
    context = {"query": query, "results": results, "page_obj": page, "suggestion": suggestion}
    if page and total and total > page.paginator.count:  # only the newest are ranked and shown
        context["total"] = total
    keys = [edge.SEARCH, *edge.story_keys(story for story, _snippet in results)]
    # stored like every list: a repeated query costs a lookup, not a search
    return _page(
        request,
        "articles/search.html",
        context,
        keys=keys,
        state=state,
        parameters=SEARCH_PARAMETERS,
    )


def corrections(request):
    """Every correction, update and clarification of the stories readers can see."""
    state = content_state()
    notices = Notice.objects.public().filter(article__in=Article.objects.in_edition())
    page = paginate(request, notices.select_related("article"), f"corrections:{editions.current()}")
    context = {"page_obj": page, "notices": page.object_list}
    keys = [edge.CORRECTIONS, *(edge.story_key(n.article_id) for n in page.object_list)]
    return _page(
        request,
        "articles/notice_list.html",
        context,
        keys=keys,
        state=state,
        parameters=LIST_PARAMETERS,
    )


def top_rated_view(request):
    state = content_state()
    live = _top_rated_live("articles/top_rated_list.html", 20)
    context = {"top_rated_slot": TOP_RATED_SLOT}
    return _page(
        request,
        "articles/top_rated.html",
        context,
        keys=[edge.RANKING],
        slot=TOP_RATED_SLOT,
        live=live,
        state=state,
    )


def page_not_found(request, exception=None):
    """The site's 404; shared-cacheable until the next story's time, like every page."""
    response = render(request, "errors/404.html", status=404)
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return response
    edge.tag(response, [edge.NOTFOUND])
    return public_cache(response, seconds=60)
