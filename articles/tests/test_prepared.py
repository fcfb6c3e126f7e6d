"""Reads whose SQL is built once per process give what their QuerySets give, for any values."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import story_reads
from articles.models import Article
from articles.prepared import Prepared
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db


class Counted:
    """A build function that counts how often it is asked for its SQL."""

    def __init__(self, build):
        self.build = build
        self.calls = 0

    def __call__(self, using, *shape, **values):
        self.calls += 1
        return self.build(using, *shape, **values)


def _titles(using, limit, *, section_id, now):
    stories = Article.objects.published(now).filter(section_id=section_id)
    return stories.order_by("title").values_list("title", "published_at")[:limit]


def test_a_prepared_read_is_built_once_and_reads_each_values_own_rows(section):
    other = SectionFactory()
    ArticleFactory(section=section, title="Б")
    ArticleFactory(section=section, title="А")
    ArticleFactory(section=other, title="В")
    ArticleFactory(section=section, title="Г", published_at=timezone.now() + timedelta(hours=1))
    build = Counted(_titles)
    read = Prepared(build, section_id=int, now=datetime)
    now = timezone.now()

    def titles(section, limit=5, at=now):
        return [row[0] for row in read.rows("default", limit, section_id=section.pk, now=at)]

    assert titles(section) == ["А", "Б"]
    assert titles(other) == ["В"]
    assert titles(section, at=now + timedelta(hours=2)) == ["А", "Б", "Г"]
    assert build.calls == 2  # the two stand-ins, once
    assert titles(section, limit=1) == ["А"]  # another LIMIT: another statement
    assert build.calls == 4
    # each column as the QuerySet gives it (a time, not text, whatever the database)
    published = read.rows("default", 5, section_id=other.pk, now=now)[0][1]
    assert published == Article.objects.get(title="В").published_at


def test_a_read_whose_values_cannot_be_found_is_built_every_time(section):
    ArticleFactory(section=section, title="А")

    def shifted(using, *, section_id):  # the value is not a parameter as it was given
        return Article.objects.filter(section_id=section_id + 1).values_list("title")

    build = Counted(shifted)
    read = Prepared(build, section_id=int)
    assert read.rows("default", section_id=section.pk - 1) == [["А"]]
    assert read.rows("default", section_id=section.pk - 1) == [["А"]]
    assert build.calls == 2 + 2  # the stand-ins, then one build for each read


def test_story_reads_are_the_querysets_they_replace(article):
    article.tags.set(["енергетика", "Київ", "зима"])
    article.authors.set([AuthorFactory(name="Оля"), AuthorFactory(name="Андрій")])
    with CaptureQueriesContext(connection) as queries:
        story = story_reads.public_story(article.slug)
        assert getattr(story, "live", None) is None  # known without asking
    assert len(queries) == 1
    assert story.pk == article.pk and story.body == article.body
    assert story.section == article.section and story.section.name == article.section.name
    assert [t.name for t in story_reads.tags(story)] == [t.name for t in article.tags.all()]
    assert [a.name for a in story_reads.authors(story)] == ["Андрій", "Оля"]
    assert story.search_document == Article.objects.get(pk=article.pk).search_document


def test_a_story_not_public_is_not_read(article):
    ArticleFactory(slug="later", published_at=timezone.now() + timedelta(minutes=5))
    ArticleFactory(slug="draft", status=Article.Status.DRAFT)
    assert story_reads.public_story("later") is None
    assert story_reads.public_story("draft") is None
    assert story_reads.public_story("no-such-story") is None
