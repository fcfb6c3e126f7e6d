"""The story form in a real Chromium: reordering Other news picks, the status, the preview."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, RelatedLink
from tests.factories import ArticleFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Vesna-2026-kyiv"


@pytest.fixture
def editor_page(page, live_server):
    User.objects.create_superuser("chief", password=PASSWORD)
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("chief")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()
    return page


@pytest.fixture
def story_with_picks():
    section = SectionFactory(name="Світ", slug="svit")
    story = ArticleFactory(section=section, title="Головна новина")
    picks = [ArticleFactory(section=section, title=f"Пік {name}") for name in "АБВ"]
    for position, pick in enumerate(picks):
        RelatedLink.objects.create(article=story, target=pick, position=position)
    return story, picks


def pick_order(story):
    return [link.target.title for link in story.related_links.order_by("position")]


def test_other_news_picks_reorder_by_dragging_and_by_keyboard(
    editor_page, live_server, story_with_picks
):
    page = editor_page
    story, _picks = story_with_picks
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    rows = page.locator("#related_links-group tbody tr.form-row.has_original")
    expect(rows).to_have_count(3)
    # drag the last pick above the first
    rows.nth(2).locator(".pick-handle").drag_to(rows.nth(0), target_position={"x": 20, "y": 4})
    expect(rows.nth(0)).to_contain_text("Пік В")
    # the keyboard: "down" on the (now) second row, Б, moves it below А... then save
    rows.nth(1).locator("button.pick-move[aria-label='Нижче']").focus()
    page.keyboard.press("Enter")
    expect(rows.nth(2)).to_contain_text("Пік А")
    page.locator("input[name=_continue]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("Статус: Опубліковано.")
    assert pick_order(story) == ["Пік В", "Пік Б", "Пік А"]


def test_the_status_shows_at_the_top_and_a_draft_opens_its_preview(editor_page, live_server):
    page = editor_page
    section = SectionFactory(name="Світ", slug="svit")
    later = timezone.now() + timedelta(days=1)
    story = ArticleFactory(section=section, title="Завтрашня новина", published_at=later)
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    expect(page.locator(".story-status")).to_contain_text("Заплановано на")
    href = page.get_by_role("link", name="Дивитися на сайті").get_attribute("href")
    assert href.endswith(f"/preview/{story.pk}/")
    page.goto(live_server.url + href)
    page.get_by_role("link", name="Повернутися до редагування").click()
    expect(page).to_have_url(f"{live_server.url}/admin/articles/article/{story.pk}/change/")


def test_an_image_without_its_description_waits_for_the_alt_text(editor_page, live_server):
    from articles.management.commands.seed_demo import demo_image

    page = editor_page
    SectionFactory(name="Світ", slug="svit")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.locator("#id_title").fill("Новина з фото")
    page.locator("#id_section").select_option(label="Світ")
    page.locator("#id_lead_image").set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": demo_image(1, 600, 400)}
    )
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".story-alt-note")).to_be_visible()
    expect(page.locator("#id_lead_image_alt")).to_be_focused()
    assert Article.objects.count() == 0  # nothing sent: the chosen file is still in the form
    page.locator("#id_lead_image_alt").fill("Опис фото")
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.type("Текст.")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("Додано")
    assert Article.objects.get().lead_image_alt == "Опис фото"


def test_tags_suggest_existing_tags(editor_page, live_server, story_with_picks):
    page = editor_page
    story, _ = story_with_picks
    story.tags.set(["енергетика", "економіка"])
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.locator("#id_tags").press_sequentially("безпека, ене")
    options = page.locator("#story-tag-suggestions option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "безпека, енергетика")


def test_autosave_brings_back_text_after_the_browser_is_lost(editor_page, live_server):
    page = editor_page
    section = SectionFactory(name="Світ", slug="svit")
    story = ArticleFactory(section=section, title="Стара назва")
    url = f"{live_server.url}/admin/articles/article/{story.pk}/change/"
    page.clock.install()
    page.goto(url)
    page.locator("#id_title").fill("Нова назва, ще не збережена")
    page.clock.run_for(16_000)  # the autosave runs every 15 seconds
    page.goto(url)  # as after a crash: the form opened again, nothing was saved
    expect(page.locator("#id_title")).to_have_value("Стара назва")
    page.get_by_role("button", name="Відновити").click()
    expect(page.locator("#id_title")).to_have_value("Нова назва, ще не збережена")
    expect(page.locator(".story-autosave")).to_have_count(0)
    assert Article.objects.get(pk=story.pk).title == "Стара назва"
