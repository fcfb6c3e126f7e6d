"""Corrections and updates: dated notices on the story, the corrections page and feed,
dateModified, and "Оновлено" only for changes that count."""

import json
import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Notice
from tests.admin_forms import post_form, read_form
from tests.factories import ArticleFactory, AuthorUserFactory, EditorFactory, NoticeFactory

pytestmark = pytest.mark.django_db


def jsonld(html):
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block)


def change_url(story):
    return reverse("admin:articles_article_change", args=[story.pk])


@pytest.fixture
def editor_client(editor):
    """The editor's own browser; `client` stays an anonymous reader."""
    return _client_for(editor)


@pytest.fixture
def story(section):
    return ArticleFactory(
        section=section,
        title="Уряд ухвалив бюджет",
        slug="budzhet",
        published_at=timezone.now().replace(microsecond=0) - timedelta(hours=3),
    )


def test_an_editor_adds_a_correction_that_shows_on_the_story_with_date_modified(
    client, story, editor_client
):
    page = client.get(story.get_absolute_url()).content.decode()  # now cached for readers
    assert "Оновлено" not in page
    published = jsonld(page)["dateModified"]
    noted = timezone.now().replace(microsecond=0)
    changes = {
        "notices-TOTAL_FORMS": "1",
        "notices-0-kind": "correction",
        "notices-0-text": "Раніше ми помилково написали, що бюджет ухвалили в четвер.",
        "notices-0-noted_at_0": timezone.localtime(noted).strftime("%d.%m.%Y"),
        "notices-0-noted_at_1": timezone.localtime(noted).strftime("%H:%M:%S"),
    }
    assert post_form(editor_client, change_url(story), changes).status_code == 302
    notice = Notice.objects.get()
    assert notice.article == story and notice.kind == "correction"

    page = client.get(story.get_absolute_url()).content.decode()
    assert "Виправлення та оновлення" in page
    assert "помилково написали, що бюджет ухвалили в четвер" in page
    assert f'id="notice-{notice.pk}"' in page
    assert "Оновлено" in page
    data = jsonld(page)
    assert data["dateModified"] != published
    assert datetime.fromisoformat(data["dateModified"]) == noted


def test_the_notice_inline_is_for_editors_on_published_stories(story, section):
    editor_page = _client_for(EditorFactory()).get(change_url(story)).content.decode()
    assert 'name="notices-TOTAL_FORMS"' in editor_page
    draft = ArticleFactory(section=section, status=Article.Status.DRAFT)
    draft_page = _client_for(EditorFactory()).get(change_url(draft)).content.decode()
    assert 'name="notices-TOTAL_FORMS"' not in draft_page
    writer = AuthorUserFactory()
    draft.authors.add(writer.byline)
    writer_page = _client_for(writer).get(change_url(draft)).content.decode()
    assert 'name="notices-TOTAL_FORMS"' not in writer_page


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_a_typo_fix_does_not_announce_itself_but_a_significant_update_does(
    client, story, editor_client
):
    before = jsonld(client.get(story.get_absolute_url()).content.decode())["dateModified"]
    response = post_form(editor_client, change_url(story), {"title": "Уряд ухвалив бюджет!"})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title == "Уряд ухвалив бюджет!" and story.revised_at is None
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Оновлено" not in page and jsonld(page)["dateModified"] == before

    data, _ = read_form(editor_client.get(change_url(story)))
    assert "significant_update" in _field_names(editor_client, story)
    data.update({"body": ["<p>Нові подробиці.</p>"], "significant_update": ["on"]})
    data["_save"] = ["1"]
    assert editor_client.post(change_url(story), data).status_code == 302
    story.refresh_from_db()
    assert story.revised_at is not None
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Оновлено" in page
    modified = datetime.fromisoformat(jsonld(page)["dateModified"])
    assert modified == story.revised_at.replace(microsecond=0)


def _field_names(client, story):
    return client.get(change_url(story)).context["adminform"].form.fields


def test_corrections_page_and_feed_list_notices_of_public_stories_only(client, story, section):
    NoticeFactory(article=story, kind="update", text="Додали реакцію опозиції.")
    hidden = ArticleFactory(section=section, status=Article.Status.DRAFT, title="Чернетка")
    NoticeFactory(article=hidden, text="Не для читачів.")
    page = client.get("/corrections/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Додали реакцію опозиції." in html and "Уряд ухвалив бюджет" in html
    assert "Не для читачів." not in html
    # the English edition's page lists the English stories' notices only
    english = client.get("/en/corrections/").content.decode()
    assert "Corrections and updates" in english and "Додали реакцію опозиції." not in english
    feed = client.get("/corrections/feed/")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("application/rss+xml")
    xml = feed.content.decode()
    assert "Оновлення: Уряд ухвалив бюджет" in xml and "Не для читачів." not in xml
    assert "/news/budzhet/#notice-" in xml


def test_corrections_page_refreshes_when_a_notice_is_added(client, story):
    assert "Нова примітка" not in client.get("/corrections/").content.decode()
    NoticeFactory(article=story, text="Нова примітка")
    assert "Нова примітка" in client.get("/corrections/").content.decode()


def test_corrections_page_rejects_a_bad_page_number(client):
    assert client.get("/corrections/?page=abc").status_code == 404
