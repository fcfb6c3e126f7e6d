"""A live page as the newsroom and its readers use it, in Chromium, through Varnish in front of
two app servers: two editors post at once, a reader on a phone sees the entries come in
without a reload and without the text moving, a key event is pinned, an entry's link opens
the page at the entry, a reader without JavaScript reloads, and closing stops the polling."""

import time

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from playwright.sync_api import expect

from articles.models import Author
from live import services
from live.models import LiveEntry
from tests.factories import ArticleFactory
from tests.test_edge import edge  # noqa: F401  (the fixture: Varnish before two app servers)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "Vesna-2026-kyiv"
TARGET_SECONDS = 10  # a new entry on a polling reader's screen, at most (the target)
# the reader scrolls down to an entry in the middle of the list and reads it
SCROLL_TO_IT = (
    "el => window.scrollTo({top: window.scrollY + el.getBoundingClientRect().top - 100, "
    "behavior: 'instant'})"
)
PHONE = {"viewport": {"width": 390, "height": 740}, "is_mobile": True, "has_touch": True}


def editor(username, name):
    user = User.objects.create_user(username, password=PASSWORD, is_staff=True, first_name=name)
    user.groups.add(Group.objects.get(name="Editors"))
    Author.objects.create(name=f"{name} Коваль", slug=f"{username}-koval", user=user)
    return user


def sign_in(browser, base, user):
    """A browser of the editor's own, with a session made here (the servers share it)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    page.goto(base + "/admin/")
    expect(page.locator("#user-tools")).to_be_visible()
    return page


def polls(page):
    """The fragment requests the page makes, as they happen."""
    seen = []
    page.on("request", lambda r: seen.append(time.monotonic()) if "/since/" in r.url else None)
    return seen


def wait_for_entry(page, text):
    """Seconds until an entry with `text` is on the reader's screen (no reload)."""
    start = time.monotonic()
    locator = page.locator("[data-live-entries] .live-entry", has_text=text)
    expect(locator).to_be_attached(timeout=(TARGET_SECONDS + 5) * 1000)
    return time.monotonic() - start


def test_a_live_page_through_the_cache(browser, edge, axe_check):  # noqa: F811, PLR0915
    varnish, _servers = edge
    story = ArticleFactory(title="Атака на енергосистему: онлайн", slug="ataka-onlain")
    coverage = services.open_coverage(article=story)
    iryna, taras = editor("iryna", "Ірина"), editor("taras", "Тарас")
    for n in range(12):  # enough to scroll past on a phone
        services.post_entry(coverage=coverage, user=iryna, body=f"Ранній запис номер {n}. " * 6)
    url = varnish.url + story.get_absolute_url()

    reader = browser.new_context(**PHONE).new_page()
    fragments = polls(reader)
    reader.goto(url)
    reader.evaluate("window.notReloaded = true")
    expect(reader.locator("[data-live]")).to_be_attached()

    # two editors post at once, each from their own browser
    desks = [sign_in(browser, varnish.url, user) for user in (iryna, taras)]
    desk_url = f"{varnish.url}/admin/live/livecoverage/{coverage.pk}/change/"
    for desk, text in zip(desks, ("Запис Ірини", "Запис Тараса"), strict=True):
        desk.goto(desk_url)
        desk.locator("[data-composer-text]").fill(text)
    for desk in desks:
        desk.locator("[data-composer-text]").press("Control+Enter")
    for desk in desks:
        expect(desk.locator(".messagelist")).to_contain_text("Опубліковано")
    assert set(
        LiveEntry.objects.filter(body__contains="Запис ").values_list("author__user", flat=True)
    ) == {iryna.pk, taras.pk}

    # the reader, at the top of the list, sees both without reloading
    waited = max(wait_for_entry(reader, "Запис Ірини"), wait_for_entry(reader, "Запис Тараса"))
    assert waited <= TARGET_SECONDS + 1
    assert reader.evaluate("window.notReloaded") is True

    # scrolled into the entries: a new one is offered, nothing moves under the reader's eyes
    watched = reader.locator("[data-live-entries] .live-entry").nth(7)
    watched.evaluate(SCROLL_TO_IT)
    reader.wait_for_timeout(500)  # settled
    before = watched.bounding_box()["y"]
    assert 0 < before < PHONE["viewport"]["height"]  # the reader is reading it
    desks[0].locator("[data-composer-text]").fill("Ключова подія дня")
    desks[0].locator("#id_key_event").check()
    desks[0].locator("[data-composer-text]").press("Control+Enter")
    expect(reader.locator("[data-live-new] button")).to_have_text(
        "1 нове оновлення", timeout=(TARGET_SECONDS + 5) * 1000
    )
    assert watched.bounding_box()["y"] == before
    reader.locator("[data-live-new] button").click()
    expect(reader.locator("[data-live-entries] .live-entry").first).to_contain_text(
        "Ключова подія дня"
    )
    key = LiveEntry.objects.get(body__contains="Ключова подія дня")
    expect(reader.locator(f"[data-live-pinned] #pinned-{key.pk}")).to_be_visible()

    # through the cache, a new reader gets it pinned on top, and the entry's link opens at it
    fresh = browser.new_context(**PHONE, bypass_csp=True).new_page()  # axe is an inline script
    fresh.goto(url)
    expect(fresh.locator(f"[data-live-pinned] #pinned-{key.pk}")).to_be_visible()
    axe_check(fresh)
    early = LiveEntry.objects.get(body__contains="Ранній запис номер 3.")
    fresh.goto(f"{varnish.url}/live/entry/{early.pk}/")
    assert fresh.url.endswith(f"{story.get_absolute_url()}#entry-{early.pk}")
    expect(fresh.locator(f"#entry-{early.pk}")).to_be_in_viewport()

    # without JavaScript the page is complete and a reload shows a new entry
    plain = browser.new_context(java_script_enabled=False).new_page()
    plain.goto(url)
    assert plain.locator("[data-live-entries] .live-entry").count() == 15
    services.post_entry(coverage=coverage, user=taras, body="Запис для тих, хто оновлює")
    plain.reload()
    expect(plain.locator("[data-live-entries] .live-entry").first).to_contain_text(
        "Запис для тих, хто оновлює"
    )

    # closing the coverage: the reader's page says so and asks no more
    desks[1].goto(desk_url)
    desks[1].get_by_role("button", name="Завершити трансляцію").click()
    expect(reader.locator("[data-live-status]")).to_have_text(
        "Трансляцію завершено", timeout=(TARGET_SECONDS + 5) * 1000
    )
    asked = len(fragments)
    reader.wait_for_timeout((TARGET_SECONDS + 3) * 1000)
    assert len(fragments) == asked
    fresh.goto(url)
    assert fresh.locator("[data-live]").count() == 0
    assert "Трансляцію завершено" in fresh.content()


def test_the_desk_speaks_ukrainian(browser, live_server):
    from tests.browser.test_admin_ukrainian import english_words

    story = ArticleFactory(title="Вибори: онлайн", slug="vybory-onlain")
    coverage = services.open_coverage(article=story)
    iryna = editor("iryna", "Ірина")
    entry = services.post_entry(coverage=coverage, user=iryna, body="Дільниці відкрито.")
    desk = sign_in(browser, live_server.url, iryna)
    leftovers = {}
    for path in [
        "/admin/live/",
        "/admin/live/livecoverage/",
        "/admin/live/livecoverage/add/",
        f"/admin/live/livecoverage/{coverage.pk}/change/",
        f"/admin/live/livecoverage/{coverage.pk}/settings/",
        "/admin/live/liveentry/",
        f"/admin/live/liveentry/{entry.pk}/change/",
        f"/admin/live/liveentry/{entry.pk}/delete/?coverage={coverage.pk}",
    ]:
        desk.goto(live_server.url + path)
        desk.wait_for_load_state("networkidle")
        if words := english_words(desk):
            leftovers[path] = words
    assert leftovers == {}
