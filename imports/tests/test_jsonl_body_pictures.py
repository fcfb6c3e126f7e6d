"""import_articles and the pictures of a body: another site's copied into the library and
shown from it, or the whole import refused with the line, the address and why."""

import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from articles.models import Article
from images import body as text_pictures
from images.models import Image
from images.tests.photos import photo


def write(tmp_path, records, name="stories.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
    return str(path)


def story(slug, body):
    return {"title": f"Новина {slug}", "body": body, "slug": slug}


def figure(src, alt="Площа", caption="Мітинг на площі"):
    return f'<figure><img src="{src}" alt="{alt}"><figcaption>{caption}</figcaption></figure>'


@pytest.fixture
def site(image_server, uploads):
    """The address of a site with two different photos and a page that is not a picture."""
    base, served = image_server
    (uploads / "2026").mkdir()
    (uploads / "2026" / "kyiv.jpg").write_bytes(photo(mark_at=(0.2, 0.3)).read())
    (uploads / "2026" / "rada.jpg").write_bytes(photo(mark_at=(0.7, 0.6)).read())
    (uploads / "2026" / "page.jpg").write_bytes(b"<html>not a picture</html>")
    return f"{base}/uploads/2026", served


def run(path, **options):
    call_command("import_articles", path, verbosity=0, **options)


def stored_files():
    return sorted(str(p) for p in Path(default_storage.location).rglob("*") if p.is_file())


def test_pictures_of_another_site_in_a_body_are_copied_into_the_library(db, tmp_path, site):
    base, served = site
    body = "<p>Текст.</p>" + figure(f"{base}/kyiv.jpg") + figure(f"{base}/rada.jpg", "Рада")
    path = write(tmp_path, [story("persha", body), story("druha", figure(f"{base}/kyiv.jpg"))])
    run(path, allow_private_addresses=True)
    assert served.count("/uploads/2026/kyiv.jpg") == 1  # one download for both stories
    kyiv, rada = Image.objects.order_by("pk")
    assert (kyiv.alt, kyiv.caption, kyiv.source) == ("Площа", "Мітинг на площі", f"{base}/kyiv.jpg")
    first, second = Article.objects.order_by("slug")[1], Article.objects.order_by("slug")[0]
    assert "127.0.0.1" not in first.body and "127.0.0.1" not in second.body
    assert text_pictures.library_ids(first.body) == [kyiv.pk, rada.pk]
    assert list(first.pictures_in_text.order_by("text_uses__position")) == [kyiv, rada]
    assert list(second.pictures_in_text.all()) == [kyiv]
    versions = {a.slug: a.version for a in Article.objects.all()}
    run(path, allow_private_addresses=True)  # the same file again: nothing changes
    assert Image.objects.count() == 2
    assert {a.slug: a.version for a in Article.objects.all()} == versions


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("missing.jpg", {"allow_private_addresses": True}, "HTTP 404"),
        ("page.jpg", {"allow_private_addresses": True}, "не є зображенням"),
        ("kyiv.jpg", {}, "private, loopback or reserved address"),
    ],
)
def test_a_body_picture_that_cannot_be_had_stops_the_whole_import(
    db, tmp_path, site, capsys, name, options, message
):
    base, _served = site
    src = f"{base}/{name}"
    path = write(
        tmp_path,
        [story("persha", figure(f"{base}/rada.jpg")), story("druha", "<p>А.</p>" + figure(src))],
    )
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_articles", path, **options)
    errors = capsys.readouterr().err
    assert f"line 2: body: {src}: " in errors and message in errors
    assert not Article.objects.exists() and not Image.objects.exists()


def test_a_body_picture_too_large_is_refused(db, tmp_path, site, capsys, settings):
    base, _served = site
    settings.ARTICLES_IMAGE_MAX_BYTES = 1024
    path = write(tmp_path, [story("persha", figure(f"{base}/kyiv.jpg"))])
    with pytest.raises(CommandError):
        call_command("import_articles", path, allow_private_addresses=True)
    assert f"line 1: body: {base}/kyiv.jpg: larger than" in capsys.readouterr().err
    assert not Article.objects.exists() and not Image.objects.exists()


@pytest.mark.parametrize("src", ["/static/img/logo.png", "photos/kyiv.jpg"])
def test_a_body_picture_of_no_web_address_is_refused(db, tmp_path, capsys, src):
    path = write(tmp_path, [story("persha", figure(src))])
    with pytest.raises(CommandError):
        call_command("import_articles", path)
    errors = capsys.readouterr().err
    assert f"line 1: body: {src}: only pictures of http(s) addresses can be copied" in errors
    assert not Article.objects.exists()


def test_a_library_picture_no_longer_there_is_refused_and_nothing_written(
    db, tmp_path, site, capsys
):
    base, _served = site
    gone = default_storage.url("renditions/library/999999/story.jpg")
    records = [story("persha", figure(f"{base}/rada.jpg")), story("druha", figure(gone))]
    with pytest.raises(CommandError):
        call_command("import_articles", write(tmp_path, records), allow_private_addresses=True)
    errors = capsys.readouterr().err
    assert "line 2: body: " in errors and gone in errors
    assert not Article.objects.exists() and not Image.objects.exists()


def test_a_dry_run_stores_no_picture_and_reports_what_would_fail(db, tmp_path, site, capsys):
    base, _served = site
    good = write(tmp_path, [story("persha", figure(f"{base}/kyiv.jpg"))])
    before = stored_files()
    call_command("import_articles", good, dry_run=True, allow_private_addresses=True)
    assert "would have 1 created" in capsys.readouterr().out
    assert not Article.objects.exists() and not Image.objects.exists()
    assert stored_files() == before
    run(good, allow_private_addresses=True)
    call_command("import_articles", good, dry_run=True, allow_private_addresses=True)
    assert "would have 0 created, 0 updated, 1 unchanged" in capsys.readouterr().out
    bad = write(tmp_path, [story("druha", figure(f"{base}/missing.jpg"))], name="bad.jsonl")
    with pytest.raises(CommandError):
        call_command("import_articles", bad, dry_run=True, allow_private_addresses=True)
    assert "line 1: body: " in capsys.readouterr().err
