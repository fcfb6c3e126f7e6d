"""A story page's reads as PostgreSQL prepared statements: the same rows, and plain SQL
wherever a prepared statement cannot be used."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import server_statements, story_reads
from articles.prepared import Statement
from tests.conftest import require_postgres
from tests.factories import ArticleFactory

# PREPARE outside a transaction, as a reader's request runs (tests are otherwise wrapped)
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres():
    require_postgres()


def prepared_on_server():
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def read(slug):
    return story_reads.public_story(slug)


def test_values_are_numbered_and_constants_written_into_the_text():
    statement = Statement(
        sql="SELECT a FROM t WHERE b = %s AND c = %s AND d LIKE 'x%%' AND e = %s",
        params=("probe-slug", 7, "probe-lang"),
        slots=((0, "slug"), (2, "language")),
    )
    text, names = server_statements.server_text(statement, lambda value: repr(value))
    assert text == "SELECT a FROM t WHERE b = $1 AND c = 7 AND d LIKE 'x%' AND e = $2"
    assert names == ("slug", "language")


def test_a_story_is_read_by_a_statement_prepared_once_per_connection(postgres):
    first, second = ArticleFactory(slug="persha"), ArticleFactory(slug="druha")
    with CaptureQueriesContext(connection) as queries:
        assert read("persha").pk == first.pk
        assert read("druha").pk == second.pk
        assert read("nemaye") is None
    sent = [query["sql"] for query in queries.captured_queries]
    name = sent[0].split()[1]
    assert sent[0].startswith(f"PREPARE {name} AS SELECT")
    assert [sql.split("(")[0] for sql in sent[1:]] == [f"EXECUTE {name}"] * 3
    assert name in prepared_on_server()


def test_a_statement_the_server_lost_is_read_as_plain_sql_then_prepared_again(postgres):
    story = ArticleFactory(slug="vtrachena")
    assert read("vtrachena").pk == story.pk
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a pooler's DISCARD ALL would
    assert read("vtrachena").pk == story.pk
    assert read("vtrachena").pk == story.pk
    assert any(name.startswith("newsroom_") for name in prepared_on_server())


def test_inside_a_transaction_or_with_the_setting_off_the_read_is_plain_sql(postgres, settings):
    story = ArticleFactory(slug="zvychaina")
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        assert read("zvychaina").pk == story.pk
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as later:
        assert read("zvychaina").pk == story.pk
    sent = [q["sql"] for q in queries.captured_queries + later.captured_queries]
    reads = [sql for sql in sent if "articles_article" in sql or "newsroom_" in sql]
    assert len(reads) == 2
    assert all(sql.startswith("SELECT") for sql in reads)


def test_every_read_of_a_story_page_gives_the_same_rows_prepared_or_not(postgres, settings):
    story = ArticleFactory(slug="odnakovo")
    now = timezone.now()

    def rows():
        return (
            story_reads.STORY.rows("default", slug="odnakovo", now=now),
            story_reads.TAGS.rows("default", article_id=story.pk),
            story_reads.AUTHORS.rows("default", article_id=story.pk),
        )

    prepared = rows()
    settings.DATABASE_PREPARED_STATEMENTS = False
    assert rows() == prepared
    assert prepared[0][0][0] == story.pk


def test_a_read_postgresql_will_not_prepare_is_plain_sql_without_asking_again(postgres):
    untyped = Statement(sql="SELECT %s + %s", params=(1, 2), slots=((0, "a"), (1, "b")))
    with CaptureQueriesContext(connection) as queries, connection.cursor() as cursor:
        for _ in range(2):
            assert server_statements.run(cursor, untyped, {"a": 1, "b": 2}, int) is False
    prepares = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("PREPARE")]
    assert len(prepares) == 1  # unknown + unknown cannot be typed: refused once, not asked again
