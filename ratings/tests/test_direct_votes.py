"""Anonymous readers' JSON votes answered ahead of Django (newsroom.direct_votes, with
ratings.direct): the view's answer, headers and cookies, the same refusals, and every
other vote left to Django. Each request goes through the real WSGI application."""

import io
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

if not apps.is_installed("articles"):  # ratings alone (ratings/tests/settings.py)
    pytest.skip("the project's WSGI entry point", allow_module_level=True)

from articles.models import Article  # noqa: E402
from newsroom.direct_votes import VoteApp, vote_path  # noqa: E402
from ratings import targets  # noqa: E402
from ratings.models import Score, Vote  # noqa: E402
from ratings.views import VOTED_COOKIE, VOTER_COOKIE  # noqa: E402
from tests.factories import ArticleFactory  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)  # the votes commit, as in production

DJANGO = WSGIHandler()


class Recorder:
    """The application behind VoteApp: Django, counting the requests it is given."""

    def __init__(self):
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return DJANGO(environ, start_response)


def call(app, path, data=None, *, cookies=None, query="", **headers):
    """(status code, headers as a dict of lists, body) of `app` for a POST."""
    body = urlencode(data or {}, doseq=True).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "203.0.113.5",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "HTTP_ACCEPT": "application/json",
        "HTTP_SEC_FETCH_SITE": "same-origin",
    }
    if cookies:
        environ["HTTP_COOKIE"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if value is None:
            environ.pop(key, None)
            environ.pop(f"HTTP_{key}", None)
        else:
            environ[key if key in ("REMOTE_ADDR",) else f"HTTP_{key}"] = value
    answer = {}

    def start_response(status, header_list, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = {}
        for name, value in header_list:
            answer["headers"].setdefault(name, []).append(value)

    content = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], content


def vote_url(story, field="rating", language="uk"):
    with translation.override(language):
        return reverse("ratings:vote", args=["articles.article", story.pk, field])


def cookies_of(headers):
    jar = SimpleCookie()
    for line in headers.get("Set-Cookie", []):
        jar.load(line)
    return jar


def totals(story):
    score = Score.objects.filter(object_id=story.pk, field="rating").first()
    return (score.count, score.total) if score else (0, 0)


@pytest.fixture
def story(section):
    return ArticleFactory(section=section)


@pytest.fixture
def app():
    inner = Recorder()
    direct = VoteApp(inner)
    direct.django = inner
    return direct


def test_the_vote_path_is_the_vote_endpoints(story):
    for language in ("uk", "en"):
        found = vote_path().match(vote_url(story, language=language))
        assert found and found.groups() == ("articles.article", str(story.pk), "rating")
    unvote = reverse("ratings:unvote", args=["articles.article", story.pk, "rating"])
    assert vote_path().match(unvote) is None


def test_a_json_vote_is_answered_ahead_of_django_as_the_view_answers(app, story, caplog):
    caplog.set_level("INFO", logger="newsroom.request")
    status, headers, body = call(app, vote_url(story), {"score": "4"})
    assert app.django.calls == 0
    assert (status, body) == (200, b'{"average": 4.0, "count": 1, "your_score": 4}')
    assert totals(story) == (1, 4) and Vote.objects.get().score == 4
    # the same vote of another reader through Django: the same answer and headers
    status, by_view, body = call(DJANGO, vote_url(story), {"score": "5"}, remote_addr="10.1.1.1")
    assert (status, body) == (200, b'{"average": 4.5, "count": 2, "your_score": 5}')
    assert totals(story) == (2, 9)
    varying = {"X-Request-ID", "Expires", "Set-Cookie"}
    assert {k: v for k, v in headers.items() if k not in varying} == {
        k: v for k, v in by_view.items() if k not in varying
    }
    assert headers.keys() == by_view.keys()
    assert [r.getMessage().split()[:3] for r in caplog.records] == [
        ["POST", vote_url(story), "200"],
        ["POST", vote_url(story), "200"],
    ]
    assert caplog.records[0].request_id == headers["X-Request-ID"][0]


def test_the_security_headers_of_every_answer(app, story):
    _status, headers, _body = call(app, vote_url(story), {"score": "3"})
    assert app.django.calls == 0
    assert "default-src 'self'" in headers["Content-Security-Policy"][0]
    assert headers["X-Frame-Options"] == ["DENY"]
    assert headers["X-Content-Type-Options"] == ["nosniff"]
    assert headers["Referrer-Policy"] == ["strict-origin-when-cross-origin"]
    assert "camera=()" in headers["Permissions-Policy"][0]
    assert "no-store" in headers["Cache-Control"][0]
    assert headers["Vary"] == ["Accept-Language, Cookie, Accept-Encoding"]
    assert headers["Content-Language"] == ["uk"]


def test_cookies_are_set_as_the_view_sets_them(app, story):
    _status, headers, _body = call(app, vote_url(story), {"score": "2"})
    _status, by_view, _body = call(DJANGO, vote_url(story), {"score": "2"}, remote_addr="10.1.1.1")
    ours, theirs = cookies_of(headers), cookies_of(by_view)
    assert set(ours) == set(theirs) == {VOTER_COOKIE, VOTED_COOKIE}
    for name in (VOTER_COOKIE, VOTED_COOKIE):
        for attribute in ("max-age", "path", "httponly", "samesite", "secure"):
            assert ours[name][attribute] == theirs[name][attribute]
    assert ours[VOTER_COOKIE]["httponly"] and ours[VOTED_COOKIE].value == "1"
    # the signed voter cookie names the same voter next time: a change, not a second vote
    again = {VOTER_COOKIE: ours[VOTER_COOKIE].value}
    status, headers, body = call(app, vote_url(story), {"score": "5"}, cookies=again)
    assert status == 200 and body == b'{"average": 3.5, "count": 2, "your_score": 5}'
    assert totals(story) == (2, 7) and Vote.objects.count() == 2
    assert VOTER_COOKIE not in cookies_of(headers)  # kept, not made anew
    assert app.django.calls == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": None, "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": None, "Origin": "null"},
    ],
)
def test_cross_site_votes_are_refused_with_the_views_answer(app, story, headers):
    status, _headers, body = call(app, vote_url(story), {"score": "3"}, **headers)
    assert app.django.calls == 1  # Django's cross-origin check refuses it, in its words
    assert (status, body) == call(DJANGO, vote_url(story), {"score": "3"}, **headers)[::2]
    assert status == 403 and Vote.objects.count() == 0 and totals(story) == (0, 0)


def test_same_origin_by_origin_alone_is_answered_here(app, story):
    status, _headers, _body = call(
        app, vote_url(story), {"score": "3"}, sec_fetch_site=None, origin="http://testserver"
    )
    assert (status, app.django.calls) == (200, 0)
    assert call(app, vote_url(story), {"score": "3"}, sec_fetch_site=None)[0] == 200
    assert app.django.calls == 0 and totals(story) == (2, 6)


@pytest.fixture
def hidden(section):
    """Stories readers cannot see: a draft, an embargoed story; and ids of none."""
    draft = ArticleFactory(section=section, status=Article.Status.DRAFT)
    embargoed = ArticleFactory(section=section, published_at=timezone.now() + timedelta(hours=1))
    return [draft.pk, embargoed.pk, draft.pk + 1000, "abc", 10**18]


@pytest.mark.parametrize(
    "data",
    [{}, {"score": ""}, {"score": "abc"}, {"score": "0"}, {"score": "6"}, {"score": ["3", "4"]}],
)
def test_a_bad_score_gets_the_views_400_and_records_nothing(app, story, data):
    answered = call(app, vote_url(story), data)
    assert app.django.calls == 0
    by_view = call(DJANGO, vote_url(story), data)
    assert answered[0] == by_view[0] == 400
    assert answered[2] == by_view[2] and b'"error"' in answered[2]
    assert Vote.objects.count() == 0 and totals(story) == (0, 0)


def test_a_story_readers_cannot_see_gets_the_views_404(app, story, hidden):
    for story_id in hidden:
        path = f"/ratings/articles.article/{story_id}/rating/vote/"
        answered = call(app, path, {"score": "4"})
        by_view = call(DJANGO, path, {"score": "4"})
        assert answered[0] == by_view[0] == 404 and answered[2] == by_view[2]
    for path in (
        "/ratings/nosuch.model/1/rating/vote/",
        f"/ratings/auth.user/{story.pk}/rating/vote/",
    ):
        assert call(app, path, {"score": "4"})[::2] == call(DJANGO, path, {"score": "4"})[::2]
    assert app.django.calls == 0
    assert Vote.objects.count() == 0 and not Score.objects.exists()


def test_an_error_speaks_the_language_of_the_address(app, story):
    status, headers, body = call(app, vote_url(story, language="en"), {"score": "9"})
    assert status == 400 and b"The score must be from 1 to 5." in body
    assert headers["Content-Language"] == ["en"] and "Accept-Language" not in headers["Vary"][0]
    assert call(DJANGO, vote_url(story, language="en"), {"score": "9"})[::2] == (status, body)


def test_too_many_new_voters_from_one_address_get_the_views_429(app, story, settings):
    settings.RATINGS_VOTES_PER_ADDRESS = 2
    for _ in range(2):
        assert call(app, vote_url(story), {"score": "4"})[0] == 200
    status, headers, _body = call(app, vote_url(story), {"score": "4"})
    assert status == 429 and int(headers["Retry-After"][0]) > 0
    assert call(DJANGO, vote_url(story), {"score": "4"})[0] == 429
    assert app.django.calls == 0 and totals(story) == (2, 8)


@pytest.mark.parametrize(
    "request_",
    [
        {"cookies": {"sessionid": "anything"}},  # a session: maybe a signed-in user
        {"accept": "text/html"},  # the form without JavaScript: a message and a redirect
        {"query": "next=/"},
        {"host": "evil.example"},  # a Host not allowed: Django's 400
    ],
)
def test_other_votes_go_to_django(app, story, request_):
    before = app.django.calls
    status, _headers, _body = call(app, vote_url(story), {"score": "4"}, **request_)
    assert app.django.calls == before + 1
    assert status in (200, 303, 400)


def test_a_signed_in_reader_votes_through_django(app, story, client, reader):
    client.force_login(reader)
    session = client.cookies["sessionid"].value
    status, _headers, _body = call(
        app, vote_url(story), {"score": "4"}, cookies={"sessionid": session}
    )
    assert app.django.calls == 1
    assert status == 403  # Django's CSRF token is asked of a signed-in user
    assert Vote.objects.count() == 0


@pytest.fixture
def reader(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("reader", password="a long password 12345")


def test_a_vote_costs_a_fixed_number_of_queries(app, story):
    call(app, vote_url(story), {"score": "3"})  # the Score row exists now, the query compiled
    with CaptureQueriesContext(connection) as queries:
        assert call(app, vote_url(story), {"score": "4"}, remote_addr="10.1.1.1")[0] == 200
    # visibility by key, then in one transaction the locked score and own vote (one
    # round trip on PostgreSQL), the address's recent votes, and the insert with the
    # score's update (one statement on PostgreSQL); not a column of the story is read
    statements = [q["sql"] for q in queries.captured_queries]
    postgresql = connection.vendor == "postgresql"
    reads = ["SELECT"] if postgresql else ["SELECT", "SELECT"]
    writes = ["WITH"] if postgresql else ["INSERT", "UPDATE"]
    assert [sql.split()[0] for sql in statements] == [
        "SELECT",
        "BEGIN",
        *reads,
        "SELECT",
        *writes,
        "COMMIT",
    ]
    if postgresql:  # the lock first, then the voter's vote read under it
        assert statements[2].index("FOR UPDATE;") < statements[2].index("LEFT JOIN")
    written = "".join(statements[2 + len(reads) + 1 : -1])
    assert "INSERT" in written and "UPDATE" in written
    assert not any("body" in sql for sql in statements)
    assert totals(story) == (2, 7)


def test_the_visibility_query_is_compiled_once_with_the_time_as_a_parameter(story, section):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's times are text parameters: the query is built for each vote")
    options = targets.options_for(Article, "rating")
    sql, _params, _pk_at, now_at = targets._statement(Article, options)
    assert len(now_at) == 1 and "published_at" in sql
    soon = ArticleFactory(section=section, published_at=timezone.now() + timedelta(seconds=1))
    assert not targets.is_visible(Article, options, soon.pk)
    Article.objects.filter(pk=soon.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert targets.is_visible(Article, options, soon.pk)  # "now" is now, not when compiled
    assert targets.is_visible(Article, options, story.pk)
    assert not targets.is_visible(Article, options, story.pk + 1000)


def test_a_vote_while_the_database_is_down_gets_djangos_503(app, story, monkeypatch):
    from django.db import OperationalError

    from ratings import services

    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "cast_vote_by_key", unreachable)
    status, headers, body = call(app, vote_url(story), {"score": "4"})
    assert app.django.calls == 1  # answered by Django's friendly 503, in JSON
    assert status == 503 and headers["Content-Type"] == ["application/json"]
    assert b'"error"' in body and Vote.objects.count() == 0


def test_a_vote_on_a_connection_the_server_closed_is_counted_once(app, story):
    """The vote sends no health check first: the connection PostgreSQL dropped since the
    last request fails the first read, and Django answers on a new connection."""
    if connection.vendor != "postgresql":
        pytest.skip("ends a PostgreSQL backend")
    assert call(app, vote_url(story), {"score": "3"})[0] == 200
    backend = connection.connection.get_backend_pid()
    assert call(app, vote_url(story), {"score": "5"}, remote_addr="10.1.1.2")[0] == 200
    assert connection.connection.get_backend_pid() == backend  # the same connection
    import psycopg2

    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        password=settings["PASSWORD"],
    )
    with other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
    other.close()
    calls = app.django.calls
    status, _headers, body = call(app, vote_url(story), {"score": "4"}, remote_addr="10.1.1.3")
    assert status == 200, body
    assert app.django.calls == calls + 1  # answered by Django, on a new connection
    assert connection.connection.get_backend_pid() != backend
    assert totals(story) == (3, 12)
