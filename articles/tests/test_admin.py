"""The newsroom admin: who may enter, what editors can do, uploads, slugs, previews."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from articles import services
from articles.models import Article, SlugRedirect
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def image_bytes(fmt="JPEG", size=(640, 400)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(buffer, fmt)
    return buffer.getvalue()


def story_form(section, **overrides):
    data = {
        "title": "Згорани отримали нову школу",
        "slug": "",
        "section": section.pk,
        "authors": [],
        "tags": "освіта, громади",
        "source": "",
        "teaser": "",
        "body": "<p>Текст новини.</p><script>alert(1)</script>",
        "lead_image_alt": "",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "status": "published",
        "published_at_0": "2026-11-29",
        "published_at_1": "08:00:00",
        "related_links-TOTAL_FORMS": "0",
        "related_links-INITIAL_FORMS": "0",
        "related_links-MIN_NUM_FORMS": "0",
        "related_links-MAX_NUM_FORMS": "1000",
        "neighbour_choices-TOTAL_FORMS": "0",
        "neighbour_choices-INITIAL_FORMS": "0",
        "neighbour_choices-MIN_NUM_FORMS": "0",
        "neighbour_choices-MAX_NUM_FORMS": "1000",
        # corrections and updates: an inline of published stories
        "notices-TOTAL_FORMS": "0",
        "notices-INITIAL_FORMS": "0",
        "notices-MIN_NUM_FORMS": "0",
        "notices-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/articles/article/", "/admin/articles/article/add/", "/admin/auth/user/"],
)
def test_anonymous_reader_cannot_reach_the_admin(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_signed_in_non_staff_user_cannot_reach_the_admin(client, reader):
    client.force_login(reader)
    response = client.get("/admin/articles/article/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_editors_group_has_exactly_the_newsroom_permissions():
    group = Group.objects.get(name="Editors")
    apps = set(group.permissions.values_list("content_type__app_label", flat=True))
    assert apps == {"articles", "taggit", "ratings", "redirects", "flatpages", "images", "live"}
    assert not group.permissions.filter(content_type__app_label="auth").exists()
    assert group.permissions.filter(codename="change_article").exists()
    assert not group.permissions.filter(codename="change_vote").exists()


def test_editor_can_list_stories_but_not_users_or_groups(editor_client, article):
    assert editor_client.get("/admin/articles/article/").status_code == 200
    assert editor_client.get("/admin/auth/user/").status_code == 403
    assert editor_client.get("/admin/auth/group/").status_code == 403
    assert editor_client.post(reverse("admin:auth_user_add"), {}).status_code == 403


def test_editor_writes_a_story_slug_transliterated_body_sanitised(editor_client, section):
    response = editor_client.post(reverse("admin:articles_article_add"), story_form(section))
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get()
    assert article.slug == "zghorany-otrymaly-novu-shkolu"
    assert "<script" not in article.body and "Текст новини." in article.body
    assert sorted(t.name for t in article.tags.all()) == ["громади", "освіта"]
    assert Version.objects.get_for_object(article).count() == 1


def test_editor_adds_related_link_and_image(editor_client, section):
    target = ArticleFactory(section=section)
    data = story_form(
        section,
        lead_image=SimpleUploadedFile("photo.jpg", image_bytes(), "image/jpeg"),
        lead_image_alt="Нова школа",
        **{
            "related_links-TOTAL_FORMS": "1",
            "related_links-0-position": "0",
            "related_links-0-target": str(target.pk),
            "related_links-0-url": "",
            "related_links-0-title": "",
        },
    )
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302
    article = Article.objects.exclude(pk=target.pk).get()
    assert article.related_links.get().target == target
    assert article.lead_image_width == 640
    # the photo joined the library; its renditions are queued, its stand-ins made already
    assert article.picture.alt == "Нова школа" and article.picture.uploaded_by is not None
    assert set(article.lead_image_renditions) == {"standin"}


def test_image_needs_alt_text(editor_client, section):
    data = story_form(section, lead_image=SimpleUploadedFile("p.jpg", image_bytes(), "image/jpeg"))
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert "Опишіть зображення" in response.content.decode()
    assert not Article.objects.exists()


def huge_png(side):
    # a small file that decodes to side×side pixels
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("fake.jpg", b"this is not an image at all", "зображення"),
        ("truncated.jpg", image_bytes()[:400], "зображення"),
        ("bomb.png", huge_png(20000), "зображення"),
        ("too-many-pixels.png", huge_png(8000), "завелике"),
        (
            "vector.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "",
        ),
        ("huge.jpg", b"\xff\xd8" + b"0" * (11 * 1024 * 1024), ""),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(
    editor_client, section, settings, name, content, message
):
    data = story_form(section, lead_image=SimpleUploadedFile(name, content), lead_image_alt="Фото")
    response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()
    if message:
        assert message in response.content.decode()
    assert not Article.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_changing_a_published_slug_keeps_the_old_address(client, article):
    old_url = article.get_absolute_url()
    article = Article.objects.get(pk=article.pk)
    article.slug = "nova-adresa"
    services.save_story(article=article)
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == "/news/nova-adresa/"
    assert SlugRedirect.objects.get().old_slug == "yevropa"


def test_preview_shows_a_draft_to_editors_only(client, editor_client, section, reader):
    draft = ArticleFactory(section=section, status=Article.Status.DRAFT, title="Чернетка")
    url = reverse("articles:preview", args=[draft.pk])
    response = editor_client.get(url)
    assert response.status_code == 200 and "Чернетка" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    anonymous = client.__class__()
    assert anonymous.get(url).status_code == 302
    anonymous.force_login(reader)
    assert anonymous.get(url).status_code == 302
    assert client.__class__().get(draft.get_absolute_url()).status_code == 404


def test_staff_without_story_permission_cannot_preview(client, section):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    draft = ArticleFactory(section=section, status=Article.Status.DRAFT)
    assert client.get(reverse("articles:preview", args=[draft.pk])).status_code == 404


def test_revision_history_can_restore_a_correction(editor_client, section):
    editor_client.post(reverse("admin:articles_article_add"), story_form(section))
    article = Article.objects.get()
    data = story_form(
        section, title="Помилковий заголовок", slug=article.slug, based_on_version=article.version
    )
    editor_client.post(reverse("admin:articles_article_change", args=[article.pk]), data)
    article.refresh_from_db()
    assert article.title == "Помилковий заголовок"
    first = Version.objects.get_for_object(article).last()
    url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])
    form = editor_client.get(url)
    assert form.status_code == 200
    # the restoring form is based on the version stored now, not the old one it shows
    assert form.context["adminform"].form["based_on_version"].value() == article.version == 2
    editor_client.post(url, story_form(section, slug=article.slug, based_on_version=2))
    article.refresh_from_db()
    assert article.title == "Згорани отримали нову школу"
    assert article.version == 3


def test_story_list_shows_rating_columns_without_a_query_per_row(editor_client, section):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ratings.services import Voter, cast_vote

    def list_queries():
        with CaptureQueriesContext(connection) as ctx:
            response = editor_client.get("/admin/articles/article/")
        assert response.status_code == 200
        return len(ctx), response.content.decode()

    def add_rated(n):
        for _ in range(n):
            story = ArticleFactory(section=section)
            cast_vote(target=story, field="rating", voter=Voter(cookie_id=f"v{story.pk}"), score=4)

    add_rated(2)
    few, _html = list_queries()
    add_rated(20)
    many, html = list_queries()
    assert many == few
    assert html.count(">4<") == 22  # as readers see it: "4", "4,19"


def test_editor_cannot_grant_themselves_permissions(editor_client, editor):
    perm = Permission.objects.get(codename="change_user")
    url = reverse("admin:auth_user_change", args=[editor.pk])
    assert editor_client.post(url, {"user_permissions": [perm.pk]}).status_code == 403
    assert not editor.user_permissions.exists()


BLUE = (20, 40, 220)


def phone_photo(fmt="JPEG"):
    """A 1200×800 photo as a phone stores it held sideways: EXIF orientation 6 (turn it a
    quarter clockwise to show it), the phone's make and model, where it was taken, and a
    comment. Its stored top-left corner is blue: shown upright it is the top-right one."""
    image = Image.new("RGB", (1200, 800), (220, 220, 220))
    image.paste(BLUE, (0, 0, 200, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model Secret"  # Model
    exif[0x8825] = {1: "N", 2: (50.0, 27.0, 1.5), 3: "E", 4: (30.0, 31.0, 2.5)}  # GPS
    buffer = io.BytesIO()
    options = {"comment": b"Taken at the safe house"} if fmt == "JPEG" else {}
    image.save(buffer, fmt, exif=exif, **options)
    return buffer.getvalue()


def assert_upright_and_clean(name, *, width=None):
    from django.core.files.storage import default_storage

    with default_storage.open(name) as fh:
        raw = fh.read()
    for secret in (b"PhoneMaker", b"Model Secret", b"safe house"):
        assert secret not in raw, (name, secret)
    with Image.open(io.BytesIO(raw)) as image:
        assert not image.getexif(), name  # no orientation left to apply, no GPS
        assert "exif" not in image.info and "comment" not in image.info
        w, h = image.size
        assert h * 2 == w * 3, (name, image.size)  # 800×1200 proportions
        if width:
            assert w == width
        rgb = image.convert("RGB")
        top_right = rgb.getpixel((w - 3, 2))
        assert top_right[2] > 150 and top_right[0] < 100, (name, top_right)  # blue


def test_a_phone_photo_is_shown_upright_and_without_its_metadata(
    editor_client, section, client, django_capture_on_commit_callbacks
):
    photo = SimpleUploadedFile("phone.jpg", phone_photo(), "image/jpeg")
    social = SimpleUploadedFile("social.jpg", phone_photo(), "image/jpeg")
    data = story_form(section, lead_image=photo, lead_image_alt="Фото", social_image=social)
    with django_capture_on_commit_callbacks(execute=True):  # the worker's task runs
        response = editor_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.lead_image_width, article.lead_image_height) == (800, 1200)
    # the library's original is stored again clean by the worker; the social image at once
    assert article.picture.file.name == article.lead_image.name
    assert_upright_and_clean(article.lead_image.name, width=800)
    assert_upright_and_clean(article.social_image.name, width=800)
    entries = article.lead_image_renditions["story"]
    # a portrait is cut to 4:5 for the story's picture
    assert [(entry["width"], entry["height"]) for entry in entries] == [(480, 600), (800, 1000)]
    for entry in entries:
        for fmt in ("jpg", "webp", "avif"):
            with default_storage.open(entry[fmt]) as fh:
                raw = fh.read()
            assert (
                b"PhoneMaker" not in raw and b"Model Secret" not in raw and b"safe house" not in raw
            )
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'width="800" height="1000"' in page
    assert entries[-1]["jpg"] in page
    feed = client.get("/feed/").content.decode()
    assert entries[-1]["jpg"] in feed
    change = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert entries[0]["jpg"] in change.content.decode()  # the admin's thumbnail


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_renditions_of_other_formats_are_upright_and_clean(fmt, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from articles import images
    from images.cleaning import clean_original

    name = default_storage.save(f"lead/phone.{fmt.lower()}", ContentFile(phone_photo(fmt)))
    for entry in images.make_renditions(name).values():
        assert_upright_and_clean(entry["jpg"], width=entry["width"])
        assert_upright_and_clean(entry["webp"], width=entry["width"])
    assert_upright_and_clean(clean_original(name), width=800)


def test_admin_search_finds_every_form_of_a_word_in_any_case(editor_client, section):
    from django.urls import reverse

    from tests.factories import ArticleFactory

    biden = ArticleFactory(section=section, title="БАЙДЕН прибув до Києва", slug="baiden")
    other = ArticleFactory(section=section, title="Погода на вихідні", slug="pohoda")
    url = reverse("admin:articles_article_changelist")
    for query in ("Байдена", "байдену", "КИЄВІ"):
        page = editor_client.get(url, {"q": query}).content.decode()
        assert biden.title in page and other.title not in page, query
    page = editor_client.get(url, {"q": "pohoda"}).content.decode()  # a pasted address
    assert other.title in page and biden.title not in page


def test_the_admin_front_page_is_titled_in_correct_ukrainian(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert "<title>Адміністрування сайту | Newsroom</title>" in page
    assert "сайта" not in page  # Django's catalog has the wrong case
