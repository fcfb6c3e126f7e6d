"""What import_wordpress tells its operator: images of other sites (hotlinks) copied in or
reported one by one, reasons in plain words, each post named once per kind of loss, and
an item listed twice imported once."""

import pytest
from django.core.management.base import CommandError

from articles.models import Article, WordPressImage
from imports.tests.wordpress import make_image, post_item, run, story, write_export
from imports.wordpress import importer
from imports.wordpress.report import Report

pytestmark = pytest.mark.django_db

UPLOADS_URL = "https://old.example.ua/wp-content/uploads"


def _post(post_id, body, *, extra=""):
    item = post_item(post_id, f"Допис {post_id}").replace(f"Текст Допис {post_id}.", body)
    return item.replace("</item>", extra + "</item>")


def test_images_of_other_sites_are_dropped_and_reported_without_fetch_media(tmp_path, uploads):
    body = (
        '<p>Before <img src="https://placehold.example/300x200" alt="A placeholder"> after.</p>'
        '<p><img src="/wp-includes/images/smilies/icon_smile.gif" alt=":)"></p>'
    )
    export = write_export(
        tmp_path / "hotlinks.xml", "<link>https://old.example.ua</link>", _post(1, body)
    )
    out = run(export, media_dir=uploads)
    news = story(1).body
    assert "<img" not in news and "A placeholder" in news and ":)" in news
    assert "Images: 0 copied, 2 missing." in out
    assert (
        "#1 Допис 1: https://placehold.example/300x200 (at placehold.example, not in the old "
        "site's uploads: brought only with --fetch-media)"
    ) in out
    assert "#1 Допис 1: /wp-includes/images/smilies/icon_smile.gif (at old.example.ua, not" in out
    assert story(1).wordpress.missing_media  # the next run tries again


def test_images_of_other_sites_are_copied_in_with_fetch_media(tmp_path, image_server, settings):
    base, served = image_server
    settings.SITE_URL = "https://news.example.org"  # not the image server's 127.0.0.1
    policy = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {**policy["DIRECTIVES"], "img-src": ["'self'", "*.cdn.example.org"]}
    }
    body = (
        f'<img src="{base}/uploads/2013/03/boat.jpg" alt="A boat">'
        f'<img src="{base}/uploads/2013/03/boat.jpg" alt="Again">'
        '<img src="https://img.cdn.example.org/x.jpg" alt="Ours">'
    )
    export = write_export(tmp_path / "hotlinks.xml", _post(1, body))
    out = run(export, fetch_media=True, allow_private_addresses=True, skip_renditions=True)
    news = story(1).body
    assert "Images: 1 copied, 0 missing." in out
    assert served.count("/uploads/2013/03/boat.jpg") == 1
    stored = WordPressImage.objects.get(source=f"{base}/uploads/2013/03/boat.jpg")
    assert stored.file.startswith("wordpress/elsewhere/127.0.0.1/") and stored.file.endswith(".jpg")
    assert news.count(f'src="/media/{stored.file}"') == 2
    assert 'src="https://img.cdn.example.org/x.jpg"' in news  # a host the policy allows
    assert not story(1).wordpress.missing_media


def test_images_of_formats_we_do_not_take_say_so_in_plain_words(tmp_path, uploads):
    make_image(uploads / "2024/01/scan.bmp", fmt="BMP")
    make_image(uploads / "2024/01/drawn.jpg", fmt="BMP")  # a BMP named as a JPEG
    (uploads / "2024/01/new.avif").write_bytes(b"\0\0\0\x1cftypavif" + b"\0" * 64)
    body = "".join(
        f'<a href="{UPLOADS_URL}/2024/01/{name}"><img src="{UPLOADS_URL}/2024/01/{name}"></a>'
        for name in ("scan.bmp", "drawn.jpg", "new.avif")
    )
    out = run(write_export(tmp_path / "formats.xml", _post(1, body)), media_dir=uploads)
    for name, fmt in (("scan.bmp", "BMP"), ("drawn.jpg", "BMP"), ("new.avif", "AVIF")):
        line = (
            f"#1 Допис 1: {UPLOADS_URL}/2024/01/{name} ({fmt} image: only JPEG, PNG, GIF and "
            "WebP are imported; convert it and import again)"
        )
        assert out.count(line) == 1, name  # once, though the text links to it too
    assert "Завантаж" not in out and "Images: 0 copied, 3 missing." in out


def test_each_post_is_named_once_with_the_blocks_shortcodes_and_forms_it_lost(tmp_path):
    body = (
        "<!-- wp:archives /--><!-- wp:archives /--><!-- wp:search /-->"
        "<!-- wp:paragraph --><p>[su_note]Kept[/su_note] [su_note]Too[/su_note]</p>"
        "<!-- /wp:paragraph -->"
    )
    form = "<form><label>Name</label><select><option>One</option></select></form>"
    out = run(
        write_export(tmp_path / "lost.xml", _post(1, body), _post(2, "<!-- wp:rss /-->" + form))
    )
    assert f"{importer.BLOCKS_DROPPED}: 2\n" in out
    assert "    #1 Допис 1: archives ×2, search\n    #2 Допис 2: rss\n" in out
    assert f"{importer.SHORTCODES_REMOVED}: 1\n    #1 Допис 1: [su_note] ×2\n" in out
    assert f"{importer.FORMS_DROPPED}: 1\n    #2 Допис 2\n" in out
    assert "Kept" in story(1).body and "Too" in story(1).body


def test_a_page_listed_twice_is_imported_once_and_stays_unchanged(tmp_path):
    page = (
        "<item><title>{0}</title><link>https://old.example.ua/about/</link>"
        "<wp:post_id>9</wp:post_id><wp:post_type>page</wp:post_type>"
        "<wp:status>publish</wp:status><wp:post_name>about</wp:post_name>"
        "<content:encoded><![CDATA[{0} text.]]></content:encoded></item>"
    )
    export = write_export(tmp_path / "pages.xml", page.format("About"), page.format("Empty"))
    out = run(export)
    assert "Pages: 1 new, 0 updated, 0 unchanged." in out
    assert f"{importer.LISTED_AGAIN}: 1\n    #9 Empty (line " in out
    out = run(export)
    assert "Pages: 0 new, 0 updated, 1 unchanged." in out


def test_the_printed_report_names_every_post_and_the_full_one_says_what_each_lost(tmp_path):
    ids = [*range(1, 14), 20, 22, 23, *range(30, 150)]
    posts = [_post(n, f"<!-- wp:search /-->Text {n}.") for n in ids]
    export = write_export(tmp_path / "many.xml", *posts)
    full = tmp_path / "report.txt"
    out = run(export, full_report=str(full))
    assert f"{importer.BLOCKS_DROPPED}: 136\n" in out and "    #10 Допис 10: search\n" in out
    assert "#11 Допис 11" not in out  # ten described, then every one named
    assert "    every one (136): #1–#13, #20, #22, #23, #30–#149\n" in out
    assert "--full-report FILE says what each one lost" in out
    written = full.read_text("utf-8")
    assert all(f"#{n} Допис {n}: search\n" in written for n in ids)
    assert "every one" not in written


def test_the_posts_of_a_kind_of_loss_are_named_on_lines_of_at_most_a_hundred_characters():
    report = Report()
    for n in range(1, 2000, 2):  # no runs: each id named
        report.note("posts with a loss", f"#{n} Допис {n}: why")
    report.note("posts with a loss", f"#{1} Допис 1: again")  # a post named once
    report.note("posts with a loss", "line 12")  # an item without an id: named as it is
    lines = report.lines(10)
    start = lines.index("posts with a loss: 1002")
    named = lines[start + 11 : -1]
    assert named[0].startswith("    every one (1001): #1, #3, #5,")
    assert all(len(line) <= 100 for line in named) and len(named) > 50
    assert " ".join(named).split()[-1] == "12"
    assert sum(line.count("#") for line in named) == 1000
    assert lines[-1] == "    (--full-report FILE says what each one lost)"


def test_a_full_report_that_cannot_be_written_stops_before_the_import(tmp_path):
    export = write_export(tmp_path / "one.xml", _post(1, "Text."))
    with pytest.raises(CommandError, match="--full-report"):
        run(export, full_report=str(tmp_path / "no-such-folder" / "report.txt"))
    assert not Article.objects.exists()
