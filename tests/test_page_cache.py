"""Stored pages served to anonymous readers by the page-cache middleware, before the views."""

import re

import pytest
from django.core.handlers.base import BaseHandler
from django.test import Client

from newsroom.db_router import PIN_COOKIE
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
SAME_HEADERS = [
    "Content-Type", "Cache-Control", "Vary", "Content-Language", "ETag", "Last-Modified",
    "X-Frame-Options", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
]  # fmt: skip


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
    url = {
        "story": article.get_absolute_url(),
        "home": "/",
        "section": article.section.get_absolute_url(),
        "top rated": "/top/",
        "english story": "/en" + article.get_absolute_url(),
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


def test_a_new_reader_of_a_stored_story_gets_a_working_csrf_token(article, resolved):
    url = article.get_absolute_url()
    Client().get(url)
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(url)
    assert resolved == [url]  # the second reader was served from the store
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert "csrftoken" in page.cookies
    vote = reader.post(f"/ratings/articles.article/{article.pk}/rating/vote/",
                       {"score": "4", "csrfmiddlewaretoken": token})  # fmt: skip
    assert vote.status_code == 303
    assert "1 голос" in Client().get(url).content.decode()


def test_a_token_from_a_stored_page_is_refused_with_another_readers_cookie(article):
    url = article.get_absolute_url()
    Client().get(url)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    token = re.search(
        r'value="([^"]+)"', first.get(url).content.decode().split("csrfmiddleware")[1]
    )[1]
    second.get(url)
    vote = second.post(f"/ratings/articles.article/{article.pk}/rating/vote/",
                       {"score": "4", "csrfmiddlewaretoken": token})  # fmt: skip
    assert vote.status_code == 403


@pytest.mark.parametrize("cookie", ["sessionid", "messages", PIN_COOKIE])
def test_readers_with_something_of_their_own_go_to_the_views(article, resolved, cookie):
    url = article.get_absolute_url()
    Client().get(url)
    reader = Client()
    reader.cookies[cookie] = "x"
    assert reader.get(url).status_code == 200
    assert resolved == [url, url]


def test_addresses_without_a_stored_page_skip_the_store(client, article, monkeypatch):
    from articles import pagecache

    looked_up = []
    original = pagecache.lookup
    monkeypatch.setattr(pagecache, "lookup", lambda key: looked_up.append(key) or original(key))
    for path in ["/healthz", "/robots.txt", "/no-such-page/", "/admin/login/"]:
        client.get(path)
        client.get(path)
    assert looked_up == []
    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())
    # the first request's view misses and stores it, the second's middleware finds it
    assert len(looked_up) == 2


def test_a_stale_page_is_looked_up_once_and_rendered_with_that_version(
    client, article, monkeypatch
):
    from articles import pagecache
    from articles.cache import bump_content_version

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
