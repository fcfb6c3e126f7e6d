"""import_wordpress and images: downloads under SSRF rules, files checked whole, links
refused, renditions made later, images shared across batches copied once, hard links."""

import os
import re
import signal
import threading
from pathlib import Path

import pytest
from django.contrib.redirects.models import Redirect
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from PIL import Image
from taggit.models import Tag

from articles.models import Article, WordPressImage, WordPressItem
from imports import names
from imports.tests.wordpress import (
    UKRAINIAN,
    make_image,
    post_item,
    run,
    story,
    write_export,
)
from imports.wordpress import archives, fetch, importer, media, reader, renditions, stories
from ratings.models import Score
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


# --- downloading images: --fetch-media and SSRF ----------------------------------------


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
    out = run(
        _export_pointing_at(tmp_path, base),
        fetch_media=True,
        allow_private_addresses=True,
        skip_renditions=True,
    )
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
    out = run(
        _export_pointing_at(tmp_path, base),
        fetch_media=True,
        allow_private_addresses=True,
        skip_renditions=True,
    )
    assert "2023/11/kyiv.jpg (not an image, or a damaged one)" in out
    assert "rada.jpg: larger than 0 MB)" in out
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
    out = run(UKRAINIAN, media_dir=uploads, skip_renditions=True)
    assert "2023/11/kyiv.jpg (not an image, or a damaged one)" in out
    assert "brussels.jpg: not an image, or a damaged one)" in out
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
    out = run(UKRAINIAN, media_dir=uploads, skip_renditions=True)
    assert "2023/11/kyiv.jpg (outside the media folder)" in out
    assert story(1001).lead_image.name == ""
    assert 'src="/media/wordpress/2023/11/rada.jpg"' in story(1001).body
    # a folder linked out of the uploads copy is refused as well
    moved = tmp_path / "elsewhere"
    (uploads / "2023/11").rename(moved)
    (uploads / "2023/11").symlink_to(moved)
    WordPressImage.objects.all().delete()
    WordPressItem.objects.all().delete()
    out = run(UKRAINIAN, media_dir=uploads, skip_renditions=True)
    assert "2023/11/brussels-1024x683.jpg (outside the media folder)" in out


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
    return write_export(path, *items)


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
    out = run(
        _export_sharing_images(tmp_path / "shared.xml", 7), media_dir=uploads, skip_renditions=True
    )
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
        tmp_path / "shared.xml", media_dir=uploads, skip_renditions=True
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
    assert importer.LISTED_AGAIN + ": 2" in out and "#4 Новина 4, знову (line " in out
    assert story(1).title == "Новина 1" and story(4).title == "Новина 4"
    out = run(export, export, media_dir=uploads)  # a file given twice
    assert "Stories: 0 new, 0 updated, 5 unchanged (5 published" in out
    assert importer.LISTED_AGAIN + ": 9" in out  # 2 + 7


def test_values_no_story_can_hold_are_reported_not_a_crash(tmp_path):
    export = write_export(
        tmp_path / "hostile.xml",
        post_item(1, "Рік 3013", date="3013-05-01 10:00:00"),
        post_item(2, "Рік 1013", date="1013-05-01 10:00:00"),
        post_item(2**70, "Завеликий номер"),
        post_item(3, "Завелика оцінка", meta=[("ratings_users", "9" * 11), ("ratings_score", "1")]),
        post_item(4, "Нескінченна оцінка", meta=[("ratings_users", "2"), ("ratings_score", "inf")]),
        post_item(
            5,
            "Контроль\x9f у заголовку",
            link="https://old.example.ua/2024/01/kontrol/",
            meta=[("_wp_old_slug", "%00"), ("_wp_old_slug", "stara-adresa")],
        ),
        post_item(6, "Скрипт", link="javascript:alert(1)"),
        post_item(7, "Нуль в адресі", link="https://old.example.ua/2024/01/%00/"),
    )
    out = run(export)
    assert "Stories: 7 new" in out
    assert "posts made drafts: publish time before 1800 or after 2999: 2" in out
    for pk in (1, 2):
        assert story(pk).status == Article.Status.DRAFT
        assert 1800 <= story(pk).published_at.year < 3000
    assert "skipped: posts without an id: 1" in out
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

    monkeypatch.setattr(archives.Archives, "redirects", fail)
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
