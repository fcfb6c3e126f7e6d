"""Search: Ukrainian word forms find each other, on SQLite and on PostgreSQL."""

import pytest

from articles.models import Article
from tests.conftest import require_postgres
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stories(section):
    return {
        "biden": ArticleFactory(
            section=section,
            title="Байдена запросили до Києва",
            body="<p>Зустріч із Байденом відбудеться наступного тижня.</p>",
        ),
        "security": ArticleFactory(
            section=section,
            title="Нарада щодо безпеки",
            body="<p>Питання енергетичної безпеки обговорять міністри.</p>",
        ),
        "sport": ArticleFactory(section=section, title="Футбольний матч", body="<p>Гол!</p>"),
        "draft": ArticleFactory(
            section=section,
            title="Чернетка про Байдена",
            status=Article.Status.DRAFT,
        ),
    }


def found(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ("Байден", "Байдена запросили", "Нарада щодо безпеки"),
        ("Байденом", "Байдена запросили", "Футбольний матч"),
        ("безпека", "Нарада щодо безпеки", "Байдена запросили"),
        ("безпеки енергетична", "Нарада щодо безпеки", "Футбольний матч"),
        ("КИЇВ", "Байдена запросили", "Футбольний матч"),
    ],
)
def test_word_forms_find_each_other(client, stories, query, expected, absent):
    page = found(client, query)
    assert expected in page and absent not in page
    assert "Чернетка" not in page


def test_matches_are_highlighted(client, stories):
    assert "<mark>Байденом</mark>" in found(client, "Байден")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 5000,
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "\x00\x01",
        "&|!():*",
        "🙂🙂",
        "a & b | c",
        "\\",
        "'''",
        "ünïcödé 中文",
    ],
)
def test_odd_queries_are_handled_without_error(client, stories, query):
    if "\x00" in query:  # refused before any page: no query may carry a NUL
        assert client.get("/search/", {"q": query}).status_code == 400
        return
    page = found(client, query)
    assert "<script>alert(1)</script>" not in page


def test_postgresql_full_text_ranks_and_forgives_typos(client, stories):
    require_postgres()
    page = found(client, "Байден")
    assert "Байдена запросили" in page
    # no lemma matches a typo; trigram similarity on headlines still finds it
    assert "Футбольний матч" in found(client, "Футбольни мач")


def test_postgresql_search_uses_the_stored_vector_and_its_gin_index(stories):
    require_postgres()
    from django.db import connection

    story = stories["biden"]
    story.refresh_from_db()
    # kept by the trigger on every write, whoever writes
    assert "'байден'" in story.search_vector
    Article.objects.filter(pk=story.pk).update(search_document=" безпека ")
    story.refresh_from_db()
    assert "'безпека'" in story.search_vector and "'байден'" not in story.search_vector
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM articles_article WHERE "
            "search_vector @@ to_tsquery('simple', 'байден')"
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "article_search_vector_gin" in plan


def test_only_the_newest_matches_are_ranked(client, section, monkeypatch):
    from articles import search

    monkeypatch.setattr(search, "MAX_CANDIDATES", 3)
    for n in range(5):
        ArticleFactory(section=section, title=f"Бюджет номер {n}")
    found = search.search(Article.objects.published(), "бюджет")
    assert found.count() == (3 if connection_vendor() == "postgresql" else 5)


def connection_vendor():
    from django.db import connection

    return connection.vendor


def test_a_search_reads_no_search_columns_of_its_results(client, stories):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert "Байдена запросили" in found(client, "Байден")
    # the long search document and its vector stay in the database: only the match
    # and the ranking use them there
    shown = [q["sql"] for q in queries.captured_queries if '"articles_article"."body"' in q["sql"]]
    assert shown  # the query that loads the stories on the page
    for sql in shown:
        columns = sql.split(" FROM ", 1)[0]
        columns = columns.replace('ts_rank("articles_article"."search_vector"', "ts_rank(")
        assert '"search_document"' not in columns and '"search_vector"' not in columns


def test_snippets_come_from_the_opening_of_a_long_story(section):
    from articles import search as story_search

    long_body = "<p>" + "слово " * 5000 + "Байден</p>"
    plain = story_search.snippet_text(long_body)
    assert len(plain) <= story_search.HIGHLIGHT_TEXT_LIMIT
    assert "<mark>" not in story_search.highlight(plain, "Байден")  # too deep: the opening
    assert "<mark>Байдена</mark>" in story_search.highlight("Про Байдена і не тільки", "Байден")


def test_a_typo_suggests_the_nearest_headline_words_on_any_database(client, section):
    ArticleFactory(section=section, title="Байден обговорив із союзниками безпеку")
    html = client.get("/search/", {"q": "Байдне"}).content.decode()
    if 'class="search-results"' in html:  # PostgreSQL's trigrams found it: no suggestion needed
        return
    assert (
        'Можливо, ви мали на увазі: <a href="?q=%D0%91%D0%B0%D0%B9%D0%B4%D0%B5%D0%BD">Байден</a>'
        in html
    )


def test_the_search_page_has_one_search_box(client):
    html = client.get("/search/", {"q": "бюджет"}).content.decode()
    assert html.count('type="search"') == 1


def test_a_snippet_ends_on_a_whole_word_with_its_quotes_closed():
    from articles import search as story_search

    plain = "Прем’єр сказав: «Безпека Європи починається в Україні, і це розуміють усі» — і пішов."
    snippet = str(story_search.highlight(plain, "безпека", width=40))
    assert snippet == "… сказав: «<mark>Безпека</mark> Європи починається в» …"
    inner = "Він додав: «Ми чули „гарантії безпеки“ вже багато разів» і більше нічого"
    snippet = str(story_search.highlight(inner, "гарантія", width=36))
    assert snippet == "… «Ми чули „<mark>гарантії</mark> безпеки“ вже» …"
    opened_before = "Він сказав «ми всі тут заради того, щоб говорити про безпеку Європи» і замовк"
    snippet = str(story_search.highlight(opened_before, "безпека", width=40))
    assert snippet.startswith("… «") and snippet.count("«") == snippet.count("»")


def test_a_repeated_search_is_stored_until_the_stories_change(
    client, stories, section, django_assert_num_queries
):
    assert "Байдена запросили" in found(client, "Байден")
    with django_assert_num_queries(0):
        assert "Байдена запросили" in found(client, "Байден")
    ArticleFactory(section=section, title="Байден прилетів до Києва")
    assert "Байден прилетів" in found(client, "Байден")  # a new content version
