"""The admin in Ukrainian, in a real Chromium: no English left, nouns in the right case."""

import re

import pytest
from django.contrib.auth.models import User
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from playwright.sync_api import expect

from articles.models import Article, Notice
from demo.management.commands.seed_demo import demo_image
from ratings.models import Vote
from ratings.services import Voter, cast_vote
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Vesna-2026-kyiv"
# Latin words an editor may rightly see in a Ukrainian admin: names, formats, codes.
ALLOWED = set(
    "newsroom html url slug alt id ft rss atom seo wordpress x facebook telegram viber "
    "youtube svg jpeg png webp gif mb px www http https sha get post ip user agent accept "
    "bloomberg control command mac ctrl enter".split()
    # the groups' names, which the code knows them by (data migrations)
    + ["authors", "editors"]
)


def english_words(page):
    """Latin-script words on the page that are not names or formats, with where they are."""
    found = page.evaluate(
        """() => {
        const texts = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const node = walker.currentNode, el = node.parentElement;
          // icons are ligatures ("format_bold"); rows of a list are the editors' own data
          const skip = "script, style, [contenteditable], .tiptap, code, .material-icons, "
            + "#result_list tbody";
          if (!el || el.closest(skip)) continue;
          if (el.closest("[hidden], .hidden") || !el.getClientRects().length) continue;
          texts.push([el.tagName, node.textContent]);
        }
        document.querySelectorAll("[title], [aria-label], [placeholder]").forEach((el) => {
          if (el.closest("#result_list tbody")) return;
          for (const name of ["title", "aria-label", "placeholder"]) {
            if (el.getAttribute(name)) texts.push([el.tagName + "@" + name, el.getAttribute(name)]);
          }
        });
        texts.push(["TITLE", document.title]);
        return texts;
      }"""
    )
    words = []
    for where, text in found:
        # addresses and paths in help texts ("/about/contact/", "flatpages/default.html")
        text = re.sub(r"https?://\S+|\S+@\S+|[\w/.-]*/[\w/.-]*|\b[\w-]+\.\w+\b", " ", text)
        for word in re.findall(r"[A-Za-z]{2,}", text):
            if word.lower() not in ALLOWED:
                words.append((where, word, text.strip()[:80]))
    return words


@pytest.fixture
def editor_page(page, live_server):
    User.objects.create_superuser("chief", password=PASSWORD, first_name="Ірина")
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill("chief")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()
    return page


def test_every_admin_page_an_editor_opens_is_in_ukrainian(editor_page, live_server):
    page = editor_page
    section = SectionFactory(name="Світ", slug="svit")
    author = AuthorFactory(name="Юлія Згурська-Ґонта", slug="yuliia-zghurska-gonta")
    story = ArticleFactory(section=section, title="Уряд затвердив програму", authors=[author])
    other = ArticleFactory(section=section, title="Рада ухвалила бюджет")
    chief = User.objects.get(username="chief")
    cast_vote(target=story, field="rating", voter=Voter(user_id=chief.pk), score=4)
    Notice.objects.create(article=story, kind=Notice.Kind.UPDATE, text="Додано подробиці.")
    FlatPage.objects.create(url="/about/", title="Про нас", content="<p>Редакція</p>").sites.set(
        [Site.objects.get_current()]
    )
    # A change that goes into the story's history, made through the form.
    page.goto(f"{live_server.url}/admin/articles/article/{other.pk}/change/")
    page.locator("#id_title").fill("Рада ухвалила бюджет на 2027 рік")
    page.locator("input[name=_continue]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("Збережено: новина")
    # A draft of changes with a new image: the form then shows the draft and the image kept.
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.locator("#id_title").fill("Уряд затвердив програму відбудови")
    page.locator("#id_lead_image").set_input_files(
        {"name": "foto.jpg", "mimeType": "image/jpeg", "buffer": demo_image(2, 600, 400)}
    )
    page.locator("#id_lead_image_alt").fill("Засідання уряду")
    page.get_by_role("button", name="Зберегти зміни як чернетку").first.click()
    expect(page.locator(".held-upload")).to_be_visible()

    pages = [
        "/admin/",
        "/admin/articles/",
        "/admin/articles/article/",
        "/admin/articles/article/add/",
        f"/admin/articles/article/{story.pk}/change/",
        f"/admin/articles/article/{story.pk}/draft/discard/",
        "/admin/articles/article/?visibility=changes",
        f"/admin/articles/article/{other.pk}/history/",
        f"/admin/articles/article/{story.pk}/delete/",
        "/admin/articles/section/",
        "/admin/articles/section/add/",
        "/admin/articles/author/add/",
        "/admin/articles/notice/",
        "/admin/articles/breakingnews/add/",
        "/admin/taggit/tag/add/",
        "/admin/ratings/vote/",
        "/admin/ratings/score/",
        "/admin/flatpages/flatpage/",
        "/admin/flatpages/flatpage/add/",
        "/admin/redirects/redirect/",
        "/admin/redirects/redirect/add/",
        "/admin/auth/user/",
    ]
    leftovers = {}
    for path in pages:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        words = english_words(page)
        if words:
            leftovers[path] = words
    assert leftovers == {}

    # The nouns agree: accusative after "Додати", "Змінити", "Виберіть".
    page.goto(live_server.url + "/admin/articles/article/")
    expect(page.locator("h1")).to_have_text("Виберіть новину, щоб змінити")
    expect(page.locator(".object-tools .addlink")).to_have_text("Додати новину")
    headings = [h.strip() for h in page.locator("#changelist-filter summary").all_inner_texts()]
    assert "Статус" in headings and not any(h.startswith("За ") for h in headings)
    page.goto(live_server.url + "/admin/articles/author/add/")
    expect(page.locator("h1")).to_have_text("Додати автора")
    page.goto(f"{live_server.url}/admin/articles/article/{other.pk}/history/")
    expect(page.locator("#content")).to_contain_text("Змінено: заголовок")
    page.goto(live_server.url + "/admin/ratings/vote/")
    expect(page.locator("#result_list")).to_contain_text("Уряд затвердив програму")
    assert Vote.objects.count() == 1 and Article.objects.count() == 2


def test_slugs_of_sections_authors_and_tags_fill_by_the_official_transliteration(
    editor_page, live_server
):
    page = editor_page
    for path, value in [
        ("/admin/articles/author/add/", "Юлія Згурська-Ґонта"),
        ("/admin/articles/section/add/", "Юлія Згурська-Ґонта"),
        ("/admin/taggit/tag/add/", "Юлія Згурська-Ґонта"),
    ]:
        page.goto(live_server.url + path)
        page.locator("#id_name").press_sequentially(value)
        expect(page.locator("#id_slug")).to_have_value("yuliia-zghurska-gonta")


def test_the_body_editor_is_in_ukrainian_and_checks_spelling(editor_page, live_server):
    page = editor_page
    page.goto(live_server.url + "/admin/articles/article/add/")
    editor = page.locator(".tiptap.ProseMirror[contenteditable=true]")
    expect(editor).to_have_attribute("spellcheck", "true")
    expect(editor).to_have_attribute("lang", "uk")
    expect(page.locator(".prose-menubar button[title='жирний']")).to_have_count(1)
    editor.click()
    editor.press_sequentially("Київ")
    editor.press("Control+a")
    page.locator(".prose-menubar button[title='вставити посилання']").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Адреса (URL)")
    assert english_words(page) == []
