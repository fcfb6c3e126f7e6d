"""Stored pages served to anonymous readers by the page-cache middleware, before the views."""

import re
import time

import pytest
import time_machine
from django.conf import settings
from django.contrib.messages import INFO
from django.contrib.messages.storage.base import Message
from django.core.cache import cache
from django.core.handlers.base import BaseHandler
from django.test import Client, RequestFactory

from articles.delivery.cookies import MESSAGES_MAX_AGE, TimedCookieStorage
from newsroom.db_router import PIN_COOKIE, PIN_SECONDS, pin_value
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
SAME_HEADERS = [
    "Content-Type",
    "Cache-Control",
    "Vary",
    "Content-Language",
    "ETag",
    "Last-Modified",
    "X-Frame-Options",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
]


@pytest.fixture
def resolved(monkeypatch):
    """How many requests went down to URL resolving (the views)."""
    calls = []
    original = BaseHandler.resolve_request

    def counting(self, request):
        calls.append(request.path)
        return original(self, request)

    monkeypatch.setattr(BaseHandler, "resolve_request", counting)
    return calls


def without_tokens(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.parametrize("page", ["story", "home", "section", "top rated", "english story"])
def test_a_stored_page_is_served_before_the_views_exactly_as_they_render_it(
    article, resolved, page
):
    ArticleFactory.create_batch(3, section=article.section)
    english = ArticleFactory(section=article.section, language="en", slug="europe-agreed")
    url = {
        "story": article.get_absolute_url(),
        "home": "/",
        "section": article.section.get_absolute_url(),
        "top rated": "/top/",
        "english story": english.get_absolute_url(),
    }[page]
    rendered = Client().get(url)  # rendered by the view and stored
    assert resolved == [url]
    stored = Client().get(url)  # another new reader: from the store
    assert resolved == [url]
    assert stored.status_code == rendered.status_code == 200
    for header in SAME_HEADERS:
        if header in ("ETag", "Last-Modified") and page not in ("story", "english story"):
            continue
        if header == "Vary":
            assert set(stored[header].split(", ")) == set(rendered[header].split(", "))
            continue
        assert stored.get(header) == rendered.get(header), header
    assert without_tokens(stored.content.decode()) == without_tokens(rendered.content.decode())
    if page == "english story":
        assert stored["Content-Language"] == "en"
        assert "Average rating" in stored.content.decode()


def test_a_new_reader_votes_from_a_stored_page_without_any_token(article, resolved):
    url = article.get_absolute_url()
    Client().get(url)
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(url)
    assert resolved == [url]  # the second reader was served from the store
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert not page.cookies and not page.has_header("Set-Cookie")
    # what a browser sends with the no-JavaScript form of the page it was shown
    vote = reader.post(
        f"/ratings/articles.article/{article.pk}/rating/vote/",
        {"score": "4"},
        HTTP_SEC_FETCH_SITE="same-origin",
        HTTP_ORIGIN="http://testserver",
    )
    assert vote.status_code == 303
    assert "1 голос" in Client().get(url).content.decode()


def test_tracking_parameters_share_one_stored_page_and_stay_out_of_its_links(article, resolved):
    url = article.get_absolute_url()
    first = Client().get(url, {"utm_source": "facebook", "fbclid": "abc"}).content.decode()
    again = Client().get(url, {"utm_source": "telegram"}).content.decode()
    plain = Client().get(url).content.decode()
    assert resolved == [url]  # one render for all three addresses
    assert first == again == plain
    assert "utm_source" not in first and "fbclid" not in first
    assert '<a href="/en/" lang="en">ENG</a>' in first  # the switch, without them too


def test_any_host_or_port_gets_the_same_page_with_canonical_addresses(article, resolved, settings):
    settings.ALLOWED_HOSTS = ["localhost", "news.example.com"]
    url = article.get_absolute_url()
    pages = [
        Client().get(url, HTTP_HOST=host).content.decode()
        for host in ("localhost:1", "localhost:2", "news.example.com")
    ]
    assert resolved == [url]  # stored once, not once per host and port
    assert pages[0] == pages[1] == pages[2]
    assert "localhost:1" not in pages[0] and f"{settings.SITE_URL}{url}" in pages[0]


@pytest.mark.parametrize(
    "params",
    [{"before": "1799999999000000.1"}, {"page": "01"}, {"page": "2"}, {"before": "17.99999"}],
)
def test_made_up_page_addresses_are_404_and_not_stored(client, article, params):
    from articles.delivery import pagecache

    response = client.get("/", params)
    assert response.status_code == 404
    request = RequestFactory().get("/", params)
    assert cache.get(pagecache.page_key(request, "uk")) is None


def test_a_real_cursor_is_a_page(client, section):
    from articles.pagination import cursor

    stories = ArticleFactory.create_batch(14, section=section)
    newest_first = sorted(stories, key=lambda s: (s.published_at, s.pk), reverse=True)
    response = client.get("/", {"before": cursor(newest_first[11])})
    assert response.status_code == 200
    assert newest_first[12].title in response.content.decode()


def own_cookie(name, user, signed_at=None):
    """A cookie of `name` as the site sets it (a message: at `signed_at`, default now)."""
    if name == "sessionid":
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value
    if name == "messages":
        with time_machine.travel(signed_at or time.time(), tick=False):
            return TimedCookieStorage(RequestFactory().get("/"))._encode(
                [Message(INFO, "Дякуємо", extra_tags="")]
            )
    return pin_value()


@pytest.mark.parametrize("cookie", ["sessionid", "messages", PIN_COOKIE])
def test_readers_with_something_of_their_own_go_to_the_views(article, resolved, reader, cookie):
    url = article.get_absolute_url()
    Client().get(url)
    client = Client()
    client.cookies[cookie] = own_cookie(cookie, reader)
    response = client.get(url)
    assert response.status_code == 200 and "private" in response["Cache-Control"]
    assert resolved == [url, url]


JUNK_COOKIES = [
    ("sessionid", "junk"),
    ("sessionid", "a" * 32),  # the form of a session id, naming no session
    ("messages", "xyz"),
    ("messages", "W10:1tSrQb:" + "A" * 43),  # the form of a signed value, not our signature
    (PIN_COOKIE, "1"),
    (PIN_COOKIE, "9999999999:" + "A" * 43),
    (PIN_COOKIE, "expired"),
]


def test_a_genuine_message_replayed_after_a_minute_gets_the_stored_page(
    article, resolved, reader, django_assert_max_num_queries
):
    """A real thanks-for-voting cookie, kept and sent on every request of a flood."""
    url = article.get_absolute_url()
    stored = Client().get(url)
    client = Client()
    client.cookies["messages"] = own_cookie(
        "messages", reader, signed_at=time.time() - MESSAGES_MAX_AGE - 1
    )
    with django_assert_max_num_queries(0):
        response = client.get(url)
    assert resolved == [url]  # rendered once, for the first reader
    assert response["ETag"] == stored["ETag"]
    assert "private" not in response["Cache-Control"]


def test_a_fresh_message_is_shown_to_its_reader(article, reader):
    client = Client()
    client.cookies["messages"] = own_cookie("messages", reader)
    response = client.get(article.get_absolute_url())
    assert "Дякуємо" in response.content.decode()


@pytest.mark.parametrize(("cookie", "value"), JUNK_COOKIES)
def test_made_up_cookies_get_the_stored_page(
    article, resolved, cookie, value, django_assert_max_num_queries
):
    url = article.get_absolute_url()
    stored = Client().get(url)
    if value == "expired":
        value = pin_value(time.time() - PIN_SECONDS - 1)
    client = Client()
    client.cookies[cookie] = value
    with django_assert_max_num_queries(1):  # at most: is there such a session?
        response = client.get(url)
    assert resolved == [url]  # rendered once, for the first reader
    assert response.status_code == 200 and response["ETag"] == stored["ETag"]
    assert response["Cache-Control"] == stored["Cache-Control"]


def test_addresses_that_are_not_pages_never_touch_the_store(client, article, monkeypatch):
    from articles.delivery import pagecache

    looked_up = []
    original = pagecache.lookup
    monkeypatch.setattr(pagecache, "lookup", lambda key: looked_up.append(key) or original(key))
    for path in ["/healthz", "/admin/login/", "/static/css/site.css"]:
        client.get(path)
    assert looked_up == []
    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())
    assert len(looked_up) == 2  # a miss (rendered and stored), then a hit


def test_a_stale_page_is_looked_up_once_and_rendered_with_that_version(
    client, article, monkeypatch
):
    from articles.delivery import pagecache
    from articles.delivery.content_version import bump_content_version

    looked_up = []
    original = pagecache.lookup
    monkeypatch.setattr(pagecache, "lookup", lambda key: looked_up.append(key) or original(key))
    client.get(article.get_absolute_url())  # stored
    bump_content_version()  # e.g. another story was published
    looked_up.clear()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert len(looked_up) == 1  # the middleware's miss; the view does not ask again
    looked_up.clear()
    client.get(article.get_absolute_url())
    assert len(looked_up) == 1  # and the page stored by the view is found next time
    assert response.content.decode().count(article.title) >= 1


FRESH_PROCESS = """
import sys

import django
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

django.setup()
from django.contrib.contenttypes.models import ContentType  # noqa: E402

from articles.models import Article  # noqa: E402

ContentType.objects.get_for_model(Article)  # read once by every process
with CaptureQueriesContext(connection) as queries:
    response = Client(HTTP_HOST="127.0.0.1").get(sys.argv[1])
print(response.status_code, len(queries), "Європа" in response.content.decode())
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_new_process_serves_a_page_another_one_stored(client):
    """A worker just started (after a deploy) answers a page it never rendered itself: its
    first request for it is the stored page, with the live rating filled in, no 500."""
    import subprocess
    import sys

    from tests.conftest import require_postgres, require_redis
    from tests.servers import ROOT, server_env

    require_postgres()
    require_redis()
    article = ArticleFactory(title="Європа погодила підтримку")
    assert client.get(article.get_absolute_url()).status_code == 200  # rendered and stored
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, article.get_absolute_url()],
        cwd=ROOT,
        env={**server_env(), "DJANGO_SETTINGS_MODULE": "newsroom.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["200", "0", "True"], result.stdout + result.stderr


def pickled_before_the_move(page, *, renderer=None):
    """`page` as the release before the move pickled it: classes by their old module path
    (articles.pagecache), and the live part's renderer by `renderer` if given."""
    import pickle

    if renderer is not None:
        page = replace_renderer(page, renderer)
    raw = pickle.dumps(page, protocol=0)  # classes named by text lines, "module\nname\n"
    return raw.replace(b"articles.delivery.pagecache\n", b"articles.pagecache\n")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moved", ["classes", "renderer"])
def test_a_page_stored_before_its_code_moved_is_rendered_afresh_in_a_new_process(client, moved):
    """After a deploy that moved the page cache's code, a page stored by the release before
    (under a key the new one reads) names classes or a renderer by paths that no longer
    import: a new worker renders the page afresh and stores it anew, no 500."""
    import pickle
    import subprocess
    import sys

    from articles.delivery import pagecache
    from tests.conftest import require_postgres, require_redis
    from tests.servers import ROOT, server_env

    require_postgres()
    require_redis()
    article = ArticleFactory(title="Європа погодила підтримку")
    url = article.get_absolute_url()
    assert client.get(url).status_code == 200  # rendered and stored by this release
    key = pagecache.page_key(RequestFactory().get(url), settings.LANGUAGE_CODE)
    page = cache.get(key)
    if moved == "classes":
        raw = pickled_before_the_move(page)
        with pytest.raises(ModuleNotFoundError):
            pickle.loads(raw)  # the old class path is gone
    else:
        raw = pickle.dumps(replace_renderer(page, "articles.views_before.rating_part"))
    redis_key = cache.make_and_validate_key(key)
    cache._cache.get_client(redis_key, write=True).set(redis_key, raw, ex=60)
    result = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, url],
        cwd=ROOT,
        env={**server_env(), "DJANGO_SETTINGS_MODULE": "newsroom.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    status, queries, found = result.stdout.split()
    assert (status, found) == ("200", "True"), result.stdout + result.stderr
    assert int(queries) > 0  # rendered, not served from the stale copy
    stored = cache.get(key)  # and stored anew, loadable, with this release's renderer
    assert isinstance(stored, pagecache.StoredPage) and pagecache.renders(stored)


def replace_renderer(page, path):
    import dataclasses

    return dataclasses.replace(page, live=dataclasses.replace(page.live, renderer=path))


def test_a_content_state_stored_by_an_earlier_release_does_not_break_a_page(client, article):
    # before the editions the menu was one list; a cache warm from then must not be read
    old = {"v": 1, "until": None, "banner": None, "pages": [], "sections": []}
    cache.set("articles:content-state", old, 600)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert article.section.name in response.content.decode()
