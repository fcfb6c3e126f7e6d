"""Defects found by trying the site as an attacker and a careless editor would, one test each."""

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.delivery.content_version import STATE_KEY, content_version
from articles.models import Article, Section
from articles.tests.test_admin import image_bytes, story_form
from ratings import services as rating_services
from ratings.models import Score, Vote
from ratings.services import Voter, cast_vote, recompute
from tests.admin_forms import post_form
from tests.conftest import require_postgres
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def write_jsonl(tmp_path, records):
    path = tmp_path / "stories.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), "utf-8")  # \ud800 escaped
    return str(path)


def import_errors(tmp_path, records, capsys):
    with pytest.raises(CommandError):
        call_command("import_articles", write_jsonl(tmp_path, records))
    return capsys.readouterr().err


# 1. Publish times outside the years the site can show


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_an_impossible_publish_time_is_refused_by_the_import(tmp_path, capsys, article, moment):
    errors = import_errors(
        tmp_path, [{"title": "Далеко", "body": "Текст.", "published_at": moment}], capsys
    )
    assert "line 1: published_at: must be from the year 1800 to 2999" in errors
    assert Article.objects.count() == 1
    for url in ["/", article.get_absolute_url(), "/search/?q=Далеко", "/top/"]:
        assert Client().get(url).status_code == 200


def test_an_impossible_publish_time_is_refused_in_the_admin(editor_client, section):
    data = story_form(section, published_at_0="0001-01-01", published_at_1="00:00:00")
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert "1800" in response.content.decode()
    assert not Article.objects.exists()
    assert editor_client.get("/admin/articles/article/").status_code == 200


def test_the_database_refuses_an_impossible_publish_time(article):
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.filter(pk=article.pk).update(published_at=datetime(3100, 1, 1, tzinfo=UTC))


def test_a_story_scheduled_at_the_edge_of_the_range_breaks_nothing(client, section):
    ArticleFactory(section=section, published_at=datetime(2999, 12, 31, 23, 0, tzinfo=UTC))
    cache.delete(STATE_KEY)
    assert client.get("/").status_code == 200
    assert client.get("/admin/login/").status_code == 200


# 2. Saving a story that has a lead image, without uploading it again


def test_an_editor_saves_a_story_with_an_image_without_uploading_it_again(editor_client, section):
    from django.core.files.uploadedfile import SimpleUploadedFile

    add = story_form(
        section,
        lead_image=SimpleUploadedFile("photo.jpg", image_bytes(), "image/jpeg"),
        lead_image_alt="Нова школа",
    )
    assert editor_client.post(reverse("admin:articles_article_add"), add).status_code == 302
    story = Article.objects.get()
    image = story.lead_image.name
    # the change form as the browser shows it: the image is stored, not uploaded again
    url = reverse("admin:articles_article_change", args=[story.pk])
    response = post_form(editor_client, url, {"title": "Згорани отримали нову школу і садок"})
    assert response.status_code == 302, response.content.decode()[:500]
    story.refresh_from_db()
    assert story.title.endswith("і садок") and story.lead_image.name == image


# 4. Tags without letters, and long Cyrillic tags


def test_a_tag_without_letters_or_digits_still_has_an_address(client, article):
    article.tags.set(["!!!", "???"])
    slugs = sorted(article.tags.values_list("slug", flat=True))
    assert slugs == ["tag", "tag-2"]
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get("/tag/tag-2/").status_code == 200


def test_a_long_cyrillic_tag_fits_its_slug(client, article):
    name = "щ" * 100  # "shch" each, once transliterated
    article.tags.set([name])
    tag = article.tags.get()
    assert tag.name == name and 0 < len(tag.slug) <= 100
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(f"/tag/{tag.slug}/").status_code == 200


# 5. Control characters typed in the admin


def test_control_characters_typed_in_the_admin_never_reach_the_feeds(editor_client, section):
    section_form = {"name": "Політика\x0b", "slug": "polityka", "description": "", "position": "0"}
    editor_client.post(reverse("admin:articles_section_add"), section_form)
    new_section = Section.objects.get(slug="polityka")
    assert new_section.name == "Політика"
    data = story_form(new_section, teaser="Початок\x01 історії\x1f", title="Заголовок\x08")
    assert editor_client.post(reverse("admin:articles_article_add"), data).status_code == 302
    story = Article.objects.get()
    assert story.teaser == "Початок історії" and story.title == "Заголовок"
    for url in ["/feed/", "/feed/atom/", f"/section/{new_section.slug}/feed/"]:
        response = Client().get(url)
        assert response.status_code == 200, url
        ET.fromstring(response.content)


# 6. Votes deleted by any path


def test_deleting_a_user_takes_their_vote_out_of_the_score(article):
    voter = UserFactory()
    cast_vote(target=article, field="rating", voter=Voter(user_id=voter.pk), score=5)
    cast_vote(target=article, field="rating", voter=Voter(cookie_id="reader"), score=3)
    voter.delete()
    score = Score.objects.get(object_id=article.pk)
    assert (score.count, score.total) == (1, 3)
    assert recompute() == []
    assert "1 голос" in Client().get(article.get_absolute_url()).content.decode()


def test_a_score_whose_votes_are_all_gone_shows_in_the_admin(editor_client, article):
    cast_vote(target=article, field="rating", voter=Voter(cookie_id="only"), score=4)
    Vote.objects.all().delete()
    assert Score.objects.get(object_id=article.pk).count == 0
    response = editor_client.get("/admin/articles/article/")
    assert response.status_code == 200
    editor_client.get("/admin/articles/article/?o=5")  # ordered by the average
    assert editor_client.get("/admin/articles/article/?o=5").status_code == 200


# 9. A Host header that is not allowed


def test_a_disallowed_host_gets_a_400_page(article):
    response = Client().get(article.get_absolute_url(), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "400" in response.content.decode()


# 10. The admin login throttle sees real clients behind a proxy


def test_one_attackers_failed_logins_behind_the_proxy_lock_out_only_them(editor, settings):
    settings.RATINGS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    attacker = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    colleague = {"REMOTE_ADDR": "10.0.0.5", "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    login = reverse("admin:login")
    for _ in range(6):
        Client().post(login, {"username": editor.username, "password": "wrong"}, **attacker)
    good = {"username": "someone-else", "password": "x"}
    assert Client().post(login, good, **attacker).status_code == 429
    assert Client().post(login, good, **colleague).status_code == 200  # the form, not locked


def test_an_untrusted_forwarded_for_cannot_escape_the_lockout(editor):
    login = reverse("admin:login")
    for n in range(6):
        spoofed = {"REMOTE_ADDR": "192.0.2.9", "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"}
        Client().post(login, {"username": editor.username, "password": "wrong"}, **spoofed)
    again = {"REMOTE_ADDR": "192.0.2.9", "HTTP_X_FORWARDED_FOR": "198.51.100.99"}
    assert Client().post(login, {"username": "x", "password": "x"}, **again).status_code == 429


# 12. IPv6 clients counted by their /64, IPv4-mapped addresses as IPv4


@pytest.mark.parametrize(
    ("one", "other"),
    [("2001:db8:1:2::1", "2001:db8:1:2:ffff::9"), ("::ffff:198.51.100.7", "198.51.100.7")],
)
def test_one_client_is_one_address_group(one, other):
    assert rating_services.hash_address(one) == rating_services.hash_address(other)
    assert rating_services.hash_address("2001:db8:1:3::1") != rating_services.hash_address(one)


def test_one_ipv6_network_cannot_add_unlimited_voters(article, settings):
    settings.RATINGS_VOTES_PER_ADDRESS = 3
    url = f"/ratings/articles.article/{article.pk}/rating/vote/"
    statuses = [
        Client(REMOTE_ADDR=f"2001:db8:1:2::{n:x}").post(url, {"score": "5"}).status_code
        for n in range(1, 6)
    ]
    assert statuses == [303, 303, 303, 429, 429]
    assert Vote.objects.count() == 3


# 14. Every bad import record reported as line N: field: message


def test_records_that_used_to_crash_the_import_are_reported(tmp_path, capsys):
    records = [
        {"title": "Зсув", "body": "Текст.", "published_at": "2026-01-01T10:00:00+25:00"},
        {"title": "Surrogate \ud800 here", "body": "Текст."},
        {"title": "Теги", "body": "Текст.", "tags": ["я" * 101]},
    ]
    errors = import_errors(tmp_path, records, capsys)
    assert "line 1: published_at: must be an ISO 8601 date and time" in errors
    assert "line 3: tags: is too long (at most 100 characters)" in errors
    assert "Traceback" not in errors
    assert not Article.objects.exists()


def test_a_lone_surrogate_is_dropped_and_long_tags_import(tmp_path):
    records = [{"title": "Заголовок \ud800", "body": "Текст.", "tags": ["я" * 100]}]
    call_command("import_articles", write_jsonl(tmp_path, records))
    story = Article.objects.get()
    assert story.title == "Заголовок"
    assert len(story.tags.get().slug) <= 100


def test_a_long_body_within_the_limit_imports_on_postgresql(tmp_path):
    require_postgres()
    words = " ".join(f"слово{n} Байден безпека Київ" for n in range(25_000))  # ~1 MB
    call_command("import_articles", write_jsonl(tmp_path, [{"title": "Довга", "body": words}]))
    assert Client().get("/search/", {"q": "Байден"}).status_code == 200
    assert "Довга" in Client().get("/search/", {"q": "Байден"}).content.decode()


def test_every_bad_line_of_a_json_lines_file_is_reported(tmp_path, capsys):
    path = tmp_path / "stories.jsonl"
    lines = [
        json.dumps({"title": "Добре", "body": "Текст."}, ensure_ascii=False),
        "{not json",
        json.dumps({"title": "", "body": "Текст."}),
        "[1,",
        json.dumps({"body": "x"}),
    ]
    path.write_text("\n".join(lines), "utf-8")
    with pytest.raises(CommandError):
        call_command("import_articles", str(path))
    errors = capsys.readouterr().err
    for expected in [
        "line 2: json:",
        "line 3: title: must not be empty",
        "line 4: json:",
        "line 5: title: is required",
    ]:
        assert expected in errors
    assert not Article.objects.exists()


# 15. A JSON vote client while the database is down


def test_a_json_voter_gets_json_when_the_database_is_down(article, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(rating_services, "cast_vote_by_key", unreachable)
    response = Client().post(
        f"/ratings/articles.article/{article.pk}/rating/vote/",
        {"score": "4"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert "error" in response.json()


# 16. A dry run changes nothing, not even the cached pages


def test_a_dry_run_import_leaves_the_cached_pages_alone(tmp_path, article):
    before = content_version()
    call_command(
        "import_articles",
        write_jsonl(tmp_path, [{"title": "Нова", "body": "Текст."}]),
        dry_run=True,
    )
    assert content_version() == before
    assert not Article.objects.filter(title="Нова").exists()


# Found by reading: the warming of publish_scheduled, the JSON-LD logo


def test_publish_scheduled_warms_what_readers_of_the_site_get(section, settings, monkeypatch):
    settings.ALLOWED_HOSTS = ["news.example.com"]
    settings.SITE_URL = "https://news.example.com"
    settings.SECURE_SSL_REDIRECT = True
    story = ArticleFactory(section=section, published_at=timezone.now() - timedelta(minutes=1))
    call_command("publish_scheduled")
    from articles.delivery import pagecache

    rendered = []
    original = pagecache.ReaderPageCacheMiddleware.__call__

    def counting(self, request):
        response = original(self, request)
        rendered.append(not isinstance(response, pagecache.PageResponse) or response.shared)
        return response

    reader = Client(HTTP_HOST="news.example.com")
    response = reader.get(story.get_absolute_url(), secure=True)
    assert response.status_code == 200
    key = pagecache.page_key(response.wsgi_request, "uk")
    assert cache.get(key) is not None  # warmed by the command, not by this reader


def test_the_publisher_logo_in_the_jsonld_exists(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    data = json.loads(html.split('type="application/ld+json">', 1)[1].split("</script>", 1)[0])
    logo = data["publisher"]["logo"]["url"]
    path = logo.split("/static/", 1)[1]
    from django.contrib.staticfiles import finders

    assert finders.find(path) is not None
    assert connection.vendor in ("postgresql", "sqlite")


# Found on a second attacker's pass


@pytest.mark.parametrize(
    "path",
    [
        "/?q=1",
        "/news/{slug}/?q=x",
        "/news/{slug}/?before=1.1",
        "/news/{slug}/?page=3",
        "/top/?page=2",
    ],
)
def test_parameters_a_page_ignores_store_nothing(client, article, path):
    from articles.delivery import pagecache

    url = path.format(slug=article.slug)
    response = client.get(url)
    assert response.status_code == 200
    request = response.wsgi_request
    assert cache.get(pagecache.page_key(request, "uk")) is None
    # the page's own address is stored as usual
    own = client.get(url.split("?")[0])
    assert cache.get(pagecache.page_key(own.wsgi_request, "uk")) is not None


def test_a_stored_page_refuses_a_disallowed_host(article):
    Client().get(article.get_absolute_url())  # stored
    assert Client().get(article.get_absolute_url(), HTTP_HOST="evil.example").status_code == 400


def test_a_page_with_the_readers_own_message_is_private(client, article):
    response = client.post(
        f"/ratings/articles.article/{article.pk}/rating/vote/", {"score": "3"}, follow=True
    )
    assert "Дякуємо! Ваша оцінка: 3." in response.content.decode()
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_tags_and_bylines_of_unpublished_stories_are_not_given_away(client, section):
    from tests.factories import AuthorFactory

    author = AuthorFactory(name="Секретний Автор")
    ArticleFactory(section=section, status=Article.Status.DRAFT, tags=["ембарго"], authors=[author])
    assert client.get("/tag/embarho/").status_code == 404
    assert client.get(author.get_absolute_url()).status_code == 404
    ArticleFactory(section=section, tags=["ембарго"], authors=[author])
    assert client.get("/tag/embarho/").status_code == 200
    assert client.get(author.get_absolute_url()).status_code == 200


def test_failed_logins_in_an_editors_name_do_not_lock_the_editor_out(editor):
    login = reverse("admin:login")
    for _ in range(6):
        Client(REMOTE_ADDR="203.0.113.8").post(
            login, {"username": editor.username, "password": "wrong"}
        )
    honest = Client(REMOTE_ADDR="198.51.100.10").post(
        login, {"username": editor.username, "password": "correct-horse-battery"}
    )
    assert honest.status_code == 302  # signed in
    attacker = Client(REMOTE_ADDR="203.0.113.8")
    assert attacker.post(login, {"username": "x", "password": "x"}).status_code == 429


def test_a_user_who_voted_can_be_deleted_in_the_admin(client, article, django_user_model):
    admin_user = django_user_model.objects.create_superuser("boss", "b@example.com", "pw-123456")
    voter = UserFactory()
    cast_vote(target=article, field="rating", voter=Voter(user_id=voter.pk), score=5)
    client.force_login(admin_user)
    url = reverse("admin:auth_user_delete", args=[voter.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not django_user_model.objects.filter(pk=voter.pk).exists()
    assert Score.objects.get(object_id=article.pk).count == 0
    assert recompute() == []


def test_deeply_nested_json_is_reported_not_a_traceback(tmp_path, capsys):
    for name in ("deep.json", "deep.jsonl"):
        path = tmp_path / name
        path.write_text("[" * 100_000)
        with pytest.raises(CommandError):
            call_command("import_articles", str(path))
        assert "line 1: json:" in capsys.readouterr().err


def test_a_record_with_too_many_tags_is_refused(tmp_path, capsys):
    record = {"title": "Теги", "body": "Текст.", "tags": [f"тег {n}" for n in range(51)]}
    errors = import_errors(tmp_path, [record], capsys)
    assert "line 1: tags: at most 50 names" in errors


@pytest.mark.parametrize("days", ["1000000", "99999999999", "0"])
def test_anonymise_votes_refuses_impossible_ages(days):
    with pytest.raises(CommandError, match="from 1 to 36500 days"):
        call_command("anonymise_votes", "--older-than", days)


def test_robots_txt_names_the_canonical_sitemaps_whatever_the_host(settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    body = Client().get("/robots.txt", HTTP_HOST="localhost:4444").content.decode()
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in body and "4444" not in body


def test_object_ids_are_ascii_digits_and_json_clients_get_json_400(client, article):
    arabic = client.post(
        "/ratings/articles.article/١/rating/vote/", {"score": "5"}, HTTP_ACCEPT="application/json"
    )
    assert arabic.status_code == 404 and not Vote.objects.exists()
    fields = "&".join(f"f{n}=1" for n in range(1200))
    many = client.post(
        f"/ratings/articles.article/{article.pk}/rating/vote/",
        fields,
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT="application/json",
    )
    assert many.status_code == 400 and "error" in many.json()
