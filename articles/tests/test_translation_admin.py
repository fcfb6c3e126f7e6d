"""The editors' translation flow: "Перекласти англійською" opens a new English story linked
to its original, shown beside the form; the story list filters by language; translations
behind their originals are listed on the admin's front page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.admin_forms import post_form, read_form
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")


def change_url(story):
    return reverse("admin:articles_article_change", args=[story.pk])


@pytest.fixture
def original(section):
    return ArticleFactory(
        section=section,
        title="Уряд ухвалив бюджет",
        slug="uriad-ukhvalyv-biudzhet",
        body="<p>Депутати проголосували за бюджет.</p>",
    )


def test_the_story_form_offers_to_translate_into_english(editor_client, original):
    html = editor_client.get(change_url(original)).content.decode()
    assert f'href="{ADD}?translation_of={original.pk}"' in html
    assert "Перекласти англійською" in html


def test_translating_opens_an_english_story_beside_its_original(editor_client, original):
    url = f"{ADD}?translation_of={original.pk}"
    response = editor_client.get(url)
    html = response.content.decode()
    assert 'id="translation-original"' in html and "Депутати проголосували за бюджет." in html
    data, _options = read_form(response)
    assert data["language"] == ["en"]
    assert data["translation_of"] == [str(original.pk)]
    assert data["section"] == [str(original.section_id)]

    changes = {
        "title": "Government passes the budget",
        "slug": "",
        "body": "<p>MPs voted for the budget.</p>",
        "_action": "publish",
    }
    response = post_form(editor_client, url, changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    translation = Article.objects.get(language="en")
    assert translation.translation_of == original
    assert translation.slug == "government-passes-the-budget"
    assert translation.get_absolute_url() == "/en/news/government-passes-the-budget/"
    # the original now names its translation and offers no second one
    html = editor_client.get(change_url(original)).content.decode()
    assert "Government passes the budget" in html and "Перекласти англійською" not in html


def test_the_story_list_filters_by_language_and_shows_translations(editor_client, original):
    ArticleFactory(title="English only story", language="en", section=original.section)
    ArticleFactory(
        title="Budget passed", language="en", translation_of=original, section=original.section
    )
    listed = editor_client.get(reverse("admin:articles_article_changelist") + "?language=en")
    html = listed.content.decode()
    assert "English only story" in html and "Уряд ухвалив бюджет" not in html
    html = editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert 'class="field-translations_column">EN<' in html


def test_a_corrected_original_lists_its_translation_as_behind(
    editor_client, original, time_machine
):
    start = timezone.now().replace(microsecond=0)
    time_machine.move_to(start)
    assert post_form(editor_client, change_url(original)).status_code == 302  # a revision
    time_machine.move_to(start + timedelta(minutes=1))
    translation = ArticleFactory(
        title="Budget passed", language="en", translation_of=original, section=original.section
    )
    time_machine.move_to(start + timedelta(minutes=2))
    index = editor_client.get(reverse("admin:index")).content.decode()
    assert "Budget passed" not in index.split('id="translations-behind"', 1)[1][:2000]

    data, _options = read_form(editor_client.get(change_url(original)))
    data.update(
        {
            "notices-TOTAL_FORMS": ["1"],
            "notices-0-kind": ["correction"],
            "notices-0-noted_at_0": [timezone.localtime().strftime("%d.%m.%Y")],
            "notices-0-noted_at_1": [timezone.localtime().strftime("%H:%M:%S")],
            "notices-0-text": ["Виправили суму бюджету."],
            "body": ["<p>Депутати проголосували за бюджет у другому читанні.</p>"],
            "_save": ["1"],
        }
    )
    assert editor_client.post(change_url(original), data).status_code == 302
    translation.refresh_from_db()
    assert translation.is_behind_original
    index = editor_client.get(reverse("admin:index")).content.decode()
    behind = index.split('id="translations-behind"', 1)[1][:2000]
    assert "Budget passed" in behind

    form = editor_client.get(change_url(translation)).content.decode()
    assert 'id="translation-behind"' in form and "Виправили суму бюджету." in form
    edits = form.split('id="translation-behind"', 1)[1].split("</table>", 1)[0]
    assert "у другому читанні" in edits  # what changed in the original's text
    response = post_form(editor_client, change_url(translation), {"synced_with_original": "on"})
    assert response.status_code == 302
    translation.refresh_from_db()
    assert not translation.is_behind_original
    assert translation.revised_at is None  # no "updated" claim it has not earned


def _picture(colour, **words):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from images import services as library

    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), colour).save(buffer, "JPEG")
    upload = SimpleUploadedFile(f"{colour[0]}.jpg", buffer.getvalue(), "image/jpeg")
    return library.add_image(file=upload, **words)


def test_a_translation_keeps_its_own_words_for_the_shared_picture(section):
    from articles import services

    picture = _picture((30, 90, 160), alt="Будівля уряду", caption="Київ", credit="Ігор Бойко")
    original = ArticleFactory(section=section, title="Уряд", slug="uriad")
    english = Article(
        title="The government",
        slug="the-government",
        language="en",
        translation_of=original,
        section=section,
        body="<p>Text.</p>",
        picture=picture,
        lead_image_alt="The government building",
        lead_image_caption="Kyiv",
    )
    services.save_story(article=english)
    english = Article.objects.get(pk=english.pk)
    assert (english.lead_image_alt, english.lead_image_caption) == (
        "The government building",
        "Kyiv",
    )
    assert english.lead_image_credit == "Ігор Бойко"  # left empty: the picture's
    # a story that swaps its picture takes the new one's words
    other = _picture((160, 90, 30), alt="Парламент", caption="Рада", credit="Олена Коваль")
    english.picture = other
    services.save_story(article=english)
    english = Article.objects.get(pk=english.pk)
    assert (english.lead_image_alt, english.lead_image_caption) == ("Парламент", "Рада")
