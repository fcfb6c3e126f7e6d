"""Ukrainian typography on every way a text comes in: the admin and both importers."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from articles.models import Article
from articles.typography import typography
from tests.admin_forms import post_form
from tests.factories import ArticleFactory

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ('Він обіцяв "безпеку"', "Він обіцяв «безпеку»"),
        ('"Ми чули "гарантії" вже"', "«Ми чули „гарантії“ вже»"),
        ("м'ясо, п'ять, з'їзд", "м’ясо, п’ять, з’їзд"),
        ("Україна - Європа", f"Україна{NBSP}— Європа"),
        ("Україна -- Європа", f"Україна{NBSP}— Європа"),
        ("- Так, - сказав він", f"— Так,{NBSP}— сказав він"),
        ("у 2020-2025 роках, 5-6 листопада", "у 2020–2025 роках, 5–6 листопада"),
        ("Чекаємо...", "Чекаємо…"),
    ],
)
def test_keyboard_characters_become_ukrainian_typography(typed, printed):
    assert typography(typed) == printed
    assert typography(printed) == printed  # twice changes nothing


@pytest.mark.parametrize(
    "kept",
    [
        "„Вкладені“ на верхньому рівні, як хотів редактор",  # typed on purpose
        "Слово з мʼякшенням (U+02BC) і тире—без пробілів",
        "дата 2020-05-01, телефон 067-123-45-67, COVID-19",
        'екран 15" дюймів',  # a lone closing quote: not a quotation
        'адреса https://example.com/a-b?x="1"&y=2 і пошта ivan-petrenko@example.com',
        "код `a - b` лишається",
    ],
)
def test_what_was_typed_on_purpose_and_addresses_are_kept(kept):
    assert typography(kept) == kept


def test_in_html_only_text_changes_never_attributes_code_or_links():
    body = (
        '<p>Він сказав: "<em>безпеку</em>" - <a href="https://x.com/a-b?q=&quot;1&quot;">'
        'https://x.com/a-b</a></p><p><code>x = "a" - \'b\'</code> і "так"</p><p>- Діалог</p>'
    )
    assert typography(body, html=True) == (
        '<p>Він сказав: «<em>безпеку</em>»&nbsp;— <a href="https://x.com/a-b?q=&quot;1&quot;">'
        "https://x.com/a-b</a></p><p><code>x = \"a\" - 'b'</code> і «так»</p><p>— Діалог</p>"
    )


@pytest.mark.django_db
def test_the_admin_prints_what_an_editor_typed_in_ukrainian_typography(editor_client, section):
    story = ArticleFactory(section=section, title="Старий заголовок")
    url = reverse("admin:articles_article_change", args=[story.pk])
    changes = {
        "title": 'Міністр: "безпека" - понад усе',
        "teaser": "Про м'ясо та ціни у 2020-2025 роках",
        "body": '<p>Він сказав: "Ми чули "гарантії" вже" - і пішов.</p>',
    }
    assert post_form(editor_client, url, changes).status_code == 302
    story.refresh_from_db()
    assert story.title == f"Міністр: «безпека»{NBSP}— понад усе"
    assert story.teaser == "Про м’ясо та ціни у 2020–2025 роках"
    assert story.body == "<p>Він сказав: «Ми чули „гарантії“ вже»&nbsp;— і пішов.</p>"


@pytest.mark.django_db
def test_import_articles_prints_ukrainian_typography(tmp_path):
    record = {
        "slug": "typography",
        "title": 'Прем\'єр: "компроміс" - можливий',
        "body": 'Він сказав "так".\n\nДивіться https://example.com/a-b-c',
        "teaser": "У 2024-2025 роках",
    }
    path = tmp_path / "stories.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    call_command("import_articles", str(path), verbosity=0)
    story = Article.objects.get(slug="typography")
    assert story.title == f"Прем’єр: «компроміс»{NBSP}— можливий"
    assert story.teaser == "У 2024–2025 роках"
    assert "<p>Він сказав «так».</p>" in story.body and "https://example.com/a-b-c" in story.body
    call_command("import_articles", str(path), verbosity=0)  # again: nothing changes
    story.refresh_from_db()
    assert story.title == f"Прем’єр: «компроміс»{NBSP}— можливий"


WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Вісті</title><link>https://vesti.example.ua</link>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://vesti.example.ua</wp:base_site_url>
<item><title><![CDATA[Прем'єр: "компроміс" - можливий]]></title>
<link>https://vesti.example.ua/?p=7</link><dc:creator><![CDATA[admin]]></dc:creator>
<content:encoded><![CDATA[Він сказав: "Ми чули "гарантії" вже" - і пішов.

<a href="https://example.com/a-b">https://example.com/a-b</a>]]></content:encoded>
<excerpt:encoded><![CDATA[У 2024-2025 роках]]></excerpt:encoded>
<wp:post_id>7</wp:post_id><wp:post_date_gmt><![CDATA[2023-11-15 12:30:00]]></wp:post_date_gmt>
<wp:post_name><![CDATA[kompromis]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status>
<wp:post_type><![CDATA[post]]></wp:post_type><wp:post_password><![CDATA[]]></wp:post_password>
</item></channel></rss>
"""


@pytest.mark.django_db
def test_import_wordpress_prints_ukrainian_typography(tmp_path):
    from io import StringIO

    path = tmp_path / "export.xml"
    path.write_text(WXR, "utf-8")
    call_command("import_wordpress", str(path), stdout=StringIO(), stderr=StringIO())
    story = Article.objects.get(wordpress__wordpress_id=7)
    assert story.title == f"Прем’єр: «компроміс»{NBSP}— можливий"
    assert story.teaser == "У 2024–2025 роках"
    assert "Він сказав: «Ми чули „гарантії“ вже»&nbsp;— і пішов." in story.body
    assert '<a href="https://example.com/a-b"' in story.body


@pytest.mark.parametrize("run", ["a", ".", "-", " ", "a@", "1-", "a'", "www.", '"'])
def test_long_runs_of_one_character_cost_linear_time(run):
    import time

    value = "x" + run * (100_000 // len(run)) + "x"
    started = time.monotonic()
    typography(value)
    typography(f"<p>{value}</p>", html=True)
    assert time.monotonic() - started < 1, run
