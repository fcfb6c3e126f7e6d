"""Old addresses and flat pages, tried as an attacker and a careless newsroom would: what
they may contain, the headers they go out with, what they may never take over."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.flatpages.models import FlatPage
from django.contrib.redirects.models import Redirect
from django.test import Client

from articles import pages
from articles.delivery import edge
from articles.models import Article
from edge_cache.backends import header_name
from tests.admin_forms import post_form, signed_in
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

HOSTILE = (
    '<p>Про нас</p><script>alert(1)</script><img src="x" onerror="alert(2)">'
    '<a href="javascript:alert(3)">посилання</a><iframe src="https://evil.example/"></iframe>'
    '<p style="position:fixed">стиль</p>'
)
SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
)


def flat_page(url="/about/", title="Про нас", content="<p>Ми.</p>", **fields):
    page = FlatPage.objects.create(url=url, title=title, content=content, **fields)
    page.sites.add(1)
    return page


def assert_harmless(html):
    for needle in ("<script", "onerror", "javascript:", "<iframe", "style="):
        assert needle not in html, needle


def test_an_editors_flat_page_is_stored_and_shown_without_script(editor):
    editor_client = signed_in(editor)
    response = post_form(
        editor_client,
        "/admin/flatpages/flatpage/add/",
        {"url": "/about/", "title": "Про нас", "content": HOSTILE, "sites": "1"},
        form_id="flatpage_form",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = FlatPage.objects.get(url="/about/")
    assert_harmless(page.content)
    assert "<p>Про нас</p>" in page.content and "посилання" in page.content
    for client in (Client(), editor_client):  # a reader, and a signed-in editor
        shown = client.get("/about/")
        assert shown.status_code == 200
        body = shown.content.decode()
        assert "Про нас" in body
        assert_harmless(body.split('<div class="story-body">', 1)[1].split("</div>", 1)[0])


def test_every_path_that_saves_a_flat_page_stores_it_clean():
    page = flat_page(content=HOSTILE)  # objects.create, as an import does
    page.refresh_from_db()
    assert_harmless(page.content)
    page.content = '<img src=x onerror="alert(1)">'
    page.title = "Назва\x00"
    page.save()
    page.refresh_from_db()
    assert_harmless(page.content)
    assert page.title == "Назва"


def test_a_flat_page_written_around_save_is_still_shown_clean():
    page = flat_page()
    FlatPage.objects.filter(pk=page.pk).update(content=HOSTILE)  # not through save()
    body = Client().get("/about/").content.decode()
    assert_harmless(body.split('<div class="story-body">', 1)[1])


def test_a_flat_page_title_is_text_everywhere():
    flat_page(title='<img src=x onerror="alert(1)">')
    for path in ("/about/", "/"):  # the page, and the footer of every page
        body = Client().get(path).content.decode()
        assert "<img src=x" not in body, path
        assert "&lt;img src=x" in body, path


def test_a_flat_page_may_name_only_the_site_page_template(editor):
    response = post_form(
        signed_in(editor),
        "/admin/flatpages/flatpage/add/",
        {
            "url": "/about/",
            "title": "Т",
            "content": "<p>x</p>",
            "sites": "1",
            "template_name": "admin/login.html",
        },
        form_id="flatpage_form",
    )
    assert response.status_code == 200 and not FlatPage.objects.exists()
    assert pages.clean_flat_page(FlatPage(template_name="admin/login.html")).template_name == ""


@pytest.mark.parametrize("path", ["/about/", "/old/", "/gone/", "/?p=7", "/news/%00/"])
def test_flat_pages_redirects_and_old_address_answers_carry_the_security_headers(path):
    flat_page()
    Redirect.objects.create(site_id=1, old_path="/old/", new_path="/about/")
    Redirect.objects.create(site_id=1, old_path="/gone/", new_path="")
    Redirect.objects.create(site_id=1, old_path="/?p=7", new_path="/about/")
    response = Client().get(path)
    assert response.status_code in (200, 301, 404, 410), path
    for header in SECURITY_HEADERS:
        assert header in response, (path, header)
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_query_string_refused_before_the_views_carries_the_security_headers():
    response = Client().get("/?q=%00")
    assert response.status_code == 400
    for header in SECURITY_HEADERS:
        assert header in response, header


def test_flat_pages_and_redirects_name_their_keys_and_stop_at_the_next_story():
    page = flat_page()
    Redirect.objects.create(site_id=1, old_path="/old/", new_path="/about/")
    shown = Client().get("/about/")
    assert set(shown[header_name()].split()) >= {edge.flat_page_key(page.pk), edge.NOTFOUND}
    assert "public" in shown["Cache-Control"] and "s-maxage" in shown["Cache-Control"]
    moved = Client().get("/old/")
    assert moved.status_code == 301
    assert set(moved[header_name()].split()) >= {edge.REDIRECTS, edge.NOTFOUND}
    assert "s-maxage" in moved["Cache-Control"]


def test_a_page_for_signed_in_readers_only_is_never_shared(reader):
    flat_page(registration_required=True)
    assert Client().get("/about/").status_code == 302
    own = signed_in(reader).get("/about/")
    assert own.status_code == 200 and "private" in own["Cache-Control"]
    assert header_name() not in own


def test_a_page_or_redirect_never_takes_over_an_embargoed_storys_address(section):
    with time_machine.travel(NOON, tick=False) as clock:
        embargoed = ArticleFactory(
            section=section, title="Ембарго до першої", published_at=NOON + timedelta(hours=1)
        )
        draft = ArticleFactory(section=section, status=Article.Status.DRAFT)
        url = embargoed.get_absolute_url()
        flat_page(url=url, title="Підробка", content="<p>Не та новина</p>")
        Redirect.objects.create(site_id=1, old_path="/en" + url, new_path="/elsewhere/")
        Redirect.objects.create(site_id=1, old_path=draft.get_absolute_url(), new_path="/x/")
        for path in (url, "/en" + url, draft.get_absolute_url()):
            response = Client().get(path)
            assert response.status_code == 404, path
            assert "Не та новина" not in response.content.decode(), path
        clock.move_to(NOON + timedelta(hours=1, seconds=1))
        shown = Client().get(url)
        assert shown.status_code == 200 and "Ембарго до першої" in shown.content.decode()
    # where no story is, the old site's page is still shown
    flat_page(url="/news/old-wordpress-page/", title="Стара сторінка")
    assert Client().get("/news/old-wordpress-page/").status_code == 200


@pytest.mark.parametrize("url", ["/news/some-story/", "/en/section/world/", "/top/", "/admin/x/"])
def test_an_editor_cannot_put_a_flat_page_at_one_of_our_own_addresses(editor, url):
    response = post_form(
        signed_in(editor),
        "/admin/flatpages/flatpage/add/",
        {"url": url, "title": "Т", "content": "<p>x</p>", "sites": "1"},
        form_id="flatpage_form",
    )
    assert response.status_code == 200 and not FlatPage.objects.exists()
    assert (
        "belongs to the site" in response.content.decode()
        or "належить" in response.content.decode()
    )


def test_the_redirect_to_https_carries_the_security_headers_and_is_private(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/news/x/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    for header in SECURITY_HEADERS:
        assert header in response, header
    assert "private" in response["Cache-Control"]


def test_the_language_cookie_is_as_guarded_as_the_others(settings):
    response = Client().post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) == settings.SESSION_COOKIE_SECURE


def test_a_redirect_to_a_script_address_is_refused_not_followed():
    Redirect.objects.create(site_id=1, old_path="/old/", new_path="javascript:alert(1)")
    response = Client().get("/old/")
    assert response.status_code == 400 and "Location" not in response


def test_a_new_old_address_replaces_the_404_stored_in_front(
    purges, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        Redirect.objects.create(site_id=1, old_path="/stara/", new_path="/nova/")
    assert purges and {edge.REDIRECTS, edge.NOTFOUND} <= set().union(*purges)
