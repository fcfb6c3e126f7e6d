"""In Chromium, through Varnish: the vote form of a page every reader shares still works."""

import re

import pytest
from playwright.sync_api import expect

from ratings.models import Score
from tests.factories import ArticleFactory
from tests.test_edge import edge  # noqa: F401  (the fixture: Varnish before two app servers)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_no_javascript_form_votes_from_a_page_the_cache_served(browser, edge):  # noqa: F811
    varnish, _servers = edge
    story = ArticleFactory(title="Новина з кешу")
    url = varnish.url + story.get_absolute_url()
    varnish.get(story.get_absolute_url())  # another reader was here first: stored
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    response = page.goto(url)
    assert response.headers["x-cache"] == "HIT"  # the shared page, no token in it
    page.locator("label[for$='-4']").click()
    page.get_by_role("button", name="Голосувати").click()
    page.wait_for_url(re.compile(r"#rating$"))
    expect(page.locator("#rating [data-announce]")).to_have_text("Дякуємо! Ваша оцінка: 4.")
    expect(page.locator("[data-count]")).to_have_text("1 голос")
    assert Score.objects.get(object_id=story.pk).count == 1
    context.close()
    # the next reader, through the cache, sees the vote
    assert "1 голос" in varnish.get(story.get_absolute_url()).text
