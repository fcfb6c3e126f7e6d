"""Story views counted off the Django path: the WSGI-level beacon and the Varnish log
shipper count only public stories, once per reader and story, and refuse other sites."""

import io
from datetime import timedelta

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.utils import timezone

from articles import popularity
from articles.models import Article
from articles.view_beacon import ViewBeaconApp, ship
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)  # requests close connections

APP = ViewBeaconApp(WSGIHandler())


def call(path, method="POST", address="203.0.113.5", **headers):
    """(status, body) of the WSGI application for one request."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": address,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        **{f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()},
    }
    answer = {}
    body = APP(environ, lambda status, headers: answer.update(status=status))
    return answer["status"], b"".join(body)


def test_a_beacon_is_counted_without_reaching_django(section, caplog):
    story = ArticleFactory(section=section)
    caplog.set_level("INFO", logger="newsroom.request")
    for reader in range(3):
        status, body = call(f"/views/{story.pk}/", address=f"203.0.113.{reader}")
        assert status.startswith("204") and body == b""
    assert call(f"/en/views/{story.pk}/", **{"Sec-Fetch-Site": "same-origin"})[0][:3] == "204"
    assert not caplog.records  # no middleware ran: the request log saw nothing
    assert popularity.most_read_ids(1) == [story.pk]
    assert call("/robots.txt", method="GET")[0].startswith("200")  # the rest: Django
    assert [record.getMessage().split()[:2] for record in caplog.records] == [
        ["GET", "/robots.txt"]
    ]


def test_the_wsgi_beacon_counts_only_public_stories_once_per_reader(section):
    story = ArticleFactory(section=section)
    draft = ArticleFactory(section=section, status=Article.Status.DRAFT)
    embargoed = ArticleFactory(section=section, published_at=timezone.now() + timedelta(hours=1))
    for story_id in (draft.pk, embargoed.pk, story.pk + 500, 10**17):
        for reader in range(20):
            assert call(f"/views/{story_id}/", address=f"198.51.100.{reader}")[0][:3] == "204"
    for _ in range(10):
        call(f"/views/{story.pk}/")
    assert popularity._count(5, timezone.now().timestamp()) == [(story.pk, 1)]


def test_a_cross_site_beacon_is_refused(section):
    story = ArticleFactory(section=section)
    assert call(f"/views/{story.pk}/", **{"Sec-Fetch-Site": "cross-site"})[0][:3] == "403"
    assert call(f"/views/{story.pk}/", Origin="https://evil.example")[0][:3] == "403"
    assert popularity.most_read_ids(5) == []


def test_the_log_shipper_counts_public_stories_once_per_reader(section):
    story, other = ArticleFactory.create_batch(2, section=section)
    draft = ArticleFactory(section=section, status=Article.Status.DRAFT)
    lines = [
        f"203.0.113.1 - /views/{story.pk}/\n",
        f"203.0.113.1 - /views/{story.pk}/\n",  # the same reader again: once
        f"203.0.113.2 - /en/views/{story.pk}/\n",
        None,  # a quiet second: the batch is counted
        f"203.0.113.3 - /views/{other.pk}/\n",
        f"203.0.113.3 - /views/{draft.pk}/\n",
        f"203.0.113.3 - /views/{story.pk + 900}/\n",
        "garbage\n",
        f"127.0.0.1 198.51.100.7, 127.0.0.1 /views/{other.pk}/\n",
    ]
    assert ship(iter(lines), batch=2) == 4
    counted = popularity._count(5, timezone.now().timestamp())
    assert dict(counted) == {other.pk: 2, story.pk: 2}  # equal counts: either order
