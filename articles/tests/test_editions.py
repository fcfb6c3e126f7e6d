"""Editions: Ukrainian stories at `/`, English ones under `/en/`, each story at one address,
`hreflang` only between a story and its translations."""

import json
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from articles.models import Article
from tests.factories import ArticleFactory, NoticeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def original(section):
    return ArticleFactory(
        section=section,
        title="Уряд ухвалив бюджет на наступний рік",
        slug="uriad-ukhvalyv-biudzhet",
        body="<p>Уряд ухвалив бюджет. Депутати проголосували за нього.</p>",
    )


@pytest.fixture
def translated(original):
    return ArticleFactory(
        section=original.section,
        title="The government passed the budget for next year",
        slug="government-passed-budget",
        body="<p>The government passed the budget. Members of parliament voted for it.</p>",
        language="en",
        translation_of=original,
    )


def hreflangs(html):
    return re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)


def jsonld(html):
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(found[1])


def test_each_story_has_one_address_in_its_own_edition(original, translated):
    assert original.get_absolute_url() == "/news/uriad-ukhvalyv-biudzhet/"
    assert translated.get_absolute_url() == "/en/news/government-passed-budget/"


def test_a_translation_and_its_original_link_to_each_other_by_hreflang(
    client, original, translated, settings
):
    site = settings.SITE_URL.rstrip("/")
    both = [
        ("uk", f"{site}/news/uriad-ukhvalyv-biudzhet/"),
        ("en", f"{site}/en/news/government-passed-budget/"),
        ("x-default", f"{site}/news/uriad-ukhvalyv-biudzhet/"),
    ]
    for story in (original, translated):
        html = client.get(story.get_absolute_url()).content.decode()
        assert hreflangs(html) == both
        assert html.count("hreflang") == 3  # the links in <head>, nothing else
        canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html)[1]
        assert canonical == site + story.get_absolute_url()
    works = jsonld(client.get(original.get_absolute_url()).content.decode())["workTranslation"]
    assert [work["inLanguage"] for work in works] == ["en"]


def test_the_english_page_is_english_throughout(client, translated):
    html = client.get(translated.get_absolute_url()).content.decode()
    assert '<html lang="en">' in html
    assert '<h1 lang="en">' in html and '<div class="story-body" lang="en">' in html
    assert '<meta property="og:locale" content="en_GB">' in html
    assert '<meta property="og:locale:alternate" content="uk_UA">' in html
    data = jsonld(html)
    assert data["inLanguage"] == "en"
    assert data["translationOfWork"]["@id"].endswith("/news/uriad-ukhvalyv-biudzhet/")
    assert "Average rating" in html
    # the language switch goes to the original
    assert '<a href="/news/uriad-ukhvalyv-biudzhet/" lang="uk">УКР</a>' in html


def test_a_story_without_a_translation_has_no_hreflang(client, original):
    html = client.get(original.get_absolute_url()).content.decode()
    assert "hreflang" not in html
    assert jsonld(html)["inLanguage"] == "uk"
    # the switch goes to the English edition's home
    assert '<a href="/en/" lang="en">ENG</a>' in html
    assert "hreflang" not in client.get("/").content.decode()
    english = client.get("/en/")
    assert english.status_code == 200 and "hreflang" not in english.content.decode()
    assert '<a href="/">Read the Ukrainian edition</a>' in english.content.decode()


def test_a_ukrainian_story_is_not_served_again_under_en(client, original):
    response = client.get("/en/news/uriad-ukhvalyv-biudzhet/")
    assert response.status_code == 301
    assert response["Location"] == "/news/uriad-ukhvalyv-biudzhet/"
    assert "public" in response["Cache-Control"]


def test_an_address_in_the_other_edition_leads_to_the_translation(client, original, translated):
    response = client.get("/en/news/uriad-ukhvalyv-biudzhet/")
    assert response.status_code == 301
    assert response["Location"] == "/en/news/government-passed-budget/"
    response = client.get("/news/government-passed-budget/")
    assert response.status_code == 301
    assert response["Location"] == "/news/uriad-ukhvalyv-biudzhet/"


def test_each_edition_lists_its_own_stories(client, original, translated):
    ukrainian = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert original.title in ukrainian and translated.title not in ukrainian
    assert translated.title in english and original.title not in english
    section = client.get("/en/section/svit/").content.decode()
    assert translated.title in section and original.title not in section


def test_an_edition_without_stories_in_a_section_answers_404_there(client, original):
    assert client.get("/en/section/svit/").status_code == 404
    assert "/en/section/svit/" not in client.get("/en/").content.decode()  # nor in the menu


def test_search_finds_the_editions_own_stories(client, original, translated):
    english = client.get("/en/search/", {"q": "budget"}).content.decode()
    assert translated.title in english
    assert original.title not in client.get("/en/search/", {"q": "бюджет"}).content.decode()
    assert original.title in client.get("/search/", {"q": "бюджет"}).content.decode()


def test_the_english_feed_holds_only_english_stories(client, original, translated):
    xml = client.get("/en/feed/").content.decode()
    assert "<language>en</language>" in xml
    assert translated.title in xml and original.title not in xml
    assert "/en/news/government-passed-budget/" in xml
    xml = client.get("/feed/").content.decode()
    assert "<language>uk</language>" in xml
    assert original.title in xml and translated.title not in xml


def test_each_edition_has_its_google_news_sitemap(client, original, translated):
    english = client.get("/en/news-sitemap.xml").content.decode()
    assert "<news:language>en</news:language>" in english
    assert "/en/news/government-passed-budget/" in english and "uriad" not in english
    ukrainian = client.get("/news-sitemap.xml").content.decode()
    assert "<news:language>uk</news:language>" in ukrainian and "government" not in ukrainian
    robots = client.get("/robots.txt").content.decode()
    assert "/news-sitemap.xml" in robots and "/en/news-sitemap.xml" in robots


def test_the_sitemap_lists_each_story_once_at_its_own_address(client, original, translated):
    xml = client.get("/sitemap-articles.xml").content.decode()
    assert xml.count("/news/uriad-ukhvalyv-biudzhet/") == 1
    assert "/en/news/government-passed-budget/" in xml
    assert "/en/news/uriad" not in xml
    sections = client.get("/sitemap-sections.xml").content.decode()
    assert "/en/section/svit/" in sections


def test_other_news_of_a_translation_are_stories_of_its_language(client, original, translated):
    for n in range(3):
        ArticleFactory(section=original.section, title=f"Ще одна новина {n}")
    english = ArticleFactory(
        section=original.section,
        title="Another English story",
        slug="another-english",
        language="en",
    )
    html = client.get(translated.get_absolute_url()).content.decode()
    block = html.split('class="related', 1)[1]
    assert english.get_absolute_url() in block
    assert "Ще одна новина" not in block


def test_a_correction_of_the_original_puts_the_translation_behind(client, original, translated):
    assert not Article.objects.behind_originals().exists()
    notice = NoticeFactory(article=original, text="Виправили суму бюджету.")
    Article.objects.filter(pk=original.pk).update(revised_at=notice.noted_at)
    assert list(Article.objects.behind_originals()) == [translated]
    html = client.get(translated.get_absolute_url()).content.decode()
    assert "does not include that change yet" in html
    assert "Updated" not in html  # the translation claims no update of its own
    translated.translation_synced_at = timezone.now() + timedelta(seconds=1)
    translated.save()
    assert not Article.objects.behind_originals().exists()


@pytest.fixture
def in_english():
    with translation.override("en"):
        yield


def test_a_translation_translates_an_original_into_another_language(
    original, translated, in_english
):
    twin = Article(title="Another", body="<p>Text.</p>", section=original.section, language="en")
    twin.translation_of = original
    with pytest.raises(ValidationError, match="already has a translation"):
        twin.full_clean()
    same = Article(title="Той самий", section=original.section, translation_of=original)
    with pytest.raises(ValidationError, match="another language"):
        same.full_clean()
    chained = Article(
        title="Ще", section=original.section, language="de", translation_of=translated
    )
    with pytest.raises(ValidationError, match="not another translation"):
        chained.full_clean()


def test_a_right_to_left_story_is_marked_so(client, section):
    story = ArticleFactory(section=section, title="پارچ لینوکس", slug="parch", language="fa")
    assert story.get_absolute_url() == "/news/parch/"  # no edition of its own: the main one
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<div class="story-body" lang="fa" dir="rtl">' in html
    assert '<p class="meta">' in html  # the interface around it is the edition's (Ukrainian)
    assert jsonld(html)["inLanguage"] == "fa"


def test_sections_are_named_in_english_in_the_english_edition(client, section, translated):
    html = client.get("/en/").content.decode()
    assert '<span lang="uk">Світ</span>' in html  # no English name yet: marked Ukrainian
    section.name_en = "World"
    section.save()
    html = client.get("/en/").content.decode()
    assert ">World</a>" in html and ">Світ<" not in html
    page = client.get("/en/section/svit/").content.decode()
    assert "<h1>World</h1>" in page and "<title>World — " in page
    story = client.get(translated.get_absolute_url()).content.decode()
    assert '<meta property="article:section" content="World">' in story
    assert jsonld(story)["articleSection"] == "World"
    assert ">Світ</a>" in client.get("/").content.decode()  # the Ukrainian edition's own


def test_the_switch_of_a_list_page_goes_where_the_other_edition_has_it(client, original):
    section = client.get("/section/svit/").content.decode()
    assert '<a href="/en/" lang="en">ENG</a>' in section  # no English story in it yet
    ArticleFactory(section=original.section, language="en", title="An English story")
    section = client.get("/section/svit/").content.decode()
    assert '<a href="/en/section/svit/" lang="en">ENG</a>' in section
    english = client.get("/en/section/svit/").content.decode()
    assert '<a href="/section/svit/" lang="uk">УКР</a>' in english


def test_a_translation_has_its_own_rating_block(client, original, translated):
    from ratings.services import Voter, cast_vote

    cast_vote(target=translated, field="rating", voter=Voter(cookie_id="r" * 32), score=5)
    english = client.get(translated.get_absolute_url()).content.decode()
    ukrainian = client.get(original.get_absolute_url()).content.decode()
    assert f"/ratings/articles.article/{translated.pk}/rating/vote/" in english
    assert "1 vote" in english
    assert "Ще немає оцінок" in ukrainian  # the original's readers have not voted yet
