"""An image chosen in the story form survives a form sent back with errors.

The admin keeps the upload on the server under a random key (articles.editorial.uploads): the page
shown next offers it again, and the next save uses it without the file being sent twice.
"""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles.models import Article, HeldUpload
from articles.tests.test_admin import story_form
from images import picture
from tests.admin_forms import signed_in
from tests.factories import ArticleFactory, EditorFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:articles_article_add")


def photo(name="foto.png", size=(700, 500)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 120, 60)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def held_key(response):
    found = re.search(r'name="lead_image-held" value="([^"]+)"', response.content.decode())
    return found.group(1) if found else None


@pytest.fixture
def taken(section):
    return ArticleFactory(section=section, slug="zainiatyi-slug", title="Інша новина")


@pytest.mark.parametrize(
    ("mistake", "fix", "message"),
    [
        ({"slug": "zainiatyi-slug"}, {"slug": ""}, "вже існує"),
        ({"title": ""}, {"title": "Згорани отримали нову школу"}, "Обов"),
        ({"published_at_0": "1700-01-01"}, {"published_at_0": "2026-11-29"}, "1800"),
        ({"lead_image_alt": ""}, {"lead_image_alt": "Нова школа"}, "Опишіть зображення"),
    ],
    ids=["slug-taken", "no-headline", "publish-time", "no-alt-text"],
)
def test_a_form_sent_back_with_errors_keeps_the_chosen_image(
    editor_client, section, taken, mistake, fix, message, django_capture_on_commit_callbacks
):
    data = story_form(section, **{"lead_image_alt": "Нова школа", **mistake})

    response = editor_client.post(ADD, {**data, "lead_image": photo("shkola.png")})

    page = response.content.decode()
    assert response.status_code == 200 and message in page
    held = HeldUpload.objects.get()
    key = held_key(response)
    assert key == held.key and "«shkola.png»" in page
    assert default_storage.exists(held.file.name) and held.file.name.endswith(".png")
    assert default_storage.url(held.file.name) in page  # the picture is shown again
    assert Article.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(ADD, {**data, **fix, "lead_image-held": key})

    assert response.status_code == 302
    story = Article.objects.exclude(pk=taken.pk).get()
    assert story.lead_image.name.startswith("lead/") and story.lead_image.name.endswith(".png")
    assert (story.lead_image_width, story.lead_image_height) == (700, 500)
    assert [e["width"] for e in story.lead_image_renditions["story"]] == [480, 700]
    assert not HeldUpload.objects.exists() and not default_storage.exists(held.file.name)


def test_an_invalid_upload_is_not_kept(editor_client, section, taken):
    bad = SimpleUploadedFile("fake.jpg", b"not an image", "image/jpeg")
    data = story_form(section, slug="zainiatyi-slug", lead_image_alt="Фото")
    response = editor_client.post(ADD, {**data, "lead_image": bad})
    assert response.status_code == 200 and held_key(response) is None
    assert not HeldUpload.objects.exists()


def test_a_held_image_is_for_the_editor_who_chose_it_for_a_day(
    editor_client, section, taken, time_machine
):
    data = story_form(section, slug="zainiatyi-slug", lead_image_alt="Фото")
    key = held_key(editor_client.post(ADD, {**data, "lead_image": photo()}))
    fixed = {**data, "slug": "", "lead_image-held": key}

    someone_else = signed_in(EditorFactory())
    assert someone_else.post(ADD, {**fixed, "title": "Чужа"}).status_code == 302
    assert not Article.objects.get(title="Чужа").lead_image  # not theirs to use

    time_machine.move_to(timezone.now() + timedelta(days=1, minutes=1))
    assert editor_client.post(ADD, {**fixed, "title": "Пізно"}).status_code == 302
    assert not Article.objects.get(title="Пізно").lead_image  # kept for a day only

    for bogus in ("x" * 100, "", "неіснуючий"):
        response = editor_client.post(
            ADD, {**fixed, "title": f"Ключ {bogus[:5]}", "lead_image-held": bogus}
        )
        assert response.status_code == 302
    assert not Article.objects.filter(title__startswith="Ключ").exclude(lead_image="").exists()


def test_the_held_image_can_be_dropped_or_replaced(editor_client, section, taken):
    data = story_form(section, slug="zainiatyi-slug", lead_image_alt="Фото")
    key = held_key(editor_client.post(ADD, {**data, "lead_image": photo()}))

    dropped = {**data, "slug": "", "title": "Без фото", "lead_image-held": key}
    dropped["lead_image-held-drop"] = "on"
    assert editor_client.post(ADD, dropped).status_code == 302
    assert not Article.objects.get(title="Без фото").lead_image

    replaced = {**data, "slug": "", "title": "Інше фото", "lead_image-held": key}
    replaced["lead_image"] = photo("inshe.png", (300, 200))
    assert editor_client.post(ADD, replaced).status_code == 302
    assert Article.objects.get(title="Інше фото").lead_image_width == 300


def test_images_held_by_no_draft_go_after_a_day(
    editor_client, section, taken, time_machine, django_capture_on_commit_callbacks
):
    data = story_form(section, slug="zainiatyi-slug", lead_image_alt="Фото")
    editor_client.post(ADD, {**data, "lead_image": photo()})
    old = HeldUpload.objects.get()
    time_machine.move_to(timezone.now() + timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(ADD, {**data, "lead_image": photo("nove.png")})
    assert list(HeldUpload.objects.values_list("name", flat=True)) == ["nove.png"]
    assert not default_storage.exists(old.file.name)


def test_on_a_story_with_an_image_the_current_one_shows_beside_the_new_one_kept(
    editor_client, section, taken
):
    from django.core.files.base import ContentFile

    from articles import services

    story = ArticleFactory(section=section, title="З фото", lead_image_alt="Старе фото")
    story.lead_image.save("stare.png", ContentFile(photo().read()), save=False)
    services.save_story(article=story)
    url = reverse("admin:articles_article_change", args=[story.pk])
    data = story_form(
        section,
        title="З фото",
        slug="zainiatyi-slug",
        lead_image_alt="Нове фото",
        based_on_version=story.version,
    )

    response = editor_client.post(url, {**data, "lead_image": photo("nove.png")})

    page = response.content.decode()
    current = re.search(r'<img class="story-image-preview" src="([^"]+)"', page).group(1)
    story.refresh_from_db()
    assert current == picture.preview_url(story.lead_image_renditions)
    assert "/standin-story-" in current  # the renditions are not made yet: the stand-in
    assert "«nove.png»" in page and held_key(response)


def held_files():
    root = Path(settings.MEDIA_ROOT) / "held"
    return sorted(str(path) for path in root.rglob("*") if path.is_file())


def test_held_images_have_a_quota_per_person(editor_client, section, taken, settings):
    """A form sent back with errors again and again, or many drafts, cannot fill the disk:
    each person may keep a few images for a day, counted and in bytes; past that the
    image is refused with a clear 429 and nothing is stored."""
    settings.ARTICLES_HELD_UPLOADS_PER_USER = 3
    data = story_form(section, slug="zainiatyi-slug", lead_image_alt="Фото")
    for number in range(3):
        response = editor_client.post(ADD, {**data, "lead_image": photo(f"{number}.png")})
        assert response.status_code == 200 and held_key(response)
    stored = held_files()

    response = editor_client.post(ADD, {**data, "lead_image": photo("zaivyi.png")})

    assert response.status_code == 429
    page = response.content.decode()
    assert "3" in page and held_key(response) is None
    assert "чекають на збереження" in page or "waiting to be saved" in page
    assert HeldUpload.objects.count() == 3
    assert held_files() == stored
    # someone else has their own quota; a form saved frees the space
    other = signed_in(EditorFactory())
    assert held_key(other.post(ADD, {**data, "lead_image": photo("chuzhe.png")}))
    key = HeldUpload.objects.filter(name="0.png").get().key
    fixed = {**data, "slug": "", "title": "Збережена", "lead_image-held": key}
    assert editor_client.post(ADD, fixed).status_code == 302
    response = editor_client.post(ADD, {**data, "lead_image": photo("znovu.png")})
    assert response.status_code == 200 and held_key(response)


def test_held_images_have_a_quota_in_bytes(editor_client, section, taken, settings):
    settings.ARTICLES_HELD_UPLOADS_BYTES_PER_USER = 12_000
    data = story_form(section, slug="zainiatyi-slug", lead_image_alt="Фото")
    big = Image.effect_noise((60, 60), 120).convert("RGB")
    buffer = io.BytesIO()
    big.save(buffer, "PNG")
    assert 7_000 < len(buffer.getvalue()) < 12_000
    upload = SimpleUploadedFile("shum.png", buffer.getvalue(), "image/png")
    assert editor_client.post(ADD, {**data, "lead_image": upload}).status_code == 200
    upload = SimpleUploadedFile("shum2.png", buffer.getvalue(), "image/png")
    assert editor_client.post(ADD, {**data, "lead_image": upload}).status_code == 429
    assert HeldUpload.objects.count() == 1
