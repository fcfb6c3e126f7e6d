"""What the HTML of reader pages says to validators, screen readers and browsers."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import ArticleFactory, AuthorFactory, RelatedLinkFactory

pytestmark = pytest.mark.django_db

# HTML's valid global date and time string: at most three digits of a second's fraction
VALID_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$"
)


def page_kinds(client, story, section):
    tag = story.tags.first()
    author = story.authors.first()
    paths = ["/", story.get_absolute_url(), section.get_absolute_url()]
    paths += [f"/tag/{tag.slug}/", author.get_absolute_url(), "/search/?q=Подія"]
    return {path: client.get(path).content.decode() for path in paths}


@pytest.fixture
def story(section):
    author = AuthorFactory(name="Олена Петренко")
    # a stored time has microseconds: HTML's datetime allows three fractional digits
    when = timezone.now().replace(microsecond=111942) - timedelta(hours=1)
    story = ArticleFactory(section=section, title="Подія дня", published_at=when)
    story.authors.add(author)
    story.tags.add("Дипломатія")
    for n in range(3):
        other = ArticleFactory(section=section, title=f"Подія {n}", published_at=when)
        other.authors.add(author)
        other.tags.add("Дипломатія")
    return story


def test_every_time_element_has_a_valid_datetime(client, story, section):
    for path, html in page_kinds(client, story, section).items():
        values = re.findall(r'<time[^>]* datetime="([^"]*)"', html)
        assert values, path
        bad = [value for value in values if not VALID_DATETIME.match(value)]
        assert not bad, (path, bad)


def test_list_pages_have_no_heading_jump_from_h1_to_h3(client, story, section):
    for path, html in page_kinds(client, story, section).items():
        levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
        assert levels[0] == 1, path
        jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        assert not jumps, (path, jumps)


def test_other_news_dates_name_the_year_when_it_is_not_this_year(client, section):
    story = ArticleFactory(section=section)
    now = timezone.localtime()
    last_year = timezone.make_aware(datetime(now.year - 1, 6, 1, 12, 0))
    old = ArticleFactory(section=section, published_at=last_year)
    recent = ArticleFactory(section=section, published_at=now - timedelta(days=1))
    RelatedLinkFactory(article=story, target=old, position=0)
    RelatedLinkFactory(article=story, target=recent, position=1)
    block = client.get(story.get_absolute_url()).content.decode().split('class="related"')[1]
    assert f">1 червня {now.year - 1}</time>" in block
    recent_local = timezone.localtime(recent.published_at)
    assert f"{recent_local:%H:%M}</time>" in block and f"{now.year}</time>" not in block


def test_every_answer_has_a_permissions_policy(client, story):
    for path in ("/", story.get_absolute_url(), "/feed/", "/admin/login/"):
        policy = client.get(path).headers["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


def jsonld_blocks(html):
    import json

    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in found]


def meta(html, name):
    found = re.search(rf'<meta (?:property|name)="{re.escape(name)}" content="([^"]*)"', html)
    return found and found.group(1)


def test_a_story_without_a_picture_shows_the_sites_card_with_its_size(client, section):
    story = ArticleFactory(section=section)
    html = client.get(story.get_absolute_url()).content.decode()
    (article,) = [b for b in jsonld_blocks(html) if b["@type"] == "NewsArticle"]
    (image,) = article["image"]
    assert image["url"].endswith(".png") and "social-card" in image["url"]
    assert (image["width"], image["height"]) == (1200, 630)
    assert meta(html, "og:image") == image["url"]
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1200", "630")
    assert meta(html, "twitter:card") == "summary_large_image"
    served = client.get(image["url"].removeprefix(settings.SITE_URL))
    from PIL import Image

    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as card:
        assert card.size == (1200, 630)


def test_home_section_and_search_pages_have_open_graph(client, story, section):
    for path in ("/", section.get_absolute_url(), "/search/?q=Подія"):
        html = client.get(path).content.decode()
        assert meta(html, "og:type") == "website", path
        assert meta(html, "og:title") and meta(html, "og:description"), path
        assert meta(html, "og:url").startswith(settings.SITE_URL), path
        assert "social-card" in meta(html, "og:image"), path
    html = client.get(section.get_absolute_url()).content.decode()
    assert meta(html, "og:title").startswith(section.name)


def test_the_home_page_describes_the_newsroom_and_its_search(client, story):
    blocks = {b["@type"]: b for b in jsonld_blocks(client.get("/").content.decode())}
    organization, website = blocks["NewsMediaOrganization"], blocks["WebSite"]
    assert organization["name"] == settings.SITE_NAME
    assert organization["logo"]["url"].endswith(".png") and organization["logo"]["width"]
    assert website["potentialAction"]["target"].endswith("/search/?q={search_term_string}")
    assert website["publisher"]["@id"] == organization["@id"]


@pytest.mark.parametrize("language", ["uk", "en"])
def test_dates_read_as_djangos_date_filter_writes_them(language):
    from django.template.defaultfilters import date
    from django.utils import translation

    from articles.templatetags.articles_tags import full_date, news_date, news_day

    this_year = timezone.localtime().year
    moments = [
        timezone.make_aware(datetime(year, month, day, hour, minute))
        for year in (this_year, this_year - 1)
        for month, day, hour, minute in [(1, 1, 0, 0), (3, 9, 7, 5), (12, 31, 23, 59)]
    ] + [datetime(this_year - 1, 12, 31, 22, 30, tzinfo=UTC)]  # Kyiv's new year
    with translation.override(language):
        for moment in moments:
            local = timezone.localtime(moment)
            recent = local.year == this_year
            # as a template gives it to the filter: in local time (expects_localtime)
            assert full_date(moment) == date(local, "j E Y, H:i")
            assert news_date(moment) == date(local, "j E, H:i" if recent else "j E Y")
            assert news_day(moment) == date(local, "j E" if recent else "j E Y")
    assert full_date(None) == news_date(None) == ""
