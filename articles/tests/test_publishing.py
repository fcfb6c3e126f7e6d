"""Scheduled stories appear by themselves; caches follow every change of content."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article
from ratings.services import Voter, cast_vote
from tests.factories import ArticleFactory, RelatedLinkFactory, SectionFactory

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_scheduled_story_appears_when_its_time_comes_without_cron(client, section):
    with time_machine.travel(NOON, tick=False) as clock:
        ArticleFactory(section=section, title="Вчорашня")
        story = ArticleFactory(
            section=section, title="Запланована", published_at=NOON + timedelta(hours=1)
        )
        assert "Запланована" not in client.get("/").content.decode()  # and now cached
        assert client.get(story.get_absolute_url()).status_code == 404
        assert story not in Article.objects.published()
        clock.move_to(NOON + timedelta(hours=1, seconds=1))
        assert "Запланована" in client.get("/").content.decode()
        assert client.get(story.get_absolute_url()).status_code == 200
        assert story in Article.objects.published()


def test_a_section_made_for_an_embargoed_story_stays_hidden_until_it_is_public(client, section):
    with time_machine.travel(NOON, tick=False) as clock:
        ArticleFactory(section=section, title="Вчорашня")
        secret = SectionFactory(name="Відставка прем'єра", slug="vidstavka")
        ArticleFactory(section=secret, title="Ембарго", published_at=NOON + timedelta(hours=1))
        for path in ("/", section.get_absolute_url(), "/en/"):
            assert "Відставка прем" not in client.get(path).content.decode(), path
        assert "vidstavka" not in client.get("/sitemap-sections.xml").content.decode()
        assert client.get(secret.get_absolute_url()).status_code == 404
        clock.move_to(NOON + timedelta(hours=1, seconds=1))
        assert "Відставка прем" in client.get("/").content.decode()
        assert "vidstavka" in client.get("/sitemap-sections.xml").content.decode()
        assert "Ембарго" in client.get(secret.get_absolute_url()).content.decode()


def test_publishing_editing_and_unpublishing_refresh_cached_pages(client, article):
    assert "Європа погодила підтримку" in client.get("/").content.decode()
    article.title = "Виправлений заголовок"
    article.save()
    home = client.get("/").content.decode()
    assert "Виправлений заголовок" in home and "Європа погодила" not in home
    assert "Виправлений заголовок" in client.get(article.get_absolute_url()).content.decode()
    article.status = Article.Status.DRAFT
    article.save()
    assert "Виправлений заголовок" not in client.get("/").content.decode()
    assert client.get(article.get_absolute_url()).status_code == 404


def test_related_block_follows_changes_in_other_stories(client, article):
    target = ArticleFactory(section=article.section, title="Стара назва")
    RelatedLinkFactory(article=article, target=target, position=0)
    assert "Стара назва" in client.get(article.get_absolute_url()).content.decode()
    target.title = "Нова назва"
    target.save()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Нова назва" in page and "Стара назва" not in page


@pytest.mark.parametrize("renamed", ["tag", "author", "section"])
def test_renaming_a_tag_author_or_section_shows_on_cached_pages(client, article, renamed):
    from taggit.models import Tag

    from tests.factories import AuthorFactory

    article.authors.set([AuthorFactory(name="Стара назва автора")])
    article.tags.set(["стара назва мітки"])
    article.section.name = "Стара назва рубрики"
    article.section.save()
    page = client.get(article.get_absolute_url()).content.decode().lower()
    assert f"стара назва {renamed_word[renamed]}" in page
    thing = {
        "tag": lambda: Tag.objects.get(name="стара назва мітки"),
        "author": lambda: article.authors.get(),
        "section": lambda: article.section,
    }[renamed]()
    thing.name = thing.name.replace("тара", "віжа")
    thing.save()
    page = client.get(article.get_absolute_url()).content.decode().lower()
    assert f"свіжа назва {renamed_word[renamed]}" in page
    assert f"стара назва {renamed_word[renamed]}" not in page


renamed_word = {"tag": "мітки", "author": "автора", "section": "рубрики"}


def test_a_vote_shows_at_once_on_a_cached_page(client, article):
    client.get(article.get_absolute_url())  # warm the cache
    cast_vote(target=article, field="rating", voter=Voter(cookie_id="a"), score=3)
    assert "1 голос" in client.get(article.get_absolute_url()).content.decode()


def test_publish_scheduled_is_safe_to_run_twice(client, section, capsys):
    with time_machine.travel(NOON, tick=False) as clock:
        ArticleFactory(section=section, published_at=NOON + timedelta(minutes=5))
        clock.move_to(NOON + timedelta(minutes=6))
        call_command("publish_scheduled")
        assert "1 newly due" in capsys.readouterr().out
        call_command("publish_scheduled")
        assert "0 newly due" in capsys.readouterr().out


def test_publish_scheduled_remembers_its_last_run_in_the_database(client, section, capsys):
    """Two runs are two processes: without Redis they share no cache, only the database."""
    from django.core.cache import cache

    from articles.models import RunMark

    with time_machine.travel(NOON, tick=False) as clock:
        ArticleFactory(section=section, published_at=NOON + timedelta(minutes=5))
        clock.move_to(NOON + timedelta(minutes=6))
        call_command("publish_scheduled")
        assert "1 newly due" in capsys.readouterr().out
        cache.clear()  # the next run's process starts with an empty cache of its own
        clock.move_to(NOON + timedelta(minutes=7))
        call_command("publish_scheduled")
        assert "0 newly due" in capsys.readouterr().out
        assert RunMark.objects.get(name="publish_scheduled").reached == NOON + timedelta(minutes=7)


def test_future_story_is_hidden_from_feeds_sitemaps_and_search(client, section):
    future = ArticleFactory(
        section=section,
        title="Майбутня безпека",
        slug="maibutnia-bezpeka",
        published_at=datetime.now(UTC) + timedelta(days=1),
    )
    ArticleFactory(section=section, title="Сьогоднішня безпека", slug="sohodni")
    for url in ("/feed/", "/sitemap-articles.xml", "/news-sitemap.xml"):
        page = client.get(url).content.decode()
        assert "sohodni" in page, url  # the feed lists the stories of now…
        assert "Майбутня" not in page and future.slug not in page, url  # …not tomorrow's
    assert (
        "Майбутня" not in client.get(reverse("articles:search"), {"q": "безпека"}).content.decode()
    )
