"""An Editor translates the seed story into English in a real Chromium: the English edition
shows the translation (and not the Ukrainian stories), the two pages link to each other by
hreflang and by the language switch, and a correction of the original puts the
translation behind on the admin's front page."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from articles.models import Article, FrontPagePick
from tests.browser.test_editorial_workflow import person, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def hreflangs(page):
    return page.locator("link[hreflang]").evaluate_all(
        "links => links.map(l => [l.hreflang, new URL(l.href).pathname])"
    )


def test_an_editor_translates_the_seed_story_and_both_pages_link(browser, live_server):
    call_command("seed_demo", articles=8, no_editor=True, verbosity=0)
    seed = FrontPagePick.objects.shown().first().article
    person("iryna", "Ірина", "Editors")

    editor = sign_in(browser, live_server, "iryna")
    editor.set_viewport_size({"width": 1400, "height": 900})
    editor.goto(f"{live_server.url}/admin/articles/article/{seed.pk}/change/")
    editor.get_by_role("link", name="Перекласти англійською").click()
    original = editor.locator("#translation-original")
    expect(original).to_contain_text(seed.title)  # the original beside the form
    expect(editor.locator("#id_language")).to_have_value("en")
    editor.locator("#id_title").fill("Europe agreed new support for Ukraine")
    editor.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    editor.keyboard.type("European leaders agreed a new package of support for Ukraine.")
    editor.get_by_role("button", name="Опублікувати").first.click()
    expect(editor.locator(".messagelist")).to_be_visible()
    translation = Article.objects.get(language="en")
    assert translation.translation_of_id == seed.pk
    assert translation.slug == "europe-agreed-new-support-for-ukraine"

    reader = browser.new_context().new_page()
    reader.goto(live_server.url + "/en/")
    expect(reader.locator("main")).to_contain_text("Europe agreed new support for Ukraine")
    expect(reader.locator("main")).not_to_contain_text(seed.title)  # no Ukrainian duplicates

    reader.get_by_role("link", name="Europe agreed new support for Ukraine").first.click()
    english = translation.get_absolute_url()
    assert reader.url == live_server.url + english
    assert reader.locator("html").get_attribute("lang") == "en"
    ukrainian = seed.get_absolute_url()
    pair = [["uk", ukrainian], ["en", english], ["x-default", ukrainian]]
    assert hreflangs(reader) == pair
    assert reader.locator("[hreflang]").count() == 3  # nothing else carries hreflang

    reader.get_by_role("link", name="УКР", exact=True).click()  # the switch goes to the original
    assert reader.url == live_server.url + seed.get_absolute_url()
    assert hreflangs(reader) == pair
    reader.get_by_role("link", name="ENG", exact=True).click()
    assert reader.url == live_server.url + english

    # a correction of the original: the translation is behind, on the Editors' front page
    editor.goto(f"{live_server.url}/admin/articles/article/{seed.pk}/change/")
    editor.locator("#notices-group .add-row a").click()
    editor.locator("#id_notices-0-kind").select_option("correction")
    editor.locator("#id_notices-0-text").fill("Виправили суму підтримки.")
    editor.locator("input[name=_save]").first.click()
    expect(editor.locator(".messagelist")).to_be_visible()
    editor.goto(live_server.url + "/admin/")
    behind = editor.locator("#translations-behind")
    expect(behind).to_contain_text("1 переклад відстає від оригіналу")
    behind.get_by_role("link", name="Europe agreed new support for Ukraine").click()
    expect(editor.locator("#translation-behind")).to_contain_text("Виправили суму підтримки.")
    reader.goto(live_server.url + english)
    expect(reader.locator(".story-translation-behind")).to_be_visible()
    expect(reader.locator(".story .updated")).to_have_count(0)  # no "Updated" it did not earn
