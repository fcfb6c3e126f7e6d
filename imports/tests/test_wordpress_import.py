"""import_wordpress: WXR exports of several WordPress versions become stories, pages,
ratings and redirects; hostile XML is refused; re-imports are idempotent."""

from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.flatpages.models import FlatPage
from django.contrib.redirects.models import Redirect
from django.core.management import call_command
from django.core.management.base import CommandError
from taggit.models import Tag

from articles import neighbours
from articles.delivery.content_version import content_version
from articles.models import Article, Author, Neighbour, Section, WordPressItem
from imports.tests.wordpress import (
    FIXTURES,
    THEME,
    UKRAINIAN,
    run,
    snapshot,
    story,
)
from imports.wordpress import content, importer
from ratings import services as ratings
from ratings.models import Score, Vote

pytestmark = pytest.mark.django_db


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
    out = run(THEME, media_dir=uploads, skip_renditions=True)
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
    dropped = "posts with blocks the old site drew itself (no text of their own), dropped"
    assert f"{dropped}: 1\n" in out and ": latest-posts\n" in out


def test_classic_content_shortcodes_and_paragraphs(uploads):
    out = run(THEME, media_dir=uploads, skip_renditions=True)
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
    assert "posts with shortcodes removed (any text inside them kept): 1\n" in out
    assert ": [su_note], [contact-form-7]\n" in out


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
    run(UKRAINIAN, media_dir=uploads, skip_renditions=True)
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
    }
    for path, target in cases.items():
        response = client.get(path)
        assert response.status_code == 301, path
        assert response["Location"] == target.get_absolute_url()
    # an author is made under their old archive's slug: the old address is their page
    assert Author.objects.get(name="Олена Коваленко").get_absolute_url() == "/author/okovalenko/"
    assert client.get("/author/okovalenko/").status_code == 200
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


def test_an_import_purges_the_pages_in_front_once_it_commits(
    uploads, purges, django_capture_on_commit_callbacks
):
    """Stories, redirects and pages are written in bulk, with no signals of their own."""
    with django_capture_on_commit_callbacks(execute=True):
        run(UKRAINIAN, media_dir=uploads, dry_run=True)
    assert purges == []
    with django_capture_on_commit_callbacks(execute=True):
        run(UKRAINIAN, media_dir=uploads)
    assert {"nav"} in purges
