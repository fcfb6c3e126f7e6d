"""What search engines and feed readers get: LiveBlogPosting, lastmod, the entries feed."""

import json
import re

import feedparser
import pytest
from django.utils import timezone

from live import services

pytestmark = pytest.mark.django_db

# Google's Article structured data: headline, image, datePublished, dateModified, author
# (with name and url), publisher; a live blog adds coverageStartTime, coverageEndTime and
# liveBlogUpdate, each a BlogPosting with headline, datePublished and articleBody.
GOOGLE_ARTICLE = ("headline", "image", "datePublished", "dateModified", "author", "publisher")


def _jsonld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_the_page_describes_itself_as_a_live_blog_posting(client, live_story, post):
    first = post("Перший запис.", headline="Початок")
    key = post("Головне.", key_event=True)
    data = _jsonld(client.get(live_story.get_absolute_url()).content.decode())[0]
    assert data["@type"] == "LiveBlogPosting" and data["@context"] == "https://schema.org"
    # what Google documents: the Article properties and the live blog's own
    for name in GOOGLE_ARTICLE + ("coverageStartTime", "coverageEndTime", "liveBlogUpdate"):
        assert data[name], name
    assert data["coverageEndTime"] > data["coverageStartTime"]
    updates = data["liveBlogUpdate"]
    assert [u["headline"] for u in updates] == ["Головне.", "Початок"]
    for update in updates:
        assert update["@type"] == "BlogPosting"
        for name in ("headline", "datePublished", "articleBody", "url", "author"):
            assert update[name], name
    assert updates[1]["url"].endswith(f"/live/entry/{first.pk}/")
    assert data["dateModified"] == updates[0]["datePublished"] == _iso(key.posted_at)


def _iso(moment):
    from articles.templatetags.articles_tags import iso

    return iso(moment)


def test_a_closed_page_names_its_end(client, live_story, coverage, desk_editor):
    services.close_coverage(coverage=coverage, user=desk_editor)
    coverage.refresh_from_db()
    data = _jsonld(client.get(live_story.get_absolute_url()).content.decode())[0]
    assert data["coverageEndTime"] == _iso(coverage.ended_at)


def test_the_sitemap_lastmod_follows_the_last_entry(client, live_story, post):
    entry = post("Свіжий запис.")
    sitemap = client.get("/sitemap-articles.xml").content.decode()
    # the sitemap writes the day in the site's time zone (Kyiv's, not UTC's, after 22:00 UTC)
    assert f"<lastmod>{timezone.localtime(entry.posted_at).date().isoformat()}" in sitemap


def test_the_entries_feed_lists_entries_newest_first(client, live_story, post):
    post("Перший запис.")
    post("Другий запис.", headline="Другий")
    for path in (f"/live/{live_story.pk}/feed/", f"/live/{live_story.pk}/atom/"):
        response = client.get(path)
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.bozo_exception
        assert [e.title for e in feed.entries] == ["Другий", "Перший запис."]
        assert feed.entries[0].link.startswith("http")


def test_the_feed_of_a_story_that_is_not_live_is_404(client, article):
    assert client.get(f"/live/{article.pk}/feed/").status_code == 404
