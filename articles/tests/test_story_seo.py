"""Per-story search and social fields, each optional, with fallbacks."""

import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from articles.templatetags.articles_tags import social_card
from tests.admin_forms import read_form
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def meta(html, attribute, name):
    marker = f'<meta {attribute}="{name}" content="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_without_seo_fields_the_headline_and_teaser_are_used(client, section):
    story = ArticleFactory(section=section, title="Заголовок новини", teaser="Короткий анонс.")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "<title>Заголовок новини — Newsroom</title>" in html
    assert meta(html, "name", "description") == "Короткий анонс."
    assert meta(html, "property", "og:title") == "Заголовок новини"
    assert meta(html, "name", "twitter:description") == "Короткий анонс."
    # without a picture of its own, the site's card (tests/test_markup.py)
    assert "social-card" in meta(html, "property", "og:image")


def test_seo_title_description_and_social_image_set_in_the_admin(client, editor_client, section):
    story = ArticleFactory(section=section, title="Довгий редакційний заголовок")
    url = reverse("admin:articles_article_change", args=[story.pk])
    data, _ = read_form(editor_client.get(url))
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 630), (200, 30, 30)).save(buffer, "JPEG")
    data.update(
        {
            "seo_title": ["Коротко для пошуку"],
            "meta_description": ["Опис для Google і Facebook."],
            "_save": ["1"],
        }
    )
    data["social_image"] = SimpleUploadedFile("share.jpg", buffer.getvalue(), "image/jpeg")
    assert editor_client.post(url, data).status_code == 302
    client.logout()
    html = client.get(story.get_absolute_url()).content.decode()
    assert "<title>Коротко для пошуку — Newsroom</title>" in html
    assert meta(html, "name", "description") == "Опис для Google і Facebook."
    assert meta(html, "property", "og:title") == "Коротко для пошуку"
    assert meta(html, "name", "twitter:title") == "Коротко для пошуку"
    social = f"{settings.SITE_URL}/media/social/"  # on the canonical origin
    assert meta(html, "property", "og:image").startswith(social)
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert re.search(r"<h1[^>]*>Довгий редакційний заголовок</h1>", html)  # its headline


def test_a_social_image_that_is_not_an_image_is_refused(editor_client, section):
    story = ArticleFactory(section=section)
    url = reverse("admin:articles_article_change", args=[story.pk])
    data, _ = read_form(editor_client.get(url))
    data["social_image"] = SimpleUploadedFile("share.jpg", b"not an image", "image/jpeg")
    data["_save"] = ["1"]
    assert editor_client.post(url, data).status_code == 200
    story.refresh_from_db()
    assert not story.social_image


def test_the_site_pictures_of_json_ld_follow_the_site_address():
    with override_settings(SITE_URL="https://one.example"):
        first = social_card()["url"]
    with override_settings(SITE_URL="https://two.example"):
        second = social_card()["url"]
    assert first.startswith("https://one.example/static/img/social-card")
    assert second.startswith("https://two.example/static/img/social-card")
