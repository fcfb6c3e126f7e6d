"""Stored pages answered ahead of Django (newsroom.stored_pages): the same status, headers
and bytes as the full middleware stack gives, no database, and Django for the rest."""

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
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
        assert stored_answer(WSGIRequest(environ(path))) is None
        assert stored_answer(WSGIRequest(environ(path, **{"X-Forwarded-Proto": "https"})))
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
