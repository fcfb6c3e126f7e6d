"""The front page: the editors' picks, the news feed, most read; the chrome around pages."""

import time
from datetime import timedelta

import pytest
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from articles import popularity
from articles.models import Article, FrontPagePick
from tests.conftest import require_redis
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db


def lead_title(html):
    return html.split('class="lead-story"')[1].split('class="card-title"')[1].split("</h3>")[0]


def test_the_newest_story_leads_until_editors_pick_one(client, section):
    old = ArticleFactory(
        section=section,
        title="Стара важлива новина",
        published_at=timezone.now() - timedelta(days=2),
    )
    ArticleFactory.create_batch(6, section=section)
    newest = ArticleFactory(section=section, title="Найсвіжіша новина")
    assert "Найсвіжіша новина" in lead_title(client.get("/").content.decode())
    FrontPagePick.objects.create(article=old, position=0)
    html = client.get("/").content.decode()  # the pick starts a new content version
    assert "Стара важлива новина" in lead_title(html)
    top = html.split('class="card-grid top-stories"')[1].split("</section>")[0]
    assert newest.title in top and top.count('class="card-title"') == 4


def test_a_picked_story_that_is_not_public_does_not_lead(client, section):
    draft = ArticleFactory(section=section, title="Чернетка", status=Article.Status.DRAFT)
    FrontPagePick.objects.create(article=draft, position=0)
    ArticleFactory(section=section, title="Опублікована")
    html = client.get("/").content.decode()
    assert "Опублікована" in lead_title(html) and "Чернетка" not in html


def test_the_news_feed_lists_time_and_headline_newest_first(client, section):
    stories = [
        ArticleFactory(
            section=section,
            title=f"Подія {n}",
            published_at=timezone.now() - timedelta(minutes=10 * n),
        )
        for n in range(5)
    ]
    html = client.get("/").content.decode()
    feed = html.split('class="feed-list"')[1].split("</ol>")[0]
    positions = [feed.index(story.title) for story in stories]
    assert positions == sorted(positions)
    # each story by its time alone, under a heading of its day: "вчора, 23:50" never has
    # to fit the narrow column of times
    days = {timezone.localtime(story.published_at).date() for story in stories}
    assert feed.count('class="feed-day"') == len(days)
    for story in stories:
        assert f">{timezone.localtime(story.published_at):%H:%M}</time>" in feed


def beacon(story_id, address="203.0.113.7"):
    """A story page's view beacon, sent from a reader at `address`."""
    return Client().post(
        f"/views/{story_id}/", headers={"Sec-Fetch-Site": "same-origin"}, REMOTE_ADDR=address
    )


def test_views_are_counted_without_cookies_and_rank_the_most_read(section):
    stories = ArticleFactory.create_batch(3, section=section)
    for story, views in zip(stories, (1, 5, 3), strict=True):
        for reader in range(views):
            response = beacon(story.pk, f"203.0.113.{reader + 1}")
            assert response.status_code == 204 and not response.cookies
    reader = Client()
    assert popularity.most_read_ids(3)[:3] == [stories[1].pk, stories[2].pk, stories[0].pk]
    html = reader.get("/").content.decode()
    block = html.split('class="most-read-list"')[1].split("</ol>")[0]
    assert block.index(stories[1].title) < block.index(stories[2].title)


def test_beacons_for_no_public_story_neither_empty_nor_steer_the_most_read(section):
    read = ArticleFactory(section=section, title="Прочитана новина")
    draft = ArticleFactory(section=section, status=Article.Status.DRAFT)
    embargoed = ArticleFactory(section=section, published_at=timezone.now() + timedelta(hours=2))
    beacon(read.pk, "198.51.100.1")
    made_up = [read.pk + 1000 + n for n in range(16)]
    for story_id in [*made_up, draft.pk, embargoed.pk, 2**63 - 1, 2**70]:
        for reader in range(40):
            assert beacon(story_id, f"203.0.113.{reader}").status_code in (204, 404)
    assert popularity.most_read_ids(5) == [read.pk]
    html = Client().get("/").content.decode()
    assert "Прочитана новина" in html.split('class="most-read-list"')[1].split("</ol>")[0]


def test_one_reader_counts_once_per_story_and_a_few_stories_a_minute(section):
    stories = ArticleFactory.create_batch(popularity.VIEWS_PER_CLIENT + 5, section=section)
    for _ in range(30):
        beacon(stories[0].pk, "198.51.100.9")
    beacon(stories[1].pk, "198.51.100.10")
    beacon(stories[1].pk, "198.51.100.11")
    assert popularity.most_read_ids(2) == [stories[1].pk, stories[0].pk]
    # one address sweeping every story counts for at most VIEWS_PER_CLIENT in a minute
    counted = sum(popularity.record_views([("sweeper", story.pk)]) for story in stories)
    assert counted == popularity.VIEWS_PER_CLIENT


def test_made_up_ids_leave_no_keys_in_redis(section):
    require_redis()
    story = ArticleFactory(section=section)
    redis = popularity._redis()
    beacon(story.pk + 1)  # the content state is made (and kept) by the first request
    before = set(redis.keys("*"))
    for story_id in range(story.pk + 1, story.pk + 200):
        beacon(story_id)
    assert set(redis.keys("*")) == before
    beacon(story.pk)
    bucket = cache.make_and_validate_key(popularity._bucket(int(time.time() // 3600)))
    assert redis.zrange(bucket, 0, -1) == [str(story.pk).encode()]
    assert all(0 < redis.ttl(key) <= 25 * 3600 for key in set(redis.keys("*")) - before)


def test_a_view_from_another_site_is_refused_and_not_counted(section):
    story = ArticleFactory(section=section)
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/views/{story.pk}/", headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    cache.delete(popularity.MOST_READ_KEY)
    assert popularity.most_read_ids(5) == []
    assert Client().get(f"/views/{story.pk}/").status_code == 405


def test_the_current_section_is_marked_in_the_menu_with_its_colour(client):
    world = SectionFactory(name="Світ", slug="svit", colour="#5b9bd5")
    SectionFactory(name="Спорт", slug="sport")
    story = ArticleFactory(section=world)
    for url in (world.get_absolute_url(), story.get_absolute_url()):
        html = client.get(url).content.decode()
        nav = html.split('class="sections"')[1].split("</nav>")[0]
        assert nav.count('aria-current="page"') == 1
        assert 'style="--section: #5b9bd5" aria-current="page">Світ' in nav


def test_the_footer_lists_the_newsrooms_pages_and_a_new_page_appears(
    client, section, django_capture_on_commit_callbacks
):
    page = FlatPage.objects.create(url="/about/", title="Про нас", content="<p>Ми.</p>")
    page.sites.set([Site.objects.get_current()])
    ArticleFactory(section=section)
    html = client.get("/").content.decode()
    assert '<a href="/about/">Про нас</a>' in html
    with django_capture_on_commit_callbacks(execute=True):
        contacts = FlatPage.objects.create(url="/contacts/", title="Контакти")
        contacts.sites.set([Site.objects.get_current()])
    assert '<a href="/contacts/">Контакти</a>' in client.get("/").content.decode()
