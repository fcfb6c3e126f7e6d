"""Drafts of changes: a published story's edits saved aside, previewed, published or discarded.

Every request goes over HTTP as the admin's forms send it (tests/admin_forms.py reads the
rendered form and posts it back with a few fields changed).
"""

import io
import xml.etree.ElementTree as ET

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from articles import services
from articles.delivery.content_version import content_version
from articles.models import Article, HeldUpload, RelatedLink, StoryDraft
from tests.admin_forms import read_form, signed_in
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    AuthorUserFactory,
    EditorFactory,
    SectionFactory,
)

pytestmark = pytest.mark.django_db


def image_bytes(colour=(30, 90, 160), size=(900, 600)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def change_url(story):
    return reverse("admin:articles_article_change", args=[story.pk])


def preview_url(story):
    return reverse("admin:articles_article_draft_preview", args=[story.pk])


def discard_url(story):
    return reverse("admin:articles_article_draft_discard", args=[story.pk])


def send(client, url, changes=None, *, button, files=None, data=None):
    """Post the story form as opened now (or `data` read earlier) with a few changes."""
    if data is None:
        data, _options = read_form(client.get(url))
    data = {name: list(values) for name, values in data.items()}
    for name, value in (changes or {}).items():
        data[name] = value if isinstance(value, list) else [value]
    data[button] = ["1"]
    return client.post(url, {**data, **(files or {})})


@pytest.fixture
def section(db):
    return SectionFactory(name="Світ", slug="svit")


@pytest.fixture
def story(section):
    """A published story with a tag, a byline, two Other news picks and a lead image."""
    olena = AuthorFactory(name="Олена Коваль")
    story = ArticleFactory(
        section=section,
        title="Уряд ухвалив бюджет",
        tags=["бюджет"],
        authors=[olena],
        lead_image_alt="Будівля уряду",
    )
    for position, title in enumerate(["Перша за темою", "Друга за темою"]):
        RelatedLink.objects.create(
            article=story,
            target=ArticleFactory(section=section, title=title),
            position=position,
        )
    story.lead_image.save("uriad.jpg", ContentFile(image_bytes()), save=False)
    services.save_story(article=story)
    return Article.objects.get(pk=story.pk)


@pytest.fixture
def iryna(db):
    return EditorFactory(first_name="Ірина", last_name="Редакторка")


@pytest.fixture
def taras(db):
    return EditorFactory(first_name="Тарас", last_name="Редактор")


def picks(story):
    return [link.target.title for link in story.related_links.order_by("position")]


def drafted_changes(section):
    """Changes of every kind: headline, tags, bylines, picks' order, a new image."""
    petro = AuthorFactory(name="Петро Шевчук")
    return {
        "title": "Уряд ухвалив бюджет на 2027 рік",
        "tags": "бюджет, економіка",
        "authors": [str(petro.pk)],
        "related_links-0-position": "1",
        "related_links-1-position": "0",
    }, petro


def save_draft(client, story, changes, image=True):
    files = {}
    if image:
        new = SimpleUploadedFile("nove-foto.jpg", image_bytes((200, 40, 40)), "image/jpeg")
        files = {"lead_image": new}
    return send(client, change_url(story), changes, button="_save_draft", files=files)


def test_a_draft_of_changes_changes_nothing_readers_see(client, story, section, iryna):
    reader_page = client.get(story.get_absolute_url())
    assert "Уряд ухвалив бюджет" in reader_page.content.decode()
    changes, _petro = drafted_changes(section)
    version_before, stored_before = content_version(), Article.objects.get(pk=story.pk)

    response = save_draft(signed_in(iryna), story, changes)

    assert response.status_code == 302 and response["Location"] == change_url(story)
    stored = Article.objects.get(pk=story.pk)
    assert (stored.title, stored.version, stored.updated_at, stored.lead_image.name) == (
        stored_before.title,
        stored_before.version,
        stored_before.updated_at,
        stored_before.lead_image.name,
    )
    assert list(stored.tags.names()) == ["бюджет"]
    assert [a.name for a in stored.authors.all()] == ["Олена Коваль"]
    assert picks(stored) == ["Перша за темою", "Друга за темою"]
    draft = StoryDraft.objects.get(article=story)
    assert (draft.version, draft.saved_by, draft.based_on_version) == (1, iryna, story.version)
    held = HeldUpload.objects.get()
    assert held.draft == draft and default_storage.exists(held.file.name)
    # readers, feeds, search and sitemaps still have the published story, from cache or not
    assert content_version() == version_before
    for path in (story.get_absolute_url(), "/", "/feed/", "/sitemap-articles.xml"):
        page = client.get(path).content.decode()
        assert "2027" not in page, path
    assert "Уряд ухвалив бюджет" in client.get("/feed/").content.decode()
    assert "Уряд ухвалив бюджет" not in client.get("/search/", {"q": "2027"}).content.decode()
    assert held.file.name not in client.get(story.get_absolute_url()).content.decode()
    entry = LogEntry.objects.get(object_id=str(story.pk))
    assert entry.get_change_message().startswith("Збережено чернетку змін")
    assert not Version.objects.get_for_object(stored).filter(revision__user=iryna).exists()


def test_the_story_opens_on_its_draft_and_editing_goes_on_there(story, section, iryna, taras):
    changes, petro = drafted_changes(section)
    save_draft(signed_in(iryna), story, changes)

    page = signed_in(taras).get(change_url(story)).content.decode()

    assert "Ця новина має чернетку змін, якої читачі ще не бачать" in page
    assert "Збережено: Ірина Редакторка" in page
    assert 'value="Уряд ухвалив бюджет на 2027 рік"' in page
    assert 'name="_publish_draft"' in page and 'name="_save_draft"' in page
    assert 'name="_save"' not in page  # in the draft, saving never publishes by itself
    data, _ = read_form(signed_in(taras).get(change_url(story)))
    assert data["tags"] == ["бюджет, економіка"] and data["authors"] == [str(petro.pk)]
    assert data["related_links-0-position"] == ["1"]
    assert data["lead_image-held"] == [HeldUpload.objects.get().key]
    assert "held-upload" in page  # the draft's image is shown, not asked for again

    response = send(
        signed_in(taras), change_url(story), {"teaser": "Новий анонс"}, button="_save_draft"
    )

    assert response.status_code == 302
    draft = StoryDraft.objects.get(article=story)
    assert (draft.version, draft.saved_by) == (2, taras)
    assert draft.data["teaser"] == ["Новий анонс"]
    assert draft.data["title"] == ["Уряд ухвалив бюджет на 2027 рік"]
    assert HeldUpload.objects.get().draft == draft  # still the draft's image
    assert Article.objects.get(pk=story.pk).teaser == ""


def test_publishing_the_draft_puts_out_every_change(
    client, story, section, iryna, taras, django_capture_on_commit_callbacks
):
    changes, petro = drafted_changes(section)
    save_draft(signed_in(iryna), story, changes)
    held_file = HeldUpload.objects.get().file.name
    old_image = story.lead_image.name

    with django_capture_on_commit_callbacks(execute=True):
        response = send(signed_in(taras), change_url(story), button="_publish_draft")

    assert response.status_code == 302 and response["Location"] == change_url(story)
    stored = Article.objects.get(pk=story.pk)
    assert stored.title == "Уряд ухвалив бюджет на 2027 рік"
    assert sorted(stored.tags.names()) == ["бюджет", "економіка"]
    assert list(stored.authors.all()) == [petro]
    assert picks(stored) == ["Друга за темою", "Перша за темою"]
    assert stored.lead_image.name != old_image and stored.lead_image.name.startswith("lead/")
    assert stored.lead_image_width == 900 and stored.picture.file.name == stored.lead_image.name
    assert [e["width"] for e in stored.lead_image_renditions["story"]] == [480, 800, 900]
    assert stored.version == story.version + 1
    assert not StoryDraft.objects.exists() and not HeldUpload.objects.exists()
    assert not default_storage.exists(held_file)  # the held copy went with the draft
    page = client.get(stored.get_absolute_url()).content.decode()
    assert "Уряд ухвалив бюджет на 2027 рік" in page and "#економіка" in page
    assert "Петро Шевчук" in page
    comment = Version.objects.get_for_object(stored).first().revision.get_comment()
    assert comment.startswith("Опубліковано чернетку змін")
    messages = [m.message for m in response.wsgi_request._messages]
    assert any("Чернетку опубліковано" in m for m in messages)


def test_discarding_the_draft_keeps_the_story_and_drops_the_drafts_image(
    story, section, iryna, django_capture_on_commit_callbacks
):
    editor = signed_in(iryna)
    changes, _petro = drafted_changes(section)
    save_draft(editor, story, changes)
    held_file = HeldUpload.objects.get().file.name

    page = editor.get(discard_url(story))
    assert page.status_code == 200 and "буде втрачено" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(discard_url(story), {"draft_version": "1"})

    assert response.status_code == 302 and response["Location"] == change_url(story)
    assert not StoryDraft.objects.exists() and not HeldUpload.objects.exists()
    assert not default_storage.exists(held_file)
    stored = Article.objects.get(pk=story.pk)
    assert (stored.title, stored.version) == ("Уряд ухвалив бюджет", story.version)
    form = editor.get(change_url(story)).content.decode()
    assert 'value="Уряд ухвалив бюджет"' in form and 'name="_save"' in form


def test_discarding_needs_the_draft_version_and_refuses_a_newer_draft(story, section, iryna):
    editor = signed_in(iryna)
    changes, _petro = drafted_changes(section)
    save_draft(editor, story, changes, image=False)
    assert editor.post(discard_url(story), {}).status_code == 400
    assert editor.post(discard_url(story), {"draft_version": "x"}).status_code == 400
    send(editor, change_url(story), {"teaser": "Ще правка"}, button="_save_draft")  # version 2
    response = editor.post(discard_url(story), {"draft_version": "1"}, follow=True)
    assert "нічого не відкинуто" in response.content.decode()
    assert StoryDraft.objects.get().version == 2  # the newer draft was not thrown away
    assert not editor.get(discard_url(ArticleFactory(section=section))).status_code == 200


def test_two_editors_on_one_draft_lose_no_edits(story, section, iryna, taras):
    changes, _petro = drafted_changes(section)
    save_draft(signed_in(iryna), story, changes, image=False)
    first, second = signed_in(iryna), signed_in(taras)
    opened_by_taras, _ = read_form(second.get(change_url(story)))
    assert (
        send(first, change_url(story), {"teaser": "Анонс Ірини"}, button="_save_draft").status_code
        == 302
    )

    for button in ("_save_draft", "_publish_draft"):
        response = send(
            second,
            change_url(story),
            {"teaser": "Анонс Тараса"},
            button=button,
            data=opened_by_taras,
        )
        page = response.content.decode()
        assert response.status_code == 200, button
        assert "її знову зберегли (Ірина Редакторка" in page
        assert "Після того як ви відкрили чернетку змін, її зберіг хтось інший" in page
        assert "Анонс Ірини" in page and "Анонс Тараса" in page  # the table of differences
    draft = StoryDraft.objects.get()
    assert (draft.version, draft.data["teaser"]) == (2, ["Анонс Ірини"])
    assert Article.objects.get(pk=story.pk).title == "Уряд ухвалив бюджет"


def test_a_draft_older_than_the_published_story_shows_what_changed_since(
    story, section, iryna, taras
):
    opened_earlier, _ = read_form(signed_in(taras).get(change_url(story)))
    changes, _petro = drafted_changes(section)
    save_draft(signed_in(iryna), story, changes, image=False)
    # Taras saves the published story from the form he opened before the draft existed.
    response = send(
        signed_in(taras),
        change_url(story),
        {"source": "Reuters"},
        button="_save",
        data=opened_earlier,
    )
    assert response.status_code == 302
    assert Article.objects.get(pk=story.pk).source == "Reuters"

    page = signed_in(iryna).get(change_url(story)).content.decode()
    assert "Опубліковану новину змінили після того, як цю чернетку збережено" in page
    assert "Reuters" in page and "Тарас Редактор" in page

    response = send(
        signed_in(iryna), change_url(story), {"source": "Reuters"}, button="_publish_draft"
    )
    assert response.status_code == 302
    stored = Article.objects.get(pk=story.pk)
    assert (stored.title, stored.source) == ("Уряд ухвалив бюджет на 2027 рік", "Reuters")


def test_only_a_published_story_has_a_draft_of_changes_and_it_stays_published(section, iryna):
    editor = signed_in(iryna)
    unpublished = ArticleFactory(section=section, status=Article.Status.DRAFT, title="Ще чернетка")
    page = editor.get(change_url(unpublished)).content.decode()
    assert 'name="_save_draft"' not in page
    response = send(editor, change_url(unpublished), {"title": "Інша"}, button="_save_draft")
    assert (
        response.status_code == 200
        and "Чернеткою змін зберігають лише" in response.content.decode()
    )
    published = ArticleFactory(section=section, title="Опублікована")
    response = send(editor, change_url(published), {"status": "draft"}, button="_save_draft")
    assert response.status_code == 200 and "Чернетка змін лишає новину опублікованою" in (
        response.content.decode()
    )
    assert not StoryDraft.objects.exists()
    assert Article.objects.get(pk=published.pk).status == Article.Status.PUBLISHED


def test_an_author_has_no_drafts_of_published_stories(story, section, iryna):
    olena = AuthorUserFactory(first_name="Олена", last_name="Авторка")
    story.authors.add(olena.byline)
    author = signed_in(olena)
    assert 'name="_save_draft"' not in author.get(change_url(story)).content.decode()
    data, _ = read_form(signed_in(iryna).get(change_url(story)))
    data.update({"title": ["Правка авторки"], "_save_draft": ["1"]})
    assert author.post(change_url(story), data).status_code == 403
    changes, _petro = drafted_changes(section)
    save_draft(signed_in(iryna), story, changes, image=False)
    assert author.get(preview_url(story)).status_code == 403
    assert author.post(discard_url(story), {"draft_version": "1"}).status_code == 403
    # the author's read-only page shows the published story, not the draft
    assert "2027" not in author.get(change_url(story)).content.decode()
    assert StoryDraft.objects.get().version == 1


def test_the_drafts_preview_shows_the_draft_to_editors_only(client, story, section, iryna):
    changes, _petro = drafted_changes(section)
    changes["body"] = '<p>Новий текст.</p><script>alert("x")</script><p onclick="x()">Ще.</p>'
    save_draft(signed_in(iryna), story, changes)
    held = HeldUpload.objects.get()

    response = signed_in(iryna).get(preview_url(story))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Уряд ухвалив бюджет на 2027 рік" in page
    assert "#економіка" in page and "Петро Шевчук" in page
    assert default_storage.url(held.file.name) in page  # the draft's image
    assert page.index("Друга за темою") < page.index("Перша за темою")  # the draft's order
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    assert "Попередній перегляд чернетки змін" in page
    assert "<p>Новий текст.</p>" in page  # the draft's text, cleaned as any saved text
    assert 'alert("x")' not in page and "onclick" not in page
    assert client.get(preview_url(story)).status_code == 302  # to the admin's login
    assert signed_in(iryna).get(preview_url(ArticleFactory(section=section))).status_code == 404
    assert Article.objects.get(pk=story.pk).title == "Уряд ухвалив бюджет"


def test_editors_see_which_stories_have_a_draft_of_changes(story, section, iryna):
    editor = signed_in(iryna)
    ArticleFactory(section=section, title="Без чернетки")
    changes, _petro = drafted_changes(section)
    save_draft(editor, story, changes, image=False)
    listing = editor.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "чернетка змін" in listing
    only = editor.get(reverse("admin:articles_article_changelist"), {"visibility": "changes"})
    assert "Уряд ухвалив бюджет" in only.content.decode()
    assert "Без чернетки" not in only.content.decode()
    home = editor.get(reverse("admin:index")).content.decode()
    assert "1 опублікована новина має чернетку змін" in home
    assert "Уряд ухвалив бюджет" in home


def test_a_published_drafts_feed_item_and_search_follow_the_story(client, story, section, iryna):
    changes, _petro = drafted_changes(section)
    editor = signed_in(iryna)
    save_draft(editor, story, changes, image=False)
    send(editor, change_url(story), button="_publish_draft")
    titles = [i.findtext("title") for i in ET.fromstring(client.get("/feed/").content).iter("item")]
    assert "Уряд ухвалив бюджет на 2027 рік" in titles
    assert (
        "Уряд ухвалив бюджет на 2027 рік" in client.get("/search/", {"q": "2027"}).content.decode()
    )


def test_a_drafts_notice_and_significant_update_wait_with_it(client, story, iryna):
    editor = signed_in(iryna)
    notice = {
        "notices-TOTAL_FORMS": "1",
        "notices-0-kind": "update",
        "notices-0-text": "Додано реакцію опозиції.",
        "notices-0-noted_at_0": "2026-12-01",
        "notices-0-noted_at_1": "09:30:00",
        "significant_update": "on",
        "teaser": "Рада ухвалила бюджет, опозиція проти.",
    }
    assert send(editor, change_url(story), notice, button="_save_draft").status_code == 302
    assert not story.notices.exists() and Article.objects.get(pk=story.pk).revised_at is None
    assert "Додано реакцію опозиції" not in client.get(story.get_absolute_url()).content.decode()

    preview = editor.get(preview_url(story)).content.decode()
    assert "Додано реакцію опозиції." in preview and 'class="updated"' in preview

    assert send(editor, change_url(story), button="_publish_draft").status_code == 302
    stored = Article.objects.get(pk=story.pk)
    assert list(stored.notices.values_list("text", flat=True)) == ["Додано реакцію опозиції."]
    assert stored.revised_at is not None and stored.teaser.startswith("Рада ухвалила")
    page = client.get(stored.get_absolute_url()).content.decode()
    assert "Додано реакцію опозиції." in page


def test_a_draft_that_removes_the_image_removes_it_only_when_published(client, story, iryna):
    editor = signed_in(iryna)
    image = story.lead_image.name
    cleared = {"lead_image-clear": "on", "lead_image_alt": ""}
    assert send(editor, change_url(story), cleared, button="_save_draft").status_code == 302
    assert Article.objects.get(pk=story.pk).lead_image.name == image
    assert "lead-image" in client.get(story.get_absolute_url()).content.decode()
    assert 'class="lead-image"' not in editor.get(preview_url(story)).content.decode()

    assert send(editor, change_url(story), button="_publish_draft").status_code == 302
    assert not Article.objects.get(pk=story.pk).lead_image
    assert 'class="lead-image"' not in client.get(story.get_absolute_url()).content.decode()


def test_a_take_down_from_an_older_form_discards_the_draft_of_changes(story, section, iryna, taras):
    """Unpublishing a story resolves its draft of changes, whatever form was open: the draft
    goes (with its image), the history says so, and the story's Author, who may change it
    again, never sees the editors' draft and can save."""
    olena = AuthorUserFactory(first_name="Олена", last_name="Авторка")
    story.authors.add(olena.byline)
    old_form, _ = read_form(signed_in(taras).get(change_url(story)))  # before the draft
    changes, _petro = drafted_changes(section)
    changes["body"] = "<p>Редакторська правка до зняття.</p>"
    assert save_draft(signed_in(iryna), story, changes).status_code == 302
    assert HeldUpload.objects.count() == 1

    response = send(
        signed_in(taras), change_url(story), {"status": "draft"}, button="_save", data=old_form
    )

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT
    assert not StoryDraft.objects.exists() and not HeldUpload.objects.exists()
    comment = Version.objects.get_for_object(story).first().revision.get_comment()
    assert "Знято з публікації" in comment or "Unpublished" in comment
    author = signed_in(olena)
    page = author.get(change_url(story)).content.decode()
    assert "Редакторська правка" not in page and "2027" not in page
    assert author.get(preview_url(story)).status_code in (403, 404)
    response = send(author, change_url(story), {"teaser": "Моя правка"}, button="_save")
    assert response.status_code == 302
    assert Article.objects.get(pk=story.pk).teaser == "Моя правка"


def test_a_leftover_draft_of_an_unpublished_story_neither_shows_nor_blocks(story, section, iryna):
    """A draft of changes stored for a story that is no longer published (left by an older
    release) is not offered to anyone, and saving the story drops it."""
    olena = AuthorUserFactory(first_name="Олена", last_name="Авторка")
    story.authors.add(olena.byline)
    changes, _petro = drafted_changes(section)
    changes["body"] = "<p>Забута правка.</p>"
    save_draft(signed_in(iryna), story, changes, image=False)
    Article.objects.filter(pk=story.pk).update(status=Article.Status.DRAFT)
    for person in (olena, iryna):
        client = signed_in(person)
        assert "Забута правка" not in client.get(change_url(story)).content.decode()
        assert client.get(preview_url(story)).status_code in (403, 404)
    response = send(signed_in(olena), change_url(story), {"teaser": "Знову моя"}, button="_save")
    assert response.status_code == 302
    assert Article.objects.get(pk=story.pk).teaser == "Знову моя"
    assert not StoryDraft.objects.exists()


def test_a_drafts_new_image_counts_against_the_held_images_quota(story, section, iryna, settings):
    settings.ARTICLES_HELD_UPLOADS_PER_USER = 0
    changes, _petro = drafted_changes(section)
    response = save_draft(signed_in(iryna), story, changes)
    assert response.status_code == 429
    assert not StoryDraft.objects.exists() and not HeldUpload.objects.exists()
    assert Article.objects.get(pk=story.pk).title == "Уряд ухвалив бюджет"
