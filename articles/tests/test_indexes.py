"""The hot list queries can use an index on PostgreSQL (no sequential scan needed)."""

import pytest
from django.db import connection
from django.utils import timezone

from articles import neighbours
from articles.models import Article
from articles.related import stories_query
from tests.conftest import require_postgres
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")  # the same statistics every run
        # on a small table the planner rightly prefers a scan; make it show its index choice
        cursor.execute("SET LOCAL enable_seqscan = off")
        # and show whether an index serves the list in its order, rather than a sort of
        # rows found some other way (the choice a tiny table lets the planner make)
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return " ".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def archive():
    require_postgres()
    section = SectionFactory()
    ArticleFactory.create_batch(30, section=section, tags=["енергетика"])
    return section


def test_home_list_uses_the_publication_index(archive):
    query = Article.objects.published().for_listing()[:12]
    text = plan(query)
    assert "article_pub_idx" in text and "Seq Scan on articles_article" not in text


def test_section_list_uses_the_section_index(archive):
    # most stories elsewhere: reading the publication index would skip over them all
    ArticleFactory.create_batch(120, section=SectionFactory())
    query = Article.objects.published().in_section(archive).for_listing()[:12]
    text = plan(query)
    assert "article_section_idx" in text and "Seq Scan on articles_article" not in text


def test_tag_list_uses_an_index(archive):
    query = Article.objects.published().filter(tags__name="енергетика").for_listing()[:12]
    assert "Seq Scan" not in plan(query)


def test_story_by_slug_uses_the_unique_index(archive):
    assert "Index" in plan(Article.objects.filter(slug="novyna-1"))


def _explain(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return " ".join(row[0] for row in cursor.fetchall())


def test_other_news_reads_only_the_story_s_stored_rows(archive):
    story = Article.objects.filter(section=archive).first()
    neighbours.refresh_story(article_id=story.pk)
    text = _explain(*stories_query(story, timezone.now(), None, 6))
    assert "Seq Scan" not in text, text
    assert "neighbour_once" in text, text  # the story's neighbours by its unique index


def test_candidates_are_read_from_the_term_index(archive):
    story = Article.objects.filter(section=archive).first()
    indexed = neighbours.index_story(story, [])
    sql, params = neighbours.candidates_query(story, indexed)
    text = _explain(sql, params)
    assert "Seq Scan" not in text, text
    assert "storyterm_term_time_idx" in text, text
