"""Who may do what, login throttling, CSRF everywhere, hostile input (property-based)."""

import logging

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ratings.models import Score, Vote
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_admin_login_is_locked_after_repeated_failures(client, editor, caplog):
    url = reverse("admin:login")
    with caplog.at_level(logging.WARNING, logger="axes"):
        for _ in range(5):
            client.post(url, {"username": editor.username, "password": "wrong"})
        response = client.post(url, {"username": editor.username, "password": "wrong"})
    assert response.status_code == 429
    assert "Забагато невдалих спроб входу" in response.content.decode()
    # even the right password is refused while locked
    response = client.post(url, {"username": editor.username, "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert any("lock" in r.getMessage().lower() for r in caplog.records)


def test_right_password_works_before_the_limit(client, editor):
    url = reverse("admin:login")
    client.post(url, {"username": editor.username, "password": "wrong"})
    response = client.post(
        url + "?next=/admin/",
        {"username": editor.username, "password": "correct-horse-battery"},
    )
    assert response.status_code == 302


def test_admin_login_form_needs_csrf(editor):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("admin:login"), {"username": editor.username, "password": "correct-horse-battery"}
    )
    assert response.status_code == 403


def test_every_page_carries_a_csp_without_inline_script(client, article):
    for url in ("/", article.get_absolute_url(), "/search/?q=a", "/top/", "/admin/login/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        script_src = policy.split("script-src", 1)[1].split(";", 1)[0]
        assert "'unsafe-inline'" not in script_src and "'self'" in script_src, url
        # the site's own pages carry no inline script that the policy would block
        html = response.content.decode()
        for chunk in html.split("<script")[1:]:
            head = chunk.split(">", 1)[0]
            assert "src=" in head or "application/ld+json" in head or "application/json" in head, (
                url
            )


def test_headlines_are_escaped_on_every_page(client, section):
    story = ArticleFactory(section=section, title="<img src=x onerror=alert(1)>", teaser="<b>x</b>")
    for url in ("/", story.get_absolute_url(), section.get_absolute_url(), "/feed/"):
        assert "<img src=x onerror" not in client.get(url).content.decode(), url


@pytest.fixture(scope="module")
def fuzz_article(django_db_blocker):
    with django_db_blocker.unblock():
        article = ArticleFactory(slug="fuzz-story")
    yield article
    with django_db_blocker.unblock():
        article.delete()
        article.section.delete()  # created outside any test's transaction: leave nothing


@FUZZ
@given(
    score=st.one_of(
        st.text(max_size=30),
        st.binary(max_size=30).map(repr),
        st.integers().map(str),
        st.floats().map(str),
    )
)
def test_any_score_value_gets_a_4xx_or_a_recorded_vote(fuzz_article, score):
    response = Client().post(
        f"/ratings/articles.article/{fuzz_article.pk}/rating/vote/",
        {"score": score},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code in (200, 400)
    valid = score.strip() in {"1", "2", "3", "4", "5"} or (
        score.strip().isdigit() and score.strip().isascii() and 1 <= int(score.strip()) <= 5
    )
    assert (response.status_code == 200) == valid
    score_row = Score.objects.filter(object_id=fuzz_article.pk).first()
    votes = Vote.objects.filter(object_id=fuzz_article.pk)
    assert (score_row.count if score_row else 0) == votes.count()


@FUZZ
@given(label=st.text(max_size=40), object_id=st.text(max_size=25), key=st.text(max_size=20))
def test_any_vote_address_gets_a_4xx_never_a_500(fuzz_article, label, object_id, key):
    from urllib.parse import quote

    path = (
        f"/ratings/{quote(label, safe='')}/{quote(object_id, safe='')}/{quote(key, safe='')}/vote/"
    )
    response = Client().post(path, {"score": "3"}, HTTP_ACCEPT="application/json")
    assert response.status_code < 500


@FUZZ
@given(query=st.text(max_size=300))
def test_any_search_query_answers_without_error(fuzz_article, query):
    expected = 400 if "\x00" in query else 200
    assert Client().get("/search/", {"q": query}).status_code == expected


@FUZZ
@given(page=st.one_of(st.text(max_size=12), st.integers().map(str)))
def test_any_page_parameter_is_200_or_404(fuzz_article, page):
    expected = (400,) if "\x00" in page else (200, 404)  # a NUL: refused before any page
    assert Client().get("/", {"page": page}).status_code in expected


@FUZZ
@given(slug=st.text(max_size=120))
def test_any_story_slug_is_200_301_or_404(fuzz_article, slug):
    from urllib.parse import quote

    response = Client().get(f"/news/{quote(slug, safe='')}/")
    assert response.status_code in (200, 301, 404)


@FUZZ
@given(kind=st.sampled_from(["tag", "section", "author"]), slug=st.text(max_size=80))
def test_any_tag_section_or_author_slug_is_200_or_404(fuzz_article, kind, slug):
    from urllib.parse import quote

    response = Client().get(f"/{kind}/{quote(slug, safe='')}/")
    assert response.status_code in (200, 404)


def test_a_nul_byte_in_a_tag_address_is_404(client, article):
    article.tags.set(["енергетика"])
    assert client.get("/tag/%00/").status_code == 404
    assert client.get("/tag/%D0%B5%00/").status_code == 404
    assert client.get("/tag/enerhetyka/").status_code == 200


@FUZZ
@given(cursor=st.text(max_size=40))
def test_any_cursor_is_200_or_404(fuzz_article, cursor):
    expected = (400,) if "\x00" in cursor else (200, 404)
    assert Client().get("/", {"before": cursor}).status_code in expected


def test_head_and_options_on_a_story_never_fail(client, article):
    client.get(article.get_absolute_url())  # cached
    assert client.head(article.get_absolute_url()).status_code == 200
    assert client.options(article.get_absolute_url()).status_code in (200, 405)


def test_oversized_vote_body_is_refused(client, article):
    body = "score=3&pad=" + "x" * (6 * 1024 * 1024)
    response = client.post(
        f"/ratings/articles.article/{article.pk}/rating/vote/",
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT="application/json",
    )
    assert 400 <= response.status_code < 500
    assert not Vote.objects.exists()


def test_broken_encodings_in_query_strings_are_not_errors(client, article):
    for query in ("q=%FF%FE", "page=%FF", "before=%C0%AF"):
        response = client.get("/search/?" + query)
        assert response.status_code in (200, 404)
        assert client.get("/?" + query).status_code in (200, 404)
    for path in ("/search/?q=%00", "/?page=%00", "/admin/articles/article/?status__exact=%00"):
        assert client.get(path).status_code == 400
