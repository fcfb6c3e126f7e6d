"""The live desk in the admin: the composer without JavaScript, Authors' rule, edit, delete."""

import pytest
from django.urls import reverse

from articles.models import Article, Notice
from live import services
from live.models import LiveEntry
from tests.admin_forms import signed_in

pytestmark = pytest.mark.django_db


def desk(coverage):
    return reverse("admin:live_livecoverage_change", args=[coverage.pk])


def test_an_editor_posts_from_the_composer_without_javascript(coverage, desk_editor):
    client = signed_in(desk_editor)
    page = client.get(desk(coverage))
    assert page.status_code == 200 and "Опублікувати" in page.content.decode()
    response = client.post(
        desk(coverage), {"action": "post", "body": "Перший рядок\nДругий рядок", "key_event": "on"}
    )
    assert response.status_code == 302
    entry = LiveEntry.objects.get()
    assert entry.body == "<p>Перший рядок</p><p>Другий рядок</p>"
    assert entry.key_event and entry.is_published
    assert entry.author.user == desk_editor
    coverage.refresh_from_db()
    assert coverage.revision == entry.revision == 1
    assert "Перший рядок" in client.get(desk(coverage)).content.decode()


def test_an_empty_entry_is_refused_and_nothing_is_written(coverage, desk_editor):
    client = signed_in(desk_editor)
    response = client.post(desk(coverage), {"action": "post", "body": "   "})
    assert response.status_code == 200
    response = client.post(desk(coverage), {"action": "post", "body": "<script>x</script>"})
    assert response.status_code == 200 and "Напишіть текст запису." in response.content.decode()
    assert not LiveEntry.objects.exists()


def test_markup_is_sanitised(post):
    entry = post(
        '<p onclick="x()">Текст <a href="javascript:alert(1)">тут</a></p><script>1</script>'
    )
    assert "onclick" not in entry.body and "javascript" not in entry.body
    assert "<script" not in entry.body


def test_an_authors_entry_waits_for_an_editor_unless_the_desk_allows(
    coverage, desk_author, desk_editor, client
):
    coverage.article.authors.add(desk_author.byline)
    waiting = services.post_entry(coverage=coverage, user=desk_author, body="Від авторки.")
    assert not waiting.is_published
    assert "Від авторки." not in client.get(coverage.article.get_absolute_url()).content.decode()
    services.publish_entry(entry=waiting, user=desk_editor)
    assert "Від авторки." in client.get(coverage.article.get_absolute_url()).content.decode()
    coverage.authors_publish = True
    coverage.save()
    assert services.post_entry(coverage=coverage, user=desk_author, body="Одразу.").is_published


def test_an_author_posts_only_to_their_own_live_pages(coverage, desk_author):
    client = signed_in(desk_author)
    response = client.post(desk(coverage), {"action": "post", "body": "Чужа трансляція."})
    assert not LiveEntry.objects.exists()
    assert "лише редактори та її автори" in client.get(desk(coverage)).content.decode()
    assert response.status_code in (200, 302)
    with pytest.raises(services.Refused):
        services.post_entry(coverage=coverage, user=desk_author, body="Ні.")


def test_an_author_cannot_publish_close_or_change_a_published_entry(coverage, desk_author, post):
    coverage.article.authors.add(desk_author.byline)
    published = post("Редакторський запис.")
    mine = services.post_entry(coverage=coverage, user=desk_author, body="Мій запис.")
    client = signed_in(desk_author)
    client.post(desk(coverage), {"action": f"publish:{mine.pk}"})
    client.post(desk(coverage), {"action": "close"})
    mine.refresh_from_db()
    coverage.refresh_from_db()
    assert not mine.is_published and coverage.is_running
    edit = reverse("admin:live_liveentry_change", args=[published.pk])
    assert client.post(edit, {"body": "Змінено авторкою."}).status_code == 403
    published.refresh_from_db()
    assert published.body == "<p>Редакторський запис.</p>"
    own = reverse("admin:live_liveentry_change", args=[mine.pk])
    assert client.get(own).status_code == 200


def test_an_editor_edits_and_corrects_an_entry(coverage, desk_editor, post, client):
    entry = post("Загинули 3 людини.")
    before = entry.revision
    editor = signed_in(desk_editor)
    response = editor.post(
        reverse("admin:live_liveentry_change", args=[entry.pk]),
        {
            "posted_at_0": entry.posted_at.strftime("%d.%m.%Y"),
            "posted_at_1": entry.posted_at.strftime("%H:%M:%S"),
            "headline": "",
            "body": "Загинули 4 людини.",
            "is_published": "on",
            "correction_kind": "correction",
            "correction": "Раніше ми писали про трьох загиблих.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    assert entry.body == "<p>Загинули 4 людини.</p>" and entry.revision > before
    notice = Notice.objects.get()
    assert list(entry.notices.all()) == [notice]
    page = client.get(coverage.article.get_absolute_url()).content.decode()
    assert page.count("Раніше ми писали про трьох загиблих.") == 2  # the entry and the notices
    assert "Раніше ми писали про трьох загиблих." in client.get("/corrections/").content.decode()


def test_deleting_an_entry_tells_open_pages_to_drop_it(coverage, desk_editor, post, client):
    entry = post("Помилковий запис.")
    seen = entry.revision
    editor = signed_in(desk_editor)
    url = reverse("admin:live_liveentry_delete", args=[entry.pk]) + f"?coverage={coverage.pk}"
    response = editor.post(url, {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == desk(coverage)
    assert not LiveEntry.objects.exists()
    data = client.get(f"/live/{coverage.article_id}/since/{seen}/").json()
    assert data["removed"] == [entry.pk]


def test_closing_the_coverage_from_the_desk(coverage, desk_editor, client):
    signed_in(desk_editor).post(desk(coverage), {"action": "close"})
    coverage.refresh_from_db()
    assert not coverage.is_running
    data = client.get(f"/live/{coverage.article_id}/since/0/").json()
    assert data["running"] is False


def test_an_editor_opens_a_live_page_for_a_story(desk_editor, live_story):
    client = signed_in(desk_editor)
    response = client.post(
        reverse("admin:live_livecoverage_add"),
        {"article": live_story.pk, "started_at_0": "06.12.2026", "started_at_1": "08:00:00"},
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=live_story.pk).live.is_running


def test_an_entry_with_a_new_picture_puts_it_into_the_library(coverage, desk_editor, client):
    from images.models import Image
    from images.tests.photos import photo

    editor = signed_in(desk_editor)
    without_alt = {"action": "post", "body": "Фото з місця події.", "upload": photo()}
    assert editor.post(desk(coverage), without_alt).status_code == 200  # alt text first
    assert not LiveEntry.objects.exists()
    form = {**without_alt, "upload": photo(), "alt": "Пошкоджена підстанція"}
    assert editor.post(desk(coverage), form).status_code == 302
    entry = LiveEntry.objects.get()
    assert entry.picture == Image.objects.get()
    page = client.get(coverage.article.get_absolute_url()).content.decode()
    assert 'alt="Пошкоджена підстанція"' in page and "live-entry-picture" in page


def test_the_story_form_leads_to_the_desk(coverage, desk_editor):
    form = signed_in(desk_editor).get(
        reverse("admin:articles_article_change", args=[coverage.article_id])
    )
    assert f'href="{desk(coverage)}"' in form.content.decode()
