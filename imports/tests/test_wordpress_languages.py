"""import_wordpress from multilingual sites: Polylang's and WPML's languages and translation
groups become each story's language and its link to its original."""

import pytest

from articles.models import Article
from imports.tests.wordpress import run, story, write_export
from imports.wordpress import languages

pytestmark = pytest.mark.django_db


def polylang_post(post_id, title, language, group="", *, body="Text."):
    terms = f'<category domain="language" nicename="{language}"><![CDATA[{language}]]></category>'
    if group:
        terms += (
            f'<category domain="post_translations" nicename="{group}">'
            f"<![CDATA[{group}]]></category>"
        )
    return (
        f"<item><title>{title}</title><wp:post_id>{post_id}</wp:post_id>"
        f"<wp:post_name>post-{post_id}</wp:post_name>"
        "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>"
        "<wp:post_date_gmt>2024-01-02 10:00:00</wp:post_date_gmt>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded>{terms}</item>"
    )


def wpml_post(post_id, title, language, group, source=""):
    meta = [
        ("_wpml_import_language_code", language),
        ("_wpml_import_translation_group", group),
        ("_wpml_import_source_language_code", source),
    ]
    metas = "".join(
        f"<wp:postmeta><wp:meta_key>{k}</wp:meta_key><wp:meta_value>{v}</wp:meta_value>"
        "</wp:postmeta>"
        for k, v in meta
    )
    return (
        f"<item><title>{title}</title><wp:post_id>{post_id}</wp:post_id>"
        f"<wp:post_name>post-{post_id}</wp:post_name>"
        "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>"
        "<wp:post_date_gmt>2024-01-02 10:00:00</wp:post_date_gmt>"
        f"<content:encoded><![CDATA[Text {title}.]]></content:encoded>{metas}</item>"
    )


@pytest.fixture
def polylang_export(tmp_path):
    return write_export(
        tmp_path / "polylang.xml",
        # the translation comes first, as exports list posts in any order
        polylang_post(12, "Parch is released", "en", "pll_1", body='A "new" release.'),
        polylang_post(10, "پارچ منتشر شد", "fa", "pll_1", body="متن فارسی."),
        polylang_post(14, "فقط فارسی", "fa", "pll_2"),
        polylang_post(16, "English only", "en"),
    )


def test_polylang_languages_and_translations_are_imported(polylang_export, client):
    report = run(polylang_export, skip_related=True)
    original, translation = story(10), story(12)
    assert (original.language, translation.language) == ("fa", "en")
    assert translation.translation_of == original
    assert story(14).translation_of is None and story(14).language == "fa"
    assert story(16).language == "en" and story(16).translation_of is None
    assert "translations linked to their originals: 1" in report
    # English text keeps its own quotes; Persian goes into the main edition, right to left
    assert '"new"' in translation.body or "&quot;new&quot;" in translation.body
    assert translation.get_absolute_url() == "/en/news/post-12/"
    html = client.get(original.get_absolute_url()).content.decode()
    assert '<div class="story-body" lang="fa" dir="rtl">' in html
    assert 'hreflang="en"' in html and 'hreflang="fa"' in html


def test_reimporting_a_polylang_export_changes_nothing(polylang_export):
    run(polylang_export, skip_related=True)
    before = list(Article.objects.order_by("pk").values_list("pk", "language", "translation_of"))
    report = run(polylang_export, skip_related=True)
    after = list(Article.objects.order_by("pk").values_list("pk", "language", "translation_of"))
    assert after == before
    assert "translation links new or changed" not in report


def test_wpml_groups_name_their_source(tmp_path):
    export = write_export(
        tmp_path / "wpml.xml",
        wpml_post(20, "Budget passed", "en", "grp-7", source="uk"),
        wpml_post(21, "Бюджет ухвалено", "uk", "grp-7"),
    )
    run(export, skip_related=True)
    assert story(20).translation_of == story(21)
    assert story(21).language == "uk" and story(20).language == "en"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("en", "en"), ("en_US", "en"), ("pt-br", "pt-br"), ("FA", "fa"), ("xx", ""), ("", "")],
)
def test_plugin_language_codes_become_ours(raw, code):
    assert languages.code(raw) == code
