"""The add form's preview: a story not saved yet, shown as readers will see it, saving nothing."""

import io

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from reversion.models import Version
from taggit.models import Tag

from articles.models import Article, HeldUpload
from images import services as library
from tests.admin_forms import read_form, signed_in
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    AuthorUserFactory,
    EditorFactory,
    SectionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/articles/article/add/"
PREVIEW_URL = "/admin/articles/article/preview/"


def image_upload(name="foto.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (30, 90, 160)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


def add_form(client, changes):
    """The add form as a browser sends it with `changes`, to the preview."""
    data, _options = read_form(client.get(ADD_URL))
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    data["_preview"] = ["1"]
    return data


def rows_written():
    return (
        Article.objects.count(),
        Tag.objects.count(),
        HeldUpload.objects.count(),
        LogEntry.objects.count(),
        Version.objects.count(),
    )


@pytest.fixture
def section(db):
    return SectionFactory(name="Світ", slug="svit")


@pytest.fixture
def iryna(db):
    return EditorFactory(first_name="Ірина", last_name="Редакторка")


def test_the_add_form_offers_a_preview_that_opens_in_a_new_tab(iryna):
    page = signed_in(iryna).get(ADD_URL).content.decode()

    assert f'formaction="{PREVIEW_URL}"' in page
    assert 'formtarget="_blank"' in page and 'name="_preview"' in page
    assert reverse("admin:articles_article_new_preview") == PREVIEW_URL


def test_a_new_story_is_previewed_as_typeset_and_nothing_is_written(section, iryna):
    client = signed_in(iryna)
    olena = AuthorFactory(name="Олена Коваль")
    picked = ArticleFactory(section=section, title="Перша за темою")
    data = add_form(
        client,
        {
            "title": 'Уряд ухвалив "новий" бюджет на 2026-2027 роки',
            "section": str(section.pk),
            "authors": [str(olena.pk)],
            "tags": "бюджет, нова тема",
            "body": "<p>Прем'єр сказав - досить.</p><script>alert(1)</script>",
            "related_links-0-target": str(picked.pk),
            "related_links-0-position": "0",
        },
    )
    before = rows_written()

    response = client.post(PREVIEW_URL, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Уряд ухвалив «новий» бюджет на 2026–2027 роки" in page  # as a save typesets it
    assert "<p>Прем’єр сказав&nbsp;— досить.</p>" in page and "alert(1)" not in page
    assert "Олена Коваль" in page and "#нова тема" in page and "Перша за темою" in page
    assert "Попередній перегляд незбереженої новини" in page
    assert rows_written() == before


def test_a_preview_is_private_never_cached_and_not_indexed(client, section, iryna):
    editor = signed_in(iryna)
    data = add_form(editor, {"title": "Чернетка", "section": str(section.pk)})

    response = editor.post(PREVIEW_URL, data)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert "xkey" not in response  # no surrogate keys: nothing for an HTTP cache to keep
    assert client.post(PREVIEW_URL, data).status_code == 302  # readers go to the login
    assert editor.get(PREVIEW_URL).status_code == 405


def test_a_preview_without_a_headline_or_section_says_what_to_fill_in(iryna):
    client = signed_in(iryna)
    data = add_form(client, {"title": "", "body": "<p>Текст.</p>"})
    before = rows_written()

    response = client.post(PREVIEW_URL, data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Заголовок" in page and "Рубрика" in page
    assert rows_written() == before


def test_a_chosen_library_picture_shows_and_a_new_upload_is_named_as_not_shown(section, iryna):
    client = signed_in(iryna)
    picture = library.add_image(file=image_upload(), alt="Будівля уряду", caption="Київ")
    data = add_form(
        client, {"title": "З фото", "section": str(section.pk), "picture": str(picture.pk)}
    )

    with_picture = client.post(PREVIEW_URL, data).content.decode()
    data.pop("picture")
    with_upload = client.post(PREVIEW_URL, {**data, "lead_image": image_upload("nove.jpg")})

    assert 'alt="Будівля уряду"' in with_picture and "Київ" in with_picture
    page = with_upload.content.decode()
    assert with_upload.status_code == 200
    assert "<figure" not in page and "Головне зображення" in page  # named, not shown
    assert HeldUpload.objects.count() == 0 and Article.objects.count() == 0


def test_a_field_in_error_shows_as_left_empty_and_is_named(section, iryna):
    client = signed_in(iryna)
    data = add_form(
        client,
        {
            "title": "Новина",
            "section": str(section.pk),
            "body": '<p>Текст.</p><p><img src="https://example.com/x.jpg" alt="x"></p>',
        },
    )

    response = client.post(PREVIEW_URL, data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "example.com" not in page
    assert "Не показано" in page and "Текст" in page.split("Не показано", 1)[1][:300]


def test_authors_preview_their_new_stories_and_others_may_not(section):
    author = AuthorUserFactory()
    data = add_form(signed_in(author), {"title": "Моя новина", "section": str(section.pk)})

    assert signed_in(author).post(PREVIEW_URL, data).status_code == 200
    staff_without_stories = UserFactory(is_staff=True)
    assert signed_in(staff_without_stories).post(PREVIEW_URL, data).status_code == 403
