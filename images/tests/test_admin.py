"""The picture library in the admin: upload once, find by any word form, see where it is used."""

import pytest
from django.urls import reverse

from articles import services
from articles.models import Article
from articles.tests.test_admin import story_form
from images import services as library
from images.models import Image
from images.tests.photos import photo
from imports.wordpress.fetch import MediaError
from tests.factories import ArticleFactory, AuthorUserFactory

ADD = reverse("admin:images_image_add")
LIST = reverse("admin:images_image_changelist")


def picture_form(**overrides):
    data = {
        "file": photo(),
        "alt": "Мітинг на площі",
        "caption": "Мітинг у Києві",
        "credit": "Олена Коваль",
        "source": "",
        "licence": "",
        "focal_x": "0.5",
        "focal_y": "0.5",
    }
    return data | overrides


def test_an_editor_adds_a_picture_and_finds_it_by_another_word_form(editor_client, editor):
    response = editor_client.post(ADD, picture_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    image = Image.objects.get()
    assert image.uploaded_by == editor and image.renditions["standin"]["story"]
    listing = editor_client.get(LIST).content.decode()
    assert 'class="library-thumb"' in listing
    assert "Мітинг" in editor_client.get(LIST, {"q": "Київ"}).content.decode()  # "Києві"
    assert "Мітинг" in editor_client.get(LIST, {"q": "мітингу"}).content.decode()
    assert "Мітинг" not in editor_client.get(LIST, {"q": "Львів"}).content.decode()


@pytest.mark.parametrize(
    ("name", "stored"), [("shell.php.jpg", "shell-php"), (".htaccess.jpg", "htaccess")]
)
def test_an_uploaded_picture_is_stored_with_one_extension(db, client, name, stored):
    # a JPEG with no metadata (so kept as it came) and PHP after its end: a media server
    # that hands files to PHP by any of their extensions must not find .php in its name
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image as Pillow

    buffer = BytesIO()
    Pillow.new("RGB", (64, 48), (10, 20, 30)).save(buffer, "JPEG")
    data = buffer.getvalue() + b"<?php system($_GET['c']); ?>"
    client.force_login(AuthorUserFactory())
    upload = SimpleUploadedFile(name, data, "image/jpeg")
    response = client.post(ADD, picture_form(file=upload))
    assert response.status_code == 302, response.content.decode()[:3000]
    base = Image.objects.get().file.name.rsplit("/", 1)[1]
    assert base.startswith(stored) and base.endswith(".jpg") and base.count(".") == 1, base


def test_the_same_photo_again_is_refused_with_a_link_to_it(editor_client):
    first = library.add_image(file=photo(), alt="Площа")
    response = editor_client.post(ADD, picture_form())
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin:images_image_change", args=[first.pk]) in page
    assert Image.objects.count() == 1


def test_used_in_lists_the_stories_and_the_filter_splits_used_from_unused(editor_client, section):
    used = library.add_image(file=photo(), alt="Площа")
    unused = library.add_image(file=photo(size=(900, 600)), alt="Вулиця")
    story = Article.objects.get(pk=ArticleFactory(section=section, title="Мітинг").pk)
    story.picture = used
    services.save_story(article=story)
    change = editor_client.get(reverse("admin:images_image_change", args=[used.pk]))
    assert reverse("admin:articles_article_change", args=[story.pk]) in change.content.decode()
    assert 'class="focal-point"' in change.content.decode()
    in_use = editor_client.get(LIST, {"use": "used"}).content.decode()
    assert "Площа" in in_use and "Вулиця" not in in_use
    assert "Вулиця" in editor_client.get(LIST, {"use": "unused"}).content.decode()
    assert unused.pk


def test_a_click_on_the_picture_moves_the_focal_point_and_the_crops_follow(
    editor_client, django_capture_on_commit_callbacks
):
    image = library.add_image(file=photo(), alt="Площа")
    url = reverse("admin:images_image_change", args=[image.pk])
    data = picture_form(focal_x="0.9", focal_y="0.2")
    data.pop("file")
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, data)
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (0.9, 0.2)
    assert image.ready and "social" in image.renditions


def test_a_story_takes_its_picture_from_the_library(editor_client, section):
    image = library.add_image(file=photo(), alt="Площа", caption="Київ", credit="УНІАН")
    response = editor_client.post(
        reverse("admin:articles_article_add"), story_form(section, picture=str(image.pk))
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    story = Article.objects.get()
    assert story.picture == image and story.lead_image.name == image.file.name
    assert story.lead_image_credit == "УНІАН"
    chooser = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "площ", "app_label": "articles", "model_name": "article", "field_name": "picture"},
    )
    assert chooser.status_code == 200 and str(image.pk) in chooser.content.decode()


@pytest.mark.parametrize("path", [LIST, ADD])
def test_authors_may_use_the_library(db, client, path):
    client.force_login(AuthorUserFactory())
    assert client.get(path).status_code == 200


def test_a_picture_from_another_site_that_cannot_be_had_is_refused(
    editor_client, section, monkeypatch
):
    def unreachable(url, **kwargs):
        raise MediaError("cannot resolve example.com")

    monkeypatch.setattr("imports.wordpress.fetch.fetch", unreachable)
    body = '<p>Текст.</p><figure><img src="https://example.com/a.jpg" alt="x"></figure>'
    response = editor_client.post(
        reverse("admin:articles_article_add"), story_form(section, body=body)
    )
    assert response.status_code == 200
    assert "https://example.com/a.jpg" in response.content.decode()
    assert not Article.objects.exists()
    image = library.add_image(file=photo(), alt="Площа")
    ours = image.renditions["standin"]["story"]["jpg"]
    from django.core.files.storage import default_storage

    body = f'<figure><img src="{default_storage.url(ours)}" alt="Площа"></figure>'
    response = editor_client.post(
        reverse("admin:articles_article_add"), story_form(section, body=body)
    )
    assert response.status_code == 302
