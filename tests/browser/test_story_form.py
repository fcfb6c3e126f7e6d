"""The story form in a real Chromium: reordering Other news picks, the status, the preview."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, RelatedLink, StoryDraft
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
    from demo.management.commands.seed_demo import demo_image

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


def test_an_image_chosen_before_another_error_is_kept_until_the_save(
    editor_page, live_server, artifacts
):
    from demo.management.commands.seed_demo import demo_image

    page = editor_page
    section = SectionFactory(name="Світ", slug="svit")
    ArticleFactory(section=section, title="Давня новина", slug="zghorany")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.locator("#id_title").fill("Згорани відкрили школу")
    page.locator("#id_slug").fill("zghorany")  # taken: the server sends the form back
    page.locator("#id_section").select_option(label="Світ")
    page.locator("#id_lead_image").set_input_files(
        {"name": "shkola.jpg", "mimeType": "image/jpeg", "buffer": demo_image(3, 800, 500)}
    )
    page.locator("#id_lead_image_alt").fill("Нова школа")
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.type("Текст новини.")
    page.get_by_role("button", name="Опублікувати").first.click()

    expect(page.locator("p.errornote").first).to_be_visible()
    expect(page.locator(".field-slug .errorlist")).to_contain_text("вже існує")
    held = page.locator(".held-upload")
    expect(held).to_contain_text("«shkola.jpg»")
    assert held.locator("img").evaluate("img => img.complete && img.naturalWidth") == 800
    expect(page.locator("#id_lead_image_alt")).to_have_value("Нова школа")
    held.scroll_into_view_if_needed()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=artifacts / "admin-held-image-desktop.png")
    page.set_viewport_size({"width": 390, "height": 844})
    held.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "admin-held-image-phone.png")
    assert Article.objects.count() == 1

    page.locator("#id_slug").fill("")  # fixed: made from the headline
    page.get_by_role("button", name="Опублікувати").first.click()

    expect(page.locator(".messagelist")).to_contain_text("Додано")
    story = Article.objects.get(title="Згорани відкрили школу")
    assert story.lead_image_width == 800 and story.lead_image_renditions
    page.goto(live_server.url + story.get_absolute_url())
    image = page.locator("figure.lead-image img")
    expect(image).to_have_attribute("alt", "Нова школа")
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0


def test_a_draft_of_changes_waits_unseen_until_it_is_published(
    editor_page, browser, live_server, artifacts, axe_check
):
    page = editor_page
    section = SectionFactory(name="Світ", slug="svit")
    story = ArticleFactory(section=section, title="Уряд ухвалив бюджет", tags=["бюджет"])
    reader = browser.new_page()
    form = f"{live_server.url}/admin/articles/article/{story.pk}/change/"

    page.goto(form)
    page.locator("#id_title").fill("Уряд ухвалив бюджет на 2027 рік")
    page.locator("#id_tags").fill("бюджет, економіка")
    page.get_by_role("button", name="Зберегти зміни як чернетку").first.click()

    banner = page.locator("#story-draft")
    expect(banner).to_contain_text("Ця новина має чернетку змін, якої читачі ще не бачать")
    expect(page.locator("#id_title")).to_have_value("Уряд ухвалив бюджет на 2027 рік")
    expect(page.locator(".messagelist")).to_contain_text("Зміни збережено як чернетку")
    reader.goto(live_server.url + story.get_absolute_url())
    expect(reader.locator("h1")).to_have_text("Уряд ухвалив бюджет")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=artifacts / "admin-story-draft-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts / "admin-story-draft-phone.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    preview = banner.get_by_role("link", name="Переглянути чернетку").get_attribute("href")
    page.goto(live_server.url + preview)
    expect(page.locator("h1")).to_have_text("Уряд ухвалив бюджет на 2027 рік")
    expect(page.locator(".tags")).to_contain_text("#економіка")
    expect(page.locator(".preview-banner")).to_contain_text("чернетки змін")
    page.get_by_role("link", name="Повернутися до редагування").click()
    expect(page).to_have_url(form)

    page.locator("#id_teaser").fill("Бюджет на 2027 рік ухвалено в цілому.")
    page.get_by_role("button", name="Опублікувати чернетку").first.click()

    expect(page.locator(".messagelist")).to_contain_text("Чернетку опубліковано")
    expect(page.locator("#story-draft")).to_have_count(0)
    expect(page.get_by_role("button", name="Зберегти зміни як чернетку").first).to_be_visible()
    reader.reload()
    expect(reader.locator("h1")).to_have_text("Уряд ухвалив бюджет на 2027 рік")
    expect(reader.locator(".tags")).to_contain_text("#економіка")
    stored = Article.objects.get(pk=story.pk)
    assert stored.teaser == "Бюджет на 2027 рік ухвалено в цілому."
    assert not StoryDraft.objects.exists()


def test_a_discarded_draft_leaves_the_published_story(editor_page, live_server):
    page = editor_page
    section = SectionFactory(name="Світ", slug="svit")
    story = ArticleFactory(section=section, title="Уряд ухвалив бюджет")
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.locator("#id_title").fill("Заголовок, якого не буде")
    page.get_by_role("button", name="Зберегти зміни як чернетку").first.click()
    page.locator("#story-draft").get_by_role("link", name="Відкинути чернетку").click()
    expect(page.locator("#content")).to_contain_text("буде втрачено")
    page.get_by_role("button", name="Так, відкинути чернетку").click()
    expect(page.locator(".messagelist")).to_contain_text("Чернетку змін відкинуто")
    expect(page.locator("#id_title")).to_have_value("Уряд ухвалив бюджет")
    assert Article.objects.get(pk=story.pk).title == "Уряд ухвалив бюджет"


def test_the_teaser_box_grows_with_its_text(editor_page, live_server, section):
    page = editor_page
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    teaser = page.locator("#id_teaser")
    teaser.fill("Один рядок.")
    short = teaser.bounding_box()["height"]
    teaser.fill("\n".join(f"Рядок {n}." for n in range(12)))
    tall = teaser.bounding_box()["height"]
    assert tall > short * 2
    assert teaser.evaluate("t => t.scrollHeight <= t.clientHeight + 1")  # all of it shows


def test_the_publishing_actions_sit_at_the_top_and_take_the_story_out_and_back(
    editor_page, live_server, artifacts
):
    page = editor_page
    section = SectionFactory(name="Світ", slug="svit")
    story = ArticleFactory(
        section=section, status=Article.Status.REVIEW, title="Згорани відкрили нову школу"
    )
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(live_server.url + f"/admin/articles/article/{story.pk}/change/")
        expect(page.locator("#id_status")).to_be_hidden()  # no drop-down: the buttons
        publish = page.get_by_role("button", name="Опублікувати").first
        expect(publish).to_be_in_viewport()  # at the top, before the text
        page.screenshot(path=artifacts / f"admin-story-actions-{width}.png")
    page.get_by_role("button", name="Опублікувати").first.click()
    expect(page.locator(".story-status")).to_contain_text("Опубліковано")
    story.refresh_from_db()
    assert story.status == Article.Status.PUBLISHED

    page.get_by_role("button", name="Зняти з публікації").last.click()  # the bottom row
    expect(page.locator(".story-status")).to_contain_text("Чернетка")
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT

    tomorrow = timezone.localtime() + timedelta(days=1)
    page.locator("#id_published_at_0").fill(tomorrow.strftime("%d.%m.%Y"))
    page.locator("#id_published_at_1").fill("09:00:00")
    page.get_by_role("button", name="Запланувати").first.click()
    expect(page.locator(".story-status")).to_contain_text("Заплановано на")
    story.refresh_from_db()
    assert story.is_scheduled


def test_a_new_story_is_previewed_in_a_new_tab_before_its_first_save(editor_page, live_server):
    from demo.management.commands.seed_demo import demo_image

    page = editor_page
    SectionFactory(name="Світ", slug="svit")
    page.goto(live_server.url + "/admin/articles/article/add/")
    page.locator("#id_title").fill('Уряд ухвалив "новий" бюджет')
    page.locator("#id_section").select_option(label="Світ")
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.type("Перший абзац - про головне.")
    page.locator("#id_lead_image").set_input_files(
        {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": demo_image(1, 600, 400)}
    )  # no alt text yet: a save would wait for it, a preview does not

    with page.context.expect_page() as opened:
        page.locator("button[name=_preview]").last.click()
    preview = opened.value
    expect(preview.locator("h1")).to_have_text("Уряд ухвалив «новий» бюджет")
    expect(preview.locator(".story-body")).to_contain_text("Перший абзац\u00a0— про головне.")
    expect(preview.locator(".preview-banner")).to_contain_text("незбереженої новини")
    expect(preview.locator(".preview-banner")).to_contain_text("Головне зображення")
    assert Article.objects.count() == 0
    # the form is as it was, still unsaved, and saves as usual
    expect(page).to_have_url(live_server.url + "/admin/articles/article/add/")
    expect(page.locator("#id_title")).to_have_value('Уряд ухвалив "новий" бюджет')
    page.locator("#id_lead_image_alt").fill("Будівля уряду")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("Додано")
    assert Article.objects.get().title == "Уряд ухвалив «новий» бюджет"


def test_the_text_editor_grows_with_its_text_and_keeps_its_toolbar_at_hand(
    editor_page, live_server
):
    page = editor_page
    page.goto(live_server.url + "/admin/articles/article/add/")
    editor = page.locator(".tiptap.ProseMirror[contenteditable=true]")
    empty = editor.bounding_box()["height"]
    assert empty >= 150  # room to write before any text
    editor.click()
    for n in range(30):
        page.keyboard.type(f"Абзац {n}.")
        page.keyboard.press("Enter")
    assert editor.bounding_box()["height"] > empty * 3
    assert editor.evaluate("e => e.scrollHeight <= e.clientHeight + 1")  # no inner scrolling
    toolbar = page.locator(".prose-menubar").first
    box = toolbar.bounding_box()
    assert 0 <= box["y"] < 100  # scrolled with the text, the toolbar stays in view
