"""Pictures as a new Author meets them, in a real Chromium: two photos uploaded into the text
with the editor's picture button (one a phone's portrait, turned by its EXIF orientation), a
focal point set in the library, and the story page, the section list, the social card and
the JSON-LD images showing the crop around it, upright, with caption and credit; then the
same photo reused in a second story from the library."""

import json
import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from articles.models import Article, Author
from images import body as text_pictures
from images.models import Image
from images.tests.photos import photo, red_share
from tests.factories import SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Vesna-2026-kyiv"
# The portrait: stored 1200×800 and "turn a quarter clockwise", so 800×1200 upright, with a
# red face near its top (a tenth down, in the middle): a centred 3:2 or 16:9 crop loses it.
FACE_STORED = (0.12, 0.5)
FACE_UPRIGHT = (0.5, 0.12)


def sign_in(browser, live_server, username, group):
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True, first_name="Олена")
    user.groups.add(Group.objects.get(name=group))
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on(
        "console",
        lambda m: page.problems.append(f"console: {m.text}") if m.type == "error" else None,
    )
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()
    return page, user


def open_picker(page):
    """The editor's picture button, then its chooser window."""
    page.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    page.keyboard.press("Control+End")
    page.locator(".prose-menubar button[title='зображення з підписом']").click()
    dialog = page.locator("dialog[open]")
    with page.expect_popup() as popup:
        dialog.get_by_role("button", name="Завантажити або вибрати з бібліотеки…").click()
    chooser = popup.value
    chooser.wait_for_load_state()
    return dialog, chooser


def upload_into_text(page, tmp_path, upload, *, alt, caption, credit):
    dialog, chooser = open_picker(page)
    path = tmp_path / upload.name
    path.write_bytes(upload.read())
    chooser.locator("#id_file").set_input_files(str(path))
    chooser.locator("#id_alt").fill(alt)
    chooser.locator("#id_caption").fill(caption)
    chooser.locator("#id_credit").fill(credit)
    with chooser.expect_event("close"):
        chooser.get_by_role("button", name="Завантажити й вставити").click()
    expect(dialog.locator("input[name=altText]")).to_have_value(alt)
    dialog.get_by_role("button", name="Вставити").click()


def fetch(page, url):
    """The bytes at `url`, asked of the test server (absolute addresses name SITE_URL)."""
    origin = re.match(r"https?://[^/]+", page.url).group(0)
    response = page.request.get(origin + re.sub(r"^https?://[^/]+", "", url))
    assert response.ok, url
    return response.body()


def test_an_author_puts_two_photos_into_the_text_and_readers_see_the_right_crops(
    browser, live_server, tmp_path, artifacts, axe_check
):
    section = SectionFactory(name="Київ", slug="kyiv")
    writer, user = sign_in(browser, live_server, "olena", "Authors")
    Author.objects.create(name="Олена Коваль", slug="olena-koval", user=user)
    writer.goto(live_server.url + "/admin/articles/article/add/")
    writer.locator("#id_title").fill("На Подолі відкрили сквер")
    writer.locator("#id_section").select_option(label="Київ")
    writer.locator(".tiptap.ProseMirror[contenteditable=true]").click()
    writer.keyboard.type("Новий сквер відкрили в суботу.")
    portrait = photo(orientation=6, mark_at=FACE_STORED, name="phone.jpg")
    upload_into_text(
        writer,
        tmp_path,
        portrait,
        alt="Мер на відкритті",
        caption="Відкриття",
        credit="Ігор Бойко",
    )
    wide = photo(size=(1600, 900), gps=False, name="square.jpg")
    upload_into_text(
        writer, tmp_path, wide, alt="Сквер згори", caption="Сквер", credit="Марія Лисенко"
    )
    writer.get_by_role("button", name="Надіслати на перевірку").first.click()
    expect(writer.locator(".messagelist")).to_be_visible()
    story = Article.objects.get(title="На Подолі відкрили сквер")
    first, second = (Image.objects.get(alt=a) for a in ("Мер на відкритті", "Сквер згори"))
    assert text_pictures.library_ids(story.body) == [first.pk, second.pk]
    assert (first.width, first.height) == (800, 1200)  # upright

    # the focal point: a click on the face in the library
    writer.goto(live_server.url + f"/admin/images/image/{first.pk}/change/")
    shown = writer.locator(".focal-point img")
    box = shown.bounding_box()
    shown.click(position={"x": box["width"] * FACE_UPRIGHT[0], "y": box["height"] * 0.12})
    writer.locator("input[name=_save]").click()
    expect(writer.locator(".messagelist")).to_be_visible()
    first.refresh_from_db()
    assert first.focal_y == pytest.approx(0.12, abs=0.03) and first.ready

    Article.objects.filter(pk=story.pk).update(status=Article.Status.PUBLISHED)  # an Editor's
    reader = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    reader.goto(live_server.url + story.get_absolute_url())
    figures = reader.locator(".story-body .gallery figure")
    expect(figures).to_have_count(2)
    expect(figures.nth(0).locator("figcaption")).to_have_text("Відкриття · Фото: Ігор Бойко")
    expect(figures.nth(1).locator("figcaption")).to_have_text("Сквер · Фото: Марія Лисенко")
    img = figures.nth(0).locator("img")
    expect(img).to_have_attribute("alt", "Мер на відкритті")
    img.scroll_into_view_if_needed()
    loaded = "img => img.complete && img.naturalWidth > 0"
    reader.wait_for_function(loaded, arg=img.element_handle())
    natural = img.evaluate("img => [img.naturalWidth, img.naturalHeight, img.currentSrc]")
    assert natural[1] > natural[0], natural  # upright: taller than wide
    assert red_share(fetch(reader, natural[2])) > 0.005
    reader.screenshot(path=artifacts / "story-pictures-phone.png", full_page=True)

    # the social card and the JSON-LD images: the crops around the face
    html = reader.content()
    social = re.search(r'property="og:image" content="([^"]+)"', html).group(1)
    assert "/social-" in social and red_share(fetch(reader, social)) > 0.005
    ld = reader.locator("script[type='application/ld+json']").all_text_contents()
    article_ld = next(json.loads(t) for t in ld if '"NewsArticle"' in t)
    assert len(article_ld["image"]) == 3
    for url in article_ld["image"]:
        assert red_share(fetch(reader, url)) > 0.005, url

    # the section list: the story's card, cut around the face
    reader.goto(live_server.url + section.get_absolute_url())
    card = reader.locator("article", has_text="На Подолі відкрили сквер").locator("img").first
    card.scroll_into_view_if_needed()
    reader.wait_for_function(loaded, arg=card.element_handle())
    card_src = card.evaluate("img => img.currentSrc")
    assert red_share(fetch(reader, card_src)) > 0.005, card_src

    # the same photo in a second story, chosen from the library
    writer.goto(live_server.url + "/admin/articles/article/add/")
    writer.locator("#id_title").fill("Сквер на Подолі: перший тиждень")
    writer.locator("#id_section").select_option(label="Київ")
    dialog, chooser = open_picker(writer)
    chooser.locator("#picker-q").fill("мера")
    chooser.locator("#picker-q").press("Enter")
    tile = chooser.locator(f"button[data-picture-id='{first.pk}']")
    with chooser.expect_event("close"):
        tile.click()
    dialog.get_by_role("button", name="Вставити").click()
    writer.get_by_role("button", name="Надіслати на перевірку").first.click()
    expect(writer.locator(".messagelist")).to_be_visible()
    again = Article.objects.get(title="Сквер на Подолі: перший тиждень")
    assert text_pictures.library_ids(again.body) == [first.pk]
    assert Image.objects.count() == 2
    assert "Відкриття · Фото: Ігор Бойко" in again.body
    writer.goto(live_server.url + f"/admin/images/image/{first.pk}/change/")
    used = writer.locator(".field-used_in")
    expect(used).to_contain_text("На Подолі відкрили сквер")
    expect(used).to_contain_text("Сквер на Подолі: перший тиждень")
    assert writer.problems == []

    # the chooser and the story page pass the accessibility check (axe is injected as an
    # inline script, so this browser lets it past the policy the pages above ran under)
    checker = browser.new_context(bypass_csp=True)
    checker.add_cookies(writer.context.cookies())
    checked = checker.new_page()
    for path in ("/admin/images/image/picker/?CKEditorFuncNum=1", story.get_absolute_url()):
        checked.goto(live_server.url + path)
        axe_check(checked)
