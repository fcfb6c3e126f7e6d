"""Stored pages answered ahead of Django (newsroom.stored_pages): the same status, headers
and bytes as the full middleware stack gives, no database, and Django for the rest."""

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.test import override_settings

from newsroom.stored_pages import StoredPageApp, stored_answer

pytestmark = pytest.mark.django_db(transaction=True)  # requests close connections

DJANGO = WSGIHandler()
APP = StoredPageApp(DJANGO)
PER_REQUEST = {"x-request-id", "date"}


def environ(path, method="GET", query="", **headers):
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "203.0.113.5",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }


def call(app, *args, **kwargs):
    """(status, {header: value} without the per-request ones, body) of one request."""
    started = {}

    def start_response(status, headers):
        started.update(status=status, headers=headers)

    body = b"".join(app(environ(*args, **kwargs), start_response))
    headers = {k.lower(): v for k, v in started["headers"] if k.lower() not in PER_REQUEST}
    return started["status"], headers, body


@pytest.mark.parametrize(
    "request_headers",
    [
        {},
        {"Accept-Encoding": "gzip, deflate"},
        {"X-Forwarded-Proto": "https"},
        {"Accept-Encoding": "gzip", "X-Forwarded-Proto": "https"},
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_stored_page_is_answered_as_django_answers_it(article, method, request_headers):
    path = article.get_absolute_url()
    call(DJANGO, path)  # rendered and stored
    django = call(DJANGO, path, method, **request_headers)
    ahead = call(APP, path, method, **request_headers)
    assert ahead == django
    assert "content-security-policy" in ahead[1] and ahead[1]["x-frame-options"] == "DENY"
    assert ("strict-transport-security" in ahead[1]) == ("X-Forwarded-Proto" in request_headers)


def test_home_feed_and_a_304_as_django_answers_them(article):
    for path in ("/", "/feed/", "/sitemap.xml"):
        call(DJANGO, path)
        assert call(APP, path) == call(DJANGO, path)
    etag = call(DJANGO, "/")[1]["etag"]
    answer = call(APP, "/", **{"If-None-Match": etag})
    assert answer[0] == "304 Not Modified" and answer == call(
        DJANGO, "/", **{"If-None-Match": etag}
    )


def test_a_stored_page_costs_no_query_and_no_middleware(article, caplog, django_assert_num_queries):
    path = article.get_absolute_url()
    call(DJANGO, path)
    caplog.set_level("INFO", logger="newsroom.request")
    caplog.clear()
    with django_assert_num_queries(0):
        status, _headers, body = call(APP, path)
    assert status == "200 OK" and "Європа погодила підтримку" in body.decode()
    # the request line is logged as RequestLogMiddleware logs it
    assert [r.getMessage().split()[:3] for r in caplog.records] == [["GET", path, "200"]]


def test_whatever_a_stored_page_cannot_answer_goes_to_django(article):
    path = article.get_absolute_url()
    assert call(APP, path)[0] == "200 OK"  # not stored yet: Django renders and stores it
    assert call(APP, path, "POST")[0] == call(DJANGO, path, "POST")[0] == "403 Forbidden"
    assert call(APP, path, query="q=%00")[0].startswith("400")
    assert call(APP, path, **{"Host": "evil.example"})[0].startswith("400")
    with override_settings(SECURE_SSL_REDIRECT=True):  # SecurityMiddleware's redirect
        assert stored_answer(environ(path)) is None
        assert stored_answer(environ(path, **{"X-Forwarded-Proto": "https"}))
    assert call(APP, "/no-such-page/")[0].startswith("404")


def test_a_page_whose_live_part_needs_the_database_goes_to_django(article):
    from ratings.services import Voter, cast_vote

    path = article.get_absolute_url()
    call(DJANGO, path)
    cast_vote(target=article, field="rating", voter=Voter(cookie_id="a"), score=5)
    from django.core.cache import cache

    cache.clear()  # the score and content version gone: they come from the database
    status, _headers, body = call(APP, path)
    assert status == "200 OK" and "1 голос" in body.decode()


class Recording:
    """Django's handler, noting each request that reaches it."""

    def __init__(self):
        self.paths = []

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        return DJANGO(environ, start_response)


@pytest.mark.parametrize(
    "request_headers",
    [
        {"If-None-Match": "*"},
        {"Cookie": "sessionid=junk; utm=1"},  # noise: the page is still everybody's
        {"Accept-Encoding": "gzip;q=0"},
        {"Accept-Encoding": "br, gzip", "X-Forwarded-Proto": "https, http"},
    ],
)
def test_conditional_requests_cookies_and_encodings_as_django_answers_them(
    article, request_headers
):
    path = article.get_absolute_url()
    call(DJANGO, path)
    for method in ("GET", "HEAD"):
        assert call(APP, path, method, **request_headers) == call(
            DJANGO, path, method, **request_headers
        )


def test_a_story_in_english_and_an_address_with_tracking_as_django_answers_them(article):
    from tests.factories import ArticleFactory

    english = ArticleFactory(
        section=article.section, title="Europe agreed", slug="europe-agreed", language="en"
    )
    for path, query in [
        (english.get_absolute_url(), ""),
        (article.get_absolute_url(), "utm_source=x&fbclid=y"),
        ("/", "page=1"),
    ]:
        call(DJANGO, path, query=query)
        app = StoredPageApp(recording := Recording())
        assert call(app, path, query=query) == call(DJANGO, path, query=query)
        assert recording.paths == []  # answered ahead of Django
    assert "Europe agreed" in call(APP, english.get_absolute_url())[2].decode()
    assert call(APP, english.get_absolute_url())[1]["content-language"] == "en"


def test_a_reader_with_a_message_waiting_or_a_session_gets_their_own_page(article):
    from importlib import import_module

    from django.conf import settings

    from articles.delivery.cookies import messages_signer

    path = article.get_absolute_url()
    call(DJANGO, path)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session["seen"] = True
    session.save()
    message = messages_signer().sign("thanks")
    for cookie in (f"sessionid={session.session_key}", f"messages={message}"):
        app = StoredPageApp(recording := Recording())
        assert call(app, path, **{"Cookie": cookie})[0] == "200 OK"
        assert recording.paths == [path]


def test_the_request_id_given_is_answered_and_logged_else_one_is_made(article, caplog):
    path = article.get_absolute_url()
    call(DJANGO, path)
    caplog.set_level("INFO", logger="newsroom.request")
    caplog.clear()  # the line of the request that stored the page
    ids = []
    for given in ("edge-1234", ""):

        def start_response(status, headers):
            ids.append(dict(headers)["X-Request-ID"])

        b"".join(APP(environ(path, **{"X-Request-ID": given}), start_response))
    assert ids[0] == "edge-1234" and len(ids[1]) == 32 and ids[1] != ids[0]
    assert [record.request_id for record in caplog.records] == ids


def test_a_vote_and_an_edit_are_seen_by_the_next_reader(article):
    from ratings.services import Voter, cast_vote

    path = article.get_absolute_url()
    call(DJANGO, path)
    before = call(APP, path)
    assert "1 голос" not in before[2].decode()
    cast_vote(target=article, field="rating", voter=Voter(cookie_id="a"), score=5)
    after = call(APP, path)
    assert "1 голос" in after[2].decode() and after[1]["etag"] != before[1]["etag"]
    assert after == call(DJANGO, path)
    article.title = "Європа погодила нову підтримку"
    article.save()
    call(APP, path)  # the content version changed: Django renders it again
    assert "Європа погодила нову підтримку" in call(APP, path)[2].decode()


def test_without_the_cache_every_page_goes_to_django(article, monkeypatch):
    from django.core.cache import cache

    path = article.get_absolute_url()
    call(DJANGO, path)
    monkeypatch.setattr(cache, "_down_until", float("inf"), raising=False)
    app = StoredPageApp(recording := Recording())
    assert call(app, path)[0] == "200 OK" and recording.paths == [path]
