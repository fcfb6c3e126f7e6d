"""Feeds, sitemaps, robots.txt and the metadata search engines and social sites read."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

from articles.delivery.content_version import content_state
from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def published(section):
    stories = ArticleFactory.create_batch(5, section=section)
    ArticleFactory(section=section, status=Article.Status.DRAFT, title="Чернетка")
    ArticleFactory(section=section, published_at=timezone.now() + timedelta(days=1))
    return stories


def test_rss_feed_is_valid_xml_with_one_item_per_published_story(client, published):
    root = ET.fromstring(client.get("/feed/").content)
    items = root.findall("./channel/item")
    assert len(items) == 5
    assert {i.findtext("title") for i in items} == {a.title for a in published}


def test_atom_and_section_feeds(client, published, section):
    root = ET.fromstring(client.get("/feed/atom/").content)
    assert len(root.findall(f"{ATOM}entry")) == 5
    root = ET.fromstring(client.get(f"/section/{section.slug}/feed/").content)
    assert len(root.findall("./channel/item")) == 5
    root = ET.fromstring(client.get(f"/section/{section.slug}/atom/").content)
    assert len(root.findall(f"{ATOM}entry")) == 5
    assert client.get("/section/no-such/feed/").status_code == 404


def story_with_image(section, size=(1600, 1000), fmt="JPEG", name="lead.jpg"):
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    from articles import services

    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 90, 150)).save(buffer, fmt)
    story = ArticleFactory(section=section, lead_image_alt="Фото")
    story.lead_image.save(name, ContentFile(buffer.getvalue()), save=False)
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):  # the renditions' task runs
        services.save_story(article=story)
    story.refresh_from_db()
    return story


def test_feed_items_carry_a_rendition_of_the_image_with_its_length_and_type(client, section):
    from django.core.files.storage import default_storage

    story = story_with_image(section)
    rendition = story.lead_image_renditions["story"][1]
    assert rendition["width"] == 800

    item = ET.fromstring(client.get("/feed/").content).find("./channel/item")

    enclosure = item.find("enclosure")
    assert enclosure.get("url") == settings.SITE_URL + default_storage.url(rendition["jpg"])
    assert enclosure.get("type") == "image/jpeg"
    assert int(enclosure.get("length")) == default_storage.size(rendition["jpg"]) > 0
    assert int(enclosure.get("length")) < story.lead_image.size  # not the full original
    assert client.get(urlsplit(enclosure.get("url")).path).status_code == 200
    atom = ET.fromstring(client.get("/feed/atom/").content).find(f"{ATOM}entry")
    link = atom.find(f"{ATOM}link[@rel='enclosure']")
    assert link.get("href") == enclosure.get("url") and link.get("length") == enclosure.get(
        "length"
    )


def test_a_storys_link_preview_is_its_social_crop_with_its_size(client, section):
    from django.core.files.storage import default_storage

    story = story_with_image(section)
    crop = story.lead_image_renditions["social"][0]

    html = client.get(story.get_absolute_url()).content.decode()

    og = re.search(r'<meta property="og:image" content="([^"]+)">', html).group(1)
    assert og == settings.SITE_URL + default_storage.url(crop["jpg"])
    assert f'<meta property="og:image:width" content="{crop["width"]}">' in html
    assert f'<meta property="og:image:height" content="{crop["height"]}">' in html
    assert (crop["width"], crop["height"]) == (1200, 630)


def test_feed_falls_back_to_the_stored_size_or_the_original(client, section):
    from django.core.files.storage import default_storage

    older = story_with_image(section)
    for entry in older.lead_image_renditions["story"]:
        entry.pop("bytes")  # copies made before their sizes were recorded
    Article.objects.filter(pk=older.pk).update(lead_image_renditions=older.lead_image_renditions)
    plain = story_with_image(section, (300, 200), "PNG", "plain.png")
    Article.objects.filter(pk=plain.pk).update(lead_image_renditions={})

    items = {
        i.findtext("title"): i.find("enclosure")
        for i in ET.fromstring(client.get("/feed/").content).iter("item")
    }

    jpg = older.lead_image_renditions["story"][1]["jpg"]
    assert int(items[older.title].get("length")) == default_storage.size(jpg)
    original = items[plain.title]
    assert original.get("url").endswith(plain.lead_image.name)
    assert original.get("type") == "image/png"
    assert int(original.get("length")) == plain.lead_image.size


def test_headline_with_markup_is_escaped_in_feeds(client, section):
    ArticleFactory(section=section, title='Заголовок </title><script>alert("x")</script>')
    body = client.get("/feed/").content
    root = ET.fromstring(body)  # still well-formed
    assert root.find("./channel/item/title").text.startswith("Заголовок </title><script>")
    assert b"<script>" not in body


def test_sitemap_lists_exactly_the_published_stories(client, published):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = [loc.text for loc in index.findall("s:sitemap/s:loc", ns)]
    assert any("sitemap-articles.xml" in loc for loc in locations)
    root = ET.fromstring(client.get("/sitemap-articles.xml").content)
    host = urlsplit(settings.SITE_URL).netloc  # the site's address, not the request's host
    urls = {loc.text.split(host, 1)[1] for loc in root.findall("s:url/s:loc", ns)}
    assert urls == {a.get_absolute_url() for a in published}


def test_news_sitemap_has_the_last_two_days_only(client, section):
    fresh = ArticleFactory(section=section)
    ArticleFactory(section=section, published_at=timezone.now() - timedelta(days=3))
    root = ET.fromstring(client.get("/news-sitemap.xml").content)
    ns = {
        "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
        "n": "http://www.google.com/schemas/sitemap-news/0.9",
    }
    urls = root.findall("s:url", ns)
    assert len(urls) == 1
    assert urls[0].find("n:news/n:title", ns).text == fresh.title


def test_robots_txt_points_at_the_sitemaps(client):
    text = client.get("/robots.txt").content.decode()
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in text
    assert f"Sitemap: {settings.SITE_URL}/news-sitemap.xml" in text
    assert "Disallow: /admin/" in text


def jsonld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_story_jsonld_carries_the_news_article_fields(client, article):
    article.authors.set([AuthorFactory(name="Олена Коваленко")])
    article.tags.set(["безпека"])
    data = jsonld(client.get(article.get_absolute_url()).content.decode())
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == article.title
    assert data["author"][0]["name"] == "Олена Коваленко"
    assert data["publisher"]["name"] == "Newsroom"
    assert data["articleSection"] == article.section.name
    assert data["keywords"] == ["безпека"]
    assert data["datePublished"] and data["dateModified"]
    assert "aggregateRating" not in data


def test_script_in_a_headline_cannot_break_out_of_jsonld(client, section):
    story = ArticleFactory(section=section, title='</script><script>alert(1)</script> "лапки"')
    html = client.get(story.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert jsonld(html)["headline"] == story.title


def test_story_head_has_canonical_open_graph_and_twitter_tags(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    # on the canonical origin (SITE_URL), whatever Host the request named
    assert f'<link rel="canonical" href="{settings.SITE_URL}{article.get_absolute_url()}">' in html
    assert '<meta property="og:title" content="Європа погодила підтримку">' in html
    assert '<meta name="twitter:card"' in html


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
DOCUMENTS = ("/feed/", "/feed/atom/", "/sitemap.xml", "/sitemap-articles.xml", "/news-sitemap.xml")


@pytest.mark.parametrize("url", DOCUMENTS)
def test_feeds_and_sitemaps_answer_conditional_requests(client, published, url):
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"]
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and not again.content
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    if url == "/news-sitemap.xml":
        return  # no Last-Modified of its own: the ETag answers
    modified = parse_http_date(first["Last-Modified"])
    for since, status in ((modified, 304), (modified + 86400 * 365, 304), (modified - 1, 200)):
        answer = client.get(url, headers={"If-Modified-Since": http_date(since)})
        assert answer.status_code == status


@pytest.mark.parametrize("url", DOCUMENTS)
def test_feeds_and_sitemaps_are_stored_until_the_content_changes(
    client, published, section, url, django_assert_num_queries
):
    client.get(url)
    with django_assert_num_queries(0):
        warm = client.get(url)
    assert warm.status_code == 200 and "s-maxage" in warm["Cache-Control"]
    assert "feeds" in warm["xkey"].split()
    new = ArticleFactory(section=section, slug="svizha-novyna", title="Свіжа новина")
    if url == "/sitemap.xml":
        return  # the index lists sitemaps, not stories
    assert new.slug.encode() in client.get(url).content


def test_sitemap_lastmod_is_the_stories_real_modification_time(client, section):
    published_at = timezone.now() - timedelta(days=3)
    revised_at = published_at + timedelta(days=1)
    quiet = ArticleFactory(section=section, slug="tyha", published_at=published_at)
    revised = ArticleFactory(section=section, slug="onovlena", published_at=published_at)
    Article.objects.filter(pk=revised.pk).update(revised_at=revised_at)
    quiet.save()  # a re-save (a re-import, a re-seed) moves updated_at, not the story's time
    root = ET.fromstring(client.get("/sitemap-articles.xml").content)
    lastmod = {
        url.find("s:loc", SITEMAP_NS).text.rsplit("/", 2)[-2]: url.find(
            "s:lastmod", SITEMAP_NS
        ).text
        for url in root.findall("s:url", SITEMAP_NS)
    }
    # Django's sitemap writes the date in the site's time zone (Kyiv's day, which is not
    # UTC's between 22:00 and midnight UTC)
    assert lastmod == {
        "tyha": timezone.localtime(published_at).date().isoformat(),
        "onovlena": timezone.localtime(revised_at).date().isoformat(),
    } or lastmod == {
        "tyha": published_at.isoformat(timespec="seconds"),
        "onovlena": revised_at.isoformat(timespec="seconds"),
    }
    index = ET.fromstring(client.get("/sitemap.xml").content)
    newest = index.find("s:sitemap/s:lastmod", SITEMAP_NS).text
    assert newest.startswith(timezone.localtime(revised_at).date().isoformat())


def test_sitemap_index_costs_the_same_queries_at_any_size(
    client, section, django_assert_max_num_queries
):
    ArticleFactory.create_batch(3, section=section)
    content_state()
    with django_assert_max_num_queries(6) as few:
        client.get("/sitemap.xml")
    ArticleFactory.create_batch(40, section=section)
    content_state()
    with django_assert_max_num_queries(len(few)):
        client.get("/sitemap.xml")


DC = "{http://purl.org/dc/elements/1.1/}"


def test_feeds_name_every_byline_and_the_newsroom_for_a_story_without_one(client, section):
    two = ArticleFactory(section=section, title="Удвох")
    two.authors.set([AuthorFactory(name="Олена Петренко"), AuthorFactory(name="Іван Коваль")])
    ArticleFactory(section=section, title="Без підпису")

    root = ET.fromstring(client.get("/feed/").content)
    creators = {
        item.findtext("title"): [c.text for c in item.findall(f"{DC}creator")]
        for item in root.findall("./channel/item")
    }
    assert creators == {
        "Удвох": ["Іван Коваль", "Олена Петренко"],
        "Без підпису": [settings.SITE_NAME],
    }

    root = ET.fromstring(client.get("/feed/atom/").content)
    assert root.findtext(f"{ATOM}author/{ATOM}name") == settings.SITE_NAME  # RFC 4287 4.1.1
    authors = {
        entry.findtext(f"{ATOM}title"): [
            author.findtext(f"{ATOM}name") for author in entry.iter(f"{ATOM}author")
        ]
        for entry in root.findall(f"{ATOM}entry")
    }
    assert authors == {
        "Удвох": ["Іван Коваль", "Олена Петренко"],
        "Без підпису": [settings.SITE_NAME],
    }


def test_feeds_parse_cleanly_with_bylines_in_a_feed_reader(client, section):
    feedparser = pytest.importorskip("feedparser")
    story = ArticleFactory(section=section, title="Подія")
    story.authors.set([AuthorFactory(name="Олена Петренко")])
    for path in ("/feed/", "/feed/atom/", f"/section/{section.slug}/feed/"):
        parsed = feedparser.parse(client.get(path).content)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.entries[0].author == "Олена Петренко"
