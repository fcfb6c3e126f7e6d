"""Reader pages in both languages, pagination, 404s and the query budget."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from articles import popularity
from articles.delivery.content_version import STATE_KEY
from articles.models import Article
from ratings import ranking
from ratings.services import Voter, cast_vote
from tests.factories import ArticleFactory, AuthorFactory, RelatedLinkFactory

pytestmark = pytest.mark.django_db


def test_story_page_shows_the_story_other_news_and_rating(client, article):
    article.source = "FT"
    article.body = (
        "<p>Абзац.</p><blockquote><p>«Ми залишаємося з Україною» — Речник.</p></blockquote>"
    )
    article.save()
    ArticleFactory.create_batch(7, section=article.section)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "FT:" in html and "Європа погодила підтримку" in html
    assert "<blockquote>" in html
    assert "Інші новини" in html
    assert html.count('class="related-item"') == 6
    assert "Середня оцінка" in html
    # the vote form, with nothing of this reader's: the page is the same for every reader
    assert 'name="score"' in html and "csrfmiddlewaretoken" not in html


def test_story_date_is_kyiv_time_in_ukrainian(client, article):
    article.published_at = "2026-11-29T06:05:00+00:00"
    article.save()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "29 листопада 2026, 08:05" in html


def test_english_interface_under_en(client, article):
    story = ArticleFactory(section=article.section, language="en", title="Europe agreed support")
    ArticleFactory(section=article.section, language="en")
    url = story.get_absolute_url()
    assert url.startswith("/en/")
    html = client.get(url).content.decode()
    assert "Other news" in html and "Average rating" in html
    assert "Europe agreed support" in html
    assert '<html lang="en">' in html


def test_ukrainian_plural_forms_for_votes(client, article):
    for n in range(2):
        cast_vote(target=article, field="rating", voter=Voter(cookie_id=f"k{n}"), score=4)
    assert "2 голоси" in client.get(article.get_absolute_url()).content.decode()
    for n in range(2, 5):
        cast_vote(target=article, field="rating", voter=Voter(cookie_id=f"k{n}"), score=5)
    assert "5 голосів" in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize("name", ["articles:home", "articles:search", "articles:top_rated"])
@pytest.mark.parametrize("language", ["uk", "en"])
def test_public_pages_answer_in_both_languages(client, article, name, language):
    with translation.override(language):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


def test_section_tag_and_author_pages(client, article):
    author = AuthorFactory(name="Олена Коваленко")
    article.authors.set([author])
    article.tags.set(["енергетика"])
    tag = article.tags.get()
    assert tag.slug == "enerhetyka"  # the official transliteration, like every slug
    for url in (
        article.section.get_absolute_url(),
        reverse("articles:tag", args=[tag.slug]),
        author.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Європа погодила підтримку" in response.content.decode()


@pytest.mark.parametrize("page", ["-1", "abc", "0", "1000000000", "99", "1.5", "%00"])
def test_bad_page_numbers_are_404_not_500(client, article, page):
    assert client.get("/", {"page": page}).status_code == 404


def test_pagination_lists_older_stories(client, section):
    now = timezone.now()
    stories = [
        ArticleFactory(
            section=section, title=f"Історія {n:02d}", published_at=now - timedelta(hours=n)
        )
        for n in range(15)
    ]
    first = client.get("/").content.decode()
    second = client.get("/", {"page": 2})
    assert second.status_code == 200
    assert 'rel="next"' in first
    page_two = second.content.decode().split('id="latest-heading"')[1].split("</section>")[0]
    # twelve a page, newest first: page 2 holds the three oldest, and only them
    assert [s.title for s in stories if s.title in page_two] == [
        "Історія 12",
        "Історія 13",
        "Історія 14",
    ]


def test_unknown_story_gets_the_site_404_page(client):
    response = client.get("/news/no-such-story/")
    assert response.status_code == 404
    assert "Сторінку не знайдено" in response.content.decode()


def test_draft_is_not_public(client, article):
    article.status = Article.Status.DRAFT
    article.save()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_story_page_query_count_does_not_grow_with_links_or_tags(
    client, article, django_assert_max_num_queries, django_assert_num_queries
):
    def count_queries():
        ContentType.objects.get_for_model(Article)
        cache.clear()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(article.get_absolute_url()).status_code == 200
        return len(ctx)

    RelatedLinkFactory(article=article, position=0)
    article.tags.set(["a"])
    ArticleFactory.create_batch(6, section=article.section)
    few = count_queries()
    for position in range(1, 5):
        RelatedLinkFactory(article=article, position=position)
    article.tags.set([f"тег {n}" for n in range(12)])
    article.authors.set(AuthorFactory.create_batch(5))
    assert count_queries() == few


@pytest.mark.parametrize("links", [0, 3, 6])
def test_story_page_query_budget_cold_and_warm(client, article, links, django_assert_num_queries):
    ArticleFactory.create_batch(8, section=article.section, tags=["енергетика"])
    article.tags.set(["енергетика", "Київ"])
    article.authors.set([AuthorFactory(), AuthorFactory()])
    for position in range(links):
        RelatedLinkFactory(article=article, position=position)
    url = article.get_absolute_url()
    ContentType.objects.get_for_model(Article)  # warm in any running process
    cache.clear()
    # cold: story, content state (next scheduled story, breaking-news banners, the
    # footer's pages), score, authors, tags, Other news (picks and stored neighbours in
    # one), sections nav (every edition's in one), the story's translations
    with django_assert_num_queries(10):
        client.get(url)
    # warm: the whole page and the live score from the cache
    with django_assert_num_queries(0):
        client.get(url)


def test_home_page_query_budget(client, section, django_assert_num_queries):
    ContentType.objects.get_for_model(Article)  # warm in any running process
    ArticleFactory.create_batch(30, section=section)
    # cold: content state (three), count, page of stories, the editors' front-page picks,
    # sections nav, sections, one query per section for its block, the top-rated block
    # (site mean, ranking); the news feed is the page of stories itself
    cache.clear()
    with django_assert_num_queries(11):
        client.get("/")
    with django_assert_num_queries(0):  # warm: everything from the cache
        client.get("/")
    ArticleFactory.create_batch(60, section=section)  # more stories: the same cost
    cache.clear()
    with django_assert_num_queries(11):
        client.get("/")
    # with views counted, the most-read list: one query for its stories (ids from the cache)
    for story in Article.objects.all()[:8]:
        popularity.record_view(story.pk)
    cache.delete_many([STATE_KEY, popularity.MOST_READ_KEY])
    with django_assert_num_queries(12):
        html = client.get("/").content.decode()
    assert html.count('class="most-read-list"') == 1


def test_section_page_query_budget(client, section, django_assert_num_queries):
    ArticleFactory.create_batch(30, section=section)
    cache.clear()
    # cold: content state (three), the section, count, page of stories, sections nav
    with django_assert_num_queries(7):
        client.get(section.get_absolute_url())
    with django_assert_num_queries(0):
        client.get(section.get_absolute_url())


def test_top_rated_page_query_budget_and_freshness(
    client, section, django_assert_num_queries, django_capture_on_commit_callbacks
):
    stories = ArticleFactory.create_batch(30, section=section)
    for n, story in enumerate(stories):
        cast_vote(target=story, field="rating", voter=Voter(cookie_id=f"v{n}"), score=1 + n % 5)
    ContentType.objects.get_for_model(Article)
    cache.clear()
    # cold: content state (three), site mean, ranking, sections nav
    with django_assert_num_queries(6):
        client.get("/top/")
    with django_assert_num_queries(0):
        client.get("/top/")
    low = stories[0]  # one vote of 1
    with time_machine.travel(time.time(), tick=False) as clock:
        for n in range(40):
            with django_capture_on_commit_callbacks(execute=True):
                voter = Voter(cookie_id=f"boost{n}")
                cast_vote(target=low, field="rating", voter=voter, score=5)
            if n == 0:  # the first vote after a quiet time is ranked at once
                client.get("/top/")
                continue
            with django_assert_num_queries(0):  # the rest of the burst: not once per vote
                client.get("/top/")
        clock.shift(ranking.RANKING_SECONDS)
        html = client.get("/top/").content.decode()
    assert html.index(low.title) < html.index(stories[4].title)  # re-ranked within the lag
    assert "top-rated-list" not in html  # the slot is always filled


def test_ranked_pages_stay_at_the_edge_for_the_ranking_lag_only(client, article):
    home = client.get("/")
    assert f"s-maxage={ranking.RANKING_SECONDS}," in home["Cache-Control"]
    assert "s-maxage=300" in client.get(article.get_absolute_url())["Cache-Control"]


def test_home_page_shows_the_top_rated_block_live(
    client, article, django_capture_on_commit_callbacks
):
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):  # the first vote in a while
        cast_vote(target=article, field="rating", voter=Voter(cookie_id="a"), score=5)
    html = client.get("/").content.decode()
    assert "Найвище оцінені" in html and "5 з 5 · 1 голос" in html


def test_story_page_sends_validators_and_answers_304(client, article):
    first = client.get(article.get_absolute_url())
    assert first.has_header("ETag")
    assert "s-maxage" in first["Cache-Control"]
    again = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_signed_in_readers_get_private_cache_headers(client, article, reader):
    client.force_login(reader)
    response = client.get(article.get_absolute_url())
    assert "private" in response["Cache-Control"]


def test_older_links_walk_the_whole_archive_once_in_order(client, section):
    import re
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    stories = [
        ArticleFactory(section=section, published_at=now - timedelta(minutes=n // 2))
        for n in range(40)  # pairs share a publish time: the id breaks the tie
    ]
    expected = [a.get_absolute_url() for a in Article.objects.published()]
    base = section.get_absolute_url()
    seen, url = [], base
    while url:
        html = client.get(url).content.decode()
        seen += re.findall(r'class="card-title"><a href="([^"]+)"', html)
        older = re.search(r'rel="next" href="([^"]+)"', html)
        url = base + older.group(1).replace("&amp;", "&") if older else None
    assert seen == expected and len(seen) == len(stories)


@pytest.mark.parametrize(
    "cursor", ["", "abc", "1.2.3", "-5.1", "9" * 30 + ".1", "1.", ".5", "١٢.٣"]
)
def test_bad_cursors_are_404(client, article, cursor):
    assert client.get("/", {"before": cursor}).status_code == 404


def test_a_cursor_older_than_everything_is_404(client, article):
    assert client.get("/", {"before": "1000000.1"}).status_code == 404
