"""Varnish in front of two app servers: cache hits for every anonymous reader, exact after
every vote and edit, scheduled stories on time, nobody's own page ever stored.

A real varnishd runs the shipped deploy/varnish/default.vcl (Debian's varnish and
varnish-modules, installed by .ci/run) in front of real gunicorn servers sharing
PostgreSQL and Redis.
"""

import gzip
import logging
import shutil
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
import requests
from django.contrib.flatpages.models import FlatPage
from django.contrib.redirects.models import Redirect
from django.test import Client
from django.utils import timezone

from articles import popularity
from articles.management.commands.ship_views import log_lines
from articles.models import Article
from articles.view_beacon import LOG_FORMAT, LOG_QUERY, ship
from newsroom.db_router import PIN_COOKIE, pin_value
from ratings.services import Voter, cast_vote
from tests.admin_forms import post_form
from tests.conftest import IN_CI, require_postgres, require_redis
from tests.edge import VARNISHD, Varnish
from tests.factories import ArticleFactory, AuthorFactory, EditorFactory
from tests.servers import Reader, app_servers, free_port

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@contextmanager
def behind_varnish(settings, varnish_params=(), **env):
    """(varnish, [app server A, app server B]): both behind Varnish's director, both
    purging it, as deploy/varnish/default.vcl is set up for two app servers."""
    require_postgres()
    require_redis()
    if not shutil.which(VARNISHD):
        if IN_CI:
            pytest.fail("CI must run the Varnish tests: varnishd not found")
        pytest.skip(
            "needs Varnish 7 with varnish-modules (apt-get install varnish varnish-modules)"
        )
    port = free_port()
    purge_url = f"http://127.0.0.1:{port}/"
    settings.EDGE_PURGE_URLS = [purge_url]  # edits made by this test process purge too
    with app_servers(2, EDGE_PURGE_URLS=purge_url, **env) as servers:
        varnish = Varnish([server.port for server in servers], port=port, params=varnish_params)
        try:
            yield varnish, servers
        finally:
            varnish.stop()


@pytest.fixture
def edge(settings):
    with behind_varnish(settings) as found:
        yield found


@pytest.fixture
def edge_redirecting_to_https(settings):
    """The same, with the app servers redirecting plain HTTP to HTTPS, as in production."""
    with behind_varnish(settings, SECURE_SSL_REDIRECT="1") as found:
        yield found


def twice(varnish, path, **kwargs):
    return varnish.get(path, **kwargs), varnish.get(path, **kwargs)


def test_anonymous_pages_are_hits_with_the_same_bytes_and_no_cookies(edge):
    varnish, _servers = edge
    author = AuthorFactory(name="Олена Коваленко")
    story = ArticleFactory(title="Новина для всіх", tags=["енергетика"], authors=[author])
    tag = story.tags.get()
    paths = [
        story.get_absolute_url(),
        "/en" + story.get_absolute_url(),
        "/",
        story.section.get_absolute_url(),
        f"/tag/{tag.slug}/",
        author.get_absolute_url(),
        "/top/",
        "/search/?q=новина",
        "/feed/",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/news/no-such-story/",
    ]
    for path in paths:
        first, second = twice(varnish, path)
        assert first.status_code == second.status_code, path
        assert first.status_code in (200, 301, 404), path
        assert second.headers["X-Cache"] == "HIT", path
        assert first.content == second.content, path
        assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers, path
        assert "xkey" not in second.headers, path
        assert "csrfmiddlewaretoken" not in first.text, path
    assert "Новина для всіх" in varnish.get(story.get_absolute_url()).text
    # a Ukrainian story is not served again under /en/: a shared redirect to its address
    moved = varnish.get("/en" + story.get_absolute_url())
    assert moved.status_code == 301 and moved.headers["Location"] == story.get_absolute_url()


def test_a_vote_through_either_app_server_shows_on_the_next_page_through_the_cache(edge):
    varnish, (first, second) = edge
    story = ArticleFactory(title="Голосуємо")
    url = story.get_absolute_url()
    twice(varnish, url)  # stored at the edge
    assert varnish.get(url).headers["X-Cache"] == "HIT"
    assert Reader(first.url).post_vote(story, 4).json()["count"] == 1
    after_one = varnish.get(url)
    assert "1 голос" in after_one.text and "4 з 5" in after_one.text
    assert Reader(second.url).post_vote(story, 5).json()["count"] == 2
    after_two = varnish.get(url)
    assert "2 голоси" in after_two.text and "4,5 з 5" in after_two.text
    assert varnish.get(url).headers["X-Cache"] == "HIT"  # and stored again


def test_an_edit_and_an_unpublish_show_on_the_next_page_through_the_cache(edge):
    varnish, _servers = edge
    story = ArticleFactory(title="Перший заголовок")
    other = ArticleFactory(title="Інша новина", section=story.section)
    cast_vote(target=story, field="rating", voter=Voter(cookie_id="a" * 32), score=5)
    pages = (story.get_absolute_url(), "/", other.get_absolute_url(), "/top/")
    for path in pages:
        assert twice(varnish, path)[1].headers["X-Cache"] == "HIT", path
    story.title = "Виправлений заголовок"
    story.save()  # the editor's save: purged after commit, before it returns
    for path in pages:
        page = varnish.get(path).text
        assert "Виправлений заголовок" in page and "Перший заголовок" not in page, path
    story.status = Article.Status.DRAFT
    story.save()
    assert varnish.get(story.get_absolute_url()).status_code == 404
    for path in ("/", "/top/", "/en/top/"):
        assert "Виправлений заголовок" not in varnish.get(path).text, path


def test_a_translation_and_its_original_are_purged_together(edge):
    """Both editions' pages follow a translation: published, it appears on the original's
    page (hreflang) and on the English home; the original's correction reaches its page."""
    varnish, _servers = edge
    original = ArticleFactory(title="Бюджет ухвалено", slug="biudzhet")
    english = ArticleFactory(
        title="Budget passed",
        slug="budget-passed",
        language="en",
        translation_of=original,
        section=original.section,
        status=Article.Status.DRAFT,
    )
    for path in (original.get_absolute_url(), "/en/", "/en/news/biudzhet/"):
        assert twice(varnish, path)[1].headers["X-Cache"] == "HIT", path
    assert "hreflang" not in varnish.get(original.get_absolute_url()).text
    english.status = Article.Status.PUBLISHED
    english.save()  # purged after commit, before it returns
    assert 'hreflang="en"' in varnish.get(original.get_absolute_url()).text
    assert "Budget passed" in varnish.get("/en/").text
    assert varnish.get("/en/news/biudzhet/").headers["Location"] == "/en/news/budget-passed/"
    twice(varnish, english.get_absolute_url())
    Article.objects.get(pk=original.pk).notices.create(kind="correction", text="Виправлено.")
    original.revised_at = timezone.now()
    original.save()
    assert "story-translation-behind" in varnish.get(english.get_absolute_url()).text


def test_purges_keep_their_connection_and_arrive_after_the_cache_closed_it(settings, caplog):
    """A process purges on a connection it keeps open; one the cache closed while idle
    (its timeout_idle) is opened again, and the purge arrives all the same."""
    with behind_varnish(settings, varnish_params=("timeout_idle=1",)) as (varnish, _servers):

        def connections():
            out = subprocess.run(
                ["varnishstat", "-n", str(varnish.workdir / "n"), "-1", "-f", "MAIN.sess_conn"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            return int(out.split()[1])

        story = ArticleFactory(title="Перший заголовок")
        url = story.get_absolute_url()
        with caplog.at_level(logging.ERROR, logger="edge_cache"):
            before = connections()
            for n in range(10):
                story.title = f"Заголовок {n}"
                story.save()  # purged after commit, before save() returns
            assert connections() - before <= 1  # the ten purges shared one connection
            assert twice(varnish, url)[1].headers["X-Cache"] == "HIT"
            time.sleep(2.5)  # the cache closes the purges' idle connection
            story.title = "Після перерви"
            story.save()
            assert "Після перерви" in varnish.get(url).text
        assert not [r for r in caplog.records if r.name == "edge_cache"]


def test_an_app_server_that_stops_costs_readers_no_error(edge):
    """Stopped before Varnish's probe notices: reads are asked of the other one."""
    varnish, (first, _second) = edge
    stories = [ArticleFactory(title=f"Новина {n}") for n in range(12)]
    first.stop()
    # right away, before the probe (every 2 s) has marked it sick: every uncached page
    statuses = [varnish.get(story.get_absolute_url()).status_code for story in stories]
    assert statuses == [200] * len(stories)


def test_a_draft_of_changes_stays_out_of_the_cache_until_it_is_published(edge):
    varnish, (_first, second) = edge
    story = ArticleFactory(title="Перший заголовок")
    paths = (story.get_absolute_url(), "/", "/feed/")
    for path in paths:
        twice(varnish, path)
    editor = Client()
    editor.force_login(EditorFactory())
    form = f"/admin/articles/article/{story.pk}/change/"

    saved = post_form(editor, form, {"title": "Заголовок з чернетки"}, button="_save_draft")

    assert saved.status_code == 302
    for path in paths:
        page = varnish.get(path)
        assert page.headers["X-Cache"] == "HIT", path  # nothing was purged
        assert "Перший заголовок" in page.text and "Заголовок з чернетки" not in page.text, path
        assert "Заголовок з чернетки" not in Reader(second.url).get(path).text, path

    published = post_form(editor, form, button="_publish_draft")

    assert published.status_code == 302
    for path in paths:
        page = varnish.get(path).text
        assert "Заголовок з чернетки" in page and "Перший заголовок" not in page, path


def test_a_scheduled_story_appears_at_its_time_without_cron(edge):
    varnish, _servers = edge
    ArticleFactory(title="Вже відома")
    due = timezone.now() + timedelta(seconds=4)
    scheduled = ArticleFactory(title="Заплановану новину", published_at=due)
    url = scheduled.get_absolute_url()
    home, home_again = twice(varnish, "/")
    assert "Заплановану новину" not in home.text and home_again.headers["X-Cache"] == "HIT"
    missing = varnish.get(url)
    assert missing.status_code == 404
    cache_control = missing.headers["Cache-Control"]
    assert "s-maxage=" in cache_control and int(cache_control.split("s-maxage=")[1][:1]) <= 4
    time.sleep(max(0.0, (due - timezone.now()).total_seconds()) + 1.5)
    assert "Заплановану новину" in varnish.get("/").text
    assert varnish.get(url).status_code == 200


def test_signed_in_pages_a_pending_message_and_the_admin_are_never_stored(edge):
    varnish, _servers = edge
    story = ArticleFactory()
    url = story.get_absolute_url()
    own = (
        "sessionid=" + "k" * 32,
        "messages=W10:1tSrQb:" + "A" * 43,
        f"{PIN_COOKIE}={pin_value()}",
    )
    for cookie in own:  # each as the app sets it: Varnish cannot tell a forgery
        for response in twice(varnish, url, headers={"Cookie": cookie}):
            assert response.headers["X-Cache"] == "MISS", cookie
    for response in twice(varnish, "/admin/login/"):
        assert response.headers["X-Cache"] == "MISS"
        assert "csrftoken" in response.headers.get("Set-Cookie", "")


def test_made_up_cookies_get_the_stored_page_from_varnish(edge):
    varnish, _servers = edge
    url = ArticleFactory().get_absolute_url()
    stored = twice(varnish, url)[1]
    assert stored.headers["X-Cache"] == "HIT"
    junk = (
        "sessionid=junk",
        "sessionid=" + "K" * 32,
        "messages=xyz",
        f"{PIN_COOKIE}=1",
        f"{PIN_COOKIE}={pin_value(time.time() - 60)}",
        f"{PIN_COOKIE}=9999999999:forged",
        "csrftoken=abc; nr_voted=1",
    )
    for cookie in junk:
        response = varnish.get(url, headers={"Cookie": cookie})
        assert response.headers["X-Cache"] == "HIT", cookie
        assert response.content == stored.content, cookie


def test_tracking_parameters_share_the_stored_page(edge):
    varnish, _servers = edge
    story = ArticleFactory()
    url = story.get_absolute_url()
    plain = varnish.get(url)
    tagged = varnish.get(url + "?utm_source=telegram&utm_medium=social&fbclid=x1")
    assert tagged.headers["X-Cache"] == "HIT" and tagged.content == plain.content
    paged = varnish.get("/?page=2&utm_source=x")
    assert paged.status_code == 404  # still the page it names


def test_only_the_app_servers_may_purge(edge):
    varnish, _servers = edge

    def purge(source):
        with socket.create_connection(("127.0.0.1", varnish.port), source_address=(source, 0)) as s:
            s.sendall(
                b"PURGE / HTTP/1.1\r\nHost: x\r\nxkey-purge: nav\r\nConnection: close\r\n\r\n"
            )
            return s.recv(200).split(b" ", 2)[1]

    assert purge("127.0.0.2") == b"403"
    assert purge("127.0.0.1") == b"200"


def test_a_cross_site_vote_through_the_cache_is_refused(edge):
    varnish, _servers = edge
    story = ArticleFactory()
    response = requests.post(
        f"{varnish.url}/ratings/articles.article/{story.pk}/rating/vote/",
        data={"score": "5"},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 403
    assert "Ще немає оцінок" in varnish.get(story.get_absolute_url()).text


def test_stale_pages_are_served_while_the_app_is_down(edge):
    varnish, servers = edge
    ArticleFactory(title="Сторінка на час збою")
    # a story due in two seconds ends every page's shared lifetime then
    ArticleFactory(title="Наступна", published_at=timezone.now() + timedelta(seconds=2))
    assert "Сторінка на час збою" in varnish.get("/").text
    for server in servers:
        server.stop()
    time.sleep(8)  # past the page's lifetime, and the probe has marked the backend sick
    served = varnish.get("/")
    assert served.status_code == 200 and "Сторінка на час збою" in served.text
    # nothing stored: Varnish's own error page, with the headers of every page
    failed = varnish.get("/news/never-stored/")
    assert failed.status_code == 503
    assert failed.headers["X-Frame-Options"] == "DENY"
    assert failed.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in failed.headers["Content-Security-Policy"]


def test_an_old_http_link_never_sends_https_readers_round_in_circles(edge_redirecting_to_https):
    varnish, _servers = edge_redirecting_to_https
    story = ArticleFactory(title="Через HTTPS")
    url = story.get_absolute_url()
    https = {"X-Forwarded-Proto": "https"}
    for _ in range(2):  # one old http:// link, followed twice
        plain = varnish.get(url)
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://127.0.0.1:{varnish.port}{url}"
    for _ in range(2):
        secure = varnish.get(url, headers=https)
        assert secure.status_code == 200 and "Через HTTPS" in secure.text
    assert secure.headers["X-Cache"] == "HIT"
    # kept by browsers (which key on the scheme), by no shared cache
    assert "private" in plain.headers["Cache-Control"]
    # and the page stored for HTTPS readers is never what a plain HTTP request gets
    assert varnish.get(url).status_code == 301
    # a scheme named any other way is plain HTTP, not one more copy in the cache
    odd = varnish.get(url, headers={"X-Forwarded-Proto": "HTTPS, http"})
    assert odd.status_code == 301


def test_text_is_gzipped_through_the_cache_and_plain_for_who_takes_no_gzip(edge):
    varnish, _servers = edge
    story = ArticleFactory(title="Стиснута новина")
    for path in (story.get_absolute_url(), "/", "/feed/", "/sitemap.xml", "/robots.txt"):
        for _ in range(2):
            packed = varnish.get(path, headers={"Accept-Encoding": "gzip, br"}, stream=True)
            assert packed.headers["Content-Encoding"] == "gzip", path
            raw = packed.raw.read(decode_content=False)
            assert gzip.decompress(raw), path
        assert packed.headers["X-Cache"] == "HIT", path
        plain = varnish.get(path, headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers, path
        assert plain.headers["X-Cache"] == "HIT", path
    assert "Стиснута новина" in varnish.get(story.get_absolute_url()).text


def test_story_views_are_answered_by_varnish_and_counted_from_its_log(edge, settings):
    varnish, _servers = edge
    settings.RATINGS_TRUSTED_PROXIES = ["127.0.0.1"]  # readers' addresses as Varnish adds them
    story = ArticleFactory(title="Прочитана через кеш")
    draft = ArticleFactory(status=Article.Status.DRAFT)
    log = subprocess.Popen(
        ["varnishncsa", "-n", str(varnish.workdir / "n"), "-q", LOG_QUERY, "-F", LOG_FORMAT],
        stdout=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    counted = []
    shipper = threading.Thread(target=lambda: counted.append(ship(log_lines(log, 0.2))))
    shipper.start()
    try:
        same_site = {"Sec-Fetch-Site": "same-origin"}
        beacons = [*enumerate([story.pk] * 4), (9, draft.pk), (9, story.pk)]
        deadline = time.monotonic() + 20
        # sent again until varnishncsa has attached: a reader's repeats count once anyway
        while time.monotonic() < deadline and popularity._count(5, time.time()) != [(story.pk, 5)]:
            for reader, story_id in beacons:
                headers = {**same_site, "X-Forwarded-For": f"203.0.113.{reader}"}
                url = f"{varnish.url}/views/{story_id}/"
                beacon = requests.post(url, headers=headers, timeout=5)
                assert beacon.status_code == 204 and "X-Request-ID" not in beacon.headers
            time.sleep(0.5)
        refused = requests.post(
            f"{varnish.url}/views/{story.pk}/", headers={"Sec-Fetch-Site": "cross-site"}, timeout=5
        )
        assert refused.status_code == 403
        assert popularity._count(5, time.time()) == [(story.pk, 5)]
    finally:
        log.terminate()
        shipper.join(10)
    assert counted == [5]  # what ship() reports when its log ends


def test_a_flat_page_and_a_redirect_leave_the_cache_when_edited_or_deleted(edge):
    varnish, _servers = edge
    page = FlatPage.objects.create(url="/about/", title="Про нас", content="<p>Перша</p>")
    page.sites.add(1)
    moved = Redirect.objects.create(site_id=1, old_path="/old/", new_path="/about/")
    for path in ("/about/", "/old/"):
        first, second = twice(varnish, path)
        assert second.headers["X-Cache"] == "HIT", path
        assert "Content-Security-Policy" in second.headers, path
    page.content = "<p>Друга</p>"
    page.save()  # as the admin saves it: purged after commit, before it returns
    assert "Друга" in varnish.get("/about/").text
    moved.new_path = "/news/"
    moved.save()
    assert varnish.get("/old/").headers["Location"] == "/news/"
    page.delete()
    assert varnish.get("/about/").status_code == 404
    moved.delete()
    assert varnish.get("/old/").status_code == 404
