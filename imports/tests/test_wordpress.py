"""import_wordpress: WXR exports of several WordPress versions become stories, pages, images,
ratings and redirects; hostile XML is refused; re-imports are idempotent."""

import http.server
import os
import re
import signal
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.flatpages.models import FlatPage
from django.contrib.redirects.models import Redirect
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.urls import reverse
from PIL import Image
from taggit.models import Tag, TaggedItem

from articles import neighbours, text
from articles.delivery.content_version import content_version
from articles.models import Article, Author, Neighbour, Section, WordPressImage, WordPressItem
from imports import names
from imports.wordpress import content, fetch, importer, media, reader, renditions, stories
from ratings import services as ratings
from ratings.models import Score, Vote
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures" / "wordpress"
THEME = FIXTURES / "theme-unit-test.xml"
UKRAINIAN = FIXTURES / "ukrainian-news.xml"
UPLOADS = [
    "2013/03/featured.jpg",
    "2013/03/boat.jpg",
    "2013/03/canola.jpg",
    "2023/11/kyiv.jpg",
    "2023/11/rada.jpg",
    "2023/11/brussels.jpg",
]


def make_image(path, size=(64, 48), fmt="JPEG"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 120, 40)).save(path, fmt)


@pytest.fixture
def uploads(tmp_path):
    """A copy of the old site's wp-content/uploads: originals only, no size variants."""
    root = tmp_path / "uploads"
    for rel in UPLOADS:
        make_image(root / rel)
    return root


def run(*files, **options):
    """Run the command; return what it printed."""
    from io import StringIO

    out = StringIO()
    call_command("import_wordpress", *map(str, files), stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def story(wordpress_id):
    return Article.objects.get(wordpress__wordpress_id=wordpress_id)


def snapshot():
    return {
        "articles": list(
            Article.objects.order_by("pk").values_list(
                "pk", "title", "slug", "body", "status", "published_at", "updated_at", "lead_image"
            )
        ),
        "redirects": sorted(Redirect.objects.values_list("old_path", "new_path")),
        "tags": TaggedItem.objects.count(),
        "pages": list(FlatPage.objects.order_by("pk").values_list("url", "title", "content")),
        "scores": sorted(Score.objects.values_list("object_id", "count", "total", "revision")),
        "images": WordPressImage.objects.count(),
    }


# --- content ---------------------------------------------------------------------------


def test_wpautop_follows_wordpress_paragraph_rules():
    html = content.wpautop(
        "One\nline two\n\nTwo\n\n<blockquote>Quote</blockquote>\n<ul><li>a</li></ul>"
    )
    assert "<p>One<br />\nline two</p>" in html
    assert "<p>Two</p>" in html
    assert "<blockquote><p>Quote</p></blockquote>" in html
    assert "<p><ul>" not in html and "<ul>\n<li>a</li>\n</ul>" in html


def test_theme_unit_test_statuses_headlines_and_taxonomy(uploads):
    out = run(THEME, media_dir=uploads)
    assert "13 new" in out
    assert story(101).title == importer.UNTITLED
    assert "headlines empty: placeholder given: 1" in out
    assert story(102).title == "Markup: Title with & entities “quotes” <3"
    assert story(103).body == ""
    assert story(105).is_scheduled and story(105).published_at.year == 2035
    for draft in (104, 106, 107, 108):
        assert story(draft).status == Article.Status.DRAFT
    assert "posts made drafts: password-protected: 1" in out
    assert "posts made drafts: pending in WordPress: 1" in out
    assert not Article.objects.filter(title__in=["In the trash", "Auto Draft"]).exists()
    assert "skipped: posts in the trash: 1" in out
    assert "skipped: menu items (nav_menu_item): 2" in out
    many_tags, many_categories = story(111), story(112)
    assert len(many_tags.tags.all()) == 47
    assert len(many_categories.tags.all()) == 65
    assert many_categories.section.name == "Category 01"
    assert story(113).section.name == "Child Category"
    assert [a.name for a in story(114).authors.all()] == ["Theme Demos"]


def test_password_protected_text_never_becomes_public(client, uploads):
    run(THEME, media_dir=uploads)
    protected = story(104)
    assert client.get(protected.get_absolute_url()).status_code == 404
    assert "secret text" not in client.get("/").content.decode()
    assert not Redirect.objects.filter(new_path=protected.get_absolute_url()).exists()


def test_gutenberg_blocks_become_clean_html(uploads):
    out = run(THEME, media_dir=uploads)
    body = story(113).body
    assert "<!--" not in body and "wp:" not in body
    assert "<h2>A heading block</h2>" in body
    assert "<blockquote>" in body and "<cite>Someone Famous</cite>" in body
    assert '<figure><img src="/media/wordpress/2013/03/boat.jpg" alt="A boat">' in body
    assert "<figcaption>A boat block caption</figcaption>" in body
    assert 'href="https://www.youtube.com/watch?v=abc123"' in body
    assert 'href="https://themetest.example/wp-content/uploads/2013/03/clip.mp4"' in body
    assert "<iframe" not in body and "<script" not in body and "<video" not in body
    assert body.count('src="/media/wordpress/2013/03/canola.jpg"') == 2  # block and [gallery]
    assert "blocks with no content outside WordPress dropped: latest-posts: 1" in out


def test_classic_content_shortcodes_and_paragraphs(uploads):
    out = run(THEME, media_dir=uploads)
    body = story(114).body
    assert body.startswith("<p>First paragraph of a classic post.<br>\nA line break inside it.</p>")
    assert "javascript:" not in body and "<script" not in body
    assert (
        '<figure><a href="/media/wordpress/2013/03/boat.jpg" rel="noopener noreferrer">'
        '<img src="/media/wordpress/2013/03/boat.jpg" alt="A boat" width="300" height="200">'
        "</a><figcaption>A boat on the lake</figcaption></figure>"
    ) in body
    assert "<blockquote><p>A classic blockquote.</p></blockquote>" in body
    assert 'src="/media/wordpress/2013/03/canola.jpg"' in body  # [gallery] of its attachments
    assert 'href="https://vimeo.com/12345"' in body
    assert 'href="https://www.youtube.com/watch?v=xyz789"' in body
    assert "<p>Inside an unknown shortcode.</p>" in body and "su_note" not in body
    assert "contact-form-7" not in body and "[gallery] stays text" in body
    assert "more" not in body and "Page two." in body
    assert "shortcodes removed: [su_note]: 1" in out
    assert "shortcodes removed: [contact-form-7]: 1" in out


def test_featured_image_becomes_the_lead_image(uploads, client):
    run(THEME, media_dir=uploads)
    featured = story(115)
    assert featured.lead_image.name == "wordpress/2013/03/featured.jpg"
    assert featured.lead_image_alt == "Mountains"
    assert featured.lead_image_caption == "Mountains at dawn"
    assert (featured.lead_image_width, featured.lead_image_height) == (64, 48)
    # a picture of the library now, its alt text and caption kept; renditions queued
    assert (featured.picture.alt, featured.picture.caption) == ("Mountains", "Mountains at dawn")
    assert featured.lead_image_renditions["standin"]["story"]["jpg"]
    page = client.get(featured.get_absolute_url()).content.decode()
    assert "Mountains at dawn" in page and "wordpress/2013/03/featured" in page


def test_pages_become_flat_pages_in_the_site_layout(client, uploads):
    out = run(THEME, media_dir=uploads)
    team = client.get("/about/team/")
    assert team.status_code == 200
    html = team.content.decode()
    assert "<p>Our team.</p>" in html and "<h1>Team</h1>" in html
    assert 'class="site-header"' in html  # our layout
    assert client.get("/about/team/contacts/").status_code == 200  # built from the hierarchy
    assert not FlatPage.objects.filter(url="/draft-page/").exists()
    assert "skipped: pages not public in WordPress: 1" in out
    # an old page at one of our own addresses never hides our page
    assert "pages hidden by one of our own pages at the same address: 1" in out
    assert "An old search page" not in client.get("/search/").content.decode()
    assert client.get("/?page_id=302")["Location"] == "/about/team/"


@pytest.mark.parametrize("name", ["wordpress3-wxr10.xml", "wordpress3-wxr11.xml"])
def test_wordpress_3_exports(name):
    out = run(FIXTURES / name)
    hello = story(7)
    assert hello.title == "Hello from WordPress 3 & friends"
    assert (
        hello.body == "<p>Welcome to the <strong>old</strong> blog.</p>\n<p>Second paragraph.</p>"
    )
    assert hello.teaser == "A short excerpt."
    # post_date_gmt is zero: post_date is read in the site's time zone (Kyiv, UTC+3 in August)
    assert hello.published_at.isoformat() == "2010-08-01T09:00:00+00:00"
    assert hello.section.name == "News"
    assert sorted(hello.tags.names()) == ["News", "old"]  # WXR 1.0 lists each term twice
    expected_author = "Blog Admin" if "wxr11" in name else "admin"
    assert [a.name for a in hello.authors.all()] == [expected_author]
    assert story(8).status == Article.Status.DRAFT
    assert Score.objects.get(object_id=hello.pk).count == 4
    assert "2 new" in out


# --- a Ukrainian news site: addresses and ratings --------------------------------------


def test_ukrainian_slugs_sections_tags_and_authors(uploads):
    run(UKRAINIAN, media_dir=uploads)
    budget = story(1001)
    assert budget.slug == "uriad-ukhvalyv-biudzhet"
    assert budget.section.name == "Економіка"
    assert set(budget.tags.names()) == {"бюджет", "війна", "Економіка", "Політика"}
    assert [a.name for a in budget.authors.all()] == ["Олена Коваленко"]
    assert budget.lead_image_alt == "Вид на Київ"
    # -300x200 variants in the body fall back to the originals in the uploads copy
    assert 'src="/media/wordpress/2023/11/kyiv.jpg"' in budget.body
    assert "<figcaption>Засідання Верховної Ради</figcaption>" in budget.body
    assert story(1003).published_at.isoformat() == "2023-11-17T08:00:00+00:00"


def test_imported_stories_get_their_other_news(uploads):
    out = run(UKRAINIAN, media_dir=uploads)
    assert "Інші новини" in out
    assert not neighbours.stale_stories().exists()
    budget = story(1001)
    shown = Neighbour.objects.filter(article=budget).values_list("story", flat=True)
    assert shown and budget.pk not in shown
    Article.objects.all().delete()
    run(UKRAINIAN, media_dir=uploads, skip_related=True)
    assert neighbours.stale_stories().count() == Article.objects.count()


def test_missing_image_is_reported_and_the_story_still_imports(uploads):
    out = run(UKRAINIAN, media_dir=uploads)
    aid = story(1002)
    assert "missing" not in aid.body and "Зникле фото" in aid.body  # the picture's alt stays
    assert "Images: 3 copied, 1 missing." in out and "2023/11/missing-300x200.jpg" in out
    assert WordPressItem.objects.get(wordpress_id=1002).missing_media


@pytest.mark.parametrize(
    "path",
    [
        "/2023/11/15/" + quote("уряд-ухвалив-бюджет") + "/",  # upper-case escapes
        "/2023/11/15/" + quote("уряд-ухвалив-бюджет").lower() + "/",  # as WordPress writes them
        "/2023/11/15/" + quote("уряд-ухвалив-бюджет"),  # no trailing slash
        "/2023/11/15/" + quote("кабмін-ухвалив-бюджет") + "/",  # _wp_old_slug
        "/?p=1001",
        "/index.php?p=1001&utm_source=fb",
    ],
)
def test_old_story_addresses_redirect_permanently(client, uploads, path):
    run(UKRAINIAN, media_dir=uploads)
    response = client.get(path)
    assert response.status_code == 301
    assert response["Location"] == "/news/uriad-ukhvalyv-biudzhet/"


def test_undated_cyrillic_permalink_redirects(client, uploads):
    run(UKRAINIAN, media_dir=uploads)
    response = client.get("/" + quote("курс-гривні") + "/")
    assert response.status_code == 301 and response["Location"] == "/news/kurs-hryvni/"


def test_archive_addresses_redirect_to_our_pages(client, uploads):
    run(UKRAINIAN, media_dir=uploads)
    cases = {
        "/category/" + quote("економіка") + "/": Section.objects.get(name="Економіка"),
        "/category/" + quote("світ") + "/" + quote("європа") + "/": Section.objects.get(
            name="Європа"
        ),
        "/author/okovalenko/": Author.objects.get(name="Олена Коваленко"),
    }
    for path, target in cases.items():
        response = client.get(path)
        assert response.status_code == 301, path
        assert response["Location"] == target.get_absolute_url()
    # a category that was never a first category goes to its tag page
    politics = client.get("/category/" + quote("політика").lower() + "/")
    assert politics.status_code == 301
    # tags take the official transliteration: the old Cyrillic address moves there
    war = client.get("/tag/" + quote("війна") + "/")
    assert war.status_code == 301 and war["Location"] == "/tag/viina/"
    assert client.get(war["Location"]).status_code == 200
    response = client.get("/tag/" + quote("верховна-рада") + "/")
    tag = Tag.objects.get(name="Верховна Рада")
    assert response.status_code in (200, 301)
    if response.status_code == 301:
        assert response["Location"].endswith(quote(tag.slug) + "/")


def test_imported_redirects_never_shadow_our_pages(client, uploads, article):
    run(UKRAINIAN, media_dir=uploads)
    Redirect.objects.create(site_id=1, old_path=article.get_absolute_url(), new_path="/top/")
    assert client.get(article.get_absolute_url()).status_code == 200
    # the home page is untouched by ?p= handling, cached or not, unknown id or junk
    for path in ["/", "/", "/?p=999999", "/?p=abc", "/?utm_source=x"]:
        assert client.get(path).status_code == 200, path
    assert client.get("/?p=1001").status_code == 301  # also once the home page is cached


def test_imported_tally_shows_and_new_votes_add_exactly(client, uploads):
    run(UKRAINIAN, media_dir=uploads)
    budget = story(1001)
    page = client.get(budget.get_absolute_url()).content.decode()
    assert "4.08" in page or "4,08" in page
    assert not Vote.objects.exists()  # no fabricated votes
    voter = ratings.Voter(cookie_id="reader-1")
    result = ratings.cast_vote(target=budget, field="rating", voter=voter, score=1)
    assert (result.count, result.total) == (13, 50)
    assert ratings.recompute() == []
    call_command("recompute_ratings")  # exits 0: no drift
    call_command("recompute_ratings", "--fix")
    score = Score.objects.get(object_id=budget.pk)
    assert (score.count, score.total, score.imported_count, score.imported_total) == (
        13,
        50,
        12,
        49,
    )


def test_later_export_with_a_new_tally_keeps_our_votes(tmp_path, uploads):
    run(UKRAINIAN, media_dir=uploads)
    budget = story(1001)
    ratings.cast_vote(target=budget, field="rating", voter=ratings.Voter(cookie_id="r1"), score=5)
    later = tmp_path / "later.xml"
    text = UKRAINIAN.read_text("utf-8").replace("[12]]>", "[20]]>").replace("[49]]>", "[90]]>")
    later.write_text(text, "utf-8")
    out = run(later, media_dir=uploads)
    assert "1 updated" in out  # only its rating changed
    assert "Ratings brought from the old site: 1 new or changed." in out
    score = Score.objects.get(object_id=budget.pk)
    assert (score.count, score.total) == (21, 95)
    out = run(later, media_dir=uploads)
    assert "0 updated" in out and "old site: 0 new or changed" in out
    assert ratings.recompute() == []


# --- idempotence, updates, dry run -----------------------------------------------------


def test_reimporting_the_same_export_changes_nothing(uploads, settings):
    run(THEME, UKRAINIAN, media_dir=uploads)
    before = snapshot()
    files = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    version = content_version()
    out = run(THEME, UKRAINIAN, media_dir=uploads)
    assert snapshot() == before
    assert sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == files
    assert "Stories: 0 new, 0 updated, 17 unchanged" in out
    assert "Redirects: 0 new, 0 updated" in out
    assert content_version() != version  # bumped once for the run all the same


def test_later_export_updates_what_changed_and_keeps_editors_work(tmp_path, uploads):
    run(UKRAINIAN, media_dir=uploads)
    edited = story(1003)
    edited.title = "Курс гривні (виправлено редактором)"
    edited.save()
    new_name = quote("бюджет-ухвалено").lower()
    text = UKRAINIAN.read_text("utf-8")
    text = text.replace("Уряд ухвалив бюджет на 2024 рік", "Уряд остаточно ухвалив бюджет")
    text = text.replace(quote("уряд-ухвалив-бюджет").lower(), new_name)
    later = tmp_path / "later.xml"
    later.write_text(text, "utf-8")
    out = run(later, media_dir=uploads)
    budget = story(1001)
    assert budget.title == "Уряд остаточно ухвалив бюджет"
    assert budget.slug == "biudzhet-ukhvaleno"
    assert story(1003).title == "Курс гривні (виправлено редактором)"  # unchanged in WordPress
    assert "1 updated" in out
    assert Article.objects.count() == 4


def test_dry_run_prints_the_report_and_writes_nothing(uploads, settings):
    version = content_version()
    out = run(THEME, UKRAINIAN, media_dir=uploads, dry_run=True)
    assert "Dry run: nothing was written" in out and "Stories: 17 new" in out
    assert "Redirects:" in out and "1 missing." in out
    for model in (Article, Section, Author, Tag, FlatPage, Redirect, WordPressItem, Score):
        assert not model.objects.exists(), model
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.jpg"))
    assert content_version() == version


# --- hostile and broken files ----------------------------------------------------------

WXR_OPEN = (
    '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
    "<wp:wxr_version>1.2</wp:wxr_version>\n"
)
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + WXR_OPEN
    + "<item><title>&xxe;</title><wp:post_type>post</wp:post_type></item></channel></rss>"
)
BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10)
    ).replace("&lol0;", "&lol;")
    + "]>\n"
    + WXR_OPEN
    + "<item><title>&lol9;</title></item></channel></rss>"
)


@pytest.mark.parametrize(("content", "line"), [(XXE, 2), (BOMB, 2)])
def test_xxe_and_entity_bombs_are_refused(tmp_path, content, line):
    path = tmp_path / "hostile.xml"
    path.write_text(content, "utf-8")
    with pytest.raises(CommandError) as error:
        run(path)
    assert f"line {line}: the file declares a DTD" in str(error.value)
    assert "Nothing was imported" in str(error.value)
    assert not Article.objects.exists()


def test_malformed_export_exits_with_the_line_and_writes_nothing(tmp_path, uploads):
    broken = tmp_path / "broken.xml"
    lines = UKRAINIAN.read_text("utf-8").splitlines()
    lines[300] += "<unclosed>&"
    broken.write_text("\n".join(lines), "utf-8")
    with pytest.raises(CommandError, match=r"line 301: "):
        run(UKRAINIAN, broken, media_dir=uploads)
    assert not Article.objects.exists() and not Redirect.objects.exists()


def test_a_file_that_is_not_a_wordpress_export_is_refused(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text('<rss version="2.0"><channel><item><title>x</title></item></channel></rss>')
    with pytest.raises(CommandError, match="not a WordPress export"):
        run(path)


def test_failed_run_leaves_no_files_behind(tmp_path, uploads, settings):
    broken = tmp_path / "broken.xml"
    broken.write_text(THEME.read_text("utf-8").replace("</channel>", ""), "utf-8")
    with pytest.raises(CommandError):
        run(broken, media_dir=uploads)
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.jpg"))


# --- downloading images: --fetch-media and SSRF ----------------------------------------


@pytest.fixture
def image_server(uploads):
    """An HTTP server on 127.0.0.1 serving the uploads copy: a target an export could name."""
    served = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(uploads.parent), **kwargs)

        def translate_path(self, path):
            served.append(path)
            return super().translate_path(path.replace("/wp-content/uploads/", "/uploads/", 1))

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served
    server.shutdown()
    server.server_close()


def _export_pointing_at(tmp_path, base):
    path = tmp_path / "local.xml"
    path.write_text(UKRAINIAN.read_text("utf-8").replace("https://vesti.example.ua", base), "utf-8")
    return path


def test_fetch_media_refuses_loopback_addresses(tmp_path, image_server):
    base, served = image_server
    out = run(_export_pointing_at(tmp_path, base), fetch_media=True)
    assert served == []  # not a single request reached the server
    assert "private, loopback or reserved address" in out
    assert story(1001).lead_image.name == ""  # the story imports without it
    assert not WordPressImage.objects.exists()


def test_fetch_media_downloads_when_private_addresses_are_allowed(tmp_path, image_server):
    base, served = image_server
    out = run(_export_pointing_at(tmp_path, base), fetch_media=True, allow_private_addresses=True)
    budget = story(1001)
    assert budget.lead_image.name == "wordpress/2023/11/kyiv.jpg"
    assert 'src="/media/wordpress/2023/11/rada.jpg"' in budget.body
    assert "/wp-content/uploads/2023/11/kyiv-300x200.jpg" in served  # tried, then the original
    assert "1 missing." in out  # missing-300x200.jpg and its original are not there


def test_fetched_files_that_are_not_images_or_too_large_are_refused(
    tmp_path, image_server, uploads, settings
):
    base, _served = image_server
    (uploads / "2023/11/kyiv.jpg").write_bytes(b"<?php system($_GET['c']); ?>")
    Image.frombytes("RGB", (300, 300), os.urandom(270_000)).save(uploads / "2023/11/rada.jpg")
    settings.ARTICLES_IMAGE_MAX_BYTES = 50_000
    out = run(_export_pointing_at(tmp_path, base), fetch_media=True, allow_private_addresses=True)
    assert "2023/11/kyiv.jpg: Файл не є зображенням або пошкоджений." in out
    assert "2023/11/rada.jpg: larger than" in out
    budget = story(1001)
    assert budget.lead_image.name == "" and "rada" not in budget.body
    assert 'src="/media/wordpress/2023/11/brussels.jpg"' in story(1002).body


def test_uploads_paths_cannot_escape_the_media_folder():
    assert media.uploads_path("https://x/wp-content/uploads/../../etc/passwd") is None
    assert media.uploads_path("https://x/wp-content/uploads/2013/03/a-300x200.jpg") == (
        "2013/03/a-300x200.jpg"
    )
    assert media.original_of("2013/03/a-300x200.jpg") == "2013/03/a.jpg"
    assert media.uploads_path("https://elsewhere.example/pic.jpg") is None


# --- images checked cheaply but whole; links; renditions later -------------------------


def _jpeg(size=(64, 48)):
    from io import BytesIO

    buffer = BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


def test_truncated_images_are_refused_and_whole_ones_kept(uploads):
    whole = _jpeg()
    (uploads / "2023/11/kyiv.jpg").write_bytes(whole[: len(whole) // 2])  # cut short
    (uploads / "2023/11/rada.jpg").write_bytes(whole + b"trailing bytes after the end marker")
    png = uploads / "2023/11/brussels.png"
    Image.new("RGB", (64, 48), (1, 2, 3)).save(png)
    (uploads / "2023/11/brussels.jpg").write_bytes(png.read_bytes()[:-30])  # a PNG, cut short
    out = run(UKRAINIAN, media_dir=uploads)
    assert "2023/11/kyiv.jpg: Файл не є зображенням або пошкоджений." in out
    assert "2023/11/brussels.jpg: Файл не є зображенням або пошкоджений." in out
    budget = story(1001)
    assert budget.lead_image.name == ""
    assert 'src="/media/wordpress/2023/11/rada.jpg"' in budget.body  # decoded in full: fine
    assert "brussels" not in story(1002).body


def test_check_image_reads_the_format_and_size(tmp_path):
    assert media.check_image(_jpeg((40, 30))) == ("JPEG", 40, 30)
    with pytest.raises(fetch.MediaError):
        media.check_image(b"GIF89a<script>alert(1)</script>")


def test_links_out_of_the_media_folder_are_refused(tmp_path, uploads):
    outside = tmp_path / "outside"
    make_image(outside / "secret.jpg")
    (uploads / "2023/11/kyiv.jpg").unlink()
    (uploads / "2023/11/kyiv.jpg").symlink_to(outside / "secret.jpg")  # a file linked out
    (uploads / "2023/11/rada.jpg").unlink()
    (uploads / "2023/11/rada.jpg").symlink_to(uploads / "2013/03/boat.jpg")  # linked within
    (outside / "2013").mkdir()
    make_image(outside / "2013/03/boat.jpg")
    out = run(UKRAINIAN, media_dir=uploads)
    assert "2023/11/kyiv.jpg: outside the media folder" in out
    assert story(1001).lead_image.name == ""
    assert 'src="/media/wordpress/2023/11/rada.jpg"' in story(1001).body
    # a folder linked out of the uploads copy is refused as well
    moved = tmp_path / "elsewhere"
    (uploads / "2023/11").rename(moved)
    (uploads / "2023/11").symlink_to(moved)
    WordPressImage.objects.all().delete()
    WordPressItem.objects.all().delete()
    out = run(UKRAINIAN, media_dir=uploads)
    assert "2023/11/brussels.jpg: outside the media folder" in out


def test_skipped_renditions_are_made_by_the_next_run(uploads):
    out = run(UKRAINIAN, media_dir=uploads, skip_renditions=True)
    assert "Renditions" not in out
    budget = story(1001)
    assert budget.lead_image.name and budget.picture is None
    out = run(UKRAINIAN, media_dir=uploads)
    assert "Stories: 0 new, 0 updated" in out and "Renditions: 1 images into the library" in out
    assert story(1001).picture is not None
    assert "Renditions" not in run(UKRAINIAN, media_dir=uploads)  # none left to make


def test_an_image_that_cannot_be_decoded_keeps_its_story_without_renditions(db, settings):
    name = "wordpress/2023/11/damaged.jpg"
    path = Path(settings.MEDIA_ROOT) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8 not really a JPEG \xff\xd9")
    ArticleFactory(lead_image=name, lead_image_alt="x")
    assert renditions.into_library([name]) == (0, 1)


def _export(path, *items):
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
        'xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        + "".join(items)
        + "</channel></rss>",
        "utf-8",
    )
    return path


def _export_sharing_images(path, posts):
    """Posts that all show one photo (as lead image and as a size variant in the body)."""
    site = "https://vesti.example.ua/wp-content/uploads/2024/01"
    items = []
    for n in range(1, posts + 1):
        body = (
            f'Текст {n}.\n\n<img src="{site}/shared-300x200.jpg" alt="Спільне" />\n\n'
            f'<img src="{site}/own-{n}.jpg" alt="Своє" />\n\n'
            f"Адреса в тексті: {site}/orphan.jpg, її ніхто не показує."
        )
        items.append(
            f"<item><title>Новина {n}</title><wp:post_id>{n}</wp:post_id>"
            f"<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>"
            f"<wp:post_name>novyna-{n}</wp:post_name>"
            f"<wp:post_date_gmt>2024-01-0{n} 10:00:00</wp:post_date_gmt>"
            f"<content:encoded><![CDATA[{body}]]></content:encoded>"
            f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
            f"<wp:meta_value>{100 + n}</wp:meta_value></wp:postmeta></item>"
            f"<item><title>Фото</title><wp:post_id>{100 + n}</wp:post_id>"
            f"<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>"
            f"<wp:attachment_url>{site}/shared.jpg</wp:attachment_url></item>"
        )
    return _export(path, *items)


def _uploads_sharing_images(tmp_path, posts):
    """The uploads copy _export_sharing_images's posts show."""
    uploads = tmp_path / "uploads"
    for name in ["shared", "orphan", *(f"own-{n}" for n in range(1, posts + 1))]:
        make_image(uploads / f"2024/01/{name}.jpg")
    return uploads


def _on_batch(monkeypatch, number, action):
    """BatchWriter.write calls action() on its `number`th batch, before writing it; the list
    of the batches' sizes it was given."""
    write, batches = stories.BatchWriter.write, []

    def on_batch(self, plans):
        batches.append(len(plans))
        if len(batches) == number:
            action()
        write(self, plans)

    monkeypatch.setattr(stories.BatchWriter, "write", on_batch)
    return batches


def test_images_shared_across_batches_are_copied_once(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 2)  # batches overlap: one planned, one copying
    uploads = _uploads_sharing_images(tmp_path, 7)
    out = run(_export_sharing_images(tmp_path / "shared.xml", 7), media_dir=uploads)
    stored = sorted(p.name for p in (Path(settings.MEDIA_ROOT) / "wordpress").rglob("*.jpg"))
    assert stored == sorted(["shared.jpg", *(f"own-{n}.jpg" for n in range(1, 8))])
    assert "Images: 8 copied, 0 missing." in out
    for n in range(1, 8):
        story_n = story(n)
        assert story_n.lead_image.name == "wordpress/2024/01/shared.jpg"
        assert 'src="/media/wordpress/2024/01/shared.jpg"' in story_n.body
        assert f'src="/media/wordpress/2024/01/own-{n}.jpg"' in story_n.body
    assert set(WordPressImage.objects.values_list("source", flat=True)) == {
        "2024/01/shared.jpg",
        "2024/01/shared-300x200.jpg",
        *(f"2024/01/own-{n}.jpg" for n in range(1, 8)),
    }
    assert "Stories: 0 new, 0 updated, 7 unchanged" in run(
        tmp_path / "shared.xml", media_dir=uploads
    )


def test_a_batch_is_written_by_the_writer_while_the_next_is_planned(
    tmp_path, settings, monkeypatch
):
    monkeypatch.setattr(importer, "BATCH", 2)
    uploads = _uploads_sharing_images(tmp_path, 7)
    threads = set()

    def record(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "articles_article"'):
            threads.add(threading.current_thread().name)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        out = run(_export_sharing_images(tmp_path / "shared.xml", 7), media_dir=uploads)
    assert threads == {"wordpress-writer"}
    assert "Stories: 7 new" in out and "Redirects: 7 new" in out
    for n in range(1, 8):
        assert story(n).lead_image.name == "wordpress/2024/01/shared.jpg"
        assert Redirect.objects.get(old_path=f"/?p={n}").new_path == story(n).get_absolute_url()


def test_a_failure_in_the_writer_stops_the_run_and_writes_nothing(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 2)
    uploads = _uploads_sharing_images(tmp_path, 7)

    def fail():
        raise IntegrityError("the third batch cannot be written")

    batches = _on_batch(monkeypatch, 3, fail)
    with pytest.raises(IntegrityError, match="third batch"):
        run(_export_sharing_images(tmp_path / "shared.xml", 7), media_dir=uploads)
    assert batches == [2, 2, 2]  # nothing after the failure
    assert not Article.objects.exists() and not WordPressItem.objects.exists()
    assert not Redirect.objects.exists() and not WordPressImage.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.jpg"))


def test_a_post_listed_again_is_imported_once_from_its_first_copy(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 2)
    uploads = _uploads_sharing_images(tmp_path, 5)
    export = _export_sharing_images(tmp_path / "shared.xml", 5)
    xml = export.read_text("utf-8")

    def again(n):
        item = re.search(rf"<item><title>Новина {n}</title>.*?</item>", xml, re.S).group(0)
        return item.replace(f"Новина {n}<", f"Новина {n}, знову<")

    # batches: 1 2 | 3 4 | 5 4' | 1' (the next batch, and two batches on)
    export.write_text(xml.replace("</channel>", again(4) + again(1) + "</channel>"), "utf-8")
    out = run(export, media_dir=uploads)
    assert "Stories: 5 new, 0 updated, 0 unchanged (5 published" in out
    assert "skipped: posts without an id or listed twice: 2" in out
    assert story(1).title == "Новина 1" and story(4).title == "Новина 4"
    out = run(export, export, media_dir=uploads)  # a file given twice
    assert "Stories: 0 new, 0 updated, 5 unchanged (5 published" in out
    assert "skipped: posts without an id or listed twice: 9" in out  # 2 + 7


def _post(post_id, title, *, date="2024-01-02 10:00:00", link="", meta=()):
    metas = "".join(
        f"<wp:postmeta><wp:meta_key>{k}</wp:meta_key><wp:meta_value>{v}</wp:meta_value>"
        "</wp:postmeta>"
        for k, v in meta
    )
    return (
        f"<item><title>{title}</title><link>{link}</link><wp:post_id>{post_id}</wp:post_id>"
        "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>"
        f"<wp:post_date_gmt>{date}</wp:post_date_gmt>"
        f"<content:encoded><![CDATA[Текст {title}.]]></content:encoded>{metas}</item>"
    )


def test_values_no_story_can_hold_are_reported_not_a_crash(tmp_path):
    export = _export(
        tmp_path / "hostile.xml",
        _post(1, "Рік 3013", date="3013-05-01 10:00:00"),
        _post(2, "Рік 1013", date="1013-05-01 10:00:00"),
        _post(2**70, "Завеликий номер"),
        _post(3, "Завелика оцінка", meta=[("ratings_users", "9" * 11), ("ratings_score", "1")]),
        _post(4, "Нескінченна оцінка", meta=[("ratings_users", "2"), ("ratings_score", "inf")]),
        _post(
            5,
            "Контроль\x9f у заголовку",
            link="https://old.example.ua/2024/01/kontrol/",
            meta=[("_wp_old_slug", "%00"), ("_wp_old_slug", "stara-adresa")],
        ),
        _post(6, "Скрипт", link="javascript:alert(1)"),
        _post(7, "Нуль в адресі", link="https://old.example.ua/2024/01/%00/"),
    )
    out = run(export)
    assert "Stories: 7 new" in out
    assert "posts made drafts: publish time before 1800 or after 2999: 2" in out
    for pk in (1, 2):
        assert story(pk).status == Article.Status.DRAFT
        assert 1800 <= story(pk).published_at.year < 3000
    assert "skipped: posts without an id or listed twice: 1" in out
    assert "ratings not read (too many votes): 1" in out
    assert "ratings not read (not numbers): 1" in out
    assert not Score.objects.exists()
    assert story(5).title == "Контроль у заголовку"
    old_paths = set(Redirect.objects.values_list("old_path", flat=True))
    assert old_paths == {
        *(f"/?p={pk}" for pk in (3, 4, 5, 6, 7)),
        "/2024/01/kontrol/",
        "/2024/01/stara-adresa/",
    }


def test_a_batch_makes_its_new_tags_in_a_few_queries_with_unique_slugs(
    django_assert_num_queries,
):
    kyiv = Tag.objects.create(name="Kyiv", slug="kyiv")
    tag_names = ["Київ", "київ", "Kyiv", *(f"Тема {n}" for n in range(50)), "Київ"]
    cache = {}
    with django_assert_num_queries(5):  # names, slugs, two clashing slugs, one insert
        names.named_all(Tag, tag_names, cache)
    assert cache["Kyiv"] == kyiv
    assert (cache["Київ"].slug, cache["київ"].slug) == ("kyiv-2", "kyiv-3")
    assert cache["Тема 7"].slug == "tema-7" and cache["Тема 7"].pk is not None
    assert Tag.objects.count() == 53
    with django_assert_num_queries(0):
        names.named_all(Tag, tag_names, cache)


def test_sigterm_stops_the_run_like_ctrl_c_and_leaves_nothing(tmp_path, settings, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 2)
    uploads = _uploads_sharing_images(tmp_path, 7)
    # as `kill` or a stopping container does
    batches = _on_batch(monkeypatch, 2, lambda: os.kill(os.getpid(), signal.SIGTERM))
    handler = signal.getsignal(signal.SIGTERM)
    with pytest.raises(CommandError, match="Stopped: nothing was imported"):
        run(_export_sharing_images(tmp_path / "shared.xml", 7), media_dir=uploads)
    assert signal.getsignal(signal.SIGTERM) == handler
    assert len(batches) <= 3
    assert not Article.objects.exists() and not WordPressItem.objects.exists()
    assert not WordPressImage.objects.exists() and not Redirect.objects.exists()
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.jpg"))


def test_progress_counts_every_item_of_the_export(tmp_path, uploads):
    export = _export_sharing_images(tmp_path / "shared.xml", 3)  # it ends with an attachment
    counted, scanned = [], []
    importer.import_export(
        paths=[export],
        media_dir=uploads,
        progress=counted.append,
        on_scanned=lambda result: scanned.append(result.items),
    )
    assert scanned == [6] and sum(counted) == 6


def test_attachment_ids_past_64_bits_are_not_found():
    attachments = reader.Attachments()
    try:
        attachments[7] = reader.Attachment("u", "f", "a", "c", "t", 3)
        attachments[2**70] = reader.Attachment("u", "f", "a", "c", "t", 2**70)
        attachments[8] = reader.Attachment("u", "f", "a", "c", "t", 2**70)
        assert attachments.get(7).parent == 3 and 7 in attachments
        assert attachments.get(2**70) is None and 2**70 not in attachments
        assert attachments.children(3) == [7] and attachments.children(2**70) == []
    finally:
        attachments.close()


def test_a_run_failing_after_copying_images_removes_them(uploads, settings, monkeypatch):
    def fail(self):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(importer.Importer, "archive_redirects", fail)
    with pytest.raises(RuntimeError):
        run(UKRAINIAN, media_dir=uploads)
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.jpg"))
    assert not Article.objects.exists() and not WordPressImage.objects.exists()


def test_a_post_with_a_gigantic_text_is_skipped_and_reported_in_bounded_memory(tmp_path):
    body = "<p>" + "слово " * (reader.MAX_TEXT // 6 + 10) + "</p>"
    export = tmp_path / "huge.xml"
    export.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        "<wp:wxr_version>1.2</wp:wxr_version>"
        "<item><title>Величезна</title><wp:post_id>9001</wp:post_id>"
        "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>"
        "<wp:post_name>velychezna</wp:post_name>"
        "<wp:post_date_gmt>2024-01-01 10:00:00</wp:post_date_gmt>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
        "</channel></rss>",
        "utf-8",
    )
    report = run(export)
    assert not Article.objects.filter(title="Величезна").exists()
    assert "over 1,000,000 characters" in report


def test_a_download_that_drips_stops_at_its_deadline(monkeypatch):
    class Dripping:
        def read1(self, n):
            return b"x"

    clock = iter(range(0, 10_000, 5))
    monkeypatch.setattr(fetch.time, "monotonic", lambda: next(clock))
    with pytest.raises(fetch.MediaError, match="took longer"):
        fetch._read_within(Dripping(), 10_000_000, deadline=30)


# --- images stored by hard link, or copied ----------------------------------------------


def _stored_and_source(settings, uploads):
    lead = story(1001).lead_image.name
    assert lead == "wordpress/2023/11/kyiv.jpg"
    return Path(settings.MEDIA_ROOT) / lead, uploads / "2023/11/kyiv.jpg"


def test_images_of_the_uploads_copy_are_hard_linked_into_storage(uploads, settings):
    run(UKRAINIAN, media_dir=uploads)
    stored, source = _stored_and_source(settings, uploads)
    assert os.path.samefile(stored, source)  # one file, no bytes copied
    source.unlink()  # the uploads copy can go once the import is done
    assert Image.open(stored).size == (64, 48)


def test_copy_media_copies_the_files(uploads, settings):
    run(UKRAINIAN, media_dir=uploads, copy_media=True)
    stored, source = _stored_and_source(settings, uploads)
    assert not os.path.samefile(stored, source)
    assert stored.read_bytes() == source.read_bytes()


def test_a_file_whose_mode_our_storage_would_change_is_copied_not_linked(uploads, settings):
    settings.FILE_UPLOAD_PERMISSIONS = 0o600
    for path in uploads.rglob("*.jpg"):
        path.chmod(0o644)
    run(UKRAINIAN, media_dir=uploads)
    stored, source = _stored_and_source(settings, uploads)
    assert not os.path.samefile(stored, source)
    assert stored.stat().st_mode & 0o777 == 0o600
    assert source.stat().st_mode & 0o777 == 0o644  # the uploads copy is left as it was


def test_images_are_copied_across_file_systems(uploads, settings, tmp_path):
    other = Path("/dev/shm")
    if not other.is_dir() or other.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second file system to store the media on")
    media = other / f"newsroom-test-media-{os.getpid()}-{tmp_path.name}"
    settings.MEDIA_ROOT = media
    try:
        out = run(UKRAINIAN, media_dir=uploads)
        assert re.search(r"Images: [1-9]\d* copied", out)
        stored, source = _stored_and_source(settings, uploads)
        assert stored.read_bytes() == source.read_bytes()
    finally:
        import shutil

        shutil.rmtree(media, ignore_errors=True)


def test_storage_that_cannot_be_written_fails_the_run_and_writes_nothing(uploads, settings):
    media = Path(settings.MEDIA_ROOT)
    media.mkdir(parents=True, exist_ok=True)
    (media / "wordpress").write_text("a file where the folder would be")  # no folder possible
    with pytest.raises(OSError):
        run(UKRAINIAN, media_dir=uploads)
    assert not Article.objects.exists() and not WordPressImage.objects.exists()
    assert not WordPressItem.objects.exists()


# --- hardening (issue 22) ----------------------------------------------------------------


def _jpeg_carrying_html():
    """A whole, valid JPEG with an HTML page in a comment segment: an image to Pillow, a
    web page to a browser that is told it is one."""
    from io import BytesIO

    page = b"<html><body><script>alert(document.cookie)</script></body></html>"
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(buffer, "JPEG", comment=page)
    return buffer.getvalue()


def _export_with_images(path, lead, inline):
    site = "https://vesti.example.ua/wp-content/uploads/2024/01"
    body = f'Текст.\n\n<img src="{site}/{inline}" alt="Графік" />'
    return _export(
        path,
        "<item><title>Новина</title><wp:post_id>1</wp:post_id>"
        "<wp:post_type>post</wp:post_type><wp:status>publish</wp:status>"
        "<wp:post_date_gmt>2024-01-02 10:00:00</wp:post_date_gmt>"
        f"<content:encoded><![CDATA[{body}]]></content:encoded>"
        "<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
        "<wp:meta_value>2</wp:meta_value></wp:postmeta></item>"
        "<item><title>Фото</title><wp:post_id>2</wp:post_id>"
        "<wp:post_type>attachment</wp:post_type><wp:status>inherit</wp:status>"
        f"<wp:attachment_url>{site}/{lead}</wp:attachment_url></item>",
    )


@pytest.mark.parametrize("copy_media", [False, True])
def test_files_named_as_web_pages_are_never_stored_whatever_their_bytes(
    tmp_path, settings, copy_media
):
    uploads = tmp_path / "uploads"
    (uploads / "2024/01").mkdir(parents=True)
    for name in ("lead.html", "chart.svg", "photo.html"):
        (uploads / "2024/01" / name).write_bytes(_jpeg_carrying_html())
    export = _export_with_images(tmp_path / "pages.xml", "lead.html", "chart.svg")
    out = run(export, media_dir=uploads, copy_media=copy_media)
    news = story(1)
    assert news.lead_image.name == ""
    assert "chart.svg" not in news.body and "<img" not in news.body
    assert "2024/01/lead.html: not an image file name (.html)" in out
    assert "2024/01/chart.svg: not an image file name (.svg)" in out
    stored = [p.name for p in (Path(settings.MEDIA_ROOT)).rglob("*") if p.is_file()]
    assert stored == []
    assert not WordPressImage.objects.exists()


def test_an_image_is_stored_under_the_extension_of_its_decoded_format(tmp_path, settings):
    uploads = tmp_path / "uploads"
    make_image(uploads / "2024/01/lead.jpg", fmt="PNG")  # a PNG named .jpg
    (uploads / "2024/01/inline.jpeg").write_bytes(_jpeg_carrying_html())
    run(_export_with_images(tmp_path / "named.xml", "lead.jpg", "inline.jpeg"), media_dir=uploads)
    news = story(1)
    assert news.lead_image.name == "wordpress/2024/01/lead.png"
    with Image.open(Path(settings.MEDIA_ROOT) / news.lead_image.name) as image:
        assert image.format == "PNG"
    assert 'src="/media/wordpress/2024/01/inline.jpeg"' in news.body  # a JPEG: name kept


def test_a_reimport_moves_the_version_so_an_older_form_cannot_undo_it(tmp_path, editor_client):
    from tests.admin_forms import read_form

    first = _export(tmp_path / "v1.xml", _post(1, "Перша версія"))
    run(first)
    news = story(1)
    url = f"/admin/articles/article/{news.pk}/change/"
    data, _options = read_form(editor_client.get(url))  # an editor opens it
    correction = _export(tmp_path / "v2.xml", _post(1, "Виправлена версія"))
    run(correction)  # the old site's correction comes in
    news.refresh_from_db()
    assert news.title == "Виправлена версія" and news.version == 1
    data["_save"] = ["1"]
    response = editor_client.post(url, data)  # the editor saves the form opened before
    assert response.status_code == 200  # refused: the form comes back
    news.refresh_from_db()
    assert news.title == "Виправлена версія"


def test_a_reimport_changing_only_tags_moves_the_version(tmp_path):
    term = '<category domain="post_tag" nicename="{0}"><![CDATA[{0}]]></category>'
    tagged = _post(1, "Новина").replace("</item>", term.format("kyiv") + "</item>")
    run(_export(tmp_path / "v1.xml", _post(1, "Новина")))
    run(_export(tmp_path / "v2.xml", tagged))
    assert story(1).version == 1
    run(_export(tmp_path / "v2.xml", tagged))  # the same again: nothing moves
    assert story(1).version == 1


def test_a_tally_with_no_room_for_new_votes_is_refused_and_voting_works(tmp_path, client):
    MAX = str(2**31 - 1)  # noqa: N806 - the score's count column holds no more
    export = _export(
        tmp_path / "tally.xml",
        _post(1, "Максимум", meta=[("ratings_users", MAX), ("ratings_score", MAX)]),
        _post(
            2, "Мільярд і один", meta=[("ratings_users", "1000000001"), ("ratings_score", "4e9")]
        ),
        _post(3, "Мільярд", meta=[("ratings_users", "1000000000"), ("ratings_score", "4e9")]),
    )
    out = run(export)
    assert "ratings not read (too many votes): 2" in out
    assert "post 1: 2147483647" in out and "post 2: 1000000001" in out
    for pk in (1, 3):
        response = client.post(
            reverse("ratings:vote", args=["articles.article", story(pk).pk, "rating"]),
            {"score": "5"},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 200
    assert response.json()["count"] == 1_000_000_001
    assert Score.objects.get(object_id=story(1).pk).count == 1


def test_hostile_bodies_are_converted_in_linear_time_without_recursion(tmp_path):
    import time

    nested = (
        "".join(f"[su_n{i}]" for i in range(3000))
        + "x"
        + "".join(f"[/su_n{i}]" for i in reversed(range(3000)))
    )
    bodies = {
        "nested": nested,
        "unclosed": "[a]" * 33_000,
        "open brackets": "[a " * 33_000,
        "captions": "[caption]" * 11_000,
        "comments": "<!--" * 25_000,
        "block comments": "<!-- wp:x " * 10_000,
        "tags": "<a " * 33_000,
        "iframes": "<iframe>" * 12_000,
        "videos": "<video>" * 14_000,
        "list items": "<p><li" * 16_000,
        "spaces": " " * 100_000 + "<option>",
    }
    for name, body in bodies.items():
        started = time.process_time()  # this process's own time: the machine may be busy
        converted = content.convert_body(body)
        text.sanitize_html(converted.html)
        assert time.process_time() - started < 1, name
    items = [_post(1, "Вкладені").replace("Текст Вкладені.", nested)]
    items.append(_post(2, "Дужки").replace("Текст Дужки.", "[a " * 33_000))
    started = time.monotonic()
    out = run(_export(tmp_path / "hostile.xml", *items))
    assert time.monotonic() - started < 10
    assert "Stories: 2 new" in out
    assert story(1).body == "<p>x</p>"


def test_images_at_an_ipv6_address_are_fetched_under_the_same_rules(tmp_path, uploads):
    import socket

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(uploads.parent), **kwargs)

        def translate_path(self, path):
            return super().translate_path(path.replace("/wp-content/uploads/", "/uploads/", 1))

        def log_message(self, *args):
            pass

    server = Server(("::1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://[::1]:{server.server_address[1]}"
        boat = f'<img src="{base}/wp-content/uploads/2013/03/boat.jpg" alt="Човен">'
        export = _export(tmp_path / "ipv6.xml", _post(1, "Човен").replace("Текст Човен.", boat))
        out = run(export, fetch_media=True)
        assert "private, loopback or reserved address (::1)" in out  # refused as for IPv4
        assert "boat.jpg" not in story(1).body
        out = run(export, fetch_media=True, allow_private_addresses=True)
        assert 'src="/media/wordpress/2013/03/boat.jpg"' in story(1).body
        assert "Images: 1 copied, 0 missing." in out
    finally:
        server.shutdown()
        server.server_close()


# --- real archives arrive whole (issue 29) ------------------------------------------------


def _post_with(post_id, body, *, link="", extra=""):
    item = _post(post_id, f"Допис {post_id}", link=link).replace(f"Текст Допис {post_id}.", body)
    return item.replace("</item>", extra + "</item>")


def test_a_featured_image_with_a_long_file_name_is_stored_under_a_bounded_name(tmp_path):
    long_name = "a-very-long-file-name-of-a-featured-image-" + "x" * 60 + ".jpg"
    uploads = tmp_path / "uploads"
    make_image(uploads / "2024/01" / long_name)
    export = _export_with_images(tmp_path / "long.xml", long_name, long_name)
    for dry_run in (True, False):
        out = run(export, media_dir=uploads, dry_run=dry_run)
        assert "images stored under another name: 2" in out
    news = story(1)
    assert len(news.lead_image.name) <= 90
    assert news.lead_image.name.startswith("wordpress/2024/01/a-very-long-file-name")
    assert news.lead_image.name.endswith(".jpg")


def test_text_in_square_brackets_stays_and_known_shortcodes_go_by_name(tmp_path):
    body = (
        "He said [the minister] would come [sic]. See [note 1].\n\n"
        '[code lang="c"]for (i = 0; i < n; i++)\n    sum += a[i] * b[j];\n\n[b]x[/b][/code]\n\n'
        "[vc_row][vc_column]Inside a page builder.[/vc_column][/vc_row]"
    )
    out = run(_export(tmp_path / "brackets.xml", _post_with(1, body)))
    news = story(1).body
    assert "[the minister]" in news and "[sic]" in news and "[note 1]" in news
    assert "<pre><code>for (i = 0; i &lt; n; i++)\n    sum += a[i] * b[j];\n\n[b]x[/b]" in news
    assert "Inside a page builder." in news and "vc_row" not in news
    assert "shortcodes removed: [vc_row]: 1" in out and "#1 Допис 1" in out
    assert "[sic]" not in out


def test_tables_code_headings_and_corrections_keep_their_form(tmp_path, client):
    body = (
        '<!-- wp:heading {"level":1} --><h1>Top</h1><!-- /wp:heading -->'
        '<!-- wp:table --><figure class="wp-block-table"><table><thead><tr><th>Cell 1</th>'
        "<th>Cell 2</th></tr></thead><tbody><tr><td>Cell 3</td><td>Cell 4</td></tr></tbody>"
        "</table></figure><!-- /wp:table -->"
        '<!-- wp:code --><pre class="wp-block-code"><code>line one\n\n    indented</code></pre>'
        "<!-- /wp:code --><!-- wp:paragraph --><p>Was <del>wrong</del> right.</p>"
        "<!-- /wp:paragraph --><h5>Small</h5><dl><dt>Term</dt><dd>Meaning</dd></dl>"
    )
    run(_export(tmp_path / "forms.xml", _post_with(1, body)))
    news = story(1).body
    assert "<h2>Top</h2>" in news and "<h4>Small</h4>" in news and "<h1>" not in news
    assert "<th>Cell 1</th><th>Cell 2</th>" in news and "<td>Cell 4</td>" in news
    assert "<pre><code>line one\n\n    indented</code></pre>" in news
    assert "<del>wrong</del>" in news and "<dt>Term</dt>\n<dd>Meaning</dd>" in news
    page = client.get(story(1).get_absolute_url()).content.decode()
    assert "<td>Cell 4</td>" in page


def test_classic_text_in_a_block_post_becomes_paragraphs(tmp_path):
    body = (
        "First classic paragraph.\n\nSecond classic paragraph.\n"
        "<!-- wp:paragraph --><p>A block.</p><!-- /wp:paragraph -->\n\nAfter the block."
    )
    run(_export(tmp_path / "classic.xml", _post_with(1, body)))
    news = story(1).body
    assert "<p>First classic paragraph.</p>" in news
    assert "<p>Second classic paragraph.</p>" in news
    assert "<p>A block.</p>" in news and "<p>After the block.</p>" in news


def test_comments_that_are_not_brought_are_reported_by_post(tmp_path):
    comment = (
        "<wp:comment><wp:comment_id>{0}</wp:comment_id><wp:comment_approved>{1}"
        "</wp:comment_approved><wp:comment_content>Hi</wp:comment_content></wp:comment>"
    )
    comments = comment.format(1, 1) + comment.format(2, 1) + comment.format(3, "spam")
    out = run(_export(tmp_path / "comments.xml", _post_with(1, "Text.", extra=comments)))
    assert "posts whose approved comments were not brought (this site has none): 1" in out
    assert "#1 Допис 1: 2" in out


def test_a_subfolder_install_keeps_every_old_address(tmp_path, client):
    term = '<category domain="{0}" nicename="{1}"><![CDATA[{2}]]></category>'
    extra = term.format("category", "world", "World") + term.format("post_tag", "kyiv", "Kyiv")
    post = _post_with(7, "Text.", link="http://example.com/news/2024/01/world-news/", extra=extra)
    post = post.replace("<item>", "<item><dc:creator>editor</dc:creator>")
    export = _export(tmp_path / "subfolder.xml", "<link>http://example.com/news/</link>", post)
    export.write_text(
        export.read_text("utf-8").replace(
            "<rss ", '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" '
        ),
        "utf-8",
    )
    run(export)
    url = story(7).get_absolute_url()
    for old in ("/news/2024/01/world-news/", "/news/?p=7", "/?p=7"):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == url, old
    for old in ("/news/category/world/", "/news/tag/kyiv/", "/news/author/editor/"):
        assert client.get(old).status_code == 301, old


def test_an_old_post_address_that_is_one_of_our_pages_is_reported(tmp_path):
    post = _post_with(1, "Text.", link="http://old.example/search/")
    out = run(_export(tmp_path / "ours.xml", post))
    assert "posts whose old address is one of our own pages (not redirected): 1" in out
    assert "#1 Допис 1: /search/" in out
