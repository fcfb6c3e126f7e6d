"""Pictures in a story's text: the library's only, copied in or refused on save, shown as
<picture>, chosen with the editor's button, listed where used."""

import html
import http.server
import io
import json
import re
import threading
from functools import partial

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.translation import gettext

from articles import services
from articles.models import Article
from articles.tests.test_admin import story_form
from images import body as text_pictures
from images import services as library
from images.models import Image
from images.tests.photos import photo
from images.validation import NOT_AN_IMAGE
from imports.wordpress.fetch import MediaError, fetch
from tests.factories import ArticleFactory

ADD_STORY = reverse("admin:articles_article_add")
PICKER = reverse("admin:images_picker")


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def figure(src, alt="Площа", caption="Мітинг"):
    return f'<figure><img src="{src}" alt="{alt}"><figcaption>{caption}</figcaption></figure>'


def outside_site(monkeypatch, data=None, error=None):
    """Downloads answered here, by address: no network in tests."""
    asked = []

    def fetch(url, *, max_bytes, **kwargs):
        asked.append(url)
        if error:
            raise MediaError(error)
        return data

    monkeypatch.setattr("imports.wordpress.fetch.fetch", fetch)
    return asked


def test_an_outside_picture_in_the_text_is_copied_into_the_library(
    editor_client, section, monkeypatch
):
    asked = outside_site(monkeypatch, data=photo(orientation=6).read())
    body = "<p>Текст.</p>" + figure("https://example.com/photos/kyiv.jpg?w=800&amp;h=600")
    response = editor_client.post(ADD_STORY, story_form(section, body=body))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert asked == ["https://example.com/photos/kyiv.jpg?w=800&h=600"]
    image = Image.objects.get()
    assert image.source.startswith("https://example.com/") and image.alt == "Площа"
    assert image.file.name.endswith(".jpg") and (image.width, image.height) == (800, 1200)
    story = Article.objects.get()
    assert "example.com" not in story.body
    assert text_pictures.library_ids(story.body) == [image.pk]
    assert list(story.pictures_in_text.all()) == [image]


WEB_ONLY = "only addresses of pictures on the web (http or https) can be copied"


@pytest.mark.parametrize(
    ("src", "answer", "reason"),
    [
        ("https://example.com/a.jpg", {"error": "HTTP 404"}, "HTTP 404"),
        ("https://example.com/a.jpg", {"data": b"<html>not a picture</html>"}, NOT_AN_IMAGE),
        ("ftp://example.com/a.jpg", {"data": b""}, WEB_ONLY),
        ("/static/img/logo.png", {"data": b""}, WEB_ONLY),
        ("data:image/png;base64,iVBORw0KGgo=", {"data": b""}, WEB_ONLY),
    ],
)
def test_a_picture_that_cannot_be_had_is_refused_naming_its_address(
    editor_client, section, monkeypatch, src, answer, reason
):
    outside_site(monkeypatch, **answer)
    response = editor_client.post(ADD_STORY, story_form(section, body=figure(src)))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert src in page and gettext(reason) in page
    assert not Article.objects.exists() and not Image.objects.exists()


def test_a_picture_with_no_address_is_dropped(editor_client, section):
    body = '<p>Текст.</p><figure><img alt="x"><figcaption>Підпис</figcaption></figure>'
    response = editor_client.post(ADD_STORY, story_form(section, body=body))
    assert response.status_code == 302
    assert "<img" not in Article.objects.get().body


def test_a_private_address_is_never_fetched(editor_client, section):
    body = figure("http://127.0.0.1:6379/secret.jpg")
    response = editor_client.post(ADD_STORY, story_form(section, body=body))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "127.0.0.1 — приватна, локальна чи зарезервована адреса" in page
    assert "loopback" not in page
    assert not Article.objects.exists() and not Image.objects.exists()


@pytest.fixture
def answering_site(monkeypatch):
    """A site on 127.0.0.1 answering /missing.jpg with 404 and /huge.jpg with more bytes
    than a picture may have; the form's downloads may reach it (it is not private here)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(404 if self.path == "/missing.jpg" else 200)
            self.send_header("Content-Length", "999999999")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr("imports.wordpress.fetch.fetch", partial(fetch, allow_private=True))
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("name", "english", "ukrainian"),
    [
        ("missing.jpg", "HTTP 404", "за цією адресою зображення немає (HTTP 404)"),
        ("huge.jpg", "larger than", "зображення більше за"),
    ],
)
def test_why_a_download_failed_is_told_in_ukrainian(
    editor_client, section, answering_site, name, english, ukrainian
):
    src = f"{answering_site}/{name}"
    response = editor_client.post(ADD_STORY, story_form(section, body=figure(src)))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"Зображення за адресою {src} не вдалося додати до бібліотеки: {ukrainian}" in page
    assert english not in page.replace(ukrainian, "")
    assert not Article.objects.exists() and not Image.objects.exists()


def test_a_file_of_ours_joins_the_library_once(editor_client, section):
    image = library.add_image(file=photo(), alt="Площа")
    name = default_storage.save("wordpress/2013/03/x.jpg", photo(size=(640, 480)))
    body = figure(default_storage.url(name)) + figure(text_pictures.reference(image))
    response = editor_client.post(ADD_STORY, story_form(section, body=body))
    assert response.status_code == 302, response.content.decode()[:2000]
    story = Article.objects.get()
    adopted = Image.objects.get(file=name)
    assert text_pictures.library_ids(story.body) == [adopted.pk, image.pk]


def test_a_deleted_library_picture_is_refused(editor_client, section):
    image = library.add_image(file=photo(), alt="Площа")
    src = text_pictures.reference(image)
    image.delete()
    response = editor_client.post(ADD_STORY, story_form(section, body=figure(src)))
    assert response.status_code == 200
    assert gettext(text_pictures.GONE) % {"address": src} in html.unescape(
        response.content.decode()
    )


def test_readers_get_a_picture_of_its_renditions_and_a_gallery_of_a_row(client, section, run_tasks):
    with run_tasks():
        first = library.add_image(file=photo(), alt="Перша", credit="Олена Коваль")
        second = library.add_image(file=photo(size=(900, 600)), alt="Друга")
    first.refresh_from_db()
    second.refresh_from_db()
    body = "<p>Вступ.</p>" + figure(text_pictures.reference(first), caption="Підпис · Фото: ОК")
    body += figure(text_pictures.reference(second), alt="Своя")
    story = ArticleFactory(section=section, body=body)
    services.save_story(article=story)
    page = client.get(story.get_absolute_url()).content.decode()
    gallery = re.search(r'<div class="gallery">(.*?)</div>', page, re.S).group(1)
    pictures = re.findall(r"<picture>.*?</picture>", gallery, re.S)
    assert len(pictures) == 2
    assert 'type="image/avif"' in pictures[0] and 'type="image/webp"' in pictures[0]
    assert (
        'loading="lazy"' in pictures[0]
        and 'sizes="(max-width: 760px) 100vw, 380px"' in (pictures[0])
    )
    assert 'alt="Своя"' in pictures[1]
    assert "Підпис · Фото: ОК" in gallery
    # the story has no lead image of its own: the text's first picture is its picture
    assert 'class="lead-image"' not in page
    card = re.search(r'property="og:image" content="([^"]+)"', page).group(1)
    assert card.endswith(".jpg") and f"/library/{first.pk}/" in card and "social-1200" in card
    ld = r'<script type="application/ld\+json">(\{[^<]*"NewsArticle".*?)</script>'
    script = re.search(ld, page)
    data = json.loads(script.group(1))
    assert all(f"/library/{first.pk}/" in url for url in data["image"])


def test_a_lead_image_of_its_own_replaces_the_text_picture(db, section):
    first = library.add_image(file=photo(), alt="Перша")
    lead = library.add_image(file=photo(size=(900, 600)), alt="Головна")
    story = ArticleFactory(section=section, body=figure(text_pictures.reference(first)))
    services.save_story(article=story)
    story = Article.objects.get(pk=story.pk)
    assert story.picture == first and story.picture_in_text
    story.picture = lead
    services.save_story(article=story)
    story = Article.objects.get(pk=story.pk)
    assert story.picture == lead and not story.picture_in_text
    story.body = "<p>Без зображень.</p>"
    services.save_story(article=story)
    story = Article.objects.get(pk=story.pk)
    assert story.picture == lead and not story.pictures_in_text.exists()


def test_a_story_whose_text_loses_its_pictures_loses_the_picture_taken_from_it(db, section):
    first = library.add_image(file=photo(), alt="Перша")
    story = ArticleFactory(section=section, body=figure(text_pictures.reference(first)))
    services.save_story(article=story)
    story = Article.objects.get(pk=story.pk)
    story.body = "<p>Без зображень.</p>"
    services.save_story(article=story)
    story = Article.objects.get(pk=story.pk)
    assert story.picture is None and not story.picture_in_text and not story.lead_image


def test_the_library_lists_where_a_picture_is_used_and_keeps_it(editor_client, section):
    image = library.add_image(file=photo(), alt="Площа")
    story = ArticleFactory(section=section, title="Історія з текстом", body=figure("x"))
    story.body = figure(text_pictures.reference(image))
    services.save_story(article=story)
    lead = ArticleFactory(section=section, title="Історія з головним")
    lead.picture = image
    services.save_story(article=lead)
    change = reverse("admin:images_image_change", args=[image.pk])
    page = editor_client.get(change).content.decode()
    assert "Історія з текстом" in page and "Історія з головним" in page
    used = editor_client.get(reverse("admin:images_image_changelist"), {"use": "used"})
    unused = editor_client.get(reverse("admin:images_image_changelist"), {"use": "unused"})
    assert "Площа" in used.content.decode() and "Площа" not in unused.content.decode()
    lead.picture = None
    services.save_story(article=lead)
    delete = reverse("admin:images_image_delete", args=[image.pk])
    editor_client.post(delete, {"post": "yes"})
    assert Image.objects.filter(pk=image.pk).exists()  # the text still shows it


def test_the_picker_uploads_into_the_library_and_hands_back_a_figure(editor_client):
    page = editor_client.get(PICKER, {"CKEditorFuncNum": "-1"})
    assert page.status_code == 200
    assert (
        "Content-Security-Policy" in page
        and "unsafe-inline"
        not in (page["Content-Security-Policy"].split("script-src")[1].split(";")[0])
    )
    data = {"file": photo(), "alt": "Мітинг", "caption": "На площі", "credit": "Олена Коваль"}
    response = editor_client.post(f"{PICKER}?CKEditorFuncNum=-1", data)
    assert response.status_code == 200
    image = Image.objects.get()
    chosen = re.search(r"<button[^>]*data-chosen[^>]*>", response.content.decode()).group(0)
    assert f'data-picture-url="{text_pictures.reference(image)}"' in chosen
    assert 'data-caption="На площі · Фото: Олена Коваль"' in chosen
    again = editor_client.post(
        f"{PICKER}?CKEditorFuncNum=-1", data | {"file": photo(name="again.jpg")}
    )
    assert Image.objects.count() == 1
    duplicate = "The library has this picture already: it is inserted instead of a second copy."
    assert gettext(duplicate) in again.content.decode()
    found = editor_client.get(PICKER, {"q": "мітингу"}).content.decode()
    assert f'data-picture-id="{image.pk}"' in found
    nothing = editor_client.get(PICKER, {"q": "трактор"}).content.decode()
    assert f'data-picture-id="{image.pk}"' not in nothing


def test_the_picker_refuses_what_is_not_a_picture(editor_client):
    bad = io.BytesIO(b"not a picture")
    bad.name = "photo.jpg"
    response = editor_client.post(PICKER, {"file": bad, "alt": "x"})
    assert response.status_code == 400
    assert not Image.objects.exists()


def test_the_story_form_offers_the_picker_on_the_picture_button(editor_client):
    page = editor_client.get(ADD_STORY).content.decode()
    assert f"&quot;pickerUrl&quot;:&quot;{PICKER}&quot;" in page or PICKER in page
