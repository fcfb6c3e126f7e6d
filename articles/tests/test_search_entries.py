"""Search at scale on PostgreSQL: the narrow copy it matches on, the bounded candidates,
the total shown beside them, and the order ranking gives them."""

import pytest
from django.db import connection
from django.utils import timezone, translation

from articles.models import Article
from articles.templatetags.articles_tags import grouped
from tests.conftest import require_postgres
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgres_only():
    require_postgres()


def entry(story):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT title, status, published_at, search_vector::text "
            "FROM articles_search_entry WHERE id = %s",
            [story.pk],
        )
        return cursor.fetchone()


def page(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_the_entries_follow_every_write_to_the_stories(section):
    story = ArticleFactory(section=section, title="Бюджет на рік", body="<p>Гроші.</p>")
    title, status, published_at, vector = entry(story)
    assert (title, status, published_at) == (story.title, "published", story.published_at)
    assert "'бюджет'" in vector

    Article.objects.filter(pk=story.pk).update(
        title="Податки на рік", search_document=" податок ", status=Article.Status.DRAFT
    )
    title, status, _published_at, vector = entry(story)
    assert (title, status) == ("Податки на рік", "draft")
    assert "'податок'" in vector and "'бюджет'" not in vector

    story.delete()
    assert entry(story) is None

    other = ArticleFactory(section=section)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no checks left pending
        cursor.execute("TRUNCATE articles_article CASCADE")
        cursor.execute("SELECT count(*) FROM articles_search_entry")
        assert cursor.fetchone()[0] == 0
    assert entry(other) is None


def test_a_story_unpublished_or_rewritten_leaves_the_results(client, section):
    story = ArticleFactory(section=section, title="Бюджет громади ухвалили")
    assert "Бюджет громади" in page(client, "бюджет")
    story.status = Article.Status.DRAFT
    story.save()
    assert "Бюджет громади" not in page(client, "бюджет")
    story.status = Article.Status.PUBLISHED
    story.published_at = timezone.now() + timezone.timedelta(days=1)  # scheduled
    story.save()
    assert "Бюджет громади" not in page(client, "бюджет")


def test_the_total_is_shown_beside_the_newest_ranked_matches(client, section, monkeypatch):
    from articles import search

    monkeypatch.setattr(search, "MAX_CANDIDATES", 3)
    for n in range(5):
        ArticleFactory(
            section=section,
            title=f"Бюджет номер {n}",
            published_at=timezone.now() - timezone.timedelta(hours=10 - n),
        )
    html = page(client, "бюджет")
    assert "Знайдено 5 новин. Показано 3 найновіших, найкращі — першими." in html
    assert html.count("<h2><a href=") == 3
    for n in (2, 3, 4):
        assert f"Бюджет номер {n}" in html
    assert "Бюджет номер 0" not in html and "Бюджет номер 1" not in html


def test_all_matches_shown_says_only_how_many(client, section):
    ArticleFactory(section=section, title="Бюджет області")
    ArticleFactory(section=section, title="Бюджет міста")
    html = page(client, "бюджет")
    assert "Знайдено 2 новини" in html and "Показано" not in html


def test_the_better_match_comes_first_whatever_its_age(client, section):
    now = timezone.now()
    ArticleFactory(
        section=section,
        title="Новий звіт уряду",
        body="<p>Серед іншого згадали бюджет.</p><p>" + "Інші справи тижня. " * 20 + "</p>",
        published_at=now - timezone.timedelta(hours=1),
    )
    ArticleFactory(
        section=section,
        title="Бюджет, бюджет і ще раз бюджет",
        body="<p>Бюджет країни, бюджет громад і бюджет міст.</p>",
        published_at=now - timezone.timedelta(days=30),
    )
    html = page(client, "бюджет")
    assert html.index("Бюджет, бюджет і ще раз бюджет") < html.index("Новий звіт уряду")


def test_a_typo_finds_the_nearest_headlines_first(client, section, monkeypatch):
    from articles import search

    monkeypatch.setattr(search, "MAX_CANDIDATES", 1)
    # both are like "Футбольни" (word similarity 0.8 and 0.9); the first written is
    # the first a scan meets
    ArticleFactory(section=section, title="Футбольна федерація звітувала")
    ArticleFactory(section=section, title="Футбольний матч у Львові")
    html = page(client, "Футбольни")
    assert "Футбольний матч у Львові" in html and "Футбольна федерація" not in html
    monkeypatch.setattr(search, "MAX_CANDIDATES", 2)
    html = page(client, "футбольни")  # another address: not the page stored above
    assert html.index("Футбольний матч у Львові") < html.index("Футбольна федерація")


def test_a_search_costs_the_same_queries_however_many_stories_match(
    client, section, django_assert_num_queries
):
    ArticleFactory(section=section, title="Бюджет один")
    page(client, "податок")  # the menu and the other fragments of every page, cached
    # the candidates in their transaction (4), the count and the page of stories
    with django_assert_num_queries(6):
        page(client, "бюджет")
    for n in range(30):
        ArticleFactory(section=section, title=f"Бюджет {n}")
    page(client, "податок")
    with django_assert_num_queries(6):
        page(client, "бюджети")


def test_a_snippet_looks_up_only_the_words_that_could_be_a_form_of_the_query(monkeypatch):
    from articles import search as story_search
    from articles import text

    looked_up = []
    lemmas = text.lemmas

    def counted(word):
        looked_up.append(word)
        return lemmas(word)

    monkeypatch.setattr(text, "lemmas", counted)
    snippet = str(story_search.highlight("Зустріч у Києві, а не в Одесі чи Львові", "Київ"))
    assert snippet == "Зустріч у <mark>Києві</mark>, а не в Одесі чи Львові"
    assert set(looked_up) == {"Київ", "Києві"}  # the query's word, then the one candidate


def test_a_count_is_written_with_the_editions_thousands_separator():
    with translation.override("uk"):
        assert grouped(42397) == "42\xa0397"
        assert grouped(7) == "7"
    with translation.override("en"):
        assert grouped(42397) == "42,397"
