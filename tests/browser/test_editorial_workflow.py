"""The newsroom at work in a real Chromium: an Author sends a story for review, an Editor
publishes it, and two Editors saving the same story see the conflict instead of losing work."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, Author, BreakingNews, Notice
from tests.factories import ArticleFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Vesna-2026-kyiv"


def person(username, first_name, group):
    user = User.objects.create_user(
        username, password=PASSWORD, is_staff=True, first_name=first_name, last_name="Коваль"
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def sign_in(browser, live_server, username):
    """A browser of its own for each person, signed in through the admin's login form."""
    context = browser.new_context()
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.problems = problems
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()
    return page


def test_an_author_sends_a_story_for_review_and_an_editor_publishes_it(
    browser, live_server, artifacts
):
    SectionFactory(name="Світ", slug="svit")
    author = person("olena", "Олена", "Authors")
    Author.objects.create(name="Олена Коваль", slug="olena-koval", user=author)
    person("iryna", "Ірина", "Editors")

    writer = sign_in(browser, live_server, "olena")
    writer.goto(live_server.url + "/admin/articles/article/add/")
    actions = writer.locator("button[name=_action]").evaluate_all("els => els.map(e => e.value)")
    assert actions == ["review", "review"]  # at the top and the bottom; no way to publish
    writer.locator("#id_title").fill("Згорани відкрили нову школу")
    writer.locator("#id_section").select_option(label="Світ")
    writer.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    writer.keyboard.type("У селі Згорани відкрили нову школу з укриттям.")
    writer.get_by_role("button", name="Надіслати на перевірку").first.click()
    expect(writer.locator(".messagelist")).to_be_visible()
    story = Article.objects.get(title="Згорани відкрили нову школу")
    assert story.status == Article.Status.REVIEW
    assert [a.user for a in story.authors.all()] == [author]

    reader = browser.new_context().new_page()
    assert reader.goto(live_server.url + story.get_absolute_url()).status == 404

    editor = sign_in(browser, live_server, "iryna")
    editor.goto(live_server.url + "/admin/")
    queue = editor.locator("#waiting-for-review")
    expect(queue).to_contain_text("1 новина чекає на перевірку")
    editor.set_viewport_size({"width": 1280, "height": 900})
    editor.screenshot(path=artifacts / "admin-review-queue.png", full_page=True)
    queue.get_by_role("link", name="Згорани відкрили нову школу").click()
    expect(editor.locator(".story-status")).to_contain_text("Чекає на перевірку")
    editor.get_by_role("button", name="Опублікувати").first.click()
    expect(editor.locator(".messagelist")).to_be_visible()
    story.refresh_from_db()
    assert story.status == Article.Status.PUBLISHED

    reader.goto(live_server.url + story.get_absolute_url())
    expect(reader.locator("h1")).to_contain_text("Згорани відкрили нову школу")
    editor.goto(live_server.url + f"/admin/articles/article/{story.pk}/history/")
    expect(editor.locator("#change-history")).to_contain_text("Відправлено на перевірку")
    expect(editor.locator("#change-history")).to_contain_text("Опубліковано")
    assert writer.problems == [] and editor.problems == []


def test_two_editors_saving_the_same_story_see_the_conflict(browser, live_server, artifacts):
    section = SectionFactory(name="Світ", slug="svit")
    story = ArticleFactory(section=section, title="Заголовок з помилкою", teaser="Анонс")
    person("iryna", "Ірина", "Editors")
    person("taras", "Тарас", "Editors")
    url = live_server.url + f"/admin/articles/article/{story.pk}/change/"

    first = sign_in(browser, live_server, "iryna")
    first.goto(url)
    second = sign_in(browser, live_server, "taras")
    second.goto(url)
    expect(second.locator("#story-presence")).to_contain_text("Ірина Коваль")

    first.locator("#id_title").fill("Виправлений заголовок")
    first.locator("input[name=_save]").first.click()
    expect(first.locator(".messagelist")).to_be_visible()

    second.locator("#id_teaser").fill("Новий анонс Тараса")
    second.locator("input[name=_save]").first.click()
    conflict = second.locator("#edit-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Ірина Коваль")
    expect(conflict).to_contain_text("Виправлений заголовок")
    expect(second.locator(".errornote, .errorlist").first).to_be_visible()
    expect(second.locator("#id_teaser")).to_have_value("Новий анонс Тараса")
    second.set_viewport_size({"width": 1280, "height": 1000})
    second.screenshot(path=artifacts / "admin-edit-conflict.png", full_page=True)
    story.refresh_from_db()
    assert (story.title, story.teaser) == ("Виправлений заголовок", "Анонс")
    assert re.search("Хтось інший зберіг цю новину", second.content())
    assert first.problems == [] and second.problems == []


def test_banner_notices_and_corrections_page_pass_the_accessibility_check(
    browser, live_server, axe_check
):
    section = SectionFactory(name="Світ", slug="svit")
    story = ArticleFactory(section=section, title="Уряд ухвалив бюджет", slug="budzhet")
    Notice.objects.create(article=story, kind="correction", text="Раніше ми помилилися з датою.")
    story.revised_at = timezone.now()
    story.save()
    BreakingNews.objects.create(
        article=story, text="Рада ухвалила бюджет", expires_at=timezone.now() + timedelta(hours=1)
    )
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server.url + story.get_absolute_url())
    expect(page.locator(".breaking-news")).to_contain_text("Рада ухвалила бюджет")
    expect(page.locator(".notices")).to_contain_text("Раніше ми помилилися з датою.")
    expect(page.locator(".story-header .updated")).to_contain_text("Оновлено")
    axe_check(page)
    page.goto(live_server.url + "/corrections/")
    expect(page.locator(".notice-list")).to_contain_text("Уряд ухвалив бюджет")
    axe_check(page)
    context.close()
