"""What a reader and an editor do, in a real Chromium."""

import io
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from articles.models import Article
from demo.management.commands.seed_demo import demo_image
from ratings.models import Score
from tests.factories import ArticleFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def news(live_server):
    section = SectionFactory(name="Світ", slug="svit")
    main = ArticleFactory(
        section=section,
        title="Європейські лідери погодили пакет підтримки",
        slug="yevropeiski-lidery",
        source="FT",
        body="<p>Лідери ЄС домовилися вночі.</p>"
        "<blockquote><p>«Ми залишаємося з Україною» — Урсула фон дер Ляєн.</p></blockquote>",
        lead_image_alt="Саміт у Брюсселі",
        lead_image_caption="Саміт",
    )
    main.lead_image.save("summit.jpg", ContentFile(demo_image(3, 1200, 800)))
    others = [
        ArticleFactory(
            section=section,
            title=f"Інша новина {n}",
            body=f"<p>Текст {n} " + "слово " * 40 + "</p>",
        )
        for n in range(8)
    ]
    return main, others


def story_url(live_server, article):
    return live_server.url + article.get_absolute_url()


def test_reader_opens_home_follows_a_story_and_sees_other_news(
    watched, live_server, news, artifacts
):
    page = watched
    main, _others = news
    page.goto(live_server.url + "/")
    expect(page.locator("h1.visually-hidden")).to_contain_text("останні новини")
    page.get_by_role("link", name=re.compile("Європейські лідери")).first.click()
    expect(page.locator("h1")).to_contain_text("Європейські лідери погодили пакет підтримки")
    expect(page.locator("article.story blockquote")).to_contain_text("Урсула")
    expect(page.get_by_role("heading", name="Інші новини")).to_be_visible()
    expect(page.locator(".related-item")).to_have_count(6)
    teaser = page.locator(".related-item p").first.inner_text()
    assert teaser.endswith("…") and len(teaser) <= 151
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=artifacts / "story-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "story-phone.png", full_page=True)


def read_numbers(page):
    return page.locator("[data-average]").inner_text(), page.locator("[data-count]").inner_text()


def test_one_click_on_a_star_votes_in_place_and_a_change_is_not_counted_twice(
    watched, live_server, news
):
    page = watched
    main, _ = news
    page.goto(story_url(live_server, main))
    assert read_numbers(page) == ("Ще немає оцінок", "")
    # one row of stars, and the button only for keyboards (hidden until focused)
    expect(page.locator(".rating .star")).to_have_count(5)
    assert page.get_by_role("button", name="Голосувати").bounding_box()["width"] <= 1
    page.evaluate("window.__noReload = true")
    page.locator("label[for$='-4']").click()
    expect(page.locator("[data-count]")).to_have_text("1 голос")
    expect(page.locator("[data-average]")).to_have_text("4 з 5")
    expect(page.locator("[data-announce]")).to_contain_text("Дякуємо")
    assert page.evaluate("window.__noReload") is True  # no page load happened
    page.locator("label[for$='-2']").click()
    expect(page.locator("[data-average]")).to_have_text("2 з 5")
    expect(page.locator("[data-count]")).to_have_text("1 голос")
    score = Score.objects.get(object_id=main.pk)
    assert (score.count, score.total) == (1, 2)
    page.reload()
    expect(page.locator("[data-mine]")).to_have_text("Ваша оцінка: 2.")
    expect(page.locator("input[name=score][value='2']")).to_be_checked()


def test_a_refused_vote_is_shown_as_an_error(watched, live_server, news):
    page = watched
    main, _ = news
    page.goto(story_url(live_server, main))
    main.status = Article.Status.DRAFT  # unpublished meanwhile: the vote is refused (404)
    main.save()
    page.on("response", lambda r: None)
    watched.problems.clear()
    page.locator("label[for$='-5']").click()
    status = page.locator("[data-announce]")
    expect(status).to_have_class(re.compile("rating-status-error"))
    color = status.evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(176, 0, 32)"
    watched.problems[:] = [p for p in watched.problems if "404" not in p]
    assert Score.objects.filter(object_id=main.pk, count__gt=0).count() == 0


def test_vote_with_the_keyboard_alone(watched, live_server, news):
    page = watched
    main, _ = news
    page.goto(story_url(live_server, main))
    # focus just before the stars, as a reader tabbing down the page reaches them
    page.locator("#rating-heading").evaluate("h => { h.tabIndex = -1; h.focus(); }")
    # Tab reaches the stars at 1★; → raises the score, ← lowers it, as on a ruler
    page.keyboard.press("Tab")
    assert page.evaluate("[document.activeElement.name, document.activeElement.value]") == [
        "score",
        "1",
    ]
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("input[name=score]:checked")).to_have_value("3")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Голосувати")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("[data-count]")).to_have_text("1 голос")
    expect(page.locator("[data-average]")).to_have_text("3 з 5")


def test_voting_without_javascript_still_records_the_vote(browser, live_server, news):
    main, _ = news
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(story_url(live_server, main))
    page.locator("label[for$='-3']").click()
    page.get_by_role("button", name="Голосувати").click()
    page.wait_for_url(re.compile(r"#rating$"))
    # the thanks stands by the block the reader is looking at, not at the top of the page
    expect(page.locator("#rating [data-announce]")).to_have_text("Дякуємо! Ваша оцінка: 3.")
    expect(page.locator(".messages")).not_to_contain_text("Дякуємо")
    expect(page.locator("[data-count]")).to_have_text("1 голос")
    assert Score.objects.get(object_id=main.pk).count == 1
    context.close()


def test_switch_to_english_and_search(watched, live_server, news):
    page = watched
    main, others = news
    ArticleFactory(
        section=main.section,
        language="en",
        translation_of=main,
        title="European leaders agreed a support package",
        slug="european-leaders",
        body="<p>EU leaders agreed overnight.</p>",
    )
    page.goto(story_url(live_server, others[0]))  # no translation: the English home
    page.get_by_role("link", name="ENG", exact=True).click()
    assert page.url == live_server.url + "/en/"
    page.goto(story_url(live_server, main))  # a translation: the switch goes to it
    page.get_by_role("link", name="ENG", exact=True).click()
    expect(page.get_by_role("heading", name="Average rating")).to_be_visible()
    assert page.url == live_server.url + "/en/news/european-leaders/"
    page.get_by_label("Search stories").fill("leaders")
    page.keyboard.press("Enter")
    expect(page.locator(".search-results")).to_contain_text("European leaders agreed")
    expect(page.locator(".search-results mark").first).to_be_visible()
    expect(page.locator(".search-results")).not_to_contain_text("Європейські лідери")


def test_pages_have_no_serious_accessibility_violations(browser, live_server, news, axe_check):
    main, _ = news
    # the site's CSP rightly forbids injected scripts; only the checker may bypass it
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    for path in (
        "/",
        main.get_absolute_url(),
        "/search/?q=новина",
        "/en/",
        "/top/",
        "/section/svit/",
    ):
        page.goto(live_server.url + path)
        axe_check(page)
    context.close()


def test_editor_writes_and_publishes_a_story_with_a_related_link_and_an_image(
    watched, live_server, news, artifacts
):
    page = watched
    main, _ = news
    editor = User.objects.create_user("olena", password="Vesna-2026-kyiv", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("olena")
    page.locator("#id_password").fill("Vesna-2026-kyiv")
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_contain_text("olena".upper(), ignore_case=True)
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.locator("#id_title").fill("Згорани відкрили нову школу")
    expect(page.locator("#id_slug")).to_have_value("zghorany-vidkryly-novu-shkolu")
    page.locator("#id_section").select_option(label="Світ")
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.type("У селі Згорани відкрили нову школу з укриттям.")
    buffer = io.BytesIO(demo_image(7, 900, 600))
    page.locator("#id_lead_image").set_input_files(
        {"name": "school.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}
    )
    page.locator("#id_lead_image_alt").fill("Нова школа в Згоранах")
    row = page.locator("#related_links-0")
    row.locator(".select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill("Європейські")
    page.locator(".select2-results__option", has_text="Європейські лідери").click()
    page.get_by_role("button", name="Опублікувати").first.click()
    expect(page.locator(".messagelist")).to_be_visible()
    story = Article.objects.get(title="Згорани відкрили нову школу")
    assert story.related_links.get().target == main
    assert story.lead_image_renditions
    page.goto(live_server.url + "/")
    expect(
        page.get_by_role("link", name=re.compile("Згорани відкрили нову школу")).first
    ).to_be_visible()
    page.get_by_role("link", name=re.compile("Згорани відкрили нову школу")).first.click()
    expect(page.locator(".related-item").first).to_contain_text("Європейські лідери")
    expect(page.locator("figure.lead-image img")).to_have_attribute("alt", "Нова школа в Згоранах")
