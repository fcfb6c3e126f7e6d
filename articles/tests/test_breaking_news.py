"""A breaking-news banner: set by an editor, on every page, gone by itself when it expires,
from cached pages too, and no shared cache may keep a page past its expiry."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.delivery.pagecache import EDGE_SECONDS, EDGE_STALE_SECONDS
from articles.models import Article, BreakingNews
from tests.admin_forms import post_form
from tests.factories import ArticleFactory, AuthorUserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_breakingnews_add")
FORM = "breakingnews_form"


def local(moment):
    moment = timezone.localtime(moment)
    return moment.strftime("%d.%m.%Y"), moment.strftime("%H:%M:%S")


def banner_form(story, expires, **extra):
    day, hour = local(expires)
    return {"article": str(story.pk), "expires_at_0": day, "expires_at_1": hour, **extra}


def shared_lifetime(response):
    header = response["Cache-Control"]
    s_maxage = int(re.search(r"s-maxage=(\d+)", header)[1])
    stale = int(re.search(r"stale-while-revalidate=(\d+)", header)[1])
    return s_maxage, stale


@pytest.fixture
def editors_browser(editor):
    browser = Client()
    browser.force_login(editor)
    return browser


@pytest.fixture
def story(section):
    return ArticleFactory(section=section, title="Вибухи в Києві", slug="vybukhy")


def test_a_banner_appears_on_every_page_and_expires_by_itself(
    client, editors_browser, story, section, time_machine
):
    now = timezone.now().replace(microsecond=0)
    time_machine.move_to(now)
    other = ArticleFactory(section=section, title="Інша новина", slug="insha")
    pages = ["/", other.get_absolute_url(), section.get_absolute_url(), "/en/", "/corrections/"]
    for url in pages:  # stored in the page cache without a banner
        assert "breaking-news" not in client.get(url).content.decode()

    expires = now + timedelta(minutes=30)
    form = banner_form(story, expires, text="Повітряна тривога: що відомо")
    response = post_form(editors_browser, ADD, form, form_id=FORM)
    assert response.status_code == 302
    banner = BreakingNews.objects.get()
    assert banner.created_by is not None and banner.expires_at == expires

    for url in pages:
        html = client.get(url).content.decode()
        assert 'class="breaking-news"' in html, url
        assert "Повітряна тривога: що відомо" in html
    # the English edition links to the Ukrainian story at its one address, marked Ukrainian
    assert 'href="/news/vybukhy/" lang="uk"' in client.get("/en/").content.decode()
    assert 'href="/news/vybukhy/"' in client.get("/").content.decode()
    # warm: served from the page cache, still with the banner
    assert "Повітряна тривога" in client.get(other.get_absolute_url()).content.decode()

    # No shared cache may keep a page past the expiry.
    time_machine.move_to(expires - timedelta(seconds=20))
    for url in ("/", other.get_absolute_url()):
        s_maxage, stale = shared_lifetime(client.get(url))
        assert s_maxage + stale <= 20

    time_machine.move_to(expires + timedelta(seconds=1))
    for url in pages:
        assert "Повітряна тривога" not in client.get(url).content.decode(), url
    # past the banner, a page is kept as long as ever (the home page by its ranking's cadence)
    assert shared_lifetime(client.get(other.get_absolute_url())) == (
        EDGE_SECONDS,
        EDGE_STALE_SECONDS,
    )


def test_a_banner_with_a_later_start_appears_on_time(client, story, time_machine):
    now = timezone.now().replace(microsecond=0)
    time_machine.move_to(now)
    BreakingNews.objects.create(
        article=story, starts_at=now + timedelta(minutes=5), expires_at=now + timedelta(hours=1)
    )
    assert "breaking-news" not in client.get("/").content.decode()
    time_machine.move_to(now + timedelta(minutes=5, seconds=1))
    assert "Вибухи в Києві" in client.get("/").content.decode().split("<main")[0]


def test_banner_without_text_uses_the_headline_and_the_newest_banner_wins(client, story, section):
    now = timezone.now()
    BreakingNews.objects.create(
        article=story, starts_at=now - timedelta(minutes=10), expires_at=now + timedelta(hours=1)
    )
    newer = ArticleFactory(section=section, title="Новіша термінова", slug="novisha")
    BreakingNews.objects.create(
        article=newer, starts_at=now - timedelta(minutes=1), expires_at=now + timedelta(hours=1)
    )
    header = client.get("/").content.decode().split("<main")[0]
    assert "Новіша термінова" in header and "Вибухи в Києві" not in header


@pytest.mark.parametrize(
    "case, message",
    [
        ("past", "Вкажіть час зникнення банера в майбутньому."),
        ("draft", "Банер може вести лише на опубліковану новину."),
    ],
)
def test_a_bad_banner_is_refused_and_nothing_is_stored(
    client, editors_browser, story, section, case, message
):
    target = story
    expires = timezone.now() + timedelta(hours=1)
    if case == "past":
        expires = timezone.now() - timedelta(minutes=1)
    else:
        target = ArticleFactory(section=section, status=Article.Status.DRAFT)
    response = post_form(editors_browser, ADD, banner_form(target, expires), form_id=FORM)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BreakingNews.objects.exists()
    assert "breaking-news" not in client.get("/").content.decode()


def test_authors_cannot_set_a_banner(story):
    writer = Client()
    writer.force_login(AuthorUserFactory())
    assert writer.get(ADD).status_code == 403
    day, hour = local(timezone.now() + timedelta(hours=1))
    data = {"article": story.pk, "expires_at_0": day, "expires_at_1": hour}
    assert writer.post(ADD, data).status_code == 403
    assert not BreakingNews.objects.exists()
