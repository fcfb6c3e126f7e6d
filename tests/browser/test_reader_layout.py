"""The reader's layout in Chromium: stars, the phone header and menu, the dark theme."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_reader_journeys import news, story_url  # noqa: F401 (a fixture)
from tests.factories import ArticleFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def star_colours(page):
    return page.locator("[data-stars] label.star").evaluate_all(
        "labels => labels.map(l => getComputedStyle(l).color)"
    )


def lit(page):
    """How many stars show the star colour."""
    colours = star_colours(page)
    full = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--star').trim()"
    )
    probe = page.evaluate(
        """colour => { const el = document.createElement('span'); el.style.color = colour;
        document.body.append(el); const c = getComputedStyle(el).color; el.remove(); return c }""",
        full,
    )
    return sum(1 for colour in colours if colour == probe)


def test_pointing_at_a_star_lights_exactly_that_many_even_after_a_pick(
    watched,
    live_server,
    news,  # noqa: F811
):
    page = watched
    main, _ = news
    page.goto(story_url(live_server, main))
    labels = page.locator("[data-stars] label.star")
    expect(labels).to_have_count(5)
    assert labels.evaluate_all("ls => ls.map(l => l.htmlFor.slice(-1))") == list("12345")
    for value in (1, 3, 5):
        page.locator(f"label[for$='-{value}']").hover()
        assert lit(page) == value
    page.locator("label[for$='-4']").click()  # votes
    expect(page.locator("[data-count]")).to_have_text("1 голос")
    page.mouse.move(0, 0)
    assert lit(page) == 4  # the pick
    page.locator("label[for$='-2']").hover()
    assert lit(page) == 2  # pointing outranks the pick


def test_a_tap_on_a_phone_leaves_no_hover_behind(browser, live_server, news):  # noqa: F811
    main, _ = news
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(story_url(live_server, main))
    page.locator("label[for$='-3']").tap()
    expect(page.locator("[data-count]")).to_have_text("1 голос")
    page.locator("label[for$='-3']").tap()  # again on the same star: still three
    assert lit(page) == 3
    context.close()


def test_an_empty_star_has_three_to_one_contrast_in_both_themes(browser, live_server, news):  # noqa: F811
    main, _ = news
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(story_url(live_server, main))
        ratio = page.evaluate(
            """() => {
            const rgb = s => s.match(/\\d+/g).slice(0, 3).map(Number);
            const lum = c => { const [r, g, b] = c.map(v => { v /= 255;
              return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4 });
              return 0.2126 * r + 0.7152 * g + 0.0722 * b };
            const star = document.querySelector('[data-stars] .star-empty');
            const fg = lum(rgb(getComputedStyle(star).color));
            const bg = lum(rgb(getComputedStyle(document.body).backgroundColor));
            return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
            }"""
        )
        assert ratio >= 3, (scheme, ratio)
        context.close()


@pytest.fixture
def many_sections(live_server):
    names = ["Україна", "Світ", "Економіка", "Технології", "Культура", "Спорт", "Здоров’я"]
    sections = [SectionFactory(name=name, position=n) for n, name in enumerate(names)]
    for section in sections:
        ArticleFactory(section=section, title=f"Новина розділу {section.name}")
    return sections


def test_on_a_phone_the_header_is_small_and_every_section_is_reachable(
    browser, live_server, many_sections, artifacts
):
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 130  # of 844: the news starts near the top
    expect(page.get_by_role("link", name="Пошук")).to_be_visible()
    menu = page.locator("nav.sections")
    expect(menu).to_have_attribute("data-more", "end")  # the arrow: more to the right
    # the arrow fades in (a CSS transition): wait for it to be fully shown
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('nav.sections'), '::after').opacity === '1'",
        timeout=2000,
    )
    page.screenshot(path=artifacts / "home-phone-menu.png")
    last = menu.get_by_role("link", name="Найвище оцінені")
    last.scroll_into_view_if_needed()
    expect(last).to_be_in_viewport()
    expect(menu).to_have_attribute("data-more", "start")
    for section in many_sections:
        link = menu.get_by_role("link", name=section.name)
        link.scroll_into_view_if_needed()
        expect(link).to_be_in_viewport()
    context.close()


def test_the_dark_theme_follows_the_system_setting(browser, live_server, news):  # noqa: F811
    main, _ = news
    colours = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(story_url(live_server, main))
        colours[scheme] = page.evaluate(
            "[getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(document.querySelector('h1')).color]"
        )
        context.close()
    assert colours["light"][0] == "rgb(255, 255, 255)"
    assert colours["dark"][0] == "rgb(20, 23, 27)" and colours["dark"][1] == "rgb(230, 232, 235)"


def test_the_four_top_stories_sit_two_by_two_on_a_desktop_and_in_a_column_on_a_phone(
    browser,
    live_server,
    news,  # noqa: F811
):
    rows = {}
    for name, size in (("desktop", {"width": 1280, "height": 900}), ("phone", PHONE)):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        page.goto(live_server.url + "/")
        cards = page.locator(".top-stories > .card")
        expect(cards).to_have_count(4)
        boxes = [card.bounding_box() for card in cards.all()]
        rows[name] = sorted({round(box["y"]) for box in boxes})
        lefts = sorted({round(box["x"]) for box in boxes})
        rows[name + " columns"] = len(lefts)
        context.close()
    assert len(rows["desktop"]) == 2 and rows["desktop columns"] == 2
    assert len(rows["phone"]) == 4 and rows["phone columns"] == 1
