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
    return ArticleFactory(
        section=section,
        title="Саміт у Брюсселі завершився",
        body=f'<p>Вступ.</p><p><a href="{VIDEO}">{VIDEO}</a></p>'
        '<p><a href="https://t.me/ukrpravda_news/12345">https://t.me/ukrpravda_news/12345</a></p>',
        published_at=timezone.now() - timedelta(minutes=5),
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
