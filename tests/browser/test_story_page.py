"""The story page in a real Chromium: embeds that load nothing until asked, share links,
dates relative to the reader's day."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import ArticleFactory, SectionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.fixture
def story(live_server):
    section = SectionFactory(name="Світ", slug="svit")
    now = timezone.now()
    # five minutes ago, but today in Kyiv (the day the site's script names) even just after
    # midnight there
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return ArticleFactory(
        section=section,
        title="Саміт у Брюсселі завершився",
        body=f'<p>Вступ.</p><p><a href="{VIDEO}">{VIDEO}</a></p>'
        '<p><a href="https://t.me/ukrpravda_news/12345">https://t.me/ukrpravda_news/12345</a></p>',
        published_at=max(now - timedelta(minutes=5), midnight),
    )


def test_an_embed_loads_nothing_from_a_third_party_until_the_reader_clicks(
    page, live_server, story
):
    own = urlsplit(live_server.url).netloc
    outside = []

    def hold(route):
        outside.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<p>player</p>")

    page.route(lambda url: urlsplit(url).netloc != own, hold)
    page.goto(live_server.url + story.get_absolute_url())
    page.wait_for_load_state("networkidle")
    facades = page.locator(".embed-facade")
    expect(facades).to_have_count(2)
    assert outside == []  # nothing asked of YouTube or Telegram so far
    assert page.locator("iframe").count() == 0
    expect(facades.first).to_have_attribute("href", VIDEO)

    facades.first.click()
    frame = page.locator(".embed-youtube iframe")
    expect(frame).to_have_attribute(
        "src", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"
    )
    page.wait_for_load_state("networkidle")
    assert outside == ["https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"]
    expect(page.locator(".embed-telegram .embed-facade")).to_be_visible()  # still a link


def test_share_links_and_a_relative_date(watched, live_server, story, settings):
    page = watched
    page.goto(live_server.url + story.get_absolute_url())
    share = page.get_by_role("navigation", name="Поділитися")
    for name in ("Telegram", "Viber", "Facebook", "X", "Пошта"):
        expect(share.get_by_role("link", name=name, exact=True)).to_be_visible()
    telegram = share.get_by_role("link", name="Telegram").get_attribute("href")
    assert telegram.startswith("https://t.me/share/url?url=")
    assert "Саміт" in page.evaluate("(h) => decodeURIComponent(h)", telegram)
    # published five minutes ago: the reader's clock says today
    expect(page.locator(".story-header time")).to_contain_text("сьогодні, ")
    absolute = page.locator(".story-header time").get_attribute("title")
    assert timezone.localtime(story.published_at).strftime("%H:%M") in absolute


def test_a_gallery_in_the_text_is_a_grid_on_a_desktop_and_a_column_on_a_phone(
    watched, live_server, artifacts
):
    from articles import services
    from articles.tests.test_story_page import gallery_body

    page = watched
    section = SectionFactory(name="Київ", slug="kyiv")
    story = ArticleFactory(section=section, title="Київ готується до свята")
    story.body, _figures = gallery_body()
    services.save_story(article=story)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + story.get_absolute_url())
    figures = page.locator(".story-body figure")
    expect(figures).to_have_count(3)
    for index, caption in enumerate(["Майдан уранці", "Хрещатик", "Поділ увечері"]):
        expect(figures.nth(index).locator("figcaption")).to_have_text(caption)
        figures.nth(index).scroll_into_view_if_needed()
        loaded = (
            figures.nth(index).locator("img").evaluate("img => img.complete && img.naturalWidth")
        )
        assert loaded == 640, index
    first, second, third = boxes(figures)
    assert first["y"] == second["y"] and second["x"] > first["x"] + first["width"] / 2
    assert third["y"] > first["y"] + first["height"] / 2  # the third starts the next row
    figures.first.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "gallery-desktop.png")

    page.set_viewport_size({"width": 390, "height": 844})
    first, second, _third = boxes(figures)
    assert second["y"] >= first["y"] + first["height"] - 1  # one under the other
    assert abs(first["width"] - second["width"]) < 1
    figures.first.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "gallery-phone.png")


def boxes(locator):
    """The elements' boxes in page coordinates (whatever the scroll)."""
    return locator.evaluate_all(
        """els => els.map(el => { const r = el.getBoundingClientRect();
          return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; })"""
    )


def test_today_and_yesterday_are_kyivs_whatever_the_readers_time_zone(browser, live_server):
    from zoneinfo import ZoneInfo

    kyiv = ZoneInfo("Europe/Kyiv")
    section = SectionFactory(name="Світ", slug="svit")
    day = (timezone.now() - timedelta(days=3)).astimezone(kyiv).replace(second=0, microsecond=0)
    late = day.replace(hour=23, minute=50)
    early = late + timedelta(minutes=20)  # 00:10 of the next Kyiv day
    older = late - timedelta(days=1, hours=11)
    for title, when in [("Пізня", late), ("Рання", early), ("Давня", older)]:
        ArticleFactory(section=section, title=title, published_at=when)
    # a reader in New York at 17:30 of the first day, which is 00:30 of the next in Kyiv
    context = browser.new_context(timezone_id="America/New_York", locale="uk-UA")
    page = context.new_page()
    page.clock.set_fixed_time(early + timedelta(minutes=20))
    page.goto(live_server.url + "/section/svit/")

    times = page.locator("main time[data-relative]:not([data-relative=day])")
    expect(times).to_have_count(3)
    shown = {t.get_attribute("datetime")[:16]: t.inner_text() for t in times.all()}
    assert shown[early.isoformat()[:16]] == "сьогодні, 00:10"
    assert shown[late.isoformat()[:16]] == "вчора, 23:50"
    assert "сьогодні" not in shown[older.isoformat()[:16]]
    assert "вчора" not in shown[older.isoformat()[:16]]
    context.close()
